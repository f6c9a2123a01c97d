import { defineConfig } from "vitest/config";

// `pnpm test`: the hostile-input fuzzer and the security probes (the fault suite is test:fault).
export default defineConfig({
  test: {
    include: ["test/hostile/**/*.test.ts", "test/security/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
