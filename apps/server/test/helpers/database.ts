import { createDatabase, type ThrowawayDatabase } from "@sequin/test-db";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import type { Db } from "../../src/db/db.js";
import { openDatabase } from "../../src/db/open.js";

/** Creates an empty database (not from the template); for migration tests. */
export function createEmptyDatabase(prefix = "sqsrv_empty"): Promise<ThrowawayDatabase> {
  return createDatabase({ adminUrl: inject("adminUrl"), prefix });
}

/** The test file's own database; see useTestDatabase. */
export interface TestDatabase {
  /** Its URL; after it is made (in beforeAll, or by `open`). */
  url(): string;
  /** Opens a Db on it (made first if need be); closed after the file. */
  open(): Promise<Db>;
}

/**
 * Gives the test file its own database, copied from the migrated template, and drops it after
 * the file; a file with a failed test keeps its database for inspection (its URL is printed).
 * It is made in beforeAll, or earlier by the first `open` (a file's top-level `await`).
 */
export function useTestDatabase(): TestDatabase {
  let database: ThrowawayDatabase | undefined;
  let making: Promise<ThrowawayDatabase> | undefined;
  let failed = false;
  const opened: Db[] = [];
  const make = () => {
    making ??= createDatabase({
      adminUrl: inject("adminUrl"),
      prefix: "sqsrv",
      template: inject("templateDb"),
    }).then((made) => {
      database = made;
      return made;
    });
    return making;
  };

  beforeAll(async () => {
    await make();
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

  return {
    url() {
      if (!database)
        throw new Error("the test database is made in beforeAll; ask for it in a test");
      return database.url;
    },
    async open() {
      const db = await openDatabase({ databaseUrl: (await make()).url });
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

/**
 * A consumer as the API of a migration before 0018 made it, with its cursor at 0 and its floor:
 * for the upgrade tests, on a database migrated only that far (the routines of the time).
 */
export async function insertOldConsumer(
  db: Db,
  ids: { accountId: string; consumerId: string; streamId: string },
  kind: "record" | "event",
  ordering: "none" | "per_key",
): Promise<void> {
  await db.query(
    `INSERT INTO consumers (account_id, id, name, stream_id, kind, deliver_policy, ack_wait_ms,
                            max_deliver, max_ack_pending, ordering)
     VALUES ($1, $2, 'old', $3, $4, 'all', 60000, -1, 1000, $5)`,
    [ids.accountId, ids.consumerId, ids.streamId, kind, ordering],
  );
  await db.query("INSERT INTO consumer_cursors (account_id, consumer_id, pos) VALUES ($1, $2, 0)", [
    ids.accountId,
    ids.consumerId,
  ]);
  await db.query(
    `INSERT INTO consumer_floors (account_id, consumer_id, pos, next_expiry) VALUES ($1, $2, 0, 'infinity')`,
    [ids.accountId, ids.consumerId],
  );
}
