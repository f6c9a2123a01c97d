import { afterAll, describe, expect, it } from "vitest";
import { STREAM_WRITE_LOCK } from "../src/db/advisory-locks.js";
import { lockStream } from "../src/streams/service.js";
import type { Api } from "./helpers/api.js";
import { untilLockAwaited } from "./helpers/database.js";
import { createConsumer, createStream, record, upsert } from "./helpers/fixtures.js";
import { serverTest, startTestServer } from "./helpers/server.js";

// Two servers on one database.
const { database, db: dbA, server: serverA, account } = await serverTest();
const dbB = await database.open();
const serverB = await startTestServer(dbB);
afterAll(() => serverB.close());
const { token, accountId } = account;

/** One delivery as a worker saw it. */
interface Delivery {
  worker: number;
  id: string;
  leasedAt: number;
  ackedAt: number;
}

/**
 * Runs workers until `total` distinct messages are acked. Each worker leases a random batch,
 * checks that no other worker holds any of its messages right now, then acks them. Returns the
 * delivery log and every violation seen.
 */
async function runWorkers(apis: Api[], consumer: string, total: number, deadlineMs: number) {
  const held = new Map<string, number>();
  const acked = new Map<string, number>();
  const log: Delivery[] = [];
  const violations: string[] = [];
  const deadline = Date.now() + deadlineMs;
  let doneCount = 0;

  const worker = async (api: Api, n: number) => {
    while (doneCount < total && Date.now() < deadline) {
      const batch_size = 1 + Math.floor(Math.random() * 20);
      const res = await api.post(`/v1/http-consumers/${consumer}/next`, {
        batch_size,
        wait_for: 500,
      });
      if (res.status !== 200) {
        violations.push(`next answered ${res.status}`);
        continue;
      }
      const leasedAt = Date.now();
      const messages = res.body.data as Array<{ ack_token: string; record: { id: string } }>;
      if (messages.length > batch_size)
        violations.push(`batch of ${messages.length} > ${batch_size}`);
      for (const m of messages) {
        const holder = held.get(m.record.id);
        if (holder !== undefined)
          violations.push(`${m.record.id} leased to ${n} while ${holder} holds it`);
        held.set(m.record.id, n);
      }
      if (messages.length === 0) continue;
      const answer = await api.post(`/v1/http-consumers/${consumer}/ack`, {
        ack_tokens: messages.map((m) => m.ack_token),
      });
      if (answer.body.count !== messages.length || answer.body.unknown_ack_tokens.length > 0) {
        violations.push(`ack of ${messages.length} counted ${answer.body.count}`);
      }
      const ackedAt = Date.now();
      for (const m of messages) {
        held.delete(m.record.id);
        acked.set(m.record.id, (acked.get(m.record.id) ?? 0) + 1);
        log.push({ worker: n, id: m.record.id, leasedAt, ackedAt });
      }
      doneCount = acked.size;
    }
  };
  await Promise.all(apis.map((api, n) => worker(api, n)));
  return { acked, log, violations };
}

/** No two deliveries of one message overlap in time (lease to ack). */
function overlaps(log: Delivery[]): string[] {
  const byId = new Map<string, Delivery[]>();
  for (const d of log) byId.set(d.id, [...(byId.get(d.id) ?? []), d]);
  const found: string[] = [];
  for (const [id, deliveries] of byId) {
    const sorted = deliveries.sort((a, b) => a.leasedAt - b.leasedAt);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.leasedAt < sorted[i - 1]!.ackedAt) found.push(id);
    }
  }
  return found;
}

describe("many workers on one consumer", () => {
  it("8 workers, 5,000 messages: each acked once, never leased to two workers at once", async () => {
    const api = serverA.api.as(token);
    const stream = await createStream(api);
    const consumer = await createConsumer(api, { stream_id: stream });
    for (let b = 0; b < 5; b++) {
      await upsert(
        api,
        stream,
        Array.from({ length: 1000 }, (_, i) => record(`m${b * 1000 + i}`)),
      );
    }
    const { acked, log, violations } = await runWorkers(
      Array(8).fill(api),
      consumer.id,
      5000,
      90_000,
    );
    expect(violations).toEqual([]);
    expect(acked.size).toBe(5000);
    expect([...acked.values()].every((n) => n === 1)).toBe(true);
    expect(overlaps(log)).toEqual([]);
    expect(new Set(log.map((d) => d.worker)).size).toBe(8);
    const info = await api.get(`/v1/http-consumers/${consumer.id}/next`);
    expect(info.body.info).toEqual({ num_pending: 0, num_ack_pending: 0 });
  }, 120_000);

  it("two servers on one database, workers split across them, writes arriving meanwhile: same result", async () => {
    const a = serverA.api.as(token);
    const b = serverB.api.as(token);
    const stream = await createStream(a);
    const consumer = await createConsumer(a, { stream_id: stream });
    await upsert(
      a,
      stream,
      Array.from({ length: 1000 }, (_, i) => record(`m${i}`)),
    );
    // The rest arrives while the workers run, half through each server.
    const writing = (async () => {
      for (let batch = 1; batch < 5; batch++) {
        await new Promise((r) => setTimeout(r, 100));
        await upsert(
          batch % 2 ? b : a,
          stream,
          Array.from({ length: 1000 }, (_, i) => record(`m${batch * 1000 + i}`)),
        );
      }
    })();
    const workers = [a, a, a, a, b, b, b, b];
    const [{ acked, log, violations }] = await Promise.all([
      runWorkers(workers, consumer.id, 5000, 90_000),
      writing,
    ]);
    expect(violations).toEqual([]);
    expect(acked.size).toBe(5000);
    expect([...acked.values()].every((n) => n === 1)).toBe(true);
    expect(overlaps(log)).toEqual([]);
    const byServer =
      [0, 1, 2, 3].some((w) => log.some((d) => d.worker === w)) && log.some((d) => d.worker >= 4);
    expect(byServer).toBe(true);
  }, 120_000);

  it("concurrent first upserts of one key, through two servers, create one record and one event", async () => {
    const a = serverA.api.as(token);
    const b = serverB.api.as(token);
    const stream = await createStream(a);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        upsert(i % 2 ? a : b, stream, [record("same", { v: 1 }), record(`other-${i}`)]),
      ),
    );
    const results = answers.map((r) => r[0]!);
    expect(results.filter((r) => r.result === "inserted")).toHaveLength(1);
    expect(results.filter((r) => r.result === "unchanged")).toHaveLength(11);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    const events = await a.get(`/v1/streams/${stream}/events?limit=100`);
    expect(
      events.body.data.filter((e: { upstream_id: string }) => e.upstream_id === "same"),
    ).toHaveLength(1);
    // Events of concurrent batches are visible in seq order with no gaps from late commits.
    const seqs = events.body.data.map((e: { seq: number }) => e.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(events.body.data).toHaveLength(13);
  }, 60_000);

  it("a stream's writers are serialised however its id is spelled", async () => {
    const a = serverA.api.as(token);
    const stream = await createStream(a);
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    // Another writer (consumer creation, redrive, a mutation) holds the lock, named in capitals.
    const holder = dbB.transaction(async (tx) => {
      await lockStream(tx, accountId, stream.toUpperCase());
      locked();
      await released;
    });
    await isLocked;
    let answered = false;
    const write = upsert(a, stream, [record("while-locked")]).then((r) => {
      answered = true;
      return r;
    });
    // The write queues behind the holder's lock; it fails here if it took another lock.
    await untilLockAwaited(dbA, STREAM_WRITE_LOCK);
    const waited = !answered;
    release();
    await holder;
    expect(waited).toBe(true);
    expect((await write)[0]!.result).toBe("inserted");
  });

  it("records updated while workers hold them: the last version of every record is delivered and acked", async () => {
    const a = serverA.api.as(token);
    const b = serverB.api.as(token);
    const stream = await createStream(a);
    const consumer = await createConsumer(a, { stream_id: stream });
    const ids = Array.from({ length: 100 }, (_, i) => `u${i}`);
    await upsert(
      a,
      stream,
      ids.map((id) => record(id, { v: 0 })),
    );

    let writing = true;
    const errors: string[] = [];
    const lastAcked = new Map<string, number>();
    const writer = (async () => {
      for (let round = 1; round <= 40; round++) {
        const batch = ids.filter(() => Math.random() < 0.3).map((id) => record(id, { v: round }));
        if (batch.length > 0) await upsert(round % 2 ? a : b, stream, batch);
      }
      writing = false;
    })();
    const worker = async (api: typeof a) => {
      for (;;) {
        const res = await api.post(`/v1/http-consumers/${consumer.id}/next`, {
          batch_size: 10,
          wait_for: 200,
        });
        if (res.status !== 200) errors.push(`next ${res.status}`);
        const messages = (res.body.data ?? []) as Array<{
          ack_token: string;
          record: { upstream_id: string; updated_idx: number };
        }>;
        if (
          messages.length === 0 &&
          !writing &&
          res.body.info.num_pending === 0 &&
          res.body.info.num_ack_pending === 0
        )
          return;
        if (messages.length === 0) continue;
        const answer = await api.post(`/v1/http-consumers/${consumer.id}/ack`, {
          ack_tokens: messages.map((m) => m.ack_token),
        });
        if (answer.status !== 200 || answer.body.count !== messages.length)
          errors.push(`ack ${JSON.stringify(answer.body)}`);
        for (const m of messages) {
          lastAcked.set(
            m.record.upstream_id,
            Math.max(lastAcked.get(m.record.upstream_id) ?? 0, m.record.updated_idx),
          );
        }
      }
    };
    await Promise.all([writer, worker(a), worker(a), worker(b), worker(b)]);
    expect(errors).toEqual([]);
    const { rows } = await dbA.query<{ upstream_id: string; updated_idx: number }>(
      "SELECT upstream_id, updated_idx FROM records WHERE stream_id = $1",
      [stream],
    );
    const stale = rows.filter((r) => lastAcked.get(r.upstream_id) !== r.updated_idx);
    expect(stale).toEqual([]);
    expect(rows).toHaveLength(100);
  }, 120_000);
});
