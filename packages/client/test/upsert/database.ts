import { randomBytes } from "node:crypto";
import pg from "pg";

const ADMIN_URL =
  process.env.UPSERT_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh database for one test file; `drop()` removes it. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Waits (up to 5 s) for closed pools to leave, then drops. Forcing the drop while a client is
 * still saying goodbye would make that client emit an unhandled error.
 */
async function dropWhenIdle(client: pg.Client, name: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
      [name],
    );
    if (rows[0]?.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** Creates `upsert_test_<label>_<random>` with the tables of `schema.ts`. */
export async function createTestDatabase(label: string, ddl: string): Promise<TestDatabase> {
  const name = `upsert_test_${label}_${randomBytes(4).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(ddl);
  } finally {
    await client.end();
  }
  return {
    url: url.toString(),
    name,
    drop: () => admin((c) => dropWhenIdle(c, name)),
  };
}
