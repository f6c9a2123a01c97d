// Running leases are counted from append-only deltas (migration 0006), not from the rows. Every
// way a lease starts or ends (lease, ack, ack of an outdated version, nack, extend, dead letter,
// expiry, deletion of the consumer's rows) must keep the two in step: after each random step the
// delta sum is compared with a count of the rows, in one statement (one snapshot, one clock).
import { expect, it } from "vitest";
import { foldCounters } from "../src/background/fold-counters.js";
import { runningLeasesSql } from "../src/consume/info.js";
import { loadMigrations, migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";
import { createAccount } from "../src/index.js";
import { createEmptyDatabase } from "./helpers/database.js";
import { createConsumer, createStream, next, record, sleep, upsert } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { db, api, account } = await serverTest({ consumeCore: "fanout" }); // what this file checks is the fan-out core
const { accountId } = account;

async function counts(consumerId: string) {
  const { rows } = await db.query<{ deltas: number; rows: number }>(
    `SELECT ${runningLeasesSql("$1::uuid", "$2::uuid")} AS deltas,
            (SELECT count(*)::int FROM consumer_messages
             WHERE account_id = $1 AND consumer_id = $2 AND leased_until > statement_timestamp()) AS rows`,
    [accountId, consumerId],
  );
  return rows[0]!;
}

/** A seeded random number generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

it("the delta sum equals the rows leased after every lease, ack, nack, extend, update and expiry", async () => {
  const stream = await createStream(api);
  const consumer = await createConsumer(api, {
    stream_id: stream,
    ack_wait_ms: 300,
    max_deliver: 3,
  });
  const c = `/v1/http-consumers/${consumer.id}`;
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
  await upsert(
    api,
    stream,
    keys.map((k) => record(k, { v: 0 })),
  );
  const rand = random(7);
  const pick = <T>(items: T[]) => items.filter(() => rand() < 0.5);
  let held: string[] = [];
  const seen = { leased: 0, acked: 0, nacked: 0, extended: 0, updated: 0, expired: 0 };

  for (let step = 0; step < 120; step++) {
    const r = rand();
    if (r < 0.3) {
      const answer = await next(api, consumer.id, 1 + Math.floor(rand() * 8));
      held.push(...answer.data.map((m) => m.ack_token));
      seen.leased += answer.data.length;
      // Counted at the answer; leases may run out before the rows are counted here.
      const after = await counts(consumer.id);
      expect(answer.info.num_ack_pending).toBeGreaterThanOrEqual(after.rows);
      expect(answer.info.num_ack_pending).toBeGreaterThanOrEqual(answer.data.length);
    } else if (r < 0.45 && held.length > 0) {
      const tokens = pick(held);
      await api.post(`${c}/ack`, { ack_tokens: tokens });
      held = held.filter((t) => !tokens.includes(t));
      seen.acked += tokens.length;
    } else if (r < 0.55 && held.length > 0) {
      const tokens = pick(held);
      await api.post(`${c}/nack`, { ack_tokens: tokens });
      held = held.filter((t) => !tokens.includes(t));
      seen.nacked += tokens.length;
    } else if (r < 0.7 && held.length > 0) {
      const tokens = pick(held);
      await api.post(`${c}/extend`, {
        ack_tokens: tokens,
        extend_ms: 50 + Math.floor(rand() * 600),
      });
      seen.extended += tokens.length;
    } else if (r < 0.85) {
      // New versions of leased records: their ack then puts them back instead of deleting them.
      await upsert(
        api,
        stream,
        pick(keys).map((k) => record(k, { v: step })),
      );
      seen.updated++;
    } else {
      await sleep(100 + Math.floor(rand() * 300));
      seen.expired++;
    }
    // The fold task collapses the deltas of each expiry time now and then, as in a server.
    if (step % 5 === 4) await foldCounters(db);
    const now = await counts(consumer.id);
    expect(now.deltas, `step ${step} ${JSON.stringify(seen)}`).toBe(now.rows);
  }
  // Every kind of step happened.
  for (const [kind, n] of Object.entries(seen)) expect(n, kind).toBeGreaterThan(0);

  // Deleting the stream's consumer rows with the consumer ends its leases in the count too.
  await next(api, consumer.id, 5);
  expect((await counts(consumer.id)).deltas).toBeGreaterThan(0);
  expect((await api.delete(c)).status).toBe(200);
  expect(await counts(consumer.id)).toEqual({ deltas: 0, rows: 0 });
}, 60_000);

it("max_ack_pending still caps the leases running, and a running-out lease frees its place", async () => {
  const stream = await createStream(api);
  const consumer = await createConsumer(api, {
    stream_id: stream,
    ack_wait_ms: 400,
    max_ack_pending: 5,
  });
  await upsert(
    api,
    stream,
    Array.from({ length: 20 }, (_, i) => record(`m${i}`)),
  );
  expect((await next(api, consumer.id, 10)).data).toHaveLength(5);
  expect((await next(api, consumer.id, 10)).data).toHaveLength(0);
  await sleep(500);
  const again = await next(api, consumer.id, 10);
  expect(again.data).toHaveLength(5);
  expect(again.info.num_ack_pending).toBe(5);
});

it("migration 0006 counts the leases already running when it is applied", async () => {
  const { url, drop } = await createEmptyDatabase();
  const old = await openDatabase({ databaseUrl: url });
  try {
    const all = await loadMigrations();
    await migrate(
      old,
      all.filter((m) => m.version < 6),
    );
    const account = await createAccount(old, "before-0006");
    // As the server of that time made it (today's service code writes columns added later).
    const consumer = (
      await old.query<{ id: string }>(
        `INSERT INTO consumers (account_id, id, name, stream_id, kind, deliver_policy, ack_wait_ms,
                                max_deliver, max_ack_pending, ordering)
         VALUES ($1, gen_random_uuid(), 'c', $2, 'record', 'new', 30000, -1, 1000, 'per_key')
         RETURNING id`,
        [account.accountId, account.defaultStreamId],
      )
    ).rows[0]!;
    // Three rows leased (two until the same moment), one expired, one pending.
    await old.query(
      `INSERT INTO records (account_id, id, stream_id, collection_id, upstream_id, updated_idx, deleted, data)
       SELECT $1, gen_random_uuid(), $2, 'x', 'u' || g, g, false, '{}' FROM generate_series(1, 5) g`,
      [account.accountId, account.defaultStreamId],
    );
    await old.query(
      `INSERT INTO consumer_messages (account_id, consumer_id, seq, record_id, record_idx, leased_until)
       SELECT r.account_id, $2, r.updated_idx, r.id, r.updated_idx,
              CASE r.updated_idx WHEN 1 THEN now() + interval '1 minute'
                                 WHEN 2 THEN now() + interval '1 minute'
                                 WHEN 3 THEN now() + interval '2 minutes'
                                 WHEN 4 THEN now() - interval '1 minute' END
       FROM records r WHERE r.account_id = $1`,
      [account.accountId, consumer.id],
    );
    expect(
      await migrate(
        old,
        all.filter((m) => m.version <= 6),
      ),
    ).toEqual([6]);
    const { rows } = await old.query<{ deltas: number }>(
      `SELECT ${runningLeasesSql("$1::uuid", "$2::uuid")} AS deltas`,
      [account.accountId, consumer.id],
    );
    expect(rows[0]!.deltas).toBe(3);
  } finally {
    await old.close();
    await drop();
  }
});

it("the fold task deletes lease deltas a minute past their time, and only those", async () => {
  const stream = await createStream(api);
  const consumer = await createConsumer(api, { stream_id: stream });
  await db.query(
    `INSERT INTO consumer_lease_deltas (account_id, consumer_id, leased_until, delta)
     VALUES ($1, $2, now() - interval '2 minutes', 5), ($1, $2, now() - interval '10 seconds', 3),
            ($1, $2, now() + interval '1 minute', 2)`,
    [accountId, consumer.id],
  );
  await foldCounters(db);
  const { rows } = await db.query<{ delta: number }>(
    "SELECT delta FROM consumer_lease_deltas WHERE account_id = $1 AND consumer_id = $2 ORDER BY leased_until",
    [accountId, consumer.id],
  );
  expect(rows.map((r) => r.delta)).toEqual([3, 2]);
  expect((await counts(consumer.id)).deltas).toBe(2);
});

it("the fold task collapses the lease deltas of each expiry time into one row, or none when they cancel out", async () => {
  const stream = await createStream(api);
  const consumer = await createConsumer(api, { stream_id: stream });
  await db.query(
    `INSERT INTO consumer_lease_deltas (account_id, consumer_id, leased_until, delta)
     SELECT $1, $2, now() + (t || ' seconds')::interval, d
     FROM (VALUES (10, 3), (10, -1), (10, -2), (20, 2), (20, -1), (20, 5), (30, 4)) AS v(t, d)`,
    [accountId, consumer.id],
  );
  const before = (await counts(consumer.id)).deltas;
  await foldCounters(db);
  const { rows } = await db.query<{ delta: number }>(
    "SELECT delta FROM consumer_lease_deltas WHERE account_id = $1 AND consumer_id = $2 ORDER BY leased_until",
    [accountId, consumer.id],
  );
  expect(rows.map((r) => r.delta)).toEqual([6, 4]);
  expect((await counts(consumer.id)).deltas).toBe(before);

  // A consumer that leases and acks one message at a time keeps no row once they cancel out, not two per message.
  const busy = await createConsumer(api, { stream_id: stream, ack_wait_ms: 60_000 });
  for (let i = 0; i < 30; i++) {
    await upsert(api, stream, [record(`one-${i}`, { i })]);
    const answer = await next(api, busy.id, 1);
    await api.post(`/v1/http-consumers/${busy.id}/ack`, {
      ack_tokens: answer.data.map((m) => m.ack_token),
    });
  }
  await next(api, busy.id, 1);
  await foldCounters(db);
  const left = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM consumer_lease_deltas WHERE account_id = $1 AND consumer_id = $2",
    [accountId, busy.id],
  );
  expect(left.rows[0]!.n).toBe(0);
  expect(await counts(busy.id)).toEqual({ deltas: 0, rows: 0 });
});

it("folds running beside leases, acks and nacks keep the delta sum equal to the rows leased", async () => {
  const stream = await createStream(api);
  const consumer = await createConsumer(api, { stream_id: stream, ack_wait_ms: 60_000 });
  const c = `/v1/http-consumers/${consumer.id}`;
  await upsert(
    api,
    stream,
    Array.from({ length: 400 }, (_, i) => record(`f${i}`, { i })),
  );
  let workersDone = false;
  let folds = 0;
  const folder = (async () => {
    while (!workersDone) {
      await foldCounters(db);
      folds++;
    }
  })();
  // Each worker acks some of what it leased, nacks some and keeps the rest, so groups of one
  // expiry time are partly cancelled while the fold rewrites them.
  const workers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; i < 25; i++) {
      const answer = await next(api, consumer.id, 1 + ((w + i) % 4));
      const tokens = answer.data.map((m) => m.ack_token);
      if (i % 3 === 0) await api.post(`${c}/nack`, { ack_tokens: tokens.slice(0, 1) });
      else if (i % 3 === 1) await api.post(`${c}/ack`, { ack_tokens: tokens });
      else await api.post(`${c}/ack`, { ack_tokens: tokens.slice(1) });
    }
  });
  await Promise.all(workers);
  workersDone = true;
  await folder;
  expect(folds).toBeGreaterThan(5);
  const now = await counts(consumer.id);
  expect(now.rows).toBeGreaterThan(0);
  expect(now.deltas).toBe(now.rows);
  await foldCounters(db);
  expect(await counts(consumer.id)).toEqual(now);
}, 60_000);
