import { describe, expect, it } from "vitest";
import { createConsumer, createStream, next, record, upsert } from "./helpers/fixtures.js";
import { newAccount, serverTest } from "./helpers/server.js";

const { db, server, api } = await serverTest();

/** GET .../messages; the answer is checked against the spec by Api. */
async function peek(consumer: string, query = "") {
  const res = await api.get(`/v1/http-consumers/${consumer}/messages${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const upstreamIds = (data: Array<{ record?: { upstream_id: string } }>) =>
  data.map((m) => m.record?.upstream_id);

describe("GET /v1/http-consumers/{consumer}/messages (peek)", () => {
  it("lists messages in delivery order with state and deliver_count, leasing nothing", async () => {
    const stream = await createStream(api);
    await upsert(api, stream, [record("a"), record("b"), record("c")]);
    const consumer = await createConsumer(api, { stream_id: stream, max_deliver: 1 });

    const first = await peek(consumer.name);
    expect(upstreamIds(first.data)).toEqual(["a", "b", "c"]);
    expect(first.data[0]).toMatchObject({
      state: "pending",
      deliver_count: 0,
      lease_expires_at: null,
    });
    expect(first.info).toEqual({ num_pending: 3, num_ack_pending: 0, num_dead_letters: 0 });
    // A peek leases nothing: the same messages are still there for the next peek and lease.
    expect(upstreamIds((await peek(consumer.id)).data)).toEqual(["a", "b", "c"]);

    const leased = await next(api, consumer.id, 1);
    expect(leased.data[0]!.record.upstream_id).toBe("a");
    const during = await peek(consumer.id, "?limit=2");
    expect(upstreamIds(during.data)).toEqual(["a", "b"]);
    expect(during.data[0]).toMatchObject({
      state: "leased",
      deliver_count: 1,
      lease_expires_at: leased.data[0]!.lease_expires_at,
    });
    expect(during.data[1]).toMatchObject({ state: "pending", deliver_count: 0 });
    expect(during.info).toEqual({ num_pending: 2, num_ack_pending: 1, num_dead_letters: 0 });

    // Nacked at max_deliver 1: a dead letter, no longer listed but counted.
    await api.post(`/v1/http-consumers/${consumer.id}/nack`, {
      ack_tokens: [leased.data[0]!.ack_token],
    });
    const after = await peek(consumer.id);
    expect(upstreamIds(after.data)).toEqual(["b", "c"]);
    expect(after.info).toEqual({ num_pending: 2, num_ack_pending: 0, num_dead_letters: 1 });
    const again = await next(api, consumer.id, 1);
    expect(again.data[0]).toMatchObject({ deliver_count: 1, record: { upstream_id: "b" } });
  });

  it("shows a record changed since its delivery as not yet delivered, in its latest version", async () => {
    const stream = await createStream(api);
    await upsert(api, stream, [record("x", { v: 1 })]);
    const consumer = await createConsumer(api, { stream_id: stream, ack_wait_ms: 1000 });
    const leased = await next(api, consumer.id, 1);
    await api.post(`/v1/http-consumers/${consumer.id}/nack`, {
      ack_tokens: [leased.data[0]!.ack_token],
    });
    expect((await peek(consumer.id)).data[0]).toMatchObject({ state: "pending", deliver_count: 1 });
    await upsert(api, stream, [record("x", { v: 2 })]);
    const [message] = (await peek(consumer.id)).data;
    expect(message).toMatchObject({
      state: "pending",
      deliver_count: 0,
      record: { data: { v: 2 } },
    });
  });

  it("lists events of an event consumer; limit is checked; other accounts see a 404", async () => {
    const stream = await createStream(api);
    const consumer = await createConsumer(api, { stream_id: stream, kind: "event" });
    await upsert(api, stream, [record("e1"), record("e2")]);
    const { data } = await peek(consumer.id);
    expect(
      data.map((m: { event: { upstream_id: string; action: string } }) => m.event.upstream_id),
    ).toEqual(["e1", "e2"]);
    expect((await api.get(`/v1/http-consumers/${consumer.id}/messages?limit=0`)).status).toBe(400);
    expect((await api.get(`/v1/http-consumers/${consumer.id}/messages?limit=101`)).status).toBe(
      400,
    );
    const other = (await newAccount(db, server, "other")).api;
    expect((await other.get(`/v1/http-consumers/${consumer.id}/messages`)).status).toBe(404);
  });
});

describe("GET /v1/streams/{stream_id}/stats", () => {
  it("counts records and events; another account's stream is a 404", async () => {
    const stream = await createStream(api);
    const empty = await api.get(`/v1/streams/${stream}/stats`);
    expect(empty.body).toEqual({ stream_id: stream, record_count: 0, event_count: 0 });
    await upsert(api, stream, [record("1"), record("2")]);
    await upsert(api, stream, [record("1", { changed: true })]);
    const stats = await api.get(`/v1/streams/${stream}/stats`);
    // Two records; created, created, updated.
    expect(stats.body).toEqual({ stream_id: stream, record_count: 2, event_count: 3 });
    const other = (await newAccount(db, server, "other")).api;
    expect((await other.get(`/v1/streams/${stream}/stats`)).status).toBe(404);
  });
});
