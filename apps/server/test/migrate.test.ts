import { afterAll, describe, expect, it } from "vitest";
import { loadMigrations, migrate, migrationsDir } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";
import { createEmptyDatabase } from "./helpers/database.js";

const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const drop of drops) await drop();
});

describe("migrations", () => {
  it("finds the numbered SQL files", async () => {
    expect(migrationsDir()).toMatch(/migrations\/?$/);
    const migrations = await loadMigrations();
    expect(migrations[0]).toMatchObject({ version: 1, name: "0001_init" });
    expect(migrations.map((m) => m.version)).toEqual(
      [...migrations.map((m) => m.version)].sort((a, b) => a - b),
    );
  });

  it("several servers migrating one empty database at once: applied once, nobody fails", async () => {
    const { url, drop } = await createEmptyDatabase();
    drops.push(drop);
    const dbs = await Promise.all(
      [1, 2, 3, 4].map(() => openDatabase({ databaseUrl: url, poolMax: 2 })),
    );
    try {
      const applied = await Promise.all(dbs.map((db) => migrate(db)));
      const all = await loadMigrations();
      expect(applied.flat().sort((a, b) => a - b)).toEqual(all.map((m) => m.version));
      expect(applied.filter((a) => a.length > 0)).toHaveLength(1);
      const { rows } = await dbs[0]!.query<{ version: number }>(
        "SELECT version FROM schema_migrations ORDER BY 1",
      );
      expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
      expect(await migrate(dbs[0]!)).toEqual([]);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it("a failing migration leaves nothing half applied", async () => {
    const { url, drop } = await createEmptyDatabase();
    drops.push(drop);
    const db = await openDatabase({ databaseUrl: url });
    try {
      const broken = [
        {
          version: 1,
          name: "0001_broken",
          sql: "CREATE TABLE a (x int); SELECT * FROM missing_table;",
        },
      ];
      await expect(migrate(db, broken)).rejects.toThrow(/missing_table/);
      const { rows } = await db.query(
        "SELECT to_regclass('a') AS a, to_regclass('schema_migrations') AS m",
      );
      expect(rows[0]).toEqual({ a: null, m: null });
    } finally {
      await db.close();
    }
  });
});
