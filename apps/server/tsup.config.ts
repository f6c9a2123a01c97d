import { cp } from "node:fs/promises";
import { defineConfig } from "tsup";

export default defineConfig({
  entry: { cli: "src/cli.ts", index: "src/index.ts" },
  format: ["esm"],
  target: "node20",
  dts: false,
  sourcemap: true,
  clean: true,
  external: ["@electric-sql/pglite", "pg", "pino", "express", "zod", "@sequin/client"],
  // The SQL migrations are read at run time from "./migrations" next to the running module:
  // src/db/migrations from source, dist/migrations from the bundle (see src/db/migrate.ts).
  async onSuccess() {
    await cp("src/db/migrations", "dist/migrations", { recursive: true });
  },
});
