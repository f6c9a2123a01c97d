import { afterAll, describe, expect, it } from "vitest";
import {
  ack,
  createConsumer,
  createStream,
  next,
  record,
  sleep,
  upsert,
} from "./helpers/fixtures.js";
import { serverTest, startTestServer } from "./helpers/server.js";

// Two servers on one database; the second takes at most two long-polls per consumer.
const { database, server: serverA, account } = await serverTest();
const dbB = await database.open();
const serverB = await startTestServer(dbB, { maxLongPollsPerConsumer: 2 });
afterAll(() => serverB.close());
const { token } = account;

describe("long-polls across servers", () => {
  it("a write through one server wakes a long-poll on the other at once", async () => {
    const a = serverA.api.as(token);
    const b = serverB.api.as(token);
    const stream = await createStream(a);
    const consumer = await createConsumer(a, { stream_id: stream });
    const started = performance.now();
    const polling = next(b, consumer.id, 10, 20_000);
    await serverB.sequin.whenWaiting(1);
    await upsert(a, stream, [record("a")]);
    const res = await polling;
    expect(res.data.map((m) => m.record.upstream_id)).toEqual(["a"]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("resuming a paused consumer through one server answers a long-poll parked on the other", async () => {
    const a = serverA.api.as(token);
    const b = serverB.api.as(token);
    const stream = await createStream(a);
    const consumer = await createConsumer(a, { stream_id: stream });
    expect((await a.patch(`/v1/http-consumers/${consumer.id}`, { paused: true })).status).toBe(200);
    await upsert(a, stream, [record("a")]);
    const started = performance.now();
    const polling = next(b, consumer.id, 10, 20_000);
    await serverB.sequin.whenWaiting(1);
    // Paused: the write woke the long-poll, which found nothing to lease and parked again.
    await serverB.sequin.whenWaiting(1);
    expect((await a.patch(`/v1/http-consumers/${consumer.id}`, { paused: false })).status).toBe(
      200,
    );
    const res = await polling;
    expect(res.data.map((m) => m.record.upstream_id)).toEqual(["a"]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("an ack on one server frees a place for a long-poll on the other", async () => {
    const a = serverA.api.as(token);
    const b = serverB.api.as(token);
    const stream = await createStream(a);
    const consumer = await createConsumer(a, { stream_id: stream, max_ack_pending: 1 });
    await upsert(a, stream, [record("a"), record("b")]);
    const held = await next(a, consumer.id);
    const started = performance.now();
    const polling = next(b, consumer.id, 1, 20_000);
    await serverB.sequin.whenWaiting(1);
    await ack(a, consumer.id, [held.data[0]!.ack_token]);
    const res = await polling;
    expect(res.data.map((m) => m.record.upstream_id)).toEqual(["b"]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("a nack on one server wakes a long-poll on the other", async () => {
    const a = serverA.api.as(token);
    const b = serverB.api.as(token);
    const stream = await createStream(a);
    const consumer = await createConsumer(a, { stream_id: stream });
    await upsert(a, stream, [record("a")]);
    const held = await next(a, consumer.id);
    const polling = next(b, consumer.id, 1, 20_000);
    await serverB.sequin.whenWaiting(1);
    const started = performance.now();
    await a.post(`/v1/http-consumers/${consumer.id}/nack`, {
      ack_tokens: [held.data[0]!.ack_token],
    });
    const res = await polling;
    expect(res.data).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe("long-poll limits", () => {
  it("too many concurrent long-polls on one consumer get a 429 with Retry-After", async () => {
    const b = serverB.api.as(token);
    const stream = await createStream(b);
    const consumer = await createConsumer(b, { stream_id: stream });
    const aborter = new AbortController();
    const held = [1, 2].map(() =>
      b
        .get(`/v1/http-consumers/${consumer.id}/next?wait_for=20000`, { signal: aborter.signal })
        .catch(() => undefined),
    );
    await serverB.sequin.whenWaiting(2);
    const refused = await b.get(`/v1/http-consumers/${consumer.id}/next?wait_for=1000`);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe("rate_limited");
    expect(refused.headers.get("retry-after")).toBe("1");
    // A call that does not wait is never refused.
    expect((await b.get(`/v1/http-consumers/${consumer.id}/next`)).status).toBe(200);

    // Clients that go away give their places back.
    aborter.abort();
    await Promise.all(held);
    // The server sees the clients go only when their sockets close: real time, not a state.
    await sleep(200);
    const again = await b.get(`/v1/http-consumers/${consumer.id}/next?wait_for=100`);
    expect(again.status).toBe(200);
  });

  it("closing the app answers open long-polls at once", async () => {
    const db = await database.open();
    const server = await startTestServer(db);
    const api = server.api.as(token);
    const stream = await createStream(api);
    const consumer = await createConsumer(api, { stream_id: stream });
    const started = performance.now();
    const polling = next(api, consumer.id, 1, 30_000);
    await server.sequin.whenWaiting(1);
    await server.sequin.close();
    const res = await polling;
    expect(res.data).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5000);
    await server.close();
  });
});
