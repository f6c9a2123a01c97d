import { describe, expect, it } from "vitest";
import { zPeekResponse, zStreamStats } from "../../generated/zod.gen.js";
import { useSequinMock } from "../test-utils.js";

const t = useSequinMock({ clock: "manual" });
const peek = async (consumer: string, query = "") =>
  (await t.call("GET", `/v1/http-consumers/${consumer}/messages${query}`)).body;

describe("peek (GET .../messages)", () => {
  it("lists messages in delivery order with their state, and leases nothing", async () => {
    t.mock.seed.records(
      ["1", "2", "3"].map((id) => ({ collection_id: "c", upstream_id: id, data: { v: 1 } })),
    );
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000, max_deliver: 1 });
    const before = await peek("c");
    expect(zPeekResponse.safeParse(before).success).toBe(true);
    expect(
      before.data.map((m: { record: { upstream_id: string } }) => m.record.upstream_id),
    ).toEqual(["1", "2", "3"]);
    expect(before.data[0]).toMatchObject({
      state: "pending",
      deliver_count: 0,
      lease_expires_at: null,
    });
    expect(before.info).toEqual({ num_pending: 3, num_ack_pending: 0, num_dead_letters: 0 });

    const leased = await t.call("GET", "/v1/http-consumers/c/next?batch_size=1");
    expect(leased.body.data[0].record.upstream_id).toBe("1");
    const after = await peek("c", "?limit=2");
    expect(after.data).toHaveLength(2);
    expect(after.data[0]).toMatchObject({ state: "leased", deliver_count: 1 });
    expect(after.data[0].lease_expires_at).toBe(leased.body.data[0].lease_expires_at);
    expect(after.data[1]).toMatchObject({ state: "pending", deliver_count: 0 });

    await t.call("POST", "/v1/http-consumers/c/nack", {
      body: { ack_tokens: [leased.body.data[0].ack_token] },
    });
    expect((await peek("c")).info).toEqual({
      num_pending: 2,
      num_ack_pending: 0,
      num_dead_letters: 1,
    });
    // Peeking twice changed nothing: the next lease still starts with message 2, delivered once.
    const next = await t.call("GET", "/v1/http-consumers/c/next?batch_size=1");
    expect(next.body.data[0]).toMatchObject({ deliver_count: 1, record: { upstream_id: "2" } });
  });

  it("refuses a bad limit and an unknown consumer", async () => {
    t.mock.seed.consumer({ name: "c" });
    expect((await t.call("GET", "/v1/http-consumers/c/messages?limit=0")).status).toBe(400);
    expect((await t.call("GET", "/v1/http-consumers/c/messages?limit=x")).status).toBe(400);
    expect((await t.call("GET", "/v1/http-consumers/nope/messages")).status).toBe(404);
  });
});

describe("stream stats", () => {
  it("counts records and events", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    const streams = (await t.call("GET", "/v1/streams")).body.data;
    const stats = await t.call("GET", `/v1/streams/${streams[0].id}/stats`);
    expect(zStreamStats.safeParse(stats.body).success).toBe(true);
    expect(stats.body).toMatchObject({ stream_id: streams[0].id, record_count: 1 });
    expect(stats.body.event_count).toBeGreaterThanOrEqual(1);
  });
});
