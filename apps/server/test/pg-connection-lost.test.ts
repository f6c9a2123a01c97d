// Regression: a pooled connection that died inside a transaction, between two statements (a
// Postgres restart), emitted an unhandled 'error' and crashed the server process.
import { expect, it } from "vitest";
import { isUnavailable } from "../src/db/errors.js";
import { useTestDatabase } from "./helpers/database.js";
import { sleep } from "./helpers/fixtures.js";

const database = useTestDatabase();

it("a connection lost between two statements of a transaction fails that transaction only", async () => {
  const db = await database.open();
  const error = await db
    .transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      await db.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
      // The termination arrives while no statement of this transaction runs.
      await sleep(300);
      await tx.query("SELECT 1");
    })
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  expect(isUnavailable(error), String(error)).toBe(true);
  // The broken connection left the pool; the next transaction gets a good one.
  const one = await db.transaction((tx) => tx.query<{ one: number }>("SELECT 1 AS one"));
  expect(one.rows).toEqual([{ one: 1 }]);
});
