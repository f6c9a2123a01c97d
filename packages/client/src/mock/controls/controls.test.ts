import { describe, expect, it } from "vitest";
import { type Json, useSequinMock } from "../test-utils.js";

// The API behaviour of leases is checked by packages/conformance on the mock and on the server;
// what is left here is the mock's own window onto it: acked() and nacked().
const t = useSequinMock({ clock: "manual" });
const post = (consumer: string, verb: string, body: unknown) =>
  t.call("POST", `/v1/http-consumers/${consumer}/${verb}`, { body });

describe("acked() and nacked()", () => {
  it("list the deliveries workers settled through the API, oldest first, per consumer", async () => {
    t.mock.seed.records(
      ["1", "2", "3"].map((id) => ({ collection_id: "c", upstream_id: id, data: { id } })),
    );
    t.mock.seed.consumer({ name: "c" });
    t.mock.seed.consumer({ name: "other" });
    const leased = await t.call("GET", "/v1/http-consumers/c/next?batch_size=3");
    const tokens = (leased.body.data as Json[]).map((m) => m.ack_token as string);
    await post("c", "ack", { ack_tokens: [tokens[0], tokens[2]] });
    await post("c", "nack", { ack_tokens: [tokens[1]] });

    expect(t.mock.acked("c").map((d) => d.record?.upstream_id)).toEqual(["1", "3"]);
    expect(t.mock.nacked("c").map((d) => d.record?.upstream_id)).toEqual(["2"]);
    expect(t.mock.acked("other")).toEqual([]);
    expect(t.mock.nacked("other")).toEqual([]);
  });

  it("do not count a token that settled nothing", async () => {
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    t.mock.seed.consumer({ name: "c" });
    const leased = await t.call("GET", "/v1/http-consumers/c/next");
    const token = leased.body.data[0].ack_token as string;
    await post("c", "ack", { ack_tokens: [token] });
    await post("c", "ack", { ack_tokens: [token] });
    await post("c", "nack", { ack_tokens: [token] });
    expect(t.mock.acked("c")).toHaveLength(1);
    expect(t.mock.nacked("c")).toEqual([]);
  });
});
