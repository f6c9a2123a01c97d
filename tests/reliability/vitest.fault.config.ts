import { defineConfig } from "vitest/config";

// The fault suite: real processes (replicas, workers, a throwaway Postgres), one file at a time
// so their timings do not disturb each other. Run by `pnpm test:fault` as its own CI step.
export default defineConfig({
  test: {
    include: ["test/fault/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
