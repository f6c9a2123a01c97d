import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MIGRATION_LOCK } from "./advisory-locks.js";
import type { Db } from "./db.js";

/** One numbered SQL file of the migrations folder. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

// From src/db/migrate.ts (tsx, vitest) the folder is ./migrations; from the bundle in dist/ it
// is dist/migrations, copied there by tsup (see tsup.config.ts). Both are "./migrations".
/** The folder holding NNNN_name.sql files. */
export function migrationsDir(): string {
  const dir = fileURLToPath(new URL("./migrations/", import.meta.url));
  if (!existsSync(dir)) throw new Error(`SQL migrations not found in ${dir}`);
  return dir;
}

/** Reads the migrations in version order. */
export async function loadMigrations(dir = migrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ""),
      sql: await readFile(join(dir, file), "utf8"),
    })),
  );
}

/**
 * Applies the migrations not applied yet, all in one transaction under an advisory lock, so any
 * number of servers can start against one database at once: one migrates, the others wait and
 * find nothing left to do. Returns the versions it applied.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<number[]> {
  const pending = migrations ?? (await loadMigrations());
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number }>("SELECT version FROM schema_migrations");
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of pending) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
