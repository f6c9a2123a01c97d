import { cp, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { defineConfig } from "tsup";

export default defineConfig({
  entry: { cli: "src/cli.ts", index: "src/index.ts" },
  format: ["esm"],
  target: "node20",
  dts: false,
  sourcemap: true,
  clean: true,
  external: [
    "@electric-sql/pglite",
    "pg",
    "pino",
    "express",
    "zod",
    "@sequin/client",
    "prom-client",
  ],
  // The SQL migrations are read at run time from "./migrations" next to the running module:
  // src/db/migrations from source, dist/migrations from the bundle (see src/db/migrate.ts).
  // The API reference page's files are copied to dist/docs (see src/pages/docs.ts): a built server
  // serves /docs without the redoc package or the repository.
  async onSuccess() {
    await cp("src/db/migrations", "dist/migrations", { recursive: true });
    await mkdir("dist/docs", { recursive: true });
    await cp(
      createRequire(import.meta.url).resolve("redoc/bundles/redoc.standalone.js"),
      "dist/docs/redoc.standalone.js",
    );
    await cp("../../openapi.yaml", "dist/docs/openapi.yaml");
  },
});
