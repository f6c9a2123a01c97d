// Fresh, migrated databases on a Postgres the suites may create databases in.

import { type Db, migrate, openDatabase } from "@sequin/server/source";
import { adminUrlFrom, createDatabase } from "@sequin/test-db";

/** The shared Postgres of the machine (trust auth); the fault suite also runs its own cluster. */
export const SHARED_ADMIN_URL = adminUrlFrom();

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
  const database = await createDatabase({
    adminUrl,
    prefix,
    async setup(url) {
      const db = await openDatabase({ databaseUrl: url, poolMax: 4 });
      try {
        await migrate(db);
      } catch (error) {
        await db.close();
        throw error;
      }
      return db;
    },
  });
  const db = database.prepared;
  return {
    name: database.name,
    url: database.url,
    db,
    async drop() {
      await db.close().catch(() => {});
      await database.drop();
    },
  };
}
