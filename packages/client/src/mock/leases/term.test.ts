import { describe, expect, it } from "vitest";
import { zAckResponse, zDeadLetterList } from "../../generated/zod.gen.js";
import { type Json, useSequinMock } from "../test-utils.js";

const t = useSequinMock({ clock: "manual" });
const next = async (consumer: string, query = "") =>
  (await t.call("GET", `/v1/http-consumers/${consumer}/next${query}`)).body;
const term = (consumer: string, body: Json) =>
  t.call("POST", `/v1/http-consumers/${consumer}/term`, { body });

describe("term", () => {
  it("makes the delivery a dead letter at once, with its reason; again it is settled", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    t.mock.seed.consumer({ name: "c", backoff_ms: [0] });
    await t.call("POST", "/v1/http-consumers/c/nack", {
      body: { ack_tokens: [(await next("c")).data[0].ack_token], reason: "first" },
    });
    const token = (await next("c")).data[0].ack_token;
    const answer = await term("c", { ack_tokens: [token], reason: "no email" });
    expect(zAckResponse.safeParse(answer.body).success).toBe(true);
    expect(answer.body).toEqual({ success: true, count: 1, unknown_ack_tokens: [] });
    // Its lease would still run: the answer says the delivery was settled already.
    expect((await term("c", { ack_tokens: [token] })).body).toEqual({
      success: true,
      count: 0,
      unknown_ack_tokens: [],
      settled_ack_tokens: [token],
    });
    const listed = await t.call("GET", "/v1/http-consumers/c/dead-letters");
    expect(zDeadLetterList.safeParse(listed.body).success).toBe(true);
    expect(listed.body.data).toMatchObject([
      { deliver_count: 2, cause: "terminated", last_error: "no email" },
    ]);
    expect(await next("c")).toEqual({ data: [], info: { num_pending: 0, num_ack_pending: 0 } });
  });

  it("without a reason keeps the last error of the nacks before", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    t.mock.seed.consumer({ name: "c" });
    await t.call("POST", "/v1/http-consumers/c/nack", {
      body: { ack_tokens: [(await next("c")).data[0].ack_token], reason: "timeout" },
    });
    await term("c", { ack_tokens: [(await next("c")).data[0].ack_token] });
    expect(t.mock.deadLetters("c")).toMatchObject([
      { cause: "terminated", last_error: "timeout", deliver_count: 2 },
    ]);
  });

  it("a record written again while leased is delivered again in its newer version", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: { v: 1 } }]);
    t.mock.seed.consumer({ name: "c" });
    const token = (await next("c")).data[0].ack_token;
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: { v: 2 } }]);
    expect((await term("c", { ack_tokens: [token], reason: "bad" })).body.count).toBe(1);
    expect(t.mock.deadLetters("c")).toMatchObject([{ cause: "terminated", deliver_count: 1 }]);
    const fresh = await next("c");
    expect(fresh.data[0]).toMatchObject({ deliver_count: 1, record: { data: { v: 2 } } });
    // Redriving the dead letter while the record is leased again adds no second message.
    await t.call("POST", "/v1/http-consumers/c/dead-letters/redrive");
    expect(fresh.info).toEqual({ num_pending: 0, num_ack_pending: 1 });
    expect((await next("c")).info).toEqual({ num_pending: 0, num_ack_pending: 1 });
  });

  it("frees a per_key event's key like an ack", async () => {
    t.mock.seed.consumer({ name: "ev", kind: "event" });
    t.mock.seed.events(
      ["a", "b"].map((action) => ({ collection_id: "x", upstream_id: "k", action, data: {} })),
    );
    const first = await next("ev", "?batch_size=10");
    expect(first.data.map((m: Json) => m.event.action)).toEqual(["a"]);
    await term("ev", { ack_tokens: [first.data[0].ack_token] });
    const second = await next("ev", "?batch_size=10");
    expect(second.data.map((m: Json) => m.event.action)).toEqual(["b"]);
  });

  it("refuses a reason over 1000 characters, no tokens, and a malformed token", async () => {
    t.mock.seed.consumer({ name: "c" });
    const long = await term("c", {
      ack_tokens: ["AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAA"],
      reason: "x".repeat(1001),
    });
    expect(long.status).toBe(422);
    expect((await term("c", { ack_tokens: [] })).status).toBe(422);
    expect((await term("c", { ack_tokens: ["nope"] })).status).toBe(400);
    expect(
      (await term("nobody", { ack_tokens: ["AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAA"] })).status,
    ).toBe(404);
  });
});
