import { existsSync } from "node:fs";
import { defineConfig } from "tsup";

export default defineConfig({
  // Subpath entries are built once their source exists (each maps to an export in package.json).
  entry: Object.fromEntries(
    Object.entries({
      index: "src/index.ts",
      schemas: "src/schemas.ts",
      "upsert/pg": "src/upsert/pg.ts",
      "upsert/drizzle": "src/upsert/drizzle.ts",
      "upsert/prisma": "src/upsert/prisma.ts",
      "mock/index": "src/mock/index.ts",
    }).filter(([, file]) => existsSync(file)),
  ),
  format: ["esm"],
  target: "node20",
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  external: ["zod", "pg", "drizzle-orm", "@prisma/client", "msw"],
});
