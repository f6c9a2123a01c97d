import { createDatabase, type ThrowawayDatabase } from "@sequin/test-db";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import type { Db } from "../../src/db/db.js";
import { openDatabase } from "../../src/db/open.js";

/** Creates an empty database (not from the template); for migration tests. */
export function createEmptyDatabase(prefix = "sqsrv_empty"): Promise<ThrowawayDatabase> {
  return createDatabase({ adminUrl: inject("adminUrl"), prefix });
}

/**
 * Gives the test file its own database, copied from the migrated template, and drops it after
 * the file; a file with a failed test keeps its database for inspection (its URL is printed).
 */
export function useTestDatabase(): { url: () => string; open: () => Promise<Db> } {
  let database: ThrowawayDatabase | undefined;
  let failed = false;
  const opened: Db[] = [];

  beforeAll(async () => {
    database = await createDatabase({
      adminUrl: inject("adminUrl"),
      prefix: "sqsrv",
      template: inject("templateDb"),
    });
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === "fail") failed = true;
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close().catch(() => {})));
    if (!database) return;
    if (failed) console.warn(`Kept database ${database.name} of a failed test: ${database.url}`);
    else await database.drop();
  });

  const url = () => {
    if (!database) throw new Error("the test database is made in beforeAll; ask for it in a test");
    return database.url;
  };
  return {
    url,
    async open() {
      const db = await openDatabase({ databaseUrl: url() });
      opened.push(db);
      return db;
    },
  };
}

/**
 * Resolves once some session of this database waits for an advisory lock of class `lockClass`
 * (the first key of the two-key form); fails after `ms`.
 */
export async function untilLockAwaited(db: Db, lockClass: number, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE d.datname = current_database() AND l.locktype = 'advisory'
         AND l.classid = $1 AND l.objsubid = 2 AND NOT l.granted`,
      [lockClass],
    );
    if ((rows[0]?.n ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error(`nobody waited for a lock of class ${lockClass}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
