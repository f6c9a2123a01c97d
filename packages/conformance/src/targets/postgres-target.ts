import { adminUrlFrom, createDatabase } from "@sequin/test-db";
import { migrate, openDatabase } from "./server-api.js";
import { startServerTarget } from "./server-target.js";
import type { Target } from "./target.js";

/**
 * The reference server on real Postgres: a fresh database for this run, created empty and
 * migrated with the server's own `migrate`, dropped afterwards (kept when a scenario failed).
 */
export async function createPostgresTarget(): Promise<Target> {
  const database = await createDatabase({
    adminUrl: adminUrlFrom("CONFORMANCE_DATABASE_URL"),
    prefix: `sqconf_${process.pid}`,
  });
  const db = await openDatabase({ databaseUrl: database.url, poolMax: 10 }).catch(
    async (error: unknown) => {
      await database.drop();
      throw error;
    },
  );
  try {
    await migrate(db);
    return await startServerTarget("postgres", db, async ({ keep }) => {
      if (keep) console.warn(`conformance: kept database ${database.url} of a failed scenario`);
      else await database.drop();
    });
  } catch (error) {
    await db.close();
    await database.drop();
    throw error;
  }
}
