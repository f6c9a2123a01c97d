// The hot statements must reach rows through a key even when the statistics are stale: a table
// analysed while empty that grew within the last minute, before autovacuum analysed it again. Seen: a lease
// plan cached while the table was empty walked every row of the consumer (2 s per lease at 60k
// rows), and the fan-out's lock of existing rows filtered the consumer's rows once per record.
// The write's statements kept from a first write on near-empty tables walked every record once
// per input (4,000,100 rows thrown away, 2.3 s, for 100 records: bench/LOG.md, 2026-11-26).
// auto_explain reports each plan with its row counts; no step may discard thousands of rows.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LEASE_CALL } from "../src/consume/lease.js";
import { createConsumer } from "../src/consumers/service.js";
import type { Queryable } from "../src/db/db.js";
import { createAccount } from "../src/index.js";
import { writeRecords } from "../src/records/write-records.js";
import { useTestDatabase } from "./helpers/database.js";

const database = useTestDatabase();
const ROWS = 20_000;
let client: pg.Client;
let plans: string[] = [];
let account: Awaited<ReturnType<typeof createAccount>>;
let consumerId: string;
/** A consumer with nothing pending, beside the backlog of the other. */
let idleId: string;

beforeAll(async () => {
  const db = await database.open();
  account = await createAccount(db, "plans");
  const consumer = await db.transaction((tx) =>
    // The fan-out core's statements are what this file checks.
    createConsumer(
      tx,
      account.accountId,
      { name: "plans", kind: "record", deliver_policy: "all", max_ack_pending: 100_000 },
      "fanout",
    ),
  );
  consumerId = consumer.id;
  idleId = (
    await db.transaction((tx) =>
      createConsumer(
        tx,
        account.accountId,
        { name: "plans-idle", kind: "record", deliver_policy: "new" },
        "fanout",
      ),
    )
  ).id;
  // One connection for the whole file: a plan it caches stays with it.
  client = new pg.Client({ connectionString: database.url() });
  await client.connect();
  client.on("notice", (notice) => plans.push(notice.message ?? ""));
  await client.query(
    "ALTER TABLE consumer_messages SET (autovacuum_enabled = off); ALTER TABLE records SET (autovacuum_enabled = off)",
  );
  // Statistics of empty tables; the first lease and the first write run while the tables are
  // (nearly) empty, so whatever plan they keep for the connection is made from those.
  await client.query("ANALYZE consumer_messages, records");
  expect(await lease(10)).toBe(0);
  const first = await writeRecords(
    client as unknown as Queryable,
    account.accountId,
    account.defaultStreamId,
    [{ collection_id: "plans:first", upstream_id: "first", data: {} }],
  );
  expect(first.results[0]?.result).toBe("inserted");
  await client.query("DELETE FROM consumer_messages WHERE account_id = $1", [account.accountId]);
  // Then a backlog arrives, without ANALYZE.
  await client.query(
    `INSERT INTO records (account_id, id, stream_id, collection_id, upstream_id, updated_idx, deleted, data)
     SELECT $1, gen_random_uuid(), $2, 'plans:contact', 'u' || g, nextval('record_version_seq'), false, '{}'
     FROM generate_series(1, ${ROWS}) g`,
    [account.accountId, account.defaultStreamId],
  );
  await client.query(
    `INSERT INTO consumer_messages (account_id, consumer_id, seq, record_id, record_idx)
     SELECT account_id, $2, updated_idx, id, updated_idx FROM records WHERE account_id = $1`,
    [account.accountId, consumerId],
  );
  await client.query(`LOAD 'auto_explain';
    SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
    SET auto_explain.log_nested_statements = on; SET client_min_messages = log`);
});
afterAll(async () => {
  await client?.end();
});

async function lease(batch: number, consumer = consumerId, check = false): Promise<number> {
  const { rows } = await client.query<{ row: { m_seq?: number | null } }>(LEASE_CALL, [
    account.accountId,
    consumer,
    consumer,
    null,
    batch,
    check,
  ]);
  return rows.filter(({ row }) => row.m_seq != null).length;
}

/** The most rows any step of the plans logged since the last call threw away. */
function mostRowsDiscarded(): number {
  const counts = plans.flatMap((plan) =>
    [...plan.matchAll(/Rows Removed by (?:Join )?Filter: (\d+)/g)].map((m) => Number(m[1])),
  );
  plans = [];
  return Math.max(0, ...counts);
}

it(`a lease at a ${ROWS}-row backlog with stale statistics reads only its batch`, async () => {
  mostRowsDiscarded();
  expect(await lease(100)).toBe(100);
  expect(mostRowsDiscarded()).toBeLessThan(1_000);
});

it("an empty lease of a consumer beside a backlog reads none of it, checked first or not", async () => {
  for (const check of [true, false]) {
    mostRowsDiscarded();
    expect(await lease(100, idleId, check)).toBe(0);
    expect(mostRowsDiscarded()).toBeLessThan(1_000);
  }
});

it("a lease that checks first still leases what is there", async () => {
  mostRowsDiscarded();
  expect(await lease(10, consumerId, true)).toBe(10);
  expect(mostRowsDiscarded()).toBeLessThan(1_000);
});

it("a write of 100 changed records finds them, and their consumer rows, by key, not by walking", async () => {
  const { rows } = await client.query<{ collection_id: string; upstream_id: string }>(
    "SELECT collection_id, upstream_id FROM records WHERE account_id = $1 ORDER BY updated_idx DESC LIMIT 100",
    [account.accountId],
  );
  mostRowsDiscarded();
  await client.query("BEGIN");
  try {
    const result = await writeRecords(
      client as unknown as Queryable,
      account.accountId,
      account.defaultStreamId,
      rows.map((r) => ({ ...r, data: { changed: true } })),
    );
    expect(result.results.every((r) => r.result === "updated")).toBe(true);
    const logged = plans.join("\n");
    // The statements run inside the write routine: auto_explain logs them as nested statements.
    expect(logged).toContain("records_identity_key");
    expect(logged).toContain("consumer_messages_by_record");
    expect(logged).not.toMatch(/Seq Scan on (records|consumer_messages)/);
    expect(mostRowsDiscarded()).toBeLessThan(1_000);
  } finally {
    await client.query("ROLLBACK");
  }
});
