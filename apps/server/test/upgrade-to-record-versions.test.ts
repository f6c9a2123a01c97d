// A database made by the migrations before 0031 (records updated in place) upgrades to keys and
// versions in place: its records keep their ids, versions, contents and creation times; running
// leases still ack, and a record written again while leased comes back after the ack; pending
// messages and dead letters are kept; a rewrite after the upgrade leaves one live version.
import { expect, it } from "vitest";
import { loadMigrations, migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";
import { encodeAckToken } from "../src/delivery/ack-token.js";
import { createAccount } from "../src/index.js";
import { Api } from "./helpers/api.js";
import { createEmptyDatabase, insertOldConsumer } from "./helpers/database.js";
import { next, record, upsert } from "./helpers/fixtures.js";
import { startTestServer } from "./helpers/server.js";

type Leased = { m_seq: number; lease_id: string; leased_until: string };

it("migration 0031 keeps records, running leases, pending messages and dead letters", async () => {
  const { url, drop } = await createEmptyDatabase();
  const db = await openDatabase({ databaseUrl: url });
  try {
    const all = await loadMigrations();
    await migrate(
      db,
      all.filter((m) => m.version < 31),
    );
    const account = await createAccount(db, "before-0031");
    const { accountId, defaultStreamId: streamId } = account;
    // Records as the write of that version stored them: a, b and c, then a and d again.
    const write = (inputs: object[]) =>
      db.query("SELECT sequin_record_write_v1($1, $2, $3, NULL, false)", [
        accountId,
        streamId,
        JSON.stringify(inputs),
      ]);
    const consumerId = "7d2e9f3a-5b7c-4f0a-9c79-2e3f4a5b6c7d";
    await insertOldConsumer(db, { accountId, consumerId, streamId }, "record", "none");
    await write(["a", "b", "c"].map((id) => record(id, { v: 1 })));
    // a and b leased (running); c stays pending in the log.
    const { rows: leasedRows } = await db.query<{ row: Leased }>(
      "SELECT row FROM sequin_window_lease_v3($1, $2, NULL, NULL, 2, 100, false) AS row",
      [accountId, consumerId],
    );
    const leased = leasedRows.map((r) => r.row).filter((r) => r.m_seq !== undefined);
    expect(leased).toHaveLength(2);
    // a written again while leased; d new.
    await write([record("a", { v: 2 }), record("d", { v: 1 })]);
    // A dead letter of b's record, as a failed delivery of it would have left.
    const { rows: bRow } = await db.query<{ id: string }>(
      "SELECT id FROM records WHERE upstream_id = 'b'",
    );
    await db.query(
      `INSERT INTO dead_letters (account_id, consumer_id, seq, record_id, deliver_count, cause, last_error)
       VALUES ($1, $2, 9999, $3, 5, 'max_deliver', 'boom')`,
      [accountId, consumerId, bRow[0]!.id],
    );
    const { rows: before } = await db.query(
      "SELECT id, upstream_id, updated_idx::text, data, inserted_at FROM records ORDER BY upstream_id",
    );
    expect(before).toHaveLength(4);

    expect(await migrate(db)).toEqual(all.filter((m) => m.version >= 31).map((m) => m.version));
    const { rows: after } = await db.query(
      "SELECT id, upstream_id, updated_idx::text, data, inserted_at FROM records ORDER BY upstream_id",
    );
    expect(after).toEqual(before);

    const server = await startTestServer(db);
    const api = new Api(server.url, account.token.token);
    try {
      const tokens = leased.map((m) =>
        encodeAckToken(m.m_seq, m.lease_id, new Date(m.leased_until), consumerId),
      );
      const acked = await api.post(`/v1/http-consumers/${consumerId}/ack`, { ack_tokens: tokens });
      expect(acked.body).toMatchObject({ count: 2, unknown_ack_tokens: [] });
      // c and d pending in the log; a, written again while leased, comes back at version 2.
      const rest = await next(api, consumerId, 10);
      expect(
        rest.data.map((m) => `${m.record?.upstream_id}:${JSON.stringify(m.record?.data)}`).sort(),
      ).toEqual(['a:{"v":2}', 'c:{"v":1}', 'd:{"v":1}']);
      const dead = await api.get(`/v1/http-consumers/${consumerId}/dead-letters`);
      expect(dead.body.data).toHaveLength(1);
      expect(dead.body.data[0]).toMatchObject({ record: { upstream_id: "b" } });

      // A rewrite after the upgrade: one live version per record, the newest.
      await upsert(api, streamId, [record("a", { v: 3 }), record("a", { v: 4 })]);
      const { rows: versions } = await db.query<{ n: number; data: unknown }>(
        `SELECT count(*)::int AS n, max(v.data::text) AS data
         FROM record_versions v JOIN record_keys k USING (account_id, id)
         WHERE k.upstream_id = 'a'`,
      );
      expect(versions[0]).toEqual({ n: 1, data: '{"v": 4}' });
      const list = await api.get(`/v1/streams/${streamId}/records`);
      expect(list.body.data.map((r: { upstream_id: string }) => r.upstream_id)).toEqual([
        "b",
        "c",
        "d",
        "a",
      ]);
    } finally {
      await server.close();
    }
  } finally {
    await db.close();
    await drop();
  }
});
