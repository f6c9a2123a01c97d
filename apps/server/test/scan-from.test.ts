// consumers.scan_from_seq (migration 0005): the lease reads a consumer's rows from there, so the
// index entries of rows finished long ago (kept while any transaction is open) are not walked
// again by every lease. The bound must never pass a row that can still be delivered.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { leaseSql } from "../src/consume/lease.js";
import {
  ack,
  createConsumer,
  createStream,
  next,
  record,
  sleep,
  upsert,
} from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { database, db, server, api, account } = await serverTest({ consumeCore: "fanout" }); // what this file checks is the fan-out core
const { accountId } = account;

async function scanFrom(consumerId: string): Promise<number> {
  const { rows } = await db.query<{ seq: string }>(
    "SELECT scan_from_seq AS seq FROM consumers WHERE account_id = $1 AND id = $2",
    [accountId, consumerId],
  );
  return Number(rows[0]?.seq);
}

const advance = () => server.sequin.tasks.advanceScanFrom();
/** Acks every message of a `next` answer. */
const ackAll = (consumer: string, batch: Awaited<ReturnType<typeof next>>) =>
  ack(
    api,
    consumer,
    batch.data.map((m) => m.ack_token),
  );
/** Each written record's seq (its version) by upstream id. */
const seqsOf = (written: Awaited<ReturnType<typeof upsert>>) =>
  Object.fromEntries(written.map((w) => [w.upstream_id, Number(w.updated_idx)]));
const upstreamIds = (batch: Awaited<ReturnType<typeof next>>) =>
  batch.data.map((m) => m.record?.upstream_id as string);

describe("the lease's scan bound", () => {
  it("moves up to the oldest live row, never past a leased one; an expired lease is delivered again", async () => {
    const stream = await createStream(api);
    const written = await upsert(
      api,
      stream,
      ["r0", "r1", "r2", "r3", "r4"].map((id) => record(id)),
    );
    const seq = seqsOf(written);
    const consumer = await createConsumer(api, { stream_id: stream, ack_wait_ms: 300 });
    expect(await scanFrom(consumer.id)).toBe(0);

    const held = await next(api, consumer.id, 1); // r0, kept leased
    const done = await next(api, consumer.id, 2); // r1, r2, acked
    expect(upstreamIds(held)).toEqual(["r0"]);
    await ackAll(consumer.id, done);
    await advance();
    expect(await scanFrom(consumer.id)).toBe(seq.r0);

    await ack(api, consumer.id, [held.data[0]!.ack_token]);
    await advance();
    expect(await scanFrom(consumer.id)).toBe(seq.r3);

    // r3 leased and left to expire: the bound stays on it, and it comes back.
    expect(upstreamIds(await next(api, consumer.id, 1))).toEqual(["r3"]);
    await advance();
    expect(await scanFrom(consumer.id)).toBe(seq.r3);
    await sleep(400);
    const again = await next(api, consumer.id, 10);
    expect(upstreamIds(again)).toEqual(["r3", "r4"]);
    expect(again.data[0]!.deliver_count).toBe(2);

    // Everything acked: no live row, the bound stays where it was; a new write is delivered.
    await ackAll(consumer.id, again);
    await advance();
    expect(await scanFrom(consumer.id)).toBe(seq.r3);
    await upsert(api, stream, [record("r5")]);
    expect(upstreamIds(await next(api, consumer.id, 10))).toEqual(["r5"]);
  });

  it("a redrive puts dead letters back below the bound and lowers it, so they are delivered", async () => {
    const stream = await createStream(api);
    const written = await upsert(
      api,
      stream,
      ["d0", "d1", "d2", "d3"].map((id) => record(id)),
    );
    const seq = seqsOf(written);
    const consumer = await createConsumer(api, { stream_id: stream, max_deliver: 1 });
    const first = await next(api, consumer.id, 1); // d0: nacked at max_deliver 1 -> dead letter
    const nacked = await api.post(`/v1/http-consumers/${consumer.id}/nack`, {
      ack_tokens: [first.data[0]!.ack_token],
    });
    expect(nacked.status).toBe(200);
    const rest = await next(api, consumer.id, 2); // d1, d2 acked
    await ackAll(consumer.id, rest);
    await advance();
    expect(await scanFrom(consumer.id)).toBe(seq.d3);

    const redriven = await api.post(`/v1/http-consumers/${consumer.id}/dead-letters/redrive`, {});
    expect(redriven.body).toEqual({ count: 1 });
    expect(await scanFrom(consumer.id)).toBe(seq.d0);
    expect(upstreamIds(await next(api, consumer.id, 10))).toEqual(["d0", "d3"]);
  });

  it("a row inserted below the bound by any writer lowers it, and a raise running meanwhile does not undo that", async () => {
    const stream = await createStream(api);
    const written = await upsert(
      api,
      stream,
      ["w0", "w1", "w2", "w3"].map((id) => record(id)),
    );
    const seq = seqsOf(written);
    const ids = Object.fromEntries(written.map((w) => [w.upstream_id, w.id]));
    const consumer = await createConsumer(api, { stream_id: stream });
    const first = await next(api, consumer.id, 2); // w0, w1 acked
    await ackAll(consumer.id, first);
    await advance();
    expect(await scanFrom(consumer.id)).toBe(seq.w2);
    const second = await next(api, consumer.id, 1); // w2 acked: the next raise would go to w3
    await ackAll(consumer.id, second);

    // Another writer (say, a redrive of a server of another version) puts w0 back in its old
    // place, and is slow to commit; the background raise runs in the meantime.
    const writer = new pg.Client({ connectionString: database.url() });
    writer.on("error", () => {});
    await writer.connect();
    try {
      await writer.query("BEGIN");
      await writer.query(
        `INSERT INTO consumer_messages (account_id, consumer_id, seq, record_id, record_idx)
         VALUES ($1, $2, $3, $4, $3)`,
        [accountId, consumer.id, seq.w0, ids.w0],
      );
      const raising = advance();
      // The raise has read the old bound and waits for the writer's lock on the consumer.
      let waiting = false;
      for (let i = 0; i < 250 && !waiting; i++) {
        const { rows } = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE consumers c SET scan_from_seq%'",
        );
        waiting = rows[0]!.n > 0;
        if (!waiting) await sleep(20);
      }
      expect(waiting).toBe(true);
      await writer.query("COMMIT");
      await raising;
    } finally {
      await writer.end();
    }
    expect(await scanFrom(consumer.id)).toBe(seq.w0);
    expect(upstreamIds(await next(api, consumer.id, 10))).toEqual(["w0", "w3"]);
  });

  it("with a transaction held open, a lease reads from the bound instead of every finished row", async () => {
    const stream = await createStream(api);
    const consumer = await createConsumer(api, { stream_id: stream });
    const ROWS = 2_000;
    for (let from = 0; from < ROWS + 100; from += 500) {
      await upsert(
        api,
        stream,
        Array.from({ length: 500 }, (_, i) => record(`h${from + i}`)),
      );
    }
    // An open snapshot: no row deleted from now on can be vacuumed, nor its index entry skipped.
    const holder = new pg.Client({ connectionString: database.url() });
    holder.on("error", () => {});
    await holder.connect();
    try {
      await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      await holder.query("SELECT count(*) FROM consumer_messages");
      for (let done = 0; done < ROWS; done += 500) {
        const batch = await next(api, consumer.id, 500);
        await ackAll(consumer.id, batch);
      }
      await advance();
      const bound = await scanFrom(consumer.id);
      expect(bound).toBeGreaterThan(0);
      const fromBound = await leaseScanBlocks(consumer.id, bound);
      const fromZero = await leaseScanBlocks(consumer.id, 0);
      // From the bound: the batch's own pages. From 0: every finished row's entry first.
      expect(fromBound).toBeLessThan(200);
      expect(fromZero).toBeGreaterThan(ROWS);
    } finally {
      await holder.query("ROLLBACK").catch(() => {});
      await holder.end();
    }
  });
});

/** Shared blocks the lease's scan of consumer rows touched for a batch of 100 (rolled back). */
async function leaseScanBlocks(consumerId: string, scanFrom: number): Promise<number> {
  return db
    .transaction(async (tx) => {
      // As inside the lease function.
      await tx.query(
        "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_seqscan = off",
      );
      const { rows } = await tx.query<{ "QUERY PLAN": unknown }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${leaseSql("$1::uuid", "$2::uuid", "$3::int", "$4::bigint")}`,
        [accountId, consumerId, 100, scanFrom],
      );
      const blocks = scanBlocks(rows[0]?.["QUERY PLAN"]);
      if (blocks === undefined) throw new Error("no scan of consumer_messages_pkey in the plan");
      // Thrown to roll the lease back: the next call must find the same rows pending.
      throw new Rollback(blocks);
    })
    .catch((e: unknown) => {
      if (e instanceof Rollback) return e.blocks;
      throw e;
    });
}

class Rollback extends Error {
  constructor(readonly blocks: number) {
    super("rollback");
  }
}

/** The shared blocks of the plan's index scan of consumer_messages (alias m) by primary key. */
function scanBlocks(plan: unknown): number | undefined {
  if (Array.isArray(plan)) {
    for (const item of plan) {
      const found = scanBlocks(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (plan === null || typeof plan !== "object") return undefined;
  const node = plan as Record<string, unknown>;
  if (node["Index Name"] === "consumer_messages_pkey" && node.Alias === "m") {
    return Number(node["Shared Hit Blocks"] ?? 0) + Number(node["Shared Read Blocks"] ?? 0);
  }
  for (const value of Object.values(node)) {
    if (typeof value === "object") {
      const found = scanBlocks(value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
