import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import type { Db } from "../../src/db/db.js";
import { openDatabase } from "../../src/db/open.js";
import { databaseUrl } from "../global-setup.js";

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject("adminUrl") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database (not from the template); for migration tests. */
export async function createEmptyDatabase(
  prefix = "sqsrv_empty",
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    url: databaseUrl(inject("adminUrl"), name),
    drop: () =>
      admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/**
 * Gives the test file its own database, copied from the migrated template, and drops it after
 * the file; a file with a failed test keeps its database for inspection (its name is printed).
 */
export function useTestDatabase(): { url: () => string; open: () => Promise<Db> } {
  const name = `sqsrv_${randomBytes(6).toString("hex")}`;
  let failed = false;
  const opened: Db[] = [];

  beforeAll(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDb")}`));
        return;
      } catch (err) {
        // Two files copying the template at the same instant may collide; try again.
        if (attempt >= 5 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === "fail") failed = true;
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close().catch(() => {})));
    if (failed) {
      console.warn(
        `Kept database ${name} of a failed test: ${databaseUrl(inject("adminUrl"), name)}`,
      );
      return;
    }
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  const url = () => databaseUrl(inject("adminUrl"), name);
  return {
    url,
    async open() {
      const db = await openDatabase({ databaseUrl: url() });
      opened.push(db);
      return db;
    },
  };
}
