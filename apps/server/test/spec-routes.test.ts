// What the spec says of every request before a route runs: unknown query parameters, NUL
// characters in parameters, methods a path does not have, and the index at `/`.
import { apiRoutes } from "@sequin/client/schemas";
import { describe, expect, it } from "vitest";
import { createConsumer, createStream } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";
import { operations as specOperations } from "./helpers/spec.js";

const { server, api } = await serverTest();
const stream = await createStream(api);
const consumer = await createConsumer(api, { stream_id: stream });

/** Every operation of the spec, its path parameters filled with real objects of this account. */
function concrete(path: string): string {
  return path.replace("{stream_id}", stream).replace("{consumer}", consumer.name);
}

describe("unknown query parameters", () => {
  it("a misspelled batch_size is a 400 naming it, and nothing is leased", async () => {
    await api.post(`/v1/streams/${stream}/records`, {
      records: [{ collection_id: "c", upstream_id: "u1", data: {} }],
    });
    const res = await api.get(`/v1/http-consumers/${consumer.id}/next?batchsize=5`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("bad_request");
    expect(res.body.details).toEqual([{ path: "batchsize", message: "Unknown parameter" }]);
    expect(res.body.error).toContain("batchsize");
    const peek = await api.get(`/v1/http-consumers/${consumer.id}/messages`);
    expect(peek.body.info.num_ack_pending).toBe(0);
  });

  it("every operation of the spec refuses one, before it writes anything", async () => {
    for (const op of specOperations) {
      const res = await api.call(op.method, `${concrete(op.path)}?colour=red`, undefined, {
        headers: { "content-type": "application/json" },
      });
      expect(res.status, `${op.method} ${op.path}`).toBe(400);
      expect(res.body.details, `${op.method} ${op.path}`).toEqual([
        { path: "colour", message: "Unknown parameter" },
      ]);
    }
  });
});

describe("NUL characters in parameters are bad input, never database text", () => {
  it("in collection_id of the record and event lists", async () => {
    for (const list of ["records", "events"]) {
      const res = await api.get(`/v1/streams/${stream}/${list}?collection_id=a%00b`);
      expect(res.status, list).toBe(400);
      expect(res.body.code).toBe("bad_request");
      expect(res.body.details).toEqual([
        { path: "collection_id", message: "must not contain NUL characters" },
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(/UTF8|encoding|0x00/);
    }
  });

  it("in every declared query parameter and every path parameter of every operation", async () => {
    for (const op of specOperations) {
      const declared = apiRoutes.find((r) => r.path === op.path)?.methods[op.method] ?? [];
      for (const name of declared) {
        const res = await api.call(op.method, `${concrete(op.path)}?${name}=1%00`);
        expect(res.status, `${op.method} ${op.path} ?${name}`).toBe(400);
        expect(res.body.details).toEqual([{ path: name, message: expect.stringContaining("NUL") }]);
      }
      for (const name of op.path.match(/\{(\w+)\}/g) ?? []) {
        const param = name.slice(1, -1);
        const path = concrete(op.path.replace(name, "a%00b"));
        const res = await api.call(op.method, path);
        expect(res.status, `${op.method} ${path}`).toBe(400);
        expect(res.body.details).toEqual([
          { path: param, message: expect.stringContaining("NUL") },
        ]);
      }
    }
  });
});

describe("batch_size over the limit", () => {
  it("is the same 400 bad_request on GET and POST …/next, in the query or the body", async () => {
    const next = `/v1/http-consumers/${consumer.id}/next`;
    const answers = [
      await api.get(`${next}?batch_size=1001`),
      await api.post(`${next}?batch_size=1001`),
      await api.post(next, { batch_size: 1001 }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("bad_request");
      expect(res.body.details).toEqual([{ path: "batch_size", message: expect.any(String) }]);
    }
    const unknown = await api.post(next, { batchsize: 5 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual([{ path: "batchsize", message: "Unknown field" }]);
  });
});

describe("methods", () => {
  it("a known path with a wrong method is a 405 with Allow", async () => {
    const res = await api.call("PUT", "/v1/streams", { name: "x" });
    expect(res.status).toBe(405);
    expect(res.body.code).toBe("method_not_allowed");
    expect(res.headers.get("allow")).toBe("GET, POST");
    const consumerPath = await api.call("POST", `/v1/http-consumers/${consumer.id}`);
    expect(consumerPath.status).toBe(405);
    expect(consumerPath.headers.get("allow")).toBe("GET, DELETE, PATCH");
    const ack = await api.get(`/v1/http-consumers/${consumer.id}/ack`);
    expect(ack.headers.get("allow")).toBe("POST");
  });

  it("a path the spec does not have is still a 404", async () => {
    const res = await api.call("PUT", "/v1/no-such-thing");
    expect(res.status).toBe(404);
  });
});

describe("GET /", () => {
  it("answers an index without a token", async () => {
    const res = await api.get("/", { noAuth: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: "Sequin Consume API (open implementation)",
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      links: { docs: "/docs", console: "/console" },
    });
    const docs = await fetch(`${server.url}${res.body.links.docs}`);
    expect(docs.status).toBe(200);
    await docs.arrayBuffer();
  });
});
