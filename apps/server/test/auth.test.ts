import { describe, expect, it } from "vitest";
import { createToken, revokeToken } from "../src/accounts/tokens.js";
import { Api } from "./helpers/api.js";
import { createConsumer, createStream, next, record, upsert } from "./helpers/fixtures.js";
import { newAccount, serverTest, startTestServer } from "./helpers/server.js";
import { operations } from "./helpers/spec.js";

const { database, db, server } = await serverTest();
const alice = await newAccount(db, server, "alice");
const bob = await newAccount(db, server, "bob");

describe("authentication", () => {
  it("every route of the spec exists and needs a token, except GET / and GET /health", async () => {
    const anonymous = new Api(server.url);
    for (const op of operations) {
      const path = op.path
        .replace("{stream_id}", "0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f")
        .replace("{consumer}", "some-consumer");
      const res = await anonymous.call(
        op.method,
        path,
        op.method === "GET" || op.method === "DELETE" ? undefined : {},
      );
      if (op.operationId === "getHealth" || op.operationId === "getIndex") {
        expect(res.status).toBe(200);
      } else {
        expect(res.status, `${op.method} ${op.path}`).toBe(401);
        expect(res.body.code).toBe("unauthorized");
        expect(res.headers.get("www-authenticate")).toBe("Bearer");
      }
    }
  });

  it("refuses unknown tokens and malformed headers", async () => {
    for (const header of ["Bearer sqn_nope", "Basic abc", "Bearer", "bearer  ", "sqn_x"]) {
      const res = await alice.api.get("/v1/streams", {
        noAuth: true,
        headers: { authorization: header },
      });
      expect(res.status, header).toBe(401);
    }
  });

  it("a revoked token stops working at once; other tokens of the account keep working", async () => {
    const extra = await createToken(db, alice.accountId, "extra");
    const api = alice.api.as(extra.token);
    expect((await api.get("/v1/streams")).status).toBe(200);
    expect(await revokeToken(db, extra.token)).toBe(true);
    expect((await api.get("/v1/streams")).status).toBe(401);
    expect((await alice.api.get("/v1/streams")).status).toBe(200);
    const byId = await createToken(db, alice.accountId);
    expect(await revokeToken(db, byId.id)).toBe(true);
    expect((await alice.api.as(byId.token).get("/v1/streams")).status).toBe(401);
  });
  it("the worker routes (next, ack, nack, extend) refuse a token revoked after its last use, and change nothing", async () => {
    const stream = await createStream(alice.api);
    const consumer = await createConsumer(alice.api, { stream_id: stream });
    await upsert(alice.api, stream, [record("r1"), record("r2")]);
    const extra = await createToken(db, alice.accountId, "worker");
    const worker = alice.api.as(extra.token);
    const c = `/v1/http-consumers/${consumer.name}`;
    // Used (and so remembered by the server) while live.
    const leased = await worker.get(`${c}/next?batch_size=1`);
    expect(leased.status).toBe(200);
    const token = leased.body.data[0].ack_token as string;
    expect((await worker.post(`${c}/extend`, { ack_tokens: [token] })).status).toBe(200);

    expect(await revokeToken(db, extra.id)).toBe(true);
    for (const [method, path, body] of [
      ["GET", `${c}/next?batch_size=10`],
      ["GET", `/v1/http-consumers/${consumer.id}/next?wait_for=1000`],
      ["POST", `${c}/next`, { batch_size: 10 }],
      ["POST", `${c}/ack`, { ack_tokens: [token] }],
      ["POST", `${c}/nack`, { ack_tokens: [token] }],
      ["POST", `${c}/extend`, { ack_tokens: [token] }],
    ] as const) {
      const res = await worker.call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.code).toBe("unauthorized");
    }
    // Nothing was leased, acked or handed back by the refused calls: the lease is still out.
    const peeked = await alice.api.get(`${c}/messages`);
    expect(peeked.body.info).toMatchObject({ num_ack_pending: 1, num_pending: 1 });
    // The account's other token still acks it.
    const acked = await alice.api.post(`${c}/ack`, { ack_tokens: [token] });
    expect(acked.body.count).toBe(1);
  });

  it("the record upsert refuses a token revoked after its last use, and writes nothing", async () => {
    const stream = await createStream(alice.api);
    const consumer = await createConsumer(alice.api, { stream_id: stream });
    const extra = await createToken(db, alice.accountId, "writer");
    const writer = alice.api.as(extra.token);
    // Used (and so remembered by the server) while live.
    expect(
      (await writer.post(`/v1/streams/${stream}/records`, { records: [record("w1")] })).status,
    ).toBe(200);
    expect(await revokeToken(db, extra.id)).toBe(true);
    const refused = await writer.post(`/v1/streams/${stream}/records`, {
      records: [record("w1", { v: 2 }), record("w2")],
    });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("unauthorized");
    const { rows } = await db.query<{ records: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM records WHERE account_id = $1 AND stream_id = $2) AS records,
              (SELECT count(*)::int FROM events WHERE account_id = $1 AND stream_id = $2) AS events`,
      [alice.accountId, stream],
    );
    expect(rows[0]).toEqual({ records: 1, events: 1 });
    const peeked = await alice.api.get(`/v1/http-consumers/${consumer.id}/messages`);
    expect(peeked.body.info).toMatchObject({ num_pending: 1, num_ack_pending: 0 });
    // Another account's live token gets a 404 for the stream, not a write.
    const probe = await bob.api.post(`/v1/streams/${stream}/records`, { records: [record("x")] });
    expect(probe.status).toBe(404);
  });

  it("an unknown consumer on the worker routes is 404 with a live token, 401 without one", async () => {
    const stream = await createStream(alice.api);
    const consumer = await createConsumer(alice.api, { stream_id: stream });
    await upsert(alice.api, stream, [record("r1")]);
    const token = (await next(alice.api, consumer.id)).data[0]!.ack_token;
    for (const path of ["next", "ack", "nack", "extend"]) {
      const url = `/v1/http-consumers/no-such-consumer/${path}`;
      const body = path === "next" ? undefined : { ack_tokens: [token] };
      const method = path === "next" ? "GET" : "POST";
      expect((await alice.api.call(method, url, body)).status, path).toBe(404);
      expect((await alice.api.as("sqn_nope").call(method, url, body)).status, path).toBe(401);
    }
  });
});

describe("accounts are isolated", () => {
  it("another account's objects are 404 on every route", async () => {
    const stream = await createStream(alice.api);
    const consumer = await createConsumer(alice.api, { stream_id: stream, max_deliver: 1 });
    await upsert(alice.api, stream, [record("a")]);
    const leased = await next(alice.api, consumer.id);
    const token = leased.data[0]!.ack_token;
    const c = `/v1/http-consumers/${consumer.id}`;
    const byName = `/v1/http-consumers/${consumer.name}`;

    const attempts: Array<[string, string, unknown?]> = [
      ["GET", `/v1/streams/${stream}`],
      ["DELETE", `/v1/streams/${stream}`],
      ["GET", `/v1/streams/${stream}/records`],
      ["POST", `/v1/streams/${stream}/records`, { records: [record("x")] }],
      ["GET", `/v1/streams/${stream}/events`],
      [
        "POST",
        `/v1/streams/${stream}/events`,
        { events: [{ collection_id: "x", action: "y", data: {} }] },
      ],
      ["POST", "/v1/http-consumers", { name: "stolen", stream_id: stream }],
      ["GET", c],
      ["GET", byName],
      ["PATCH", c, { ack_wait_ms: 1000 }],
      ["DELETE", c],
      ["GET", `${c}/next`],
      ["POST", `${c}/next`, {}],
      ["POST", `${c}/ack`, { ack_tokens: [token] }],
      ["POST", `${c}/nack`, { ack_tokens: [token] }],
      ["POST", `${c}/extend`, { ack_tokens: [token] }],
      ["GET", `${c}/dead-letters`],
      ["POST", `${c}/dead-letters/redrive`, {}],
    ];
    for (const [method, path, body] of attempts) {
      const res = await bob.api.call(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body.code).toBe("not_found");
    }
    const list = await bob.api.get(`/v1/http-consumers?stream_id=${stream}`);
    expect(list.body.data).toEqual([]);
    expect(
      (await bob.api.get("/v1/streams")).body.data.map((s: { id: string }) => s.id),
    ).not.toContain(stream);

    // Nothing of Alice's changed: her lease is intact and acks.
    expect((await alice.api.post(`${c}/ack`, { ack_tokens: [token] })).body.count).toBe(1);
    expect((await alice.api.get(`/v1/streams/${stream}/records`)).body.data).toHaveLength(1);
  });

  it("a token of one consumer acks nothing on another consumer", async () => {
    const stream = await createStream(alice.api);
    const one = await createConsumer(alice.api, { stream_id: stream });
    const two = await createConsumer(alice.api, { stream_id: stream });
    await upsert(alice.api, stream, [record("a")]);
    const leased = await next(alice.api, one.id);
    const res = await alice.api.post(`/v1/http-consumers/${two.id}/ack`, {
      ack_tokens: [leased.data[0]!.ack_token],
    });
    expect(res.body).toMatchObject({ count: 0, unknown_ack_tokens: [leased.data[0]!.ack_token] });
  });
});

describe("health", () => {
  it("answers 200 while the database is up and 503 when it is not", async () => {
    expect((await server.api.get("/health")).body).toEqual({ status: "ok", database: "ok" });
    const broken = await database.open();
    const other = await startTestServer(broken);
    try {
      await broken.close();
      const res = await other.api.get("/health");
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("unavailable");
      expect(res.headers.get("retry-after")).toBe("1");
      // A request that needs the database gets the same clean 503.
      const api = other.api.as(alice.token);
      const down = await api.get("/v1/streams");
      expect(down.status).toBe(503);
    } finally {
      await other.close();
    }
  });
});
