import { defineConfig } from "tsup";

export default defineConfig({
  entry: { cli: "src/cli.ts", index: "src/index.ts" },
  format: ["esm"],
  target: "node20",
  dts: false,
  sourcemap: true,
  clean: true,
  // SQL migrations are read from src/db/migrations at run time; see src/db/migrate.ts.
  external: ["@electric-sql/pglite", "pg", "pino", "express", "zod", "@sequin/client"],
});
