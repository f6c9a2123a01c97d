import { randomBytes } from "node:crypto";
import pg from "pg";
import { applySchema } from "../../src/database.js";

/** Admin connection: creates and drops the per-file databases. */
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh, empty database of this test file. */
export interface TestDatabase {
  url: string;
  name: string;
  /** A pool on it (closed by `drop`). */
  pool: pg.Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates a database named `example_test_<suffix>_<random>`; with `schema`, the app's tables too. */
export async function createTestDatabase(
  suffix: string,
  options: { schema?: boolean } = {},
): Promise<TestDatabase> {
  const name = `example_test_${suffix}_${randomBytes(4).toString("hex")}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 10 });
  // pool.end() resolves before its connections have closed on the server: the DROP ... WITH
  // (FORCE) below can terminate one of them, which pg reports as an 'error' of the pool.
  pool.on("error", () => {});
  const drop = async () => {
    await pool.end();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  try {
    if (options.schema ?? true) await applySchema(pool);
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: url.toString(), name, pool, drop };
}

/** Empties the app's tables between tests. */
export async function truncateAppTables(pool: pg.Pool): Promise<void> {
  await pool.query("TRUNCATE contacts, welcome_emails");
}

/** The `contacts` table as tests compare it: one plain object per row, by id. */
export async function contactRows(pool: pg.Pool) {
  const { rows } = await pool.query<{
    id: string;
    upstream_id: string;
    deleted: boolean;
    updated_idx: string;
    email: string | null;
    first_name: string | null;
    last_name: string | null;
    data: Record<string, unknown>;
  }>(
    `SELECT id, upstream_id, deleted, updated_idx, email, first_name, last_name, data
     FROM contacts ORDER BY upstream_id`,
  );
  return rows.map((r) => ({ ...r, updated_idx: Number(r.updated_idx) }));
}

/** The `welcome_emails` table, oldest first. */
export async function welcomeRows(pool: pg.Pool) {
  const { rows } = await pool.query<{
    event_id: string;
    upstream_id: string | null;
    email: string;
  }>("SELECT event_id, upstream_id, email FROM welcome_emails ORDER BY sent_at, event_id");
  return rows;
}
