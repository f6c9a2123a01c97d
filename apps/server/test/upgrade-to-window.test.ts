// A database made by the migrations before 0016, with consumers on the fan-out core, upgrades in
// place: pending messages, running leases (their ack tokens), records changed while leased, dead
// letters and per-key order are all kept.
import { expect, it } from "vitest";
import { loadMigrations, migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";
import { createAccount } from "../src/index.js";
import { Api } from "./helpers/api.js";
import { createEmptyDatabase } from "./helpers/database.js";
import { ack, createConsumer, createStream, next, record, upsert } from "./helpers/fixtures.js";
import { startTestServer } from "./helpers/server.js";

const tokens = (m: { data: Array<{ ack_token: string }> }) => m.data.map((x) => x.ack_token);
const upstreamIds = (data: Array<{ record?: { upstream_id: string } }>) =>
  data.map((m) => m.record?.upstream_id);

it("migration 0016 moves fan-out consumers to the window core with everything they had", async () => {
  const { url, drop } = await createEmptyDatabase();
  const db = await openDatabase({ databaseUrl: url });
  try {
    const all = await loadMigrations();
    await migrate(
      db,
      all.filter((m) => m.version < 16),
    );
    const account = await createAccount(db, "before-0016");
    let server = await startTestServer(db, { consumeCore: "fanout" });
    let api = new Api(server.url, account.token.token);
    const stream = await createStream(api);
    const records = await createConsumer(api, { stream_id: stream, max_deliver: 2 });
    const events = await createConsumer(api, {
      stream_id: stream,
      kind: "event",
      ordering: "per_key",
    });
    await upsert(
      api,
      stream,
      ["a", "b", "c", "d"].map((id) => record(id)),
    );
    // Records: a and b leased (a then written again), c a dead letter, d pending.
    const ab = await next(api, records.id, 2);
    expect(upstreamIds(ab.data)).toEqual(["a", "b"]);
    await upsert(api, stream, [record("a", { name: "a2" })]);
    for (let i = 0; i < 2; i++) {
      const c = await next(api, records.id, 1);
      expect(upstreamIds(c.data)).toEqual(["c"]);
      await api.post(`/v1/http-consumers/${records.id}/nack`, { ack_tokens: tokens(c) });
    }
    // Events: the first of a's two events leased; its second waits behind it (same key).
    const firstEvent = await next(api, events.id, 1);
    expect(firstEvent.data[0]!.event.upstream_id).toBe("a");
    await server.close();

    expect(await migrate(db)).toEqual([16]);
    const cores = await db.query<{ core: string }>("SELECT DISTINCT core FROM consumers");
    expect(cores.rows).toEqual([{ core: "window" }]);
    const left = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM consumer_messages");
    expect(left.rows[0]!.n).toBe(0);

    server = await startTestServer(db, { consumeCore: "window" });
    api = new Api(server.url, account.token.token);
    try {
      // The running leases' tokens still ack; a, written again while leased, comes back.
      const acked = await ack(api, records.id, tokens(ab));
      expect(acked).toMatchObject({ count: 2, unknown_ack_tokens: [] });
      const rest = await next(api, records.id, 10);
      expect(upstreamIds(rest.data).sort()).toEqual(["a", "d"]);
      expect(rest.data.find((m) => m.record.upstream_id === "a")!.record.data).toEqual({
        name: "a2",
      });
      await ack(api, records.id, tokens(rest));
      expect((await next(api, records.id, 10)).data).toEqual([]);
      // The dead letter is still there, and a redrive delivers it.
      const dead = await api.get(`/v1/http-consumers/${records.id}/dead-letters`);
      expect(upstreamIds(dead.body.data)).toEqual(["c"]);
      const redriven = await api.post(`/v1/http-consumers/${records.id}/dead-letters/redrive`, {});
      expect(redriven.body).toEqual({ count: 1 });
      expect(upstreamIds((await next(api, records.id, 10)).data)).toEqual(["c"]);

      // Events: a's second event waits until its first is acked, then the rest follow in order.
      const blocked = await next(api, events.id, 10);
      expect(blocked.data.map((m) => m.event.upstream_id)).toEqual(["b", "c", "d"]);
      await ack(api, events.id, [...tokens(firstEvent), ...tokens(blocked)]);
      const second = await next(api, events.id, 10);
      expect(second.data.map((m) => [m.event.upstream_id, m.event.data])).toEqual([
        ["a", { name: "a2" }],
      ]);
      // Written after the upgrade: delivered to both.
      await upsert(api, stream, [record("e")]);
      expect(upstreamIds((await next(api, records.id, 10)).data)).toEqual(["e"]);
    } finally {
      await server.close();
    }
  } finally {
    await db.close();
    await drop();
  }
});
