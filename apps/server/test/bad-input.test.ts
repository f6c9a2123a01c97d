import { describe, expect, it } from "vitest";
import type { Loose } from "./helpers/api.js";
import { createConsumer, createStream, record } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { db, api } = await serverTest();
const stream = await createStream(api);
const consumer = await createConsumer(api, { stream_id: stream });

/** Expects a 4xx in the Error shape (the client checks the shape) with this code and text. */
async function expectError(
  res: Promise<{ status: number; body: Loose }>,
  status: number,
  code: string,
  mentions?: string,
) {
  const { status: got, body } = await res;
  expect(got, JSON.stringify(body)).toBe(status);
  expect(body.code).toBe(code);
  if (mentions) expect(body.error).toContain(mentions);
  return body;
}

describe("bodies that do not match the schema are a 422 naming the field", () => {
  it("wrong types and missing fields", async () => {
    const body = await expectError(
      api.post(`/v1/streams/${stream}/records`, { records: [{ collection_id: 5, data: "x" }] }),
      422,
      "validation_failed",
      "records.0.collection_id",
    );
    expect(body.details).toEqual(
      expect.arrayContaining([
        { path: "records.0.collection_id", message: expect.any(String) },
        { path: "records.0.upstream_id", message: "Required" },
        { path: "records.0.data", message: expect.any(String) },
      ]),
    );
    await expectError(api.post("/v1/streams", {}), 422, "validation_failed", "name: Required");
    await expectError(
      api.post("/v1/http-consumers", { name: "bad name!" }),
      422,
      "validation_failed",
      "name",
    );
  });

  it("unknown fields, out-of-range numbers, bad timestamps", async () => {
    const unknown = await expectError(
      api.post("/v1/streams", { name: "x", color: "red" }),
      422,
      "validation_failed",
    );
    expect(unknown.details).toEqual([{ path: "color", message: "Unknown field" }]);
    await expectError(
      api.post("/v1/http-consumers", { name: "c", ack_wait_ms: 5 }),
      422,
      "validation_failed",
      "ack_wait_ms",
    );
    await expectError(
      api.post("/v1/http-consumers", { name: "c", max_deliver: 0 }),
      422,
      "validation_failed",
      "max_deliver",
    );
    await expectError(
      api.post(`/v1/streams/${stream}/records`, {
        records: [record("a", {}, { upstream_updated_at: "yesterday" })],
      }),
      422,
      "validation_failed",
      "records.0.upstream_updated_at",
    );
    await expectError(
      api.post(`/v1/streams/${stream}/records`, { records: [] }),
      422,
      "validation_failed",
      "records",
    );
    await expectError(api.patch(`/v1/http-consumers/${consumer.id}`, {}), 422, "validation_failed");
  });

  it("values Postgres cannot store", async () => {
    await expectError(
      api.post(`/v1/streams/${stream}/records`, {
        records: [record("a", { text: "nul \u0000 here" })],
      }),
      422,
      "validation_failed",
      "records.0.data.text",
    );
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) deep = { d: deep };
    await expectError(
      api.post(`/v1/streams/${stream}/records`, {
        records: [record("a", deep as Record<string, unknown>)],
      }),
      422,
      "validation_failed",
    );
    await expectError(
      api.post(`/v1/streams/${stream}/records`, {
        records: [record("a", {}, { upstream_updated_at: "2024-02-30T00:00:00Z" })],
      }),
      422,
      "validation_failed",
    );
  });

  it("unpaired UTF-16 surrogates in values and names: 422 before anything is written, keys included", async () => {
    await expectError(
      api.post(`/v1/streams/${stream}/records`, {
        records: [record("a", { text: "lone \ud800 here" })],
      }),
      422,
      "validation_failed",
      "records.0.data.text",
    );
    // Found by the fuzzer: a mutation's idempotency key was claimed before Postgres refused the JSON.
    const key = `surrogate-${Date.now()}`;
    const res = await api.post(
      "/v1/mutations/run",
      {
        kind: "update",
        collection_id: "salesforce:contact",
        records: [{ upstream_id: "x", data: { "\udc00name": 1 } }],
      },
      { headers: { "Idempotency-Key": key } },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    const { rows } = await db.query("SELECT 1 FROM idempotency_keys WHERE key = $1", [key]);
    expect(rows).toEqual([]);
  });
});

describe("bad parameters are a 400", () => {
  it("POST next: batch_size 0, 1001 or 1.5 in the body, as in the query", async () => {
    for (const batch_size of [0, 1001, 1.5]) {
      await expectError(
        api.post(`/v1/http-consumers/${consumer.id}/next`, { batch_size }),
        400,
        "bad_request",
        "batch_size",
      );
    }
  });

  it("batch_size 0 / 1001 / words, wait_for too long", async () => {
    for (const q of [
      "batch_size=0",
      "batch_size=1001",
      "batch_size=ten",
      "batch_size=1&batch_size=2",
      "wait_for=60001",
    ]) {
      const body = await expectError(
        api.get(`/v1/http-consumers/${consumer.id}/next?${q}`),
        400,
        "bad_request",
      );
      expect(body.details[0].path).toBe(q.split("=")[0]);
    }
  });

  it("a stream id that is not a uuid, a bad cursor, a bad limit", async () => {
    await expectError(api.get("/v1/streams/not-a-uuid"), 400, "bad_request", "stream_id");
    await expectError(api.get("/v1/streams?cursor=garbage"), 400, "bad_request", "cursor");
    await expectError(api.get("/v1/streams?limit=0"), 400, "bad_request", "limit");
    await expectError(api.get("/v1/streams/%E0%A4%A"), 400, "bad_request");
  });

  it("malformed ack tokens", async () => {
    const body = await expectError(
      api.post(`/v1/http-consumers/${consumer.id}/ack`, { ack_tokens: ["MTYyeJ7abUjl1pO"] }),
      400,
      "bad_request",
      "ack_tokens.0",
    );
    expect(body.details).toHaveLength(1);
    await expectError(
      api.post(`/v1/http-consumers/${consumer.id}/nack`, { ack_tokens: ["!".repeat(32)] }),
      400,
      "bad_request",
    );
  });

  it("an Idempotency-Key that is too long", async () => {
    await expectError(
      api.post("/v1/streams", { name: "k" }, { headers: { "idempotency-key": "k".repeat(256) } }),
      400,
      "bad_request",
      "Idempotency-Key",
    );
  });
});

describe("malformed requests", () => {
  it("malformed JSON is a 400", async () => {
    await expectError(
      api.post("/v1/streams", undefined, {
        raw: '{"name": ',
        headers: { "content-type": "application/json" },
      }),
      400,
      "bad_request",
      "JSON",
    );
  });

  it("a body over 1 MiB is a 413, also a 10 MB one", async () => {
    const big = JSON.stringify({ records: [record("a", { blob: "x".repeat(1024 * 1024) })] });
    await expectError(
      api.post(`/v1/streams/${stream}/records`, undefined, {
        raw: big,
        headers: { "content-type": "application/json" },
      }),
      413,
      "payload_too_large",
    );
    const huge = Buffer.alloc(10 * 1024 * 1024, "a");
    await expectError(
      api.post(`/v1/streams/${stream}/records`, undefined, {
        raw: huge,
        headers: { "content-type": "application/json" },
      }),
      413,
      "payload_too_large",
    );
  });

  it("a body that is not JSON is a 415", async () => {
    await expectError(
      api.post("/v1/streams", undefined, {
        raw: "name=x",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
      "unsupported_media_type",
    );
    await expectError(
      api.post(`/v1/http-consumers/${consumer.id}/ack`, undefined, {
        raw: "{}",
        headers: { "content-type": "text/plain" },
      }),
      415,
      "unsupported_media_type",
    );
  });

  it("a missing body on a route that needs one is a 422", async () => {
    await expectError(api.post("/v1/streams"), 422, "validation_failed");
  });

  it("unknown routes and unknown objects are 404", async () => {
    await expectError(api.get("/v1/nothing-here"), 404, "not_found");
    await expectError(api.get("/v1/http-consumers/nobody"), 404, "not_found", "nobody");
    await expectError(api.get(`/v1/http-consumers/${"x".repeat(300)}`), 404, "not_found");
    await expectError(api.get("/v1/http-consumers/nobody/next"), 404, "not_found");
    await expectError(
      api.get("/v1/streams/0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f"),
      404,
      "not_found",
    );
    await expectError(
      api.post("/v1/streams/0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f/records", {
        records: [record("a")],
      }),
      404,
      "not_found",
    );
    await expectError(
      api.post("/v1/http-consumers", {
        name: "orphan",
        stream_id: "0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f",
      }),
      404,
      "not_found",
    );
  });

  it("every answer carries the caller's X-Request-Id when it is sane", async () => {
    const res = await api.get("/v1/streams", { headers: { "x-request-id": "trace-123" } });
    expect(res.headers.get("x-request-id")).toBe("trace-123");
    const bad = await api.get("/v1/nothing", { headers: { "x-request-id": "a b" } });
    expect(bad.body.request_id).toMatch(/^req_/);
  });
});
