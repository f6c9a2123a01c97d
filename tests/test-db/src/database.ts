import { randomBytes } from "node:crypto";
import type pg from "pg";
import { databaseUrl, withClient } from "./connection.js";

/** A database made for a test run; `drop` removes it. */
export interface ThrowawayDatabase<T = undefined> {
  name: string;
  url: string;
  /** What `setup` returned. */
  prepared: T;
  drop(): Promise<void>;
}

export interface CreateDatabaseOptions<T> {
  /** The server's admin URL (its `postgres` database): see `adminUrlFrom`. */
  adminUrl: string;
  /** The name is `<prefix>_<random>`, so runs side by side never collide. */
  prefix?: string;
  /** Exactly this name instead (a bench run's fixed name); an old one is dropped first. */
  name?: string;
  /** Copy this database (a migrated template) instead of starting empty. */
  template?: string;
  /** Runs on the new database (migrate, create tables); if it throws, the database is dropped. */
  setup?: (url: string) => Promise<T>;
  /** Passed to `drop`: see `dropDatabase`. */
  whenIdle?: boolean;
}

// Names go into SQL as identifiers, so only plain ones are accepted.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function checkName(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain database name: ${name}`);
  return name;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Makes a database; see `CreateDatabaseOptions`. */
export async function createDatabase<T = undefined>(
  options: CreateDatabaseOptions<T>,
): Promise<ThrowawayDatabase<T>> {
  const { adminUrl, template, setup, whenIdle = false } = options;
  const name = checkName(
    options.name ?? `${options.prefix ?? "test"}_${randomBytes(5).toString("hex")}`,
  );
  if (options.name) await dropDatabase(adminUrl, name);
  const create = `CREATE DATABASE ${name}${template ? ` TEMPLATE ${checkName(template)}` : ""}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await withClient(adminUrl, (c) => c.query(create));
      break;
    } catch (error) {
      // Two files copying one template at the same instant collide; the copy works a moment later.
      if (!template || attempt >= 5 || !/being accessed by other users/.test(String(error)))
        throw error;
      await sleep(100 * attempt);
    }
  }
  const url = databaseUrl(adminUrl, name);
  const drop = () => dropDatabase(adminUrl, name, { whenIdle });
  let prepared: T;
  try {
    prepared = setup ? await setup(url) : (undefined as T);
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, url, prepared, drop };
}

/** Waits up to 5 s for the database's last connections to leave. */
async function waitUntilIdle(client: pg.Client, name: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
      [name],
    );
    if (rows[0]?.n === 0) return;
    await sleep(100);
  }
}

/**
 * Drops `name` if it exists, forcing out whoever is still connected. `whenIdle` first waits for
 * closing pools to leave: a client forced out while it says goodbye emits an unhandled error.
 */
export async function dropDatabase(
  adminUrl: string,
  name: string,
  options: { whenIdle?: boolean } = {},
): Promise<void> {
  checkName(name);
  await withClient(adminUrl, async (c) => {
    if (options.whenIdle) await waitUntilIdle(c, name);
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}
