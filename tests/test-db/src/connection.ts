import pg from "pg";

/** The machine's Postgres (trust auth) when no variable names another server. */
const LOCAL_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * The admin URL (a server's `postgres` database) the suites make their databases on: the value of
 * `variable`, else of TEST_DATABASE_URL, else the machine's Postgres.
 */
export function adminUrlFrom(variable = "TEST_DATABASE_URL"): string {
  return process.env[variable] ?? process.env.TEST_DATABASE_URL ?? LOCAL_ADMIN_URL;
}

/** The same server and credentials as `adminUrl`, another database. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `fn` on a connection of its own, closed afterwards whatever happens. */
export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    // A server that went away (the fault suites kill it) must not hide fn's own result or error.
    await client.end().catch(() => {});
  }
}
