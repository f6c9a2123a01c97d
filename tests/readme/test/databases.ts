// Throwaway databases on the shared Postgres (the server's, and the example app's own).
import { adminUrlFrom, createDatabase } from "@sequin/test-db";
import pg from "pg";

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(suffix: string): Promise<TestDatabase> {
  const database = await createDatabase({
    adminUrl: adminUrlFrom(),
    prefix: `readme_test_${suffix}`,
  });
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // DROP ... WITH (FORCE) may end a connection the pool still holds: not an error here.
  pool.on("error", () => {});
  return {
    url: database.url,
    pool,
    drop: async () => {
      await pool.end();
      await database.drop();
    },
  };
}
