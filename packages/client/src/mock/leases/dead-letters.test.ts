import { describe, expect, it } from "vitest";
import { zDeadLetterList } from "../../generated/zod.gen.js";
import { useSequinMock } from "../test-utils.js";

const t = useSequinMock({ clock: "manual" });
const next = async (consumer: string) =>
  (await t.call("GET", `/v1/http-consumers/${consumer}/next?batch_size=10`)).body;

describe("max_deliver and dead letters", () => {
  it("a message nacked max_deliver times becomes a dead letter, still visible", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: { v: 1 } }]);
    t.mock.seed.consumer({ name: "c", max_deliver: 2 });
    for (let i = 1; i <= 2; i++) {
      const { data } = await next("c");
      expect(data[0].deliver_count).toBe(i);
      await t.call("POST", "/v1/http-consumers/c/nack", {
        body: { ack_tokens: [data[0].ack_token] },
      });
    }
    const after = await next("c");
    expect(after).toEqual({ data: [], info: { num_pending: 0, num_ack_pending: 0 } });
    const listed = await t.call("GET", "/v1/http-consumers/c/dead-letters");
    expect(zDeadLetterList.safeParse(listed.body).success).toBe(true);
    expect(listed.body.data).toEqual([
      {
        id: expect.any(String),
        deliver_count: 2,
        dead_at: expect.any(String),
        cause: "max_deliver",
        last_error: null,
        record: expect.anything(),
      },
    ]);
    expect(listed.body.data[0].record.upstream_id).toBe("1");
    expect(t.mock.deadLetters("c")).toEqual(listed.body.data);
  });

  it("a lease that expires max_deliver times becomes a dead letter at the next lease", async () => {
    t.mock.seed.consumer({ name: "ev", kind: "event", max_deliver: 1, ack_wait_ms: 100 });
    t.mock.seed.events([
      { collection_id: "x", action: "a", data: {} },
      { collection_id: "x", action: "b", data: {} },
    ]);
    const first = await t.call("GET", "/v1/http-consumers/ev/next?batch_size=1");
    expect(first.body.data[0].event.action).toBe("a");
    t.mock.clock.advance(100);
    const second = await next("ev");
    expect(second.data.map((m: { event: { action: string } }) => m.event.action)).toEqual(["b"]);
    expect(t.mock.deadLetters("ev").map((d) => d.event?.action)).toEqual(["a"]);
  });

  it("redrive makes dead letters pending again with a fresh count; a record in its latest version", async () => {
    t.mock.seed.records(
      ["1", "2"].map((id) => ({ collection_id: "c", upstream_id: id, data: { v: 1 } })),
    );
    t.mock.seed.consumer({ name: "c", max_deliver: 1 });
    const { data } = await next("c");
    await t.call("POST", "/v1/http-consumers/c/nack", {
      body: { ack_tokens: data.map((m: { ack_token: string }) => m.ack_token) },
    });
    const dead = t.mock.deadLetters("c");
    expect(dead).toHaveLength(2);
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: { v: 2 } }]);
    // The update made record 1 pending again on its own; record 2 stays dead until redriven.
    const one = await next("c");
    expect(one.data.map((m: { record: { data: unknown } }) => m.record.data)).toEqual([{ v: 2 }]);
    await t.call("POST", "/v1/http-consumers/c/ack", {
      body: { ack_tokens: [one.data[0].ack_token] },
    });

    const bad = await t.call("POST", "/v1/http-consumers/c/dead-letters/redrive", {
      body: { ids: [] },
    });
    expect(bad.status).toBe(422);
    const some = await t.call("POST", "/v1/http-consumers/c/dead-letters/redrive", {
      body: { ids: [dead[1]?.id, "999"] },
    });
    expect(some.body).toEqual({ count: 1 });
    const again = await next("c");
    expect(again.data[0]).toMatchObject({ deliver_count: 1, record: { upstream_id: "2" } });
    const rest = await t.call("POST", "/v1/http-consumers/c/dead-letters/redrive");
    expect(rest.body).toEqual({ count: 1 });
    expect(t.mock.deadLetters("c")).toEqual([]);
  });

  it("pages dead letters oldest first", async () => {
    t.mock.seed.consumer({ name: "ev", kind: "event", max_deliver: 1 });
    t.mock.seed.events(["a", "b", "c"].map((action) => ({ collection_id: "x", action, data: {} })));
    const { data } = await next("ev");
    await t.call("POST", "/v1/http-consumers/ev/nack", {
      body: { ack_tokens: data.map((m: { ack_token: string }) => m.ack_token) },
    });
    const page = await t.call("GET", "/v1/http-consumers/ev/dead-letters?limit=2");
    expect(page.body.data.map((d: { event: { action: string } }) => d.event.action)).toEqual([
      "a",
      "b",
    ]);
    const rest = await t.call(
      "GET",
      `/v1/http-consumers/ev/dead-letters?limit=2&cursor=${page.body.next_cursor}`,
    );
    expect(rest.body).toMatchObject({ data: [{ event: { action: "c" } }], next_cursor: null });
  });

  it("counts deliveries per record version: a record changed since is delivered, not dead-lettered", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: { v: 1 } }]);
    t.mock.seed.consumer({ name: "c", max_deliver: 2, ack_wait_ms: 100 });
    expect((await next("c")).data[0].deliver_count).toBe(1);
    t.mock.clock.advance(100);
    expect((await next("c")).data[0].deliver_count).toBe(2);
    t.mock.clock.advance(100);
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: { v: 2 } }]);
    const fresh = await next("c");
    expect(fresh.data[0]).toMatchObject({ deliver_count: 1, record: { data: { v: 2 } } });
    expect(t.mock.deadLetters("c")).toEqual([]);
  });

  it("dead letters take their places in a batch; the lease looks again at once, waiting or not", async () => {
    for (const name of ["now", "poll"])
      t.mock.seed.consumer({ name, kind: "event", max_deliver: 1, ack_wait_ms: 100 });
    t.mock.seed.events(["a", "b", "c"].map((action) => ({ collection_id: "x", action, data: {} })));
    for (const name of ["now", "poll"])
      await t.call("GET", `/v1/http-consumers/${name}/next?batch_size=2`);
    t.mock.clock.advance(100);
    // As on the server: a next without wait_for does not answer empty while "c" waits behind them.
    const now = await t.call("GET", "/v1/http-consumers/now/next?batch_size=2");
    expect(now.body.data.map((m: { event: { action: string } }) => m.event.action)).toEqual(["c"]);
    expect(now.body.info).toEqual({ num_pending: 0, num_ack_pending: 1 });
    expect(t.mock.deadLetters("now")).toHaveLength(2);
    const poll = await t.call("GET", "/v1/http-consumers/poll/next?batch_size=2&wait_for=1000");
    expect(poll.body.data.map((m: { event: { action: string } }) => m.event.action)).toEqual(["c"]);
    expect(t.mock.deadLetters("poll")).toHaveLength(2);
  });
});
