import { adminUrlFrom, createDatabase, withClient } from "@sequin/test-db";

/** A fresh database for one test file; `drop()` removes it. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates `upsert_test_<label>_<random>` with the tables of `schema.ts`. */
export function createTestDatabase(label: string, ddl: string): Promise<TestDatabase> {
  return createDatabase({
    adminUrl: adminUrlFrom("UPSERT_TEST_DATABASE_URL"),
    prefix: `upsert_test_${label}`,
    setup: (url) =>
      withClient(url, async (client) => {
        await client.query(ddl);
      }),
    // The ORMs' pools are closing when the file ends: forcing one out while it says goodbye would
    // make it emit an unhandled error.
    whenIdle: true,
  });
}
