// A record rewritten many times while a snapshot is held (a stuck client, a long report, a
// replica's feedback) must cost its writer and its readers the same as one rewritten once. While
// records were updated in place, every version that snapshot could still see stayed behind the
// record's index entries, and each lookup, the writer's row lock and the next update's unique
// checks visited all of them: the held soak's 1,000-record upsert slowed from 152 to 411 ms in ten
// minutes (bench/RESULTS.md of bdfe6a6). Since migration 0031 a rewrite inserts a version and the
// current one is found by a backward probe, newest first. Counted here in buffer accesses (what
// EXPLAIN's BUFFERS reports, nested statements included), which do not depend on the machine.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../src/index.js";
import { useTestDatabase } from "./helpers/database.js";

const database = useTestDatabase();
const REWRITES = 300;
let client: pg.Client;
let holder: pg.Client;
let account: Awaited<ReturnType<typeof createAccount>>;

beforeAll(async () => {
  const db = await database.open();
  account = await createAccount(db, "versions");
  client = new pg.Client({ connectionString: database.url() });
  await client.connect();
  holder = new pg.Client({ connectionString: database.url() });
  await holder.connect();
});
afterAll(async () => {
  await holder?.end();
  await client?.end();
});

type Plan = { Plan: { "Shared Hit Blocks": number; "Shared Read Blocks": number } };

/** Runs the statement under EXPLAIN (ANALYZE, BUFFERS): the shared buffers it touched. */
async function buffers(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await client.query<{ "QUERY PLAN": Plan[] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
    params,
  );
  const plan = rows[0]!["QUERY PLAN"][0]!.Plan;
  return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"];
}

/** One write of record `x` with `n` as its data, measured. */
function rewrite(n: number): Promise<number> {
  return buffers("SELECT * FROM sequin_record_write_v2($1, $2, $3, NULL, false)", [
    account.accountId,
    account.defaultStreamId,
    JSON.stringify([{ collection_id: "versions:contact", upstream_id: "x", data: { n } }]),
  ]);
}

it(`a record rewritten ${REWRITES} times under a held snapshot costs its writer and readers what one rewrite did`, async () => {
  await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
  // Its snapshot is taken by its first query: vacuum and pruning may remove no version after it.
  await holder.query("SELECT count(*) FROM record_keys");
  try {
    for (let n = 0; n < 5; n++) await rewrite(n);
    const { rows } = await client.query<{ id: string }>(
      "SELECT id FROM record_keys WHERE account_id = $1 AND upstream_id = 'x'",
      [account.accountId],
    );
    const id = rows[0]!.id;
    const read = () =>
      buffers("SELECT to_jsonb(r) FROM records r WHERE r.account_id = $1 AND r.id = $2", [
        account.accountId,
        id,
      ]);
    const writeBefore = await rewrite(5);
    const readBefore = await read();

    for (let n = 6; n < 6 + REWRITES; n++) await rewrite(n);
    // One live version; the held snapshot keeps the others from vacuum and pruning.
    const { rows: live } = await client.query<{ versions: number }>(
      "SELECT count(*)::int AS versions FROM record_versions WHERE account_id = $1",
      [account.accountId],
    );
    expect(live[0]!.versions).toBe(1);

    const writeAfter = await rewrite(10_000);
    const readAfter = await read();
    // In place, the rewrite after 300 versions touched over a thousand buffers more (each lookup
    // and unique check visits every version); here only index growth may add a few.
    expect(writeAfter, `write: ${writeBefore} buffers before, ${writeAfter} after`).toBeLessThan(
      writeBefore + 30,
    );
    expect(readAfter, `read: ${readBefore} buffers before, ${readAfter} after`).toBeLessThan(
      readBefore + 10,
    );
  } finally {
    await holder.query("ROLLBACK");
  }
});
