import { defineConfig } from "vitest/config";

// The browser tests: a real built server on real Postgres, driven through headless Chromium.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    fileParallelism: false,
  },
});
