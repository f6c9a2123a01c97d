import { describe, expect, it } from "vitest";
import { useSequinMock } from "../test-utils.js";

const t = useSequinMock({ tokens: ["tok-a", "tok-b"] });

describe("auth", () => {
  it("401 without a token, with an unknown one, or a malformed header; health needs none", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Bearer wrong" },
      { Authorization: "tok-a" },
    ];
    for (const headers of attempts) {
      const res = await t.call("GET", "/v1/streams", { token: null, headers });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        code: "unauthorized",
        error: "Missing or invalid bearer token",
      });
    }
    expect((await t.call("GET", "/health", { token: null })).body).toEqual({
      status: "ok",
      database: "ok",
    });
  });

  it("every token of the tokens option acts as the default account", async () => {
    expect(t.mock.token).toBe("tok-a");
    await t.call("POST", "/v1/http-consumers", { body: { name: "c" }, token: "tok-a" });
    expect((await t.call("GET", "/v1/http-consumers/c", { token: "tok-b" })).status).toBe(200);
  });

  it("another account sees none of this account's streams, records, consumers or messages", async () => {
    const other = t.mock.createAccount();
    t.mock.seed.records([{ collection_id: "c", upstream_id: "1", data: {} }]);
    const consumer = t.mock.seed.consumer({ name: "mine" });
    const leased = await t.call("GET", "/v1/http-consumers/mine/next");
    const token = leased.body.data[0].ack_token;

    const as = (method: string, path: string, body?: unknown) =>
      t.call(method, path, { token: other, body });
    expect((await as("GET", `/v1/http-consumers/${consumer.id}`)).status).toBe(404);
    expect((await as("GET", "/v1/http-consumers/mine")).status).toBe(404);
    expect((await as("GET", `/v1/http-consumers/${consumer.id}/next`)).status).toBe(404);
    expect(
      (await as("POST", `/v1/http-consumers/${consumer.id}/ack`, { ack_tokens: [token] })).status,
    ).toBe(404);
    expect((await as("GET", `/v1/streams/${t.mock.defaultStreamId}`)).status).toBe(404);
    expect((await as("GET", `/v1/streams/${t.mock.defaultStreamId}/records`)).status).toBe(404);
    expect((await as("DELETE", `/v1/http-consumers/${consumer.id}`)).status).toBe(404);
    const streams = await as("GET", "/v1/streams");
    expect(streams.body.data.map((s: { name: string }) => s.name)).toEqual(["default"]);
    expect(streams.body.data[0].id).not.toBe(t.mock.defaultStreamId);
    expect((await as("GET", "/v1/http-consumers")).body.data).toEqual([]);

    // Names are per account: the other account may use the same one, on its own stream.
    const theirs = await as("POST", "/v1/http-consumers", { name: "mine" });
    expect(theirs.status).toBe(201);
    expect((await as("GET", "/v1/http-consumers/mine/next")).body.data).toEqual([]);
    expect(
      (await t.call("POST", "/v1/http-consumers/mine/ack", { body: { ack_tokens: [token] } })).body
        .count,
    ).toBe(1);
  });

  it("createAccount takes a chosen token and refuses one already in use", () => {
    expect(t.mock.createAccount({ token: "chosen" })).toBe("chosen");
    expect(() => t.mock.createAccount({ token: "tok-a" })).toThrow();
    expect(t.mock.seed.stream({ name: "s" }, { token: "chosen" }).name).toBe("s");
  });
});
