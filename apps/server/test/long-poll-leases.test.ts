// How many leases a long-poll runs before it waits. An empty lease costs about a millisecond of
// the database's time inside the consumer's lock, and idle workers long-poll all day.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEASE_CALL, lease } from "../src/consume/lease.js";
import { KnownConsumers, LongPollLimiter, receive } from "../src/consume/receive.js";
import { createConsumer, deleteConsumer } from "../src/consumers/service.js";
import { CONSUMER_LEASE_LOCK } from "../src/db/advisory-locks.js";
import type { Db } from "../src/db/db.js";
import { createAccount } from "../src/index.js";
import { writeRecords } from "../src/records/write-records.js";
import { createStreamRow } from "../src/streams/service.js";
import { WakeHub } from "../src/wake/hub.js";
import { useTestDatabase } from "./helpers/database.js";
import { sleep } from "./helpers/fixtures.js";

const database = useTestDatabase();
let db: Db;
let counted: Db;
let leases = 0;
/** The `expectNone` argument of each lease call, in order. */
let checks: boolean[] = [];
let accountId: string;
let hub: WakeHub;

beforeAll(async () => {
  db = await database.open();
  // The real database; only the lease calls are counted.
  counted = new Proxy(db, {
    get(target, prop) {
      if (prop === "query") {
        return (sql: string, params?: unknown[]) => {
          if (sql === LEASE_CALL) {
            leases++;
            checks.push(params?.[5] === true);
          }
          return target.query(sql, params);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  accountId = (await createAccount(db, "long-poll-leases")).accountId;
  hub = new WakeHub();
});
afterAll(() => {
  hub?.close();
});

async function newStream(name: string): Promise<string> {
  return (await createStreamRow(db, accountId, { name })).id;
}

async function newConsumer(name: string, streamId: string, ackWaitMs?: number): Promise<string> {
  const c = await db.transaction((tx) =>
    // The fan-out core's lease function and lock are what this file checks.
    createConsumer(
      tx,
      accountId,
      {
        name,
        stream_id: streamId,
        deliver_policy: "new",
        ...(ackWaitMs ? { ack_wait_ms: ackWaitMs } : {}),
      },
      "fanout",
    ),
  );
  return c.id;
}

/** Writes records and wakes this process's long-polls, as the upsert route does. */
async function write(streamId: string, ...upstreamIds: string[]): Promise<void> {
  await writeRecords(
    db,
    accountId,
    streamId,
    upstreamIds.map((id) => ({ collection_id: "polls:thing", upstream_id: id, data: { n: 1 } })),
  );
  hub.wake(`s:${streamId}`);
}

function poll(known: KnownConsumers, consumer: string, waitFor: number, batchSize = 10) {
  return receive(counted, hub, {
    accountId,
    consumer,
    batchSize,
    waitFor,
    signal: new AbortController().signal,
    limiter: new LongPollLimiter(10),
    known,
  });
}

describe("long-poll leases", () => {
  it("a long-poll on a consumer this server has leased from waits after a single lease", async () => {
    const stream = await newStream("polls-known");
    await newConsumer("polls-known", stream);
    const known = new KnownConsumers();
    leases = 0;
    // Unknown yet: the first lease finds the consumer, a second one is subscribed.
    const first = poll(known, "polls-known", 30_000);
    await hub.whenParked(1);
    expect(leases).toBe(2);
    await write(stream, "a");
    expect((await first).data).toHaveLength(1);

    leases = 0;
    const second = poll(known, "polls-known", 30_000);
    await hub.whenParked(1);
    expect(leases).toBe(1);
    await write(stream, "b");
    const res = await second;
    expect(res.data.map((m) => ("record" in m ? m.record.upstream_id : null))).toEqual(["b"]);
    expect(leases).toBe(2);
  });

  it("a consumer made again under a known name is found, and its long-poll wakes on its own stream", async () => {
    const oldStream = await newStream("polls-old");
    const newStreamId = await newStream("polls-new");
    const known = new KnownConsumers();
    await newConsumer("polls-again", oldStream);
    expect((await poll(known, "polls-again", 0)).data).toEqual([]);
    await deleteConsumer(db, accountId, "polls-again");
    await newConsumer("polls-again", newStreamId);

    leases = 0;
    const polling = poll(known, "polls-again", 30_000);
    await hub.whenParked(1);
    // The remembered consumer was another one: it looks again, subscribed to the right stream.
    expect(leases).toBe(2);
    const started = Date.now();
    await write(newStreamId, "c");
    const res = await polling;
    expect(res.data.map((m) => ("record" in m ? m.record.upstream_id : null))).toEqual(["c"]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a lease of a consumer left with nothing pending checks first, unless it follows a wake-up", async () => {
    const stream = await newStream("polls-drained");
    await newConsumer("polls-drained", stream);
    const known = new KnownConsumers();
    checks = [];
    expect((await poll(known, "polls-drained", 0)).data).toEqual([]);
    // Nothing known yet: a full lease.
    expect(checks).toEqual([false]);

    checks = [];
    const polling = poll(known, "polls-drained", 30_000);
    await hub.whenParked(1);
    expect(checks).toEqual([true]);
    await write(stream, "a");
    expect((await polling).data).toHaveLength(1);
    // Woken by the write: expected to find it.
    expect(checks).toEqual([true, false]);

    // Two pending, one leased: one is left, so the next lease does not check.
    await write(stream, "b", "c");
    checks = [];
    expect((await poll(known, "polls-drained", 0, 1)).data).toHaveLength(1);
    expect((await poll(known, "polls-drained", 0, 1)).data).toHaveLength(1);
    expect(checks).toEqual([true, false]);
  });

  it("a lease that checks first finds a message whose lease ran out", async () => {
    const stream = await newStream("polls-expired");
    const consumer = await newConsumer("polls-expired", stream, 300);
    await write(stream, "a");
    const first = await lease(db, { accountId, consumer }, 10, true);
    expect(first.messages).toHaveLength(1);
    expect((await lease(db, { accountId, consumer }, 10, true)).messages).toEqual([]);
    await sleep(400);
    const again = await lease(db, { accountId, consumer }, 10, true);
    expect(again.messages.map((m) => m.deliver_count)).toEqual([2]);
  });

  it("remembers at most `max` consumers", () => {
    const known = new KnownConsumers(2);
    known.remember("acc", "a", { id: "1", streamId: "s" });
    known.remember("acc", "b", { id: "2", streamId: "s" });
    expect(known.get("acc", "a")).toEqual({ id: "1", streamId: "s" });
    known.remember("acc", "c", { id: "3", streamId: "s" });
    expect(known.get("acc", "a")).toBeUndefined();
    expect(known.get("acc", "c")).toEqual({ id: "3", streamId: "s" });
    expect(known.get("other", "c")).toBeUndefined();
  });
});

describe("max_deliver set while a lease waits for the consumer's lock", () => {
  // The lease function reads max_deliver when it looks the consumer up, before it takes the lock,
  // and leaves the dead-letter steps out of its statement when it is off. Set meanwhile, the
  // statement sees it: a message at the limit must not be delivered again, and the next lease
  // moves it to dead letters.
  it("delivers nothing past it, and the next lease makes the dead letter", async () => {
    const stream = await newStream("polls-max-deliver");
    const consumer = await newConsumer("polls-max-deliver", stream, 200);
    await write(stream, "a");
    expect((await lease(db, { accountId, consumer }, 10)).messages).toHaveLength(1);
    await sleep(300);
    const holder = new pg.Client({ connectionString: database.url() });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1, hashtext($2))", [
        CONSUMER_LEASE_LOCK,
        consumer,
      ]);
      const waiting = lease(db, { accountId, consumer }, 10);
      // Until the lease has looked the consumer up and waits for the lock.
      for (let i = 0; ; i++) {
        const { rows } = await holder.query(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
           WHERE d.datname = current_database() AND l.locktype = 'advisory'
             AND l.classid = $1 AND l.objsubid = 2 AND NOT l.granted`,
          [CONSUMER_LEASE_LOCK],
        );
        if (rows[0].n > 0) break;
        if (i > 200) throw new Error("the lease never waited for the lock");
        await sleep(10);
      }
      await holder.query("UPDATE consumers SET max_deliver = 1 WHERE account_id = $1 AND id = $2", [
        accountId,
        consumer,
      ]);
      await holder.query("SELECT pg_advisory_unlock($1, hashtext($2))", [
        CONSUMER_LEASE_LOCK,
        consumer,
      ]);
      const during = await waiting;
      expect(during.messages).toEqual([]);
      expect(during.deadLettered).toBe(0);
    } finally {
      await holder.end();
    }
    const after = await lease(db, { accountId, consumer }, 10);
    expect(after.messages).toEqual([]);
    expect(after.deadLettered).toBe(1);
    const { rows } = await db.query<{ n: number }>(
      `SELECT (SELECT count(*)::int FROM dead_letters WHERE account_id = $1 AND consumer_id = $2)
            - (SELECT count(*)::int FROM consumer_messages WHERE account_id = $1 AND consumer_id = $2) AS n`,
      [accountId, consumer],
    );
    expect(rows[0]?.n).toBe(1);
  });
});
