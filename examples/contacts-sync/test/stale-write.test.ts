// The race the guarded upsert exists for (Sequin's docs, "Advanced upserts"): worker A holds
// version 1 past its lease, worker B gets version 2 and writes it, then A finishes and writes
// version 1. The table must end at version 2.
//
// To watch this test fail without the guard: CONTACTS_SYNC_UNGUARDED=1 pnpm test stale-write
import type { ConsumerHandle } from "@sequin/client";
import type { PgQueryable } from "@sequin/client/pg";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { ensureConsumers } from "../src/consumers.js";
import { startContactSync } from "../src/sync-contacts.js";
import { contactRows, createTestDatabase, type TestDatabase } from "./helpers/database.js";
import { contact, testConfig } from "./helpers/expected.js";
import { MOCK_URL, mockSequin, testTuning } from "./helpers/mock.js";

const ACK_WAIT_MS = 30_000;
const CONSUMER = "contacts-sync";
/** Demonstration switch: both workers write without the guard, and the test below fails. */
const unguardedForDemo = process.env.CONTACTS_SYNC_UNGUARDED === "1";

const sequin = mockSequin("manual");
const { mock } = sequin;
const client = sequin.client();
let db: TestDatabase;
const workers: ConsumerHandle[] = [];
/** Lets a stalled worker go, so that a failed test still stops its workers. */
let releaseStalled: () => void = () => {};

beforeAll(async () => {
  sequin.listen();
  db = await createTestDatabase("stale");
});
afterEach(async () => {
  releaseStalled();
  await Promise.all(workers.map((w) => w.stop()));
});
afterAll(async () => {
  sequin.close();
  await db?.drop();
});

/** A connection to the app's database that stalls every statement until `release()`. */
function stalledDb(target: PgQueryable) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached: () => void = () => {};
  const stalled = new Promise<void>((resolve) => {
    reached = resolve;
  });
  let wrote: () => void = () => {};
  const written = new Promise<void>((resolve) => {
    wrote = resolve;
  });
  const db: PgQueryable = {
    async query(text, values) {
      reached();
      await released;
      const result = await target.query(text, values);
      wrote();
      return result;
    },
  };
  return { db, stalled, release, written };
}

it("a slow worker's old version never overwrites the newer one another worker wrote", async () => {
  const errors: unknown[] = [];
  await ensureConsumers(client, testConfig(MOCK_URL, mock.token, db.url));
  const common = {
    ...testTuning(errors),
    client,
    consumer: CONSUMER,
    ackWaitMs: ACK_WAIT_MS,
    // One batch at a time and nothing prefetched: A leases nothing else while it stalls.
    concurrency: 1,
    prefetch: 0,
    unguardedForDemo,
  };

  // Worker A leases version 1, then stalls before its write reaches the database.
  const slow = stalledDb(db.pool);
  releaseStalled = slow.release;
  workers.push(startContactSync({ ...common, db: slow.db }));
  const [v1] = mock.seed.records([contact("003A", { FirstName: "Paul", Email: "v1@arrakis.org" })]);
  await slow.stalled;

  // Version 2 arrives while A holds the record; A's lease runs out.
  const [v2] = mock.seed.records([contact("003A", { FirstName: "Paul", Email: "v2@arrakis.org" })]);
  expect(v2?.updated_idx).toBeGreaterThan(v1?.updated_idx ?? Infinity);
  mock.clock.advance(ACK_WAIT_MS);

  // Worker B gets version 2 and writes it.
  workers.push(startContactSync({ ...common, db: db.pool }));
  await expect
    .poll(() => mock.acked(CONSUMER).map((d) => d.record?.updated_idx))
    .toEqual([v2?.updated_idx]);
  expect((await contactRows(db.pool))[0]?.email).toBe("v2@arrakis.org");

  // A wakes up and writes its version 1.
  slow.release();
  await slow.written;

  const rows = await contactRows(db.pool);
  expect(rows.map((r) => [r.updated_idx, r.email])).toEqual([[v2?.updated_idx, "v2@arrakis.org"]]);
  // The mock agrees on what the latest version is.
  expect(mock.records().map((r) => r.updated_idx)).toEqual([v2?.updated_idx]);
});
