// A database made by the migrations before 0018 upgrades to failure handling in place: its
// consumers keep redelivering at once (backoff [0]), a lease running across the upgrade becomes
// deliverable again when it ends, as it would have, and new consumers get the default backoff.
import { expect, it } from "vitest";
import { loadMigrations, migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";
import { createAccount } from "../src/index.js";
import { Api } from "./helpers/api.js";
import { createEmptyDatabase, insertOldConsumer } from "./helpers/database.js";
import { createConsumer, next, record, upsert } from "./helpers/fixtures.js";
import { startTestServer } from "./helpers/server.js";

/** A database migrated up to 0017, with an account; its default stream. */
async function before0018() {
  const { url, drop } = await createEmptyDatabase();
  const db = await openDatabase({ databaseUrl: url });
  const all = await loadMigrations();
  await migrate(
    db,
    all.filter((m) => m.version < 18),
  );
  const account = await createAccount(db, "before-0018");
  return {
    db,
    all,
    account,
    accountId: account.accountId,
    streamId: account.defaultStreamId,
    drop: async () => {
      await db.close();
      await drop();
    },
  };
}

it("migration 0018 keeps old consumers' immediate redelivery; new ones get the default backoff", async () => {
  const { db, drop, all, account, accountId, streamId } = await before0018();
  try {
    // A record consumer as the API of that version made it.
    const consumerId = "5b0f7c1e-3f5a-4d8e-9a57-0c1d2e3f4a5b";
    await insertOldConsumer(db, { accountId, consumerId, streamId }, "record", "per_key");

    expect(await migrate(db)).toEqual(all.filter((m) => m.version >= 18).map((m) => m.version));
    const { rows: backoff } = await db.query<{ backoff_ms: number[] }>(
      "SELECT backoff_ms FROM consumers WHERE id = $1",
      [consumerId],
    );
    expect(backoff[0]!.backoff_ms).toEqual([0]);

    const server = await startTestServer(db);
    const api = new Api(server.url, account.token.token);
    try {
      await upsert(api, streamId, [record("a"), record("b")]);
      let leased = await next(api, consumerId, 2);
      // Backoff [0]: a nack without a delay makes them deliverable at once, every time.
      for (const count of [1, 2, 3]) {
        expect(leased.data.map((m) => m.deliver_count)).toEqual([count, count]);
        const nacked = await api.post(`/v1/http-consumers/${consumerId}/nack`, {
          ack_tokens: leased.data.map((m) => m.ack_token),
        });
        expect(nacked.body).toMatchObject({ count: 2 });
        leased = await next(api, consumerId, 2);
      }
      expect(leased.data.map((m) => m.deliver_count)).toEqual([4, 4]);

      const fresh = (await createConsumer(api, { stream_id: streamId })) as Record<string, unknown>;
      expect(fresh.backoff_ms).toEqual([0, 1000, 5000, 30000]);
      expect(fresh).toMatchObject({ paused: false, paused_until: null });
    } finally {
      await server.close();
    }
  } finally {
    await drop();
  }
});

it("migration 0018 gives a lease running across it the end it had", async () => {
  const { db, drop, accountId, streamId } = await before0018();
  try {
    const consumerId = "6c1f8d2e-4a6b-4e9f-8b68-1d2e3f4a5b6c";
    await db.query(
      `INSERT INTO consumers (account_id, id, name, stream_id, kind, deliver_policy, ack_wait_ms,
                              max_deliver, max_ack_pending, ordering)
       VALUES ($1, $2, 'old', $3, 'event', 'all', 60000, -1, 1000, 'none')`,
      [accountId, consumerId, streamId],
    );
    await db.query(
      `INSERT INTO deliveries (account_id, consumer_id, seq, event_seq, lease_id, leased_until, deliver_count)
       VALUES ($1, $2, 10, 1, gen_random_uuid(), now() + interval '1 minute', 1),
              ($1, $2, 11, 2, NULL, '-infinity', 1)`,
      [accountId, consumerId],
    );
    await migrate(db);
    const { rows } = await db.query<{ seq: string; due: boolean }>(
      `SELECT seq::text, retry_at = leased_until AS due FROM deliveries WHERE consumer_id = $1 ORDER BY seq`,
      [consumerId],
    );
    expect(rows).toEqual([
      { seq: "10", due: true },
      { seq: "11", due: true },
    ]);
  } finally {
    await drop();
  }
});
