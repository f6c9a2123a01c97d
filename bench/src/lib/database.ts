// A fresh, migrated database for one benchmark run, on the bench's Postgres (its own cluster, or
// the server BENCH_DATABASE_URL names).
import pg from "pg";
import { type Db, migrate, openDatabase } from "../../../apps/server/src/index.js";

let adminUrl = "";

/** Sets the server every later database is made on: the URL of its `postgres` database. */
export function useServer(url: string): void {
  adminUrl = url;
}

export function urlFor(database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops and recreates `name`, migrates it, and opens a pool of `poolMax` connections. */
export async function freshDatabase(name: string, poolMax = 10): Promise<{ db: Db; url: string }> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = urlFor(name);
  const db = await openDatabase({ databaseUrl: url, poolMax });
  await migrate(db);
  return { db, url };
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
