import { describe, expect, it } from "vitest";
import { zError } from "../../generated/zod.gen.js";
import { useSequinMock } from "../test-utils.js";

const t = useSequinMock();

describe("error answers", () => {
  it("415 for a body that is not JSON", async () => {
    const res = await t.call("POST", "/v1/http-consumers", {
      raw: "name=x",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe("unsupported_media_type");
  });

  it("400 for malformed JSON", async () => {
    const res = await t.call("POST", "/v1/http-consumers", {
      raw: '{"name": ',
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("bad_request");
  });

  it("413 past 1 MiB", async () => {
    const res = await t.call("POST", "/v1/http-consumers", {
      body: { name: "x", metadata: { pad: "x".repeat(1_100_000) } },
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe("payload_too_large");
  });

  it("422 with one detail per field for a body that does not fit the schema", async () => {
    const res = await t.call("POST", "/v1/http-consumers", {
      body: { name: 5, ack_wait_ms: 50, filters: { collection_id: "" }, extra: true },
    });
    expect(res.status).toBe(422);
    expect(zError.safeParse(res.body).success).toBe(true);
    const paths = res.body.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(["ack_wait_ms", "extra", "filters.collection_id", "name"]);
    expect(res.body.error).toContain("ack_wait_ms");
    const missing = await t.call("POST", "/v1/http-consumers", {
      raw: "",
      headers: { "Content-Type": "application/json" },
    });
    expect(missing.status).toBe(422);
  });

  it("404 in the error shape for unknown routes, with a request id", async () => {
    const res = await t.call("GET", "/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
    expect(res.body.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("decodes names in paths", async () => {
    await t.call("POST", "/v1/http-consumers", { body: { name: "sync:contacts.v1" } });
    const res = await t.call("GET", `/v1/http-consumers/${encodeURIComponent("sync:contacts.v1")}`);
    expect(res.body.name).toBe("sync:contacts.v1");
  });

  it("422 for JSON the server could not store (NUL characters, extreme nesting)", async () => {
    const nul = await t.call("POST", "/v1/http-consumers", {
      body: { name: "x", metadata: { a: "b\u0000c" } },
    });
    expect(nul.status).toBe(422);
    expect(nul.body.details).toEqual([
      { path: "metadata.a", message: "must not contain NUL characters" },
    ]);
    let deep: unknown = {};
    for (let i = 0; i < 120; i++) deep = { d: deep };
    const nested = await t.call("POST", "/v1/http-consumers", {
      body: { name: "x", metadata: deep },
    });
    expect(nested.status).toBe(422);
  });

  it("echoes a sane X-Request-Id and makes one up otherwise", async () => {
    const mine = await t.call("GET", "/v1/http-consumers/nope", {
      headers: { "X-Request-Id": "trace-42" },
    });
    expect(mine.headers.get("x-request-id")).toBe("trace-42");
    expect(mine.body.request_id).toBe("trace-42");
    const odd = await t.call("GET", "/v1/http-consumers/nope", {
      headers: { "X-Request-Id": "a b" },
    });
    expect(odd.body.request_id).toMatch(/^req_/);
  });

  it("401 comes before everything else, even on unknown routes", async () => {
    const res = await t.call("POST", "/v1/nothing", {
      token: null,
      raw: "{",
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("the default stream cannot be deleted", async () => {
    const res = await t.call("DELETE", `/v1/streams/${t.mock.defaultStreamId}`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("conflict");
  });
});
