import { describe, expect, it } from "vitest";
import { type Json, tick, useSequinMock } from "../test-utils.js";

const t = useSequinMock({ clock: "manual" });

/** Starts a long-poll and reports whether it has answered yet. */
function poll(consumer: string, query: string) {
  const state: { done: boolean; answer?: Promise<{ status: number; body: Json }> } = {
    done: false,
  };
  state.answer = t.call("GET", `/v1/http-consumers/${consumer}/next?${query}`).then((res) => {
    state.done = true;
    return res;
  });
  return state as { done: boolean; answer: Promise<{ status: number; body: Json }> };
}

describe("long-poll (wait_for)", () => {
  it("answers as soon as a record is written, without the clock moving", async () => {
    t.mock.seed.consumer({ name: "c" });
    const start = t.mock.clock.now().getTime();
    const pending = poll("c", "wait_for=60000");
    await t.mock.whenWaiting(1);
    expect(pending.done).toBe(false);
    const upsert = await t.call("POST", `/v1/streams/${t.mock.defaultStreamId}/records`, {
      body: { records: [{ collection_id: "c", upstream_id: "1", data: {} }] },
    });
    expect(upsert.status).toBe(200);
    const res = await pending.answer;
    expect(res.body.data).toHaveLength(1);
    expect(t.mock.clock.now().getTime()).toBe(start);
    expect(t.mock.waiting).toBe(0);
  });

  it("answers empty once the mock clock passes wait_for, not before", async () => {
    t.mock.seed.consumer({ name: "c" });
    const pending = poll("c", "wait_for=5000");
    await t.mock.whenWaiting(1);
    t.mock.clock.advance(4999);
    await tick(10);
    expect(pending.done).toBe(false);
    t.mock.clock.advance(1);
    const res = await pending.answer;
    expect(res.body).toEqual({ data: [], info: { num_pending: 0, num_ack_pending: 0 } });
  });

  it("wakes when a lease expires", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000 });
    await t.call("GET", "/v1/http-consumers/c/next");
    const pending = poll("c", "wait_for=60000");
    await t.mock.whenWaiting(1);
    t.mock.clock.advance(1000);
    const res = await pending.answer;
    expect(res.body.data[0]).toMatchObject({ deliver_count: 2, record: { upstream_id: "1" } });
  });

  it("wakes on a nack, and on an ack that frees room under max_ack_pending", async () => {
    t.mock.seed.records(
      ["1", "2"].map((id) => ({ collection_id: "c", upstream_id: id, data: {} })),
    );
    t.mock.seed.consumer({ name: "c", max_ack_pending: 1 });
    const first = await t.call("GET", "/v1/http-consumers/c/next");
    const blocked = poll("c", "wait_for=60000");
    await t.mock.whenWaiting(1);
    await t.call("POST", "/v1/http-consumers/c/ack", {
      body: { ack_tokens: [first.body.data[0].ack_token] },
    });
    const second = await blocked.answer;
    expect(second.body.data[0].record.upstream_id).toBe("2");

    const nackWaiter = poll("c", "wait_for=60000");
    await t.mock.whenWaiting(1);
    await t.call("POST", "/v1/http-consumers/c/nack", {
      body: { ack_tokens: [second.body.data[0].ack_token] },
    });
    const third = await nackWaiter.answer;
    expect(third.body.data[0]).toMatchObject({ deliver_count: 2, record: { upstream_id: "2" } });
  });

  it("wakes only the consumers whose filters match", async () => {
    t.mock.seed.consumer({ name: "a", filters: { collection_id: "a" } });
    t.mock.seed.consumer({ name: "b", filters: { collection_id: "b" } });
    const a = poll("a", "wait_for=60000");
    const b = poll("b", "wait_for=60000");
    await t.mock.whenWaiting(2);
    t.mock.seed.records([{ collection_id: "a", upstream_id: "1", data: {} }]);
    expect((await a.answer).body.data).toHaveLength(1);
    await tick(10);
    expect(b.done).toBe(false);
    t.mock.clock.advance(60_000);
    expect((await b.answer).body.data).toHaveLength(0);
  });

  it("answers at once with nothing when the consumer is deleted or the mock is reset meanwhile", async () => {
    t.mock.seed.consumer({ name: "c" });
    const pending = poll("c", "wait_for=60000");
    await t.mock.whenWaiting(1);
    await t.call("DELETE", "/v1/http-consumers/c");
    const answer = await pending.answer;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: [], info: { num_pending: 0, num_ack_pending: 0 } });

    t.mock.seed.consumer({ name: "d" });
    const again = poll("d", "wait_for=60000");
    await t.mock.whenWaiting(1);
    t.mock.reset();
    expect((await again.answer).body.data).toEqual([]);
    expect((await t.call("GET", "/v1/http-consumers/d/next")).status).toBe(404);
  });

  it("stops waiting when the client aborts", async () => {
    t.mock.seed.consumer({ name: "c" });
    const controller = new AbortController();
    const request = fetch("http://sequin.test/v1/http-consumers/c/next?wait_for=60000", {
      headers: { Authorization: `Bearer ${t.mock.token}` },
      signal: controller.signal,
    });
    await t.mock.whenWaiting(1);
    controller.abort();
    await expect(request).rejects.toThrow();
    await tick(10);
    expect(t.mock.waiting).toBe(0);
  });
});
