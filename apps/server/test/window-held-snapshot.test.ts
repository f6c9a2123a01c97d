// A record leased and acked many times while a snapshot is held (a stuck client, a long report)
// must cost the lease that pulls it again what it cost the first times. Each cycle leaves a
// finished delivery that the snapshot keeps from vacuum and pruning; while the pull's ON CONFLICT
// checked a unique index on (consumer, record), it visited every one of them (41 buffers at cycle
// 5, 363 at cycle 306). Since migration 0032 a record's delivery is looked up above the
// consumer's floor, below which every finished one lies. Counted in buffer accesses (what
// EXPLAIN's BUFFERS reports, nested statements included), which do not depend on the machine.
// Also here: the records' deliveries stay one per record when an ack races the pull that finds
// the record written again.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Db } from "../src/db/db.js";
import { decodeAckTokens, lease as serverLease, ack as settleAck } from "../src/direct-consume.js";
import { createAccount, createConsumer } from "../src/index.js";
import { useTestDatabase } from "./helpers/database.js";

const database = useTestDatabase();
const CYCLES = 300;
let client: pg.Client;
let other: pg.Client;
let holder: pg.Client;
let account: Awaited<ReturnType<typeof createAccount>>;
let db: Db;

beforeAll(async () => {
  db = await database.open();
  client = new pg.Client({ connectionString: database.url() });
  await client.connect();
  other = new pg.Client({ connectionString: database.url() });
  await other.connect();
  holder = new pg.Client({ connectionString: database.url() });
  await holder.connect();
});
afterAll(async () => {
  await holder?.end();
  await other?.end();
  await client?.end();
});

/** A consumer of its own account's default stream (each test's records apart). */
async function newConsumer(name: string): Promise<string> {
  account = await createAccount(db, name);
  return (
    await db.transaction((tx) =>
      createConsumer(tx, account.accountId, { name, ack_wait_ms: 600_000, max_ack_pending: 1000 }),
    )
  ).id;
}

function write(upstreamId: string, n: number, on: pg.Client = client) {
  return on.query("SELECT count(*) FROM sequin_record_write_v2($1, $2, $3, NULL, false)", [
    account.accountId,
    account.defaultStreamId,
    JSON.stringify([{ collection_id: "held:contact", upstream_id: upstreamId, data: { n } }]),
  ]);
}

type Leased = { m_seq: number; lease_id: string };

async function lease(consumer: string, on: pg.Client = client): Promise<Leased[]> {
  const { rows } = await on.query<{ row: Leased }>(
    "SELECT row FROM sequin_window_lease_v3($1, $2, NULL, NULL, 100, 100, false) AS row",
    [account.accountId, consumer],
  );
  return rows.map((r) => r.row).filter((r) => r.m_seq !== undefined);
}

function ack(consumer: string, leased: Leased[], on: pg.Client = client) {
  return on.query("SELECT * FROM sequin_window_ack_v2($1, $2, NULL, NULL, $3, $4)", [
    account.accountId,
    consumer,
    leased.map((l) => l.m_seq),
    leased.map((l) => l.lease_id),
  ]);
}

type Plan = { Plan: { "Shared Hit Blocks": number; "Shared Read Blocks": number } };

/**
 * A lease under EXPLAIN (ANALYZE, BUFFERS): the shared buffers it touched; what it leased is then
 * acked. Planned from fresh statistics, as after autovacuum's ANALYZE: they count the window's
 * live rows only, so every path looks like one row (a plan that took the primary key's consumer
 * range read every finished delivery per record).
 */
async function measuredLease(consumer: string): Promise<number> {
  await client.query("ANALYZE deliveries");
  const { rows } = await client.query<{ "QUERY PLAN": Plan[] }>(
    "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM sequin_window_lease_v3($1, $2, NULL, NULL, 100, 100, false)",
    [account.accountId, consumer],
  );
  const plan = rows[0]!["QUERY PLAN"][0]!.Plan;
  const { rows: out } = await client.query<Leased>(
    "SELECT seq AS m_seq, lease_id FROM deliveries WHERE account_id = $1 AND consumer_id = $2",
    [account.accountId, consumer],
  );
  expect(out.length).toBeGreaterThan(0);
  await ack(consumer, out);
  return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"];
}

it.each([
  ["alone", 0],
  ["beside other records leased and acked", 10],
])(
  `a record leased and acked ${CYCLES} times under a held snapshot, %s, costs its next lease what the first ones did`,
  async (_, others) => {
    const consumer = await newConsumer(`held-${others}`);
    await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    // Its snapshot is taken by its first query: vacuum and pruning may remove no version after it.
    await holder.query("SELECT count(*) FROM deliveries");
    try {
      /**
       * Written again (with `others` records beside it), leased, acked; the floor moves up (as
       * after a lease, once a second at most).
       */
      const cycle = async (n: number, measured = false) => {
        await write("x", n);
        for (let k = 0; k < others; k++) await write(`o${n}-${k}`, n);
        let buffers = 0;
        if (measured) buffers = await measuredLease(consumer);
        else {
          const leased = await lease(consumer);
          expect(leased).toHaveLength(1 + others);
          await ack(consumer, leased);
        }
        await client.query("SELECT sequin_window_move_floor_v2($1, $2)", [
          account.accountId,
          consumer,
        ]);
        return buffers;
      };
      for (let n = 0; n < 5; n++) await cycle(n);
      const before = await cycle(5, true);
      for (let n = 6; n < 6 + CYCLES; n++) await cycle(n);
      const after = await cycle(10_000, true);
      // With the unique index, the lease after 300 cycles touched over 300 buffers more (one per
      // finished delivery of the record); here only index growth may add a few.
      expect(after, `lease: ${before} buffers before, ${after} after`).toBeLessThan(before + 20);
    } finally {
      await holder.query("ROLLBACK");
    }
  },
);

/** A lease as the server makes it (the floor moved after it); its messages' ack tokens. */
async function leaseTokens(consumer: string): Promise<string[]> {
  const { messages } = await serverLease(db, { accountId: account.accountId, consumer }, 10);
  return messages.map((m) => m.ack_token);
}

it("an ack racing the pull that finds the record written again leaves one delivery, of the new version", async () => {
  const consumer = await newConsumer("race");
  await write("r", 1);
  const [first] = await leaseTokens(consumer);
  expect(first).toBeDefined();
  await write("r", 2);
  // The ack deletes the delivery and waits, uncommitted, while the next lease pulls version 2:
  // the pull's lookup waits for the ack's row lock, then finds the row gone.
  const token = decodeAckTokens([first!]).get(first!)!;
  await other.query("BEGIN");
  await ack(consumer, [{ m_seq: Number(token.seq), lease_id: token.leaseId }], other);
  const pulling = leaseTokens(consumer);
  await new Promise((r) => setTimeout(r, 300));
  await other.query("COMMIT");
  expect(await pulling).toHaveLength(1);
  const { rows } = await client.query<{ n: number; idx: string }>(
    `SELECT count(*)::int AS n, max(delivered_idx)::text AS idx FROM deliveries
     WHERE account_id = $1 AND consumer_id = $2`,
    [account.accountId, consumer],
  );
  const { rows: current } = await client.query<{ idx: string }>(
    "SELECT updated_idx::text AS idx FROM records WHERE account_id = $1 AND upstream_id = 'r'",
    [account.accountId],
  );
  expect(rows[0]).toEqual({ n: 1, idx: current[0]!.idx });
});

it("a record written again while its lease runs goes out once more after the ack, not beside it", async () => {
  const consumer = await newConsumer("while-leased");
  const target = { accountId: account.accountId, consumer };
  await write("w", 1);
  const first = await leaseTokens(consumer);
  expect(first).toHaveLength(1);
  await write("w", 2);
  // Pulled while leased: noted on the delivery, not leased a second time.
  expect(await leaseTokens(consumer)).toEqual([]);
  await settleAck(db, target, decodeAckTokens(first));
  expect(await leaseTokens(consumer)).toHaveLength(1);
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM deliveries WHERE account_id = $1 AND consumer_id = $2",
    [account.accountId, consumer],
  );
  expect(rows[0]!.n).toBe(1);
});
