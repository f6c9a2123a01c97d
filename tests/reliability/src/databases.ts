// Fresh, migrated databases on a Postgres the suites may create databases in.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Db, migrate, openDatabase } from "../../../apps/server/src/index.js";

/** The shared Postgres of the machine (trust auth); the fault suite also runs its own cluster. */
export const SHARED_ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** The same server and credentials, another database. */
export function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `fn` on a short-lived connection. */
export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A migrated database of its own; `drop` removes it (keep it when a test failed, to look at it). */
export interface TestDatabase {
  name: string;
  url: string;
  /** A pool on it through the server's own Db (for accounts and tokens). */
  db: Db;
  drop(): Promise<void>;
}

/** Creates and migrates a database named `<prefix>_<random>`. */
export async function createTestDatabase(
  prefix: string,
  adminUrl = SHARED_ADMIN_URL,
): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(adminUrl, name);
  const db = await openDatabase({ databaseUrl: url, poolMax: 4 });
  await migrate(db);
  return {
    name,
    url,
    db,
    async drop() {
      await db.close().catch(() => {});
      await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
