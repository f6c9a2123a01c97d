import { describe, expect, it } from "vitest";
import { useSequinMock } from "../test-utils.js";

const t = useSequinMock();

describe("fault injection", () => {
  it("the next n requests answer 500, then the mock works again", async () => {
    t.mock.failNext(2, { status: 500 });
    expect(t.mock.pendingFaults).toBe(2);
    for (let i = 0; i < 2; i++) {
      const res = await t.call("GET", "/v1/streams");
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ code: "internal", request_id: expect.any(String) });
    }
    expect((await t.call("GET", "/v1/streams")).status).toBe(200);
    expect(t.mock.pendingFaults).toBe(0);
  });

  it("429 and 503 carry Retry-After when asked", async () => {
    t.mock.failNext(1, { status: 429, retryAfter: 3 });
    t.mock.failNext(1, { status: 503 });
    const limited = await t.call("GET", "/v1/streams");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(limited.body.code).toBe("rate_limited");
    const down = await t.call("GET", "/v1/streams");
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBeNull();
  });

  it("a network fault makes fetch reject", async () => {
    t.mock.failNext(1, "network");
    await expect(t.call("GET", "/v1/streams")).rejects.toThrow(TypeError);
    expect((await t.call("GET", "/v1/streams")).status).toBe(200);
  });

  it("a fault scoped to a path and method leaves other requests alone, and writes nothing", async () => {
    t.mock.seed.consumer({ name: "c" });
    t.mock.failNext(
      1,
      { status: 500 },
      { path: "/v1/http-consumers/:consumer/next", method: "GET" },
    );
    t.mock.failNext(1, { status: 500 }, { path: /\/records$/ });
    expect((await t.call("POST", "/v1/http-consumers/c/next")).status).toBe(200);
    expect((await t.call("GET", "/v1/http-consumers/c")).status).toBe(200);
    expect((await t.call("GET", "/v1/http-consumers/c/next")).status).toBe(500);
    const upsert = await t.call("POST", `/v1/streams/${t.mock.defaultStreamId}/records`, {
      body: { records: [{ collection_id: "c", upstream_id: "1", data: {} }] },
    });
    expect(upsert.status).toBe(500);
    expect(t.mock.records()).toHaveLength(0);
  });

  it("when: after handles the request, then loses the answer", async () => {
    t.mock.failNext(1, "network", { path: "/v1/mutations/run", when: "after" });
    const body = { kind: "create", collection_id: "c", records: [{ data: {} }] };
    const headers = { "Idempotency-Key": "retry-me" };
    await expect(t.call("POST", "/v1/mutations/run", { body, headers })).rejects.toThrow();
    expect(t.mock.records()).toHaveLength(1);
    const retry = await t.call("POST", "/v1/mutations/run", { body, headers });
    expect(retry.status).toBe(200);
    expect(t.mock.records()).toHaveLength(1);
  });

  it("reset() clears armed faults and all data", async () => {
    t.mock.failNext(5, { status: 500 });
    t.mock.seed.consumer({ name: "c" });
    const streamBefore = t.mock.defaultStreamId;
    t.mock.reset();
    expect(t.mock.pendingFaults).toBe(0);
    expect((await t.call("GET", "/v1/http-consumers")).body.data).toEqual([]);
    expect(t.mock.defaultStreamId).not.toBe(streamBefore);
    expect((await t.call("GET", `/v1/streams/${t.mock.defaultStreamId}`)).status).toBe(200);
  });
});
