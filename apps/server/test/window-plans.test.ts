// The window core's routines (migrations 0008-0026) reach their rows through a key even when the
// statistics are stale and the plans were cached while the tables were empty: seen, an ack that
// joined its tokens to `deliveries` walked the consumer's whole window per token (25 ms per 100
// tokens under load; bench/LOG.md, 2026-12-03). auto_explain reports each nested statement's
// plan with its row counts; no step may throw away thousands of rows.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createConsumer } from "../src/consumers/service.js";
import { createAccount } from "../src/index.js";
import { useTestDatabase } from "./helpers/database.js";
import {
  insertRecordBacklog,
  LoggedPlans,
  mostRowsDiscarded,
  mostRowsRead,
} from "./helpers/plans.js";

const database = useTestDatabase();
const ROWS = 20_000;
/** Leased and not acked before the measured calls: the window they work beside. */
const WINDOW = 5_000;
let client: pg.Client;
let plans: LoggedPlans;
let account: Awaited<ReturnType<typeof createAccount>>;
let consumerId: string;

type Leased = { m_seq: number; lease_id: string };

async function lease(batch: number): Promise<Leased[]> {
  const { rows } = await client.query<{ row: Leased & { state?: unknown } }>(
    "SELECT row FROM sequin_window_lease_v3($1, $2, NULL, NULL, $3, 100, false) AS row",
    [account.accountId, consumerId, batch],
  );
  return rows.map((r) => r.row).filter((r) => r.m_seq !== undefined);
}

/** What leased deliveries carry, as the server reads it after a lease (migration 0015). */
async function messages(leased: Leased[]): Promise<unknown[]> {
  const { rows } = await client.query<{ row: unknown }>(
    "SELECT row FROM sequin_window_messages_v1($1, $2, $3, $4) AS row",
    [account.accountId, consumerId, leased.map((l) => l.m_seq), leased.map((l) => l.lease_id)],
  );
  return rows.map((r) => r.row);
}

/** Each settle routine with what it takes beyond the tokens (all defaults). */
const SETTLE = {
  ack: "sequin_window_ack_v2($1, $2, NULL, NULL, $3, $4)",
  nack: "sequin_window_nack_v2($1, $2, NULL, NULL, $3, $4, NULL, 'failed')",
  extend: "sequin_window_extend_v2($1, $2, NULL, NULL, $3, $4, NULL)",
  term: "sequin_window_term_v1($1, $2, NULL, NULL, $3, $4, 'gave up')",
} as const;

async function settle(verb: keyof typeof SETTLE, leased: Leased[]): Promise<number> {
  const { rows } = await client.query<{ o_seq: number | null }>(`SELECT * FROM ${SETTLE[verb]}`, [
    account.accountId,
    consumerId,
    leased.map((l) => l.m_seq),
    leased.map((l) => l.lease_id),
  ]);
  return rows.filter((r) => r.o_seq !== null).length;
}

beforeAll(async () => {
  const db = await database.open();
  account = await createAccount(db, "window-plans");
  consumerId = (
    await db.transaction((tx) =>
      createConsumer(tx, account.accountId, {
        name: "window-plans",
        ack_wait_ms: 600_000,
        max_ack_pending: 100_000,
      }),
    )
  ).id;
  // One connection for the whole file: the plans it caches stay with it.
  client = new pg.Client({ connectionString: database.url() });
  await client.connect();
  plans = new LoggedPlans(client);
  for (const table of [
    "deliveries",
    "record_keys",
    "record_versions",
    "consumer_cursors",
    "consumer_floors",
  ])
    await client.query(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
  // Statistics of empty tables, and plans cached from calls on them (a routine's plans go
  // generic after a few calls).
  await client.query(
    "ANALYZE deliveries, record_keys, record_versions, consumer_cursors, consumer_floors",
  );
  for (let i = 0; i < 8; i++) {
    expect(await lease(10)).toEqual([]);
    expect(await messages([])).toEqual([]);
    for (const verb of ["ack", "nack", "extend", "term"] as const)
      expect(await settle(verb, [])).toBe(0);
  }
  // Then a backlog arrives, without ANALYZE, and a window of WINDOW leases builds up.
  await insertRecordBacklog(client, account.accountId, account.defaultStreamId, ROWS);
  // Events of the same account (this consumer reads none of them): a probe of `events` planned
  // while the table was empty took events_by_age, and read all of them per message (bench/LOG.md).
  await client.query(
    `INSERT INTO events (account_id, stream_id, seq, collection_id, upstream_id, action, data)
     SELECT $1, $2, nextval('event_seq'), 'plans:contact', 'u' || g, 'insert', '{}'
     FROM generate_series(1, ${ROWS}) g`,
    [account.accountId, account.defaultStreamId],
  );
  for (let i = 0; i < WINDOW / 1000; i++) expect(await lease(1000)).toHaveLength(1000);
  await plans.explainFromNow();
});
afterAll(async () => {
  await client?.end();
});

it(`a lease beside a ${WINDOW}-delivery window, at a ${ROWS}-row log, reads only its batch`, async () => {
  plans.take();
  expect(await lease(100)).toHaveLength(100);
  const logged = plans.take();
  expect(logged).not.toMatch(/Seq Scan on (record_keys|record_versions|deliveries)/);
  expect(mostRowsDiscarded(logged)).toBeLessThan(1_000);
  // The pull and the backlog count read the log from the cursor, in order: as much as they take
  // (a plan made once for every call must not read the whole log and sort it).
  for (const table of ["record_keys", "record_versions"])
    expect(mostRowsRead(logged, table), table).toBeLessThan(1_000);
});

it("the messages read after a lease of 100 probes each record and delivery by key", async () => {
  const leased = await lease(100);
  expect(leased).toHaveLength(100);
  plans.take();
  expect(await messages(leased)).toHaveLength(100);
  const logged = plans.take();
  for (const table of ["record_keys", "record_versions", "deliveries", "events"])
    expect(mostRowsRead(logged, table), table).toBeLessThan(1_000);
  expect(mostRowsDiscarded(logged)).toBeLessThan(1_000);
});

it("the same with statistics of the full log, on a connection that plans from them", async () => {
  // The routines that plan once per connection (migration 0030) plan from these: seen, a generic
  // plan that reckoned the filters keep one row, so read the whole log and sorted it.
  await client.query(
    "ANALYZE deliveries, record_keys, record_versions, consumer_cursors, consumer_floors",
  );
  const fresh = new pg.Client({ connectionString: database.url() });
  await fresh.connect();
  try {
    const freshPlans = new LoggedPlans(fresh);
    await freshPlans.explainFromNow();
    const { rows } = await fresh.query<{ row: { m_seq?: number } }>(
      "SELECT row FROM sequin_window_lease_v3($1, $2, NULL, NULL, 100, 100, false) AS row",
      [account.accountId, consumerId],
    );
    expect(rows.filter((r) => r.row.m_seq !== undefined)).toHaveLength(100);
    const logged = freshPlans.take();
    expect(logged).not.toMatch(/Seq Scan on (record_keys|record_versions|deliveries)/);
    for (const table of ["record_keys", "record_versions"])
      expect(mostRowsRead(logged, table), table).toBeLessThan(1_000);
  } finally {
    await fresh.end();
  }
});

it("ack, nack, extend and term of 100 tokens find each delivery by key, not by walking the window", async () => {
  for (const verb of ["extend", "nack", "term", "ack"] as const) {
    const leased = await lease(100);
    expect(leased).toHaveLength(100);
    plans.take();
    expect(await settle(verb, leased)).toBe(100);
    const logged = plans.take();
    expect(logged).toContain("deliveries_pkey");
    expect(logged).not.toMatch(/Seq Scan on deliveries/);
    expect(mostRowsDiscarded(logged), verb).toBeLessThan(1_000);
  }
});
