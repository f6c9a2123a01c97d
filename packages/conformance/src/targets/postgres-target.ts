import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate, openDatabase } from "./server-api.js";
import { startServerTarget } from "./server-target.js";
import type { Target } from "./target.js";

/** Admin connection used to create and drop the run's database. */
const ADMIN_URL =
  process.env.CONFORMANCE_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The reference server on real Postgres: a fresh database for this run, created empty and
 * migrated with the server's own `migrate`, dropped afterwards (kept when a scenario failed).
 */
export async function createPostgresTarget(): Promise<Target> {
  const database = `sqconf_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const drop = () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  const db = await openDatabase({ databaseUrl: url.toString(), poolMax: 10 }).catch(
    async (error: unknown) => {
      await drop();
      throw error;
    },
  );
  try {
    await migrate(db);
    return await startServerTarget("postgres", db, async ({ keep }) => {
      if (keep) console.warn(`conformance: kept database ${url} of a failed scenario`);
      else await drop();
    });
  } catch (error) {
    await db.close();
    await drop();
    throw error;
  }
}
