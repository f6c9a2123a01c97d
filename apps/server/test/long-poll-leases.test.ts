// How many leases a long-poll runs before it waits: idle workers long-poll all day, and each
// empty lease is a round trip and a look at the consumer's window.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsumer, deleteConsumer } from "../src/consumers/service.js";
import type { Db } from "../src/db/db.js";
import { KnownConsumers, LongPollLimiter, receive } from "../src/delivery/receive.js";
import { createAccount } from "../src/index.js";
import { writeRecords } from "../src/records/write-records.js";
import { createStreamRow } from "../src/streams/service.js";
import { WakeHub } from "../src/wake/hub.js";
import { useTestDatabase } from "./helpers/database.js";

const database = useTestDatabase();
let db: Db;
let counted: Db;
let leases = 0;
let accountId: string;
let hub: WakeHub;

beforeAll(async () => {
  db = await database.open();
  // The real database; only the lease calls are counted.
  counted = new Proxy(db, {
    get(target, prop) {
      if (prop === "query") {
        return (sql: string, params?: unknown[]) => {
          if (sql.includes("sequin_window_lease_v3")) leases++;
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

async function newConsumer(name: string, streamId: string): Promise<string> {
  const c = await db.transaction((tx) =>
    createConsumer(tx, accountId, { name, stream_id: streamId, deliver_policy: "new" }),
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
    const started = performance.now();
    await write(newStreamId, "c");
    const res = await polling;
    expect(res.data.map((m) => ("record" in m ? m.record.upstream_id : null))).toEqual(["c"]);
    expect(performance.now() - started).toBeLessThan(5_000);
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
