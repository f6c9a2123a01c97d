import { describe, expect, it } from "vitest";
import { tick, useSequinMock } from "../test-utils.js";

const t = useSequinMock({ clock: "manual" });
const run = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  t.call("POST", "/v1/mutations/run", { body, headers });

describe("Idempotency-Key", () => {
  const create = { kind: "create", collection_id: "c", records: [{ data: { n: 1 } }] };

  it("a repeat with the same key and body gets the first answer and writes nothing", async () => {
    const first = await run(create, { "Idempotency-Key": "k1" });
    const again = await run(
      { records: [{ data: { n: 1 } }], collection_id: "c", kind: "create" },
      {
        "Idempotency-Key": "k1",
      },
    );
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(t.mock.records()).toHaveLength(1);
    const without = await run(create);
    expect(without.body.records[0].upstream_id).not.toBe(first.body.records[0].upstream_id);
  });

  it("the same key with another body is a 409 idempotency_key_reused", async () => {
    await run(create, { "Idempotency-Key": "k1" });
    const res = await run(
      { ...create, records: [{ data: { n: 2 } }] },
      { "Idempotency-Key": "k1" },
    );
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("idempotency_key_reused");
    const elsewhere = await t.call("POST", "/v1/http-consumers", {
      body: { name: "x" },
      headers: { "Idempotency-Key": "k1" },
    });
    expect(elsewhere.body.code).toBe("idempotency_key_reused");
    expect(t.mock.records()).toHaveLength(1);
  });

  it("a retry after an await timeout replays the 500 and writes no second record", async () => {
    t.mock.seed.consumer({ name: "slow" });
    const body = { ...create, await_consumer_ids: ["slow"], await_consumers_timeout: 0 };
    const first = await run(body, { "Idempotency-Key": "k2" });
    expect(first.body.code).toBe("consumers_timeout");
    const retry = await run(body, { "Idempotency-Key": "k2" });
    expect(retry.status).toBe(500);
    expect(retry.body.records).toEqual(first.body.records);
    expect(t.mock.records()).toHaveLength(1);
  });

  it("a concurrent repeat waits for the first answer", async () => {
    t.mock.seed.consumer({ name: "w" });
    const body = { ...create, await_consumer_ids: ["w"] };
    const a = run(body, { "Idempotency-Key": "k3" });
    await t.mock.whenWaiting(1);
    const b = run(body, { "Idempotency-Key": "k3" });
    await tick(10);
    const leased = await t.call("GET", "/v1/http-consumers/w/next");
    await t.call("POST", "/v1/http-consumers/w/ack", {
      body: { ack_tokens: [leased.body.data[0].ack_token] },
    });
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.status).toBe(200);
    expect(rb.body).toEqual(ra.body);
    expect(t.mock.records()).toHaveLength(1);
  });

  it("a rejected request is not kept; keys are per account and expire after 24 h", async () => {
    const bad = await run(
      { kind: "update", collection_id: "c", records: [{ upstream_id: "ghost", data: {} }] },
      {
        "Idempotency-Key": "k4",
      },
    );
    expect(bad.status).toBe(404);
    expect((await run(create, { "Idempotency-Key": "k4" })).status).toBe(200);

    const token = t.mock.createAccount();
    const other = await t.call("POST", "/v1/mutations/run", {
      body: create,
      token,
      headers: { "Idempotency-Key": "k4" },
    });
    expect(other.status).toBe(200);

    t.mock.clock.advance(24 * 60 * 60 * 1000);
    const later = await run(
      { ...create, records: [{ data: { n: 9 } }] },
      { "Idempotency-Key": "k4" },
    );
    expect(later.status).toBe(200);
  });

  it("also covers stream, consumer and event creation", async () => {
    const headers = { "Idempotency-Key": "s1" };
    const first = await t.call("POST", "/v1/streams", { body: { name: "s" }, headers });
    const again = await t.call("POST", "/v1/streams", { body: { name: "s" }, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const path = `/v1/streams/${first.body.id}/events`;
    const events = { events: [{ collection_id: "x", action: "a", data: {} }] };
    await t.call("POST", path, { body: events, headers: { "Idempotency-Key": "e1" } });
    await t.call("POST", path, { body: events, headers: { "Idempotency-Key": "e1" } });
    expect(t.mock.events({ streamId: first.body.id })).toHaveLength(1);
    const tooLong = await t.call("POST", path, {
      body: events,
      headers: { "Idempotency-Key": "k".repeat(256) },
    });
    expect(tooLong.body).toMatchObject({
      code: "bad_request",
      details: [{ path: "Idempotency-Key" }],
    });
  });
});
