// ordering per_key vs none: the cost of leasing (and acking) batches at a large event backlog
// with many distinct keys, straight from Node through the server's own statements (no HTTP, so
// the difference is the lease statement's alone).
import { ack, decodeAckTokens, lease } from "@sequin/server/direct-consume";
import { createConsumer, type Db } from "@sequin/server/source";
import { percentile } from "../lib/measure.js";
import type { Seeded } from "./seed.js";

/** `count` appended events of `salesforce:contact`, spread round-robin over `keys` upstream ids. */
export async function seedKeyedEvents(db: Db, seeded: Seeded, count: number, keys: number) {
  for (let from = 0; from < count; from += 100_000) {
    const to = Math.min(count, from + 100_000);
    await db.query(
      `INSERT INTO events (account_id, stream_id, seq, collection_id, upstream_id, provider, action, data)
       SELECT $1, $2, nextval('event_seq'), 'salesforce:contact', 'c' || (g % $5::int), 'salesforce',
              'updated', jsonb_build_object('n', g, 'AccountId', 'a' || (g % $5::int))
       FROM generate_series($3::int, $4::int - 1) g`,
      [seeded.accountId, seeded.streamId, from, to, keys],
    );
  }
  await db.query("ANALYZE events");
}

/** An event consumer over every event seeded, with the given ordering. */
export async function createOrderingConsumer(
  db: Db,
  seeded: Seeded,
  ordering: "none" | "per_key",
): Promise<string> {
  const consumer = await db.transaction((tx) =>
    createConsumer(tx, seeded.accountId, {
      name: `ordering-${ordering}`,
      kind: "event",
      ordering,
      deliver_policy: "all",
      ack_wait_ms: 600_000,
      max_ack_pending: 100_000,
    }),
  );
  return consumer.id;
}

export interface LeaseCost {
  cycles: number;
  batchSize: number;
  /** Mean and percentiles of one lease call. */
  leaseMeanMs: number;
  leaseP50Ms: number;
  leaseP99Ms: number;
  /** Mean of lease + ack of the batch. */
  cycleMeanMs: number;
}

/** `cycles` rounds of lease(batchSize) + ack on one connection's worth of calls. */
export async function leaseCost(
  db: Db,
  accountId: string,
  consumerId: string,
  batchSize: number,
  cycles: number,
): Promise<LeaseCost> {
  const leases: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < cycles; i++) {
    const start = performance.now();
    const { messages } = await lease(db, { accountId, consumer: consumerId }, batchSize);
    const leased = performance.now();
    if (messages.length < batchSize) throw new Error(`backlog ran out (${messages.length})`);
    await ack(
      db,
      { accountId, consumer: consumerId },
      decodeAckTokens(messages.map((m) => m.ack_token)),
    );
    leases.push(leased - start);
    totals.push(performance.now() - start);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    cycles,
    batchSize,
    leaseMeanMs: mean(leases),
    leaseP50Ms: percentile(leases, 50),
    leaseP99Ms: percentile(leases, 99),
    cycleMeanMs: mean(totals),
  };
}
