import { describe, expect, it } from "vitest";
import { zAckResponse, zNextResponse } from "../generated/zod.gen.js";
import { type Json, useSequinMock } from "./test-utils.js";

const t = useSequinMock({ clock: "manual" });
const seedContacts = (...ids: string[]) =>
  t.mock.seed.records(ids.map((id) => ({ collection_id: "c", upstream_id: id, data: { id } })));
const next = async (consumer: string, query = "batch_size=10") => {
  const res = await t.call("GET", `/v1/http-consumers/${consumer}/next?${query}`);
  expect(res.status).toBe(200);
  expect(zNextResponse.safeParse(res.body).success).toBe(true);
  return res.body as { data: Json[]; info: { num_pending: number; num_ack_pending: number } };
};
const post = (consumer: string, verb: string, body: unknown) =>
  t.call("POST", `/v1/http-consumers/${consumer}/${verb}`, { body });
const ids = (data: Json[]) => data.map((m) => m.record.upstream_id);
// Well-formed (delivery 1, zero random part) but never issued.
const UNKNOWN_TOKEN = "AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAA";

describe("leasing", () => {
  it("leases up to batch_size oldest first, hides leased messages and counts them", async () => {
    seedContacts("1", "2", "3");
    t.mock.seed.consumer({ name: "c" });
    const first = await next("c", "batch_size=2");
    expect(ids(first.data)).toEqual(["1", "2"]);
    expect(first.data[0]).toMatchObject({ deliver_count: 1, lease_expires_at: expect.any(String) });
    expect(first.info).toEqual({ num_pending: 1, num_ack_pending: 2 });
    const second = await next("c", "batch_size=10");
    expect(ids(second.data)).toEqual(["3"]);
    expect((await next("c")).data).toEqual([]);
  });

  it("checks batch_size and wait_for (400 naming the parameter)", async () => {
    t.mock.seed.consumer({ name: "c" });
    for (const query of [
      "batch_size=0",
      "batch_size=1001",
      "batch_size=abc",
      "batch_size=1.5",
      "wait_for=60001",
    ]) {
      const res = await t.call("GET", `/v1/http-consumers/c/next?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("bad_request");
      expect(res.body.details[0].path).toBe(query.split("=")[0]);
    }
    expect((await t.call("GET", "/v1/http-consumers/c/next?batch_size=1000")).status).toBe(200);
  });

  it("POST next takes parameters from the body, which wins over the query", async () => {
    seedContacts("1", "2", "3");
    t.mock.seed.consumer({ name: "c" });
    const res = await t.call("POST", "/v1/http-consumers/c/next?batch_size=1", {
      body: { batch_size: 2 },
    });
    expect(ids(res.body.data)).toEqual(["1", "2"]);
    const queryOnly = await t.call("POST", "/v1/http-consumers/c/next?batch_size=5");
    expect(ids(queryOnly.body.data)).toEqual(["3"]);
    // The body's mistakes are the query's: a 400 naming the parameter.
    const bad = await t.call("POST", "/v1/http-consumers/c/next", { body: { batch_size: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(["batch_size"]);
  });

  it("never has more than max_ack_pending outstanding", async () => {
    seedContacts("1", "2", "3");
    t.mock.seed.consumer({ name: "c", max_ack_pending: 2 });
    const first = await next("c");
    expect(first.data).toHaveLength(2);
    expect((await next("c")).data).toHaveLength(0);
    await post("c", "ack", { ack_tokens: [first.data[0].ack_token] });
    expect(ids((await next("c")).data)).toEqual(["3"]);
  });
});

describe("ack, nack, extend", () => {
  it("ack finishes deliveries once; unknown and repeated tokens are listed", async () => {
    seedContacts("1", "2");
    t.mock.seed.consumer({ name: "c" });
    const { data } = await next("c");
    const tokens = data.map((m) => m.ack_token);
    const acked = await post("c", "ack", { ack_tokens: [...tokens, UNKNOWN_TOKEN] });
    expect(zAckResponse.safeParse(acked.body).success).toBe(true);
    expect(acked.body).toEqual({ success: true, count: 2, unknown_ack_tokens: [UNKNOWN_TOKEN] });
    const again = await post("c", "ack", { ack_tokens: tokens });
    expect(again.body).toEqual({ success: true, count: 0, unknown_ack_tokens: tokens });
    expect((await next("c")).info).toEqual({ num_pending: 0, num_ack_pending: 0 });
    expect(t.mock.acked("c").map((d) => d.record?.upstream_id)).toEqual(["1", "2"]);
  });

  it("a token of another consumer is unknown", async () => {
    seedContacts("1");
    t.mock.seed.consumer({ name: "a" });
    t.mock.seed.consumer({ name: "b" });
    const { data } = await next("a");
    const res = await post("b", "ack", { ack_tokens: [data[0].ack_token] });
    expect(res.body.unknown_ack_tokens).toEqual([data[0].ack_token]);
  });

  it("an expired lease is delivered again, and the old token cannot ack the new delivery", async () => {
    seedContacts("1");
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000 });
    const first = await next("c");
    t.mock.clock.advance(999);
    expect((await next("c")).data).toHaveLength(0);
    t.mock.clock.advance(1);
    const second = await next("c");
    expect(second.data[0]).toMatchObject({ deliver_count: 2, record: { upstream_id: "1" } });
    expect(second.data[0].ack_token).not.toBe(first.data[0].ack_token);
    const stale = await post("c", "ack", { ack_tokens: [first.data[0].ack_token] });
    expect(stale.body).toMatchObject({ count: 0, unknown_ack_tokens: [first.data[0].ack_token] });
    expect((await next("c")).info.num_ack_pending).toBe(1);
    const fresh = await post("c", "ack", { ack_tokens: [second.data[0].ack_token] });
    expect(fresh.body.count).toBe(1);
  });

  it("an expired lease not yet leased again can still be acked", async () => {
    seedContacts("1");
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000 });
    const first = await next("c");
    t.mock.clock.advance(5000);
    expect((await post("c", "ack", { ack_tokens: [first.data[0].ack_token] })).body.count).toBe(1);
    expect((await next("c")).data).toHaveLength(0);
  });

  it("nack makes a message available again at once", async () => {
    seedContacts("1", "2");
    t.mock.seed.consumer({ name: "c" });
    const first = await next("c", "batch_size=1");
    const nacked = await post("c", "nack", { ack_tokens: [first.data[0].ack_token] });
    expect(nacked.body).toEqual({ success: true, count: 1, unknown_ack_tokens: [] });
    const again = await next("c");
    expect(ids(again.data)).toEqual(["1", "2"]);
    expect(again.data[0].deliver_count).toBe(2);
    expect(t.mock.nacked("c")).toHaveLength(1);
  });

  it("extend keeps a lease alive, by default for the consumer's ack_wait_ms", async () => {
    seedContacts("1");
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000 });
    const { data } = await next("c");
    t.mock.clock.advance(900);
    const extended = await post("c", "extend", { ack_tokens: [data[0].ack_token, UNKNOWN_TOKEN] });
    expect(extended.body).toEqual({ success: true, count: 1, unknown_ack_tokens: [UNKNOWN_TOKEN] });
    t.mock.clock.advance(900);
    expect((await next("c")).data).toHaveLength(0);
    t.mock.clock.advance(100);
    expect((await next("c")).data).toHaveLength(1);
  });

  it("extend_ms sets the new lease length", async () => {
    seedContacts("1");
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000 });
    const { data } = await next("c");
    await post("c", "extend", { ack_tokens: [data[0].ack_token], extend_ms: 10_000 });
    t.mock.clock.advance(9_999);
    expect((await next("c")).data).toHaveLength(0);
    t.mock.clock.advance(1);
    expect((await next("c")).data).toHaveLength(1);
  });

  it("a PATCH changes only the fields sent", async () => {
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000, max_ack_pending: 5 });
    const patched = await t.call("PATCH", "/v1/http-consumers/c", {
      body: { metadata: { team: "x" } },
    });
    expect(patched.body).toMatchObject({
      ack_wait_ms: 1000,
      max_ack_pending: 5,
      metadata: { team: "x" },
    });
  });

  it("ack, nack and extend need a body of tokens (422) on a known consumer (404)", async () => {
    t.mock.seed.consumer({ name: "c" });
    const empty = await post("c", "ack", { ack_tokens: [] });
    expect(empty.body).toMatchObject({
      code: "validation_failed",
      details: [{ path: "ack_tokens" }],
    });
    const missing = await post("nobody", "ack", { ack_tokens: [UNKNOWN_TOKEN] });
    expect(missing.status).toBe(404);
  });

  it("a token that could not have been issued is a 400 naming it", async () => {
    t.mock.seed.consumer({ name: "c" });
    for (const verb of ["ack", "nack", "extend"]) {
      const res = await post("c", verb, { ack_tokens: [UNKNOWN_TOKEN, "not-a-token"] });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "bad_request", details: [{ path: "ack_tokens.1" }] });
    }
  });

  it("extend does not revive an expired lease", async () => {
    seedContacts("1");
    t.mock.seed.consumer({ name: "c", ack_wait_ms: 1000 });
    const { data } = await next("c");
    t.mock.clock.advance(1000);
    const res = await post("c", "extend", { ack_tokens: [data[0].ack_token] });
    expect(res.body).toEqual({ success: true, count: 0, unknown_ack_tokens: [data[0].ack_token] });
    expect((await next("c")).data).toHaveLength(1);
  });
});

describe("records and events", () => {
  it("a record updated while leased reappears in its newer version after the ack", async () => {
    seedContacts("1");
    t.mock.seed.consumer({ name: "c" });
    const first = await next("c");
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: { id: "1", v: 2 } }]);
    expect((await next("c")).data).toHaveLength(0);
    await post("c", "ack", { ack_tokens: [first.data[0].ack_token] });
    const again = await next("c");
    expect(again.data[0]).toMatchObject({
      deliver_count: 1,
      record: { data: { v: 2 }, updated_idx: 2 },
    });
    await post("c", "ack", { ack_tokens: [again.data[0].ack_token] });
    expect((await next("c")).data).toHaveLength(0);
  });

  it("a pending record is delivered once, in its latest version", async () => {
    seedContacts("1");
    t.mock.seed.consumer({ name: "c" });
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: { v: 3 } }]);
    const { data } = await next("c");
    expect(data).toHaveLength(1);
    expect(data[0].record.data).toEqual({ v: 3 });
  });

  it("an unchanged upsert does not redeliver", async () => {
    seedContacts("1");
    t.mock.seed.consumer({ name: "c" });
    const { data } = await next("c");
    await post("c", "ack", { ack_tokens: [data[0].ack_token] });
    seedContacts("1");
    expect((await next("c")).data).toHaveLength(0);
  });

  it("events are delivered in stream order, and redelivered in order after a nack", async () => {
    t.mock.seed.consumer({ name: "ev", kind: "event" });
    t.mock.seed.events(
      ["a", "b", "c", "d"].map((action) => ({ collection_id: "x", action, data: {} })),
    );
    const first = await next("ev", "batch_size=2");
    expect(first.data.map((m) => m.event.action)).toEqual(["a", "b"]);
    await post("ev", "nack", { ack_tokens: [first.data[1].ack_token] });
    const second = await next("ev", "batch_size=10");
    expect(second.data.map((m) => m.event.action)).toEqual(["b", "c", "d"]);
    const seqs = second.data.map((m) => m.event.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });
});
