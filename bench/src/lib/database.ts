// A fresh, migrated database for one benchmark run, on the bench's Postgres (its own cluster, or
// the server BENCH_DATABASE_URL names).

import { type Db, migrate, openDatabase } from "@sequin/server/source";
import { createDatabase, databaseUrl, dropDatabase as drop } from "@sequin/test-db";

let adminUrl = "";

/** Sets the server every later database is made on: the URL of its `postgres` database. */
export function useServer(url: string): void {
  adminUrl = url;
}

export function urlFor(database: string): string {
  return databaseUrl(adminUrl, database);
}

/** Drops and recreates `name`, migrates it, and opens a pool of `poolMax` connections. */
export async function freshDatabase(name: string, poolMax = 10): Promise<{ db: Db; url: string }> {
  const database = await createDatabase({
    adminUrl,
    name,
    async setup(url) {
      const db = await openDatabase({ databaseUrl: url, poolMax });
      try {
        await migrate(db);
      } catch (error) {
        await db.close();
        throw error;
      }
      return db;
    },
  });
  return { db: database.prepared, url: database.url };
}

export async function dropDatabase(name: string): Promise<void> {
  await drop(adminUrl, name);
}
