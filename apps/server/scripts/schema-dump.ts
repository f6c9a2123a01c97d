// The database as `migrate` installs it, for reviewers: `pg_dump --schema-only` of a fresh
// database migrated by this server, written to apps/server/schema.sql. With --check, fails when
// that file differs from what the migrations make now (CI runs it, like the generated files).
//   pnpm --filter @sequin/server schema:dump [--check]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { adminUrlFrom, createDatabase } from "@sequin/test-db";
import { migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";

const file = fileURLToPath(new URL("../schema.sql", import.meta.url));
const check = process.argv.includes("--check");

const database = await createDatabase({ adminUrl: adminUrlFrom(), prefix: "sqschema" });
let dump: string;
try {
  const db = await openDatabase({ databaseUrl: database.url, poolMax: 1 });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  const raw = execFileSync(
    "pg_dump",
    ["--schema-only", "--no-owner", "--no-privileges", "--no-comments", database.url],
    { encoding: "utf8" },
  );
  // Only what the migrations decide: no dump header, no session settings, no blank runs.
  dump = `-- The schema as migrate installs it (apps/server/scripts/schema-dump.ts); do not edit.\n${raw
    .split("\n")
    .filter((line) => !/^-- Dumped (from|by) /.test(line))
    .filter((line) => !/^(SET |SELECT pg_catalog\.set_config|\\(un)?restrict )/.test(line))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()}\n`;
} finally {
  await database.drop();
}

if (check) {
  const committed = readFileSync(file, "utf8");
  if (committed !== dump) {
    console.error(
      "apps/server/schema.sql is not what the migrations install: run `pnpm --filter @sequin/server schema:dump` and commit it",
    );
    process.exit(1);
  }
  console.log("apps/server/schema.sql matches the migrations");
} else {
  writeFileSync(file, dump);
  console.log(`wrote ${file}`);
}
