import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // A scenario takes well under a second; the 1000-message batch on PGlite is the slowest.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", "./src/report/conformance-reporter.ts"],
  },
});
