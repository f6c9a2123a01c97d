// A database with consumers on the fan-out core (ADR 0002) upgrades in place: pending messages,
// running leases (their ack tokens), records changed while leased, dead letters and per-key order
// are all kept. The fan-out state is written with SQL, as that core's statements and triggers
// left it (the core itself is gone): once on a database made by migrations 0001-0015, and once on
// one migrated by 0016 where a consumer was made on the fan-out core afterwards
// (SEQUIN_CONSUME_CORE=fanout, before 0017); migration 0017 moves both.
import { describe, expect, it } from "vitest";
import type { Db } from "../src/db/db.js";
import { loadMigrations, migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";
import { createAccount } from "../src/index.js";
import { Api } from "./helpers/api.js";
import { createEmptyDatabase } from "./helpers/database.js";
import { ack, next, record, upsert } from "./helpers/fixtures.js";
import { startTestServer } from "./helpers/server.js";

const tokens = (m: { data: Array<{ ack_token: string }> }) => m.data.map((x) => x.ack_token);
const upstreamIds = (data: Array<{ record?: { upstream_id: string } }>) =>
  data.map((m) => m.record?.upstream_id);

/** An ack token as servers of that time issued it: seq and lease id, 32 characters, no lease end. */
function tokenOfThen(seq: string, leaseId: string): string {
  const bytes = Buffer.alloc(24);
  bytes.writeBigInt64BE(BigInt(seq), 0);
  Buffer.from(leaseId.replaceAll("-", ""), "hex").copy(bytes, 8);
  return bytes.toString("base64url");
}

/** Leases the consumer's messages at these seqs as the fan-out lease did; their ack tokens. */
async function leaseRows(db: Db, consumerId: string, seqs: string[]): Promise<string[]> {
  const { rows } = await db.query<{ seq: string; lease_id: string }>(
    `UPDATE consumer_messages m SET leased_until = statement_timestamp() + interval '30 seconds',
       lease_id = gen_random_uuid(), deliver_count = m.deliver_count + 1,
       delivered_idx = (SELECT r.updated_idx FROM records r WHERE r.id = m.record_id)
     WHERE m.consumer_id = $1 AND m.seq = ANY($2::bigint[])
     RETURNING m.seq, m.lease_id`,
    [consumerId, seqs],
  );
  return rows
    .sort((a, b) => Number(a.seq) - Number(b.seq))
    .map((r) => tokenOfThen(r.seq, r.lease_id));
}

/**
 * Writes a version of each record as the write of that time did (a new updated_idx and an event
 * per write), in plain SQL: the server's write routine (migration 0028) is not installed yet.
 */
async function writeAsThen(
  db: Db,
  accountId: string,
  streamId: string,
  versions: Array<{ collection_id: string; upstream_id: string; data: object }>,
): Promise<void> {
  for (const v of versions) {
    await db.query(
      `WITH stored AS (
         SELECT id FROM records WHERE account_id = $1 AND collection_id = $5 AND upstream_id = $3
       ), saved AS (
         INSERT INTO records AS r (account_id, id, stream_id, collection_id, upstream_id, updated_idx, deleted, data)
         VALUES ($1, coalesce((SELECT id FROM stored), gen_random_uuid()), $2, $5, $3,
                 nextval('record_version_seq'), false, $4::text::jsonb)
         ON CONFLICT (account_id, collection_id, upstream_id, stream_id)
         DO UPDATE SET data = EXCLUDED.data, updated_idx = EXCLUDED.updated_idx
         RETURNING r.id, r.updated_idx, r.data
       )
       INSERT INTO events (account_id, stream_id, seq, record_id, collection_id, upstream_id, action,
                           data, updated_idx)
       SELECT $1, $2, nextval('event_seq'), s.id, $5, $3,
              CASE WHEN EXISTS (SELECT 1 FROM stored) THEN 'updated' ELSE 'created' END, s.data, s.updated_idx
       FROM saved s`,
      [accountId, streamId, v.upstream_id, JSON.stringify(v.data), v.collection_id],
    );
  }
}

/**
 * Two fan-out consumers of the stream and what they hold: the record consumer (max_deliver 2)
 * has a and b leased (a written again since), c a dead letter and d pending; the per_key event
 * consumer has a's first event leased, and a's second waiting behind it.
 */
async function fanoutState(db: Db, accountId: string, streamId: string) {
  await writeAsThen(
    db,
    accountId,
    streamId,
    ["a", "b", "c", "d"].map((id) => record(id)),
  );
  const { rows: made } = await db.query<{ id: string; kind: string }>(
    `INSERT INTO consumers (account_id, id, name, stream_id, kind, deliver_policy, ack_wait_ms,
                            max_deliver, max_ack_pending, ordering, core)
     VALUES ($1, gen_random_uuid(), 'records', $2, 'record', 'all', 30000, 2, 1000, 'none', 'fanout'),
            ($1, gen_random_uuid(), 'events', $2, 'event', 'all', 30000, -1, 1000, 'per_key', 'fanout')
     RETURNING id, kind`,
    [accountId, streamId],
  );
  const records = made.find((c) => c.kind === "record")!;
  const events = made.find((c) => c.kind === "event")!;
  // The backfill of deliver_policy all: every record, every event.
  await db.query(
    `INSERT INTO consumer_messages (account_id, consumer_id, seq, record_id, record_idx)
     SELECT account_id, $2, updated_idx, id, updated_idx FROM records WHERE account_id = $1`,
    [accountId, records.id],
  );
  const seqOf = async (upstreamId: string) =>
    (
      await db.query<{ seq: string }>(
        "SELECT updated_idx AS seq FROM records WHERE account_id = $1 AND upstream_id = $2",
        [accountId, upstreamId],
      )
    ).rows[0]!.seq;
  const ab = await leaseRows(db, records.id, [await seqOf("a"), await seqOf("b")]);
  // c: delivered twice and nacked at max_deliver 2, so a dead letter.
  await db.query(
    `WITH dead AS (
       DELETE FROM consumer_messages WHERE consumer_id = $1 AND seq = $2
       RETURNING account_id, consumer_id, seq, record_id
     )
     INSERT INTO dead_letters (account_id, consumer_id, seq, record_id, deliver_count, dead_at)
     SELECT account_id, consumer_id, seq, record_id, 2, now() FROM dead`,
    [records.id, await seqOf("c")],
  );
  // a written again while leased: its row learns the new version, as the fan-out's ON CONFLICT did.
  await writeAsThen(db, accountId, streamId, [record("a", { name: "a2" })]);
  await db.query(
    `UPDATE consumer_messages m SET record_idx = r.updated_idx FROM records r
     WHERE m.consumer_id = $1 AND r.id = m.record_id`,
    [records.id],
  );
  await db.query(
    `INSERT INTO consumer_messages (account_id, consumer_id, seq, event_seq, order_key)
     SELECT e.account_id, c.id, e.seq, e.seq, sequin_order_key_v1(c, e)
     FROM events e JOIN consumers c ON c.account_id = e.account_id AND c.id = $2
     WHERE e.account_id = $1`,
    [accountId, events.id],
  );
  const { rows: first } = await db.query<{ seq: string }>(
    "SELECT min(seq) AS seq FROM consumer_messages WHERE consumer_id = $1",
    [events.id],
  );
  const firstEvent = await leaseRows(db, events.id, [first[0]!.seq]);
  return { records: records.id, events: events.id, ab, firstEvent };
}

describe("upgrade from the fan-out core", () => {
  it.each([
    { made: "by migrations 0001-0015", before: 16, applied: [16, 17] },
    { made: "migrated by 0016, with a fan-out consumer made after", before: 17, applied: [17] },
  ])(
    "a database $made: 0017 moves the fan-out consumers to the window core with everything they had",
    async ({ before, applied }) => {
      const { url, drop } = await createEmptyDatabase();
      const db = await openDatabase({ databaseUrl: url });
      try {
        const all = await loadMigrations();
        await migrate(
          db,
          all.filter((m) => m.version < before),
        );
        const account = await createAccount(db, "fanout");
        const stream = account.defaultStreamId;
        const { records, events, ab, firstEvent } = await fanoutState(
          db,
          account.accountId,
          stream,
        );
        // What servers of that time installed under hashed names: a lease on consumer_messages,
        // a write that fanned out into it, and one that did not.
        await db.exec(`
          CREATE FUNCTION sequin_lease_0123456789ab() RETURNS bigint LANGUAGE sql
            AS 'SELECT count(*) FROM consumer_messages';
          CREATE FUNCTION sequin_write_0123456789ab() RETURNS bigint LANGUAGE sql
            AS 'SELECT count(*) FROM consumer_messages';
          CREATE FUNCTION sequin_write_ba9876543210() RETURNS bigint LANGUAGE sql
            AS 'SELECT count(*) FROM records'`);
        const hashNamed = async () =>
          (
            await db.query<{ proname: string }>(
              "SELECT proname FROM pg_proc WHERE proname ~ '^sequin_(lease|write)_[0-9a-f]{12}$' ORDER BY 1",
            )
          ).rows.map((r) => r.proname);

        expect(
          await migrate(
            db,
            all.filter((m) => m.version <= 17),
          ),
        ).toEqual(applied);
        const cores = await db.query<{ core: string }>("SELECT DISTINCT core FROM consumers");
        expect(cores.rows).toEqual([{ core: "window" }]);
        const gone = await db.query<{ left: string[] }>(
          `SELECT array_remove(ARRAY[to_regclass('consumer_messages')::text,
                                   to_regclass('consumer_lease_deltas')::text,
                                   to_regclass('consumer_counter_deltas')::text], NULL) AS left`,
        );
        expect(gone.rows[0]!.left).toEqual([]);
        expect(await hashNamed()).toEqual(["sequin_write_ba9876543210"]);

        // The migrations after it (failure handling, 0018-0027) keep what was moved; 0028 drops
        // the last hash-named routine (the write is sequin_record_write_v1 now).
        await migrate(db);
        expect(await hashNamed()).toEqual([]);
        const server = await startTestServer(db);
        const api = new Api(server.url, account.token.token);
        try {
          // The running leases' tokens still ack; a, written again while leased, comes back.
          const acked = await ack(api, records, ab);
          expect(acked).toMatchObject({ count: 2, unknown_ack_tokens: [] });
          const rest = await next(api, records, 10);
          expect(upstreamIds(rest.data).sort()).toEqual(["a", "d"]);
          expect(rest.data.find((m) => m.record.upstream_id === "a")!.record.data).toEqual({
            name: "a2",
          });
          await ack(api, records, tokens(rest));
          expect((await next(api, records, 10)).data).toEqual([]);
          // The dead letter is still there, and a redrive delivers it.
          const dead = await api.get(`/v1/http-consumers/${records}/dead-letters`);
          expect(upstreamIds(dead.body.data)).toEqual(["c"]);
          const redriven = await api.post(`/v1/http-consumers/${records}/dead-letters/redrive`, {});
          expect(redriven.body).toEqual({ count: 1 });
          expect(upstreamIds((await next(api, records, 10)).data)).toEqual(["c"]);

          // Events: a's second event waits until its first is acked, then the rest follow in order.
          const blocked = await next(api, events, 10);
          expect(blocked.data.map((m) => m.event.upstream_id)).toEqual(["b", "c", "d"]);
          await ack(api, events, [...firstEvent, ...tokens(blocked)]);
          const second = await next(api, events, 10);
          expect(second.data.map((m) => [m.event.upstream_id, m.event.data])).toEqual([
            ["a", { name: "a2" }],
          ]);
          // Written after the upgrade: delivered to both.
          await upsert(api, stream, [record("e")]);
          expect(upstreamIds((await next(api, records, 10)).data)).toEqual(["e"]);
          expect((await next(api, events, 10)).data.map((m) => m.event.upstream_id)).toEqual(["e"]);
        } finally {
          await server.close();
        }
      } finally {
        await db.close();
        await drop();
      }
    },
  );
});
