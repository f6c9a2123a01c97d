import { describe, expect, it } from "vitest";
import { zPeekResponse } from "../../generated/zod.gen.js";
import { type Json, tick, useSequinMock } from "../test-utils.js";

// Nack delays and the consumer's backoff run on the mock clock: advance() lets them pass.
const t = useSequinMock({ clock: "manual" });
const next = async (consumer: string, query = "") =>
  (await t.call("GET", `/v1/http-consumers/${consumer}/next${query}`)).body;
const nack = (consumer: string, body: Json) =>
  t.call("POST", `/v1/http-consumers/${consumer}/nack`, { body });
const peek = async (consumer: string) =>
  (await t.call("GET", `/v1/http-consumers/${consumer}/messages`)).body;
const seedOne = () => t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);

/** Leases the message, fails it with `fail`, and returns the delivery's count. */
async function deliverAndFail(consumer: string, fail: (token: string) => Promise<unknown>) {
  const { data } = await next(consumer);
  expect(data).toHaveLength(1);
  await fail(data[0].ack_token);
  return data[0].deliver_count as number;
}

describe("nack delay_ms", () => {
  it("keeps the message back for delay_ms, then delivers it; 0 is at once", async () => {
    seedOne();
    t.mock.seed.consumer({ name: "c" });
    await deliverAndFail("c", (token) => nack("c", { ack_tokens: [token], delay_ms: 10_000 }));
    t.mock.clock.advance(9_999);
    expect((await next("c")).data).toEqual([]);
    t.mock.clock.advance(1);
    await deliverAndFail("c", (token) => nack("c", { ack_tokens: [token], delay_ms: 0 }));
    // delay_ms 0 overrides the backoff of a second failure (1 s by default).
    expect((await next("c")).data[0].deliver_count).toBe(3);
  });

  it("refuses a delay over 12 hours, a negative one and a reason over 1000 characters", async () => {
    seedOne();
    t.mock.seed.consumer({ name: "c" });
    const { data } = await next("c");
    const token = data[0].ack_token;
    for (const extra of [
      { delay_ms: 43_200_001 },
      { delay_ms: -1 },
      { reason: "x".repeat(1001) },
    ]) {
      const res = await nack("c", { ack_tokens: [token], ...extra });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe("validation_failed");
    }
    // Nothing was nacked by the refused calls.
    expect((await peek("c")).data[0].state).toBe("leased");
  });
});

describe("backoff_ms", () => {
  it("defaults to [0, 1000, 5000, 30000]: at once, then 1 s, 5 s and 30 s from then on", async () => {
    seedOne();
    t.mock.seed.consumer({ name: "c" });
    const waits: number[] = [];
    for (let delivery = 1; delivery <= 5; delivery++) {
      expect(await deliverAndFail("c", (token) => nack("c", { ack_tokens: [token] }))).toBe(
        delivery,
      );
      let waited = 0;
      while ((await peek("c")).data[0].retry_at !== null) {
        t.mock.clock.advance(500);
        waited += 500;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([0, 1000, 5000, 30000, 30000]);
  });

  it("counts from the end of a lease that ran out", async () => {
    seedOne();
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000, backoff_ms: [2000] });
    await next("c");
    t.mock.clock.advance(1000 + 1999);
    expect((await next("c")).data).toEqual([]);
    t.mock.clock.advance(1);
    expect((await next("c")).data[0].deliver_count).toBe(2);
  });

  it("a change applies to nacks and expiries after it, not to those before", async () => {
    t.mock.seed.records(
      ["1", "2"].map((id) => ({ collection_id: "c", upstream_id: id, data: {} })),
    );
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000, backoff_ms: [5000] });
    const { data } = await next("c", "?batch_size=2");
    await nack("c", { ack_tokens: [data[0].ack_token] });
    t.mock.clock.advance(1000); // record 2's lease ran out under the old schedule too
    const patched = await t.call("PATCH", "/v1/http-consumers/c", {
      body: { backoff_ms: [0], ack_wait_ms: 60_000 },
    });
    expect(patched.body.backoff_ms).toEqual([0]);
    expect((await next("c", "?batch_size=2")).data).toEqual([]);
    // Nacked at 0 and expired at 1000 under [5000]: due at 5000 and 6000.
    t.mock.clock.advance(3999);
    expect((await next("c", "?batch_size=2")).data).toEqual([]);
    t.mock.clock.advance(1);
    const one = await next("c", "?batch_size=2");
    t.mock.clock.advance(1000);
    const two = await next("c", "?batch_size=2");
    const again = [...one.data, ...two.data];
    expect(again.map((m: Json) => m.record.upstream_id)).toEqual(["1", "2"]);
    // Under the new schedule: at once.
    await nack("c", { ack_tokens: again.map((m: Json) => m.ack_token) });
    expect((await next("c", "?batch_size=2")).data).toHaveLength(2);
  });

  it("a record written again while waiting is a new version, delivered at once", async () => {
    seedOne();
    t.mock.seed.consumer({ name: "c" });
    await deliverAndFail("c", (token) => nack("c", { ack_tokens: [token], delay_ms: 60_000 }));
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: { v: 2 } }]);
    const fresh = await next("c");
    expect(fresh.data[0]).toMatchObject({ deliver_count: 1, record: { data: { v: 2 } } });
  });

  it("a message at max_deliver does not wait out the backoff: it is dead at the next lease", async () => {
    seedOne();
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000, max_deliver: 2 });
    await next("c");
    t.mock.clock.advance(1000);
    await next("c");
    t.mock.clock.advance(1000);
    expect((await peek("c")).data[0]).toMatchObject({ state: "pending", retry_at: null });
    expect((await next("c")).data).toEqual([]);
    expect(t.mock.deadLetters("c")).toMatchObject([{ deliver_count: 2, cause: "max_deliver" }]);
  });

  it("refuses an empty schedule, more than 50 values and values out of range", async () => {
    const bad = [[], Array(51).fill(0), [-1], [43_200_001], [1.5]];
    for (const backoff_ms of bad) {
      const res = await t.call("POST", "/v1/http-consumers", { body: { name: "x", backoff_ms } });
      expect(res.status).toBe(422);
      expect(res.body.details[0].path).toMatch(/^backoff_ms/);
    }
    t.mock.seed.consumer({ name: "c" });
    const patch = await t.call("PATCH", "/v1/http-consumers/c", { body: { backoff_ms: [] } });
    expect(patch.status).toBe(422);
  });
});

describe("waiting messages in peek and next", () => {
  it("peek shows retry_at while a message waits and last_error from the nack's reason", async () => {
    seedOne();
    t.mock.seed.consumer({ name: "c" });
    const start = t.mock.clock.now().getTime();
    await deliverAndFail("c", (token) =>
      nack("c", { ack_tokens: [token], delay_ms: 3000, reason: "boom" }),
    );
    const waiting = await peek("c");
    expect(zPeekResponse.safeParse(waiting).success).toBe(true);
    expect(waiting.data[0]).toMatchObject({
      state: "pending",
      deliver_count: 1,
      lease_expires_at: null,
      retry_at: new Date(start + 3000).toISOString(),
      last_error: "boom",
    });
    expect(waiting.info).toEqual({ num_pending: 1, num_ack_pending: 0, num_dead_letters: 0 });
    t.mock.clock.advance(3000);
    expect((await peek("c")).data[0]).toMatchObject({ retry_at: null, last_error: "boom" });
    // A nack without a reason keeps the last error; a lease shows retry_at null.
    await deliverAndFail("c", (token) => nack("c", { ack_tokens: [token], delay_ms: 0 }));
    await next("c");
    expect((await peek("c")).data[0]).toMatchObject({
      state: "leased",
      retry_at: null,
      last_error: "boom",
    });
  });

  it("a waiting message holds its key under per_key ordering", async () => {
    t.mock.seed.consumer({ name: "ev", kind: "event" });
    t.mock.seed.events(
      ["a", "b"].map((action) => ({ collection_id: "x", upstream_id: "k", action, data: {} })),
    );
    await deliverAndFail("ev", (token) => nack("ev", { ack_tokens: [token], delay_ms: 1000 }));
    expect((await next("ev", "?batch_size=10")).data).toEqual([]);
    t.mock.clock.advance(1000);
    const again = await next("ev", "?batch_size=10");
    expect(again.data.map((m: Json) => m.event.action)).toEqual(["a"]);
  });

  it("a long-poll wakes when a message is done waiting", async () => {
    seedOne();
    t.mock.seed.consumer({ name: "c" });
    await deliverAndFail("c", (token) => nack("c", { ack_tokens: [token], delay_ms: 2000 }));
    let done = false;
    const poll = t.call("GET", "/v1/http-consumers/c/next?wait_for=60000").then((res) => {
      done = true;
      return res;
    });
    await t.mock.whenWaiting(1);
    t.mock.clock.advance(1999);
    await tick(10);
    expect(done).toBe(false);
    t.mock.clock.advance(1);
    expect((await poll).body.data[0].deliver_count).toBe(2);
  });

  it("dead letters carry the last nack's reason, or the one before", async () => {
    seedOne();
    t.mock.seed.consumer({ name: "c", max_deliver: 2, backoff_ms: [0] });
    await deliverAndFail("c", (token) => nack("c", { ack_tokens: [token], reason: "first" }));
    await deliverAndFail("c", (token) => nack("c", { ack_tokens: [token] }));
    expect(t.mock.deadLetters("c")).toMatchObject([
      { deliver_count: 2, cause: "max_deliver", last_error: "first" },
    ]);
  });
});
