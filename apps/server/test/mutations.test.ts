import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient, runConsumer } from "@sequin/client";
import { upsertRecords } from "@sequin/client/pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpUpstream } from "../src/mutations/http-upstream.js";
import type { Api } from "./helpers/api.js";
import { ack, createConsumer, next } from "./helpers/fixtures.js";
import { newAccount, serverTest, startTestServer, type TestServer } from "./helpers/server.js";

const { database, db, server, api, account } = await serverTest();
const streamId = account.defaultStreamId;

const run = (body: object, headers?: Record<string, string>) =>
  api.post("/v1/mutations/run", body, headers ? { headers } : {});

async function create(collection: string, data: Record<string, unknown>) {
  const res = await run({ kind: "create", collection_id: collection, records: [{ data }] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.records[0];
}

/** A worker: leases, "writes" into `table` (a Map standing in for the app's table), acks. */
function startWorker(consumer: string, table: Map<string, Record<string, unknown>>) {
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const batch = await next(api, consumer, 10, 200);
      for (const m of batch.data) table.set(m.record.upstream_id, m.record.data);
      if (batch.data.length > 0)
        await ack(
          api,
          consumer,
          batch.data.map((m) => m.ack_token),
        );
    }
  })();
  return async () => {
    stopped = true;
    await done;
  };
}

describe("mutations: shapes of the seed document", () => {
  it("creates a record from a partial record and writes it to the stream with a created event", async () => {
    const res = await run({
      kind: "create",
      collection_id: "salesforce:contact",
      records: [{ data: { FirstName: "Paul", LastName: "Atreides", Email: "paul@arrakis.org" } }],
    });
    expect(res.status).toBe(200);
    const [rec] = res.body.records;
    expect(rec.data).toEqual({
      FirstName: "Paul",
      LastName: "Atreides",
      Email: "paul@arrakis.org",
    });
    expect(rec.upstream_id).toBeTruthy();
    expect(rec.upstream_updated_at).toBeTruthy();
    expect(rec.stream_id).toBe(streamId);
    const events = await api.get(`/v1/streams/${streamId}/events?limit=1000`);
    const mine = events.body.data.filter((e: { record_id: string }) => e.record_id === rec.id);
    expect(mine.map((e: { action: string }) => e.action)).toEqual(["created"]);
  });

  it("updates partially: fields not sent keep their value, and the version grows", async () => {
    const rec = await create("salesforce:contact", {
      FirstName: "Paul",
      Email: "paul@arrakis.org",
    });
    const res = await run({
      kind: "update",
      collection_id: "salesforce:contact",
      records: [{ upstream_id: rec.upstream_id, data: { Email: "paul@caladan.org" } }],
    });
    expect(res.status).toBe(200);
    expect(res.body.records[0].data).toEqual({ FirstName: "Paul", Email: "paul@caladan.org" });
    expect(res.body.records[0].updated_idx).toBeGreaterThan(rec.updated_idx);
    expect(res.body.records[0].id).toBe(rec.id);
  });

  it("deletes by upstream id", async () => {
    const rec = await create("salesforce:contact", { FirstName: "Leto" });
    const res = await run({
      kind: "delete",
      collection_id: "salesforce:contact",
      upstream_ids: [rec.upstream_id],
    });
    expect(res.status).toBe(200);
    expect(res.body.records[0].deleted).toBe(true);
    expect(res.body.records[0].data).toEqual({ FirstName: "Leto" });
  });
});

describe("mutations: validation rejects and applies nothing", () => {
  const bad: Array<[string, object, string]> = [
    ["empty records", { kind: "create", collection_id: "x:y", records: [] }, "records"],
    [
      "records on delete",
      { kind: "delete", collection_id: "x:y", records: [{ data: {} }] },
      "records",
    ],
    [
      "upstream_ids on create",
      { kind: "create", collection_id: "x:y", upstream_ids: ["a"] },
      "upstream_ids",
    ],
    [
      "update without upstream_id",
      { kind: "update", collection_id: "x:y", records: [{ data: {} }] },
      "records.0.upstream_id",
    ],
    [
      "create with upstream_id",
      { kind: "create", collection_id: "x:y", records: [{ upstream_id: "a", data: {} }] },
      "records.0.upstream_id",
    ],
    ["unknown kind", { kind: "upsert", collection_id: "x:y", records: [{ data: {} }] }, "kind"],
    ["delete without ids", { kind: "delete", collection_id: "x:y" }, "upstream_ids"],
  ];
  for (const [name, body, path] of bad) {
    it(`422 for ${name}`, async () => {
      const res = await run(body);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe("validation_failed");
      expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
    });
  }

  it("404 for an update of an unknown upstream id, and the known one in the same request is not applied", async () => {
    const rec = await create("salesforce:contact", { FirstName: "Alia" });
    const res = await run({
      kind: "update",
      collection_id: "salesforce:contact",
      records: [
        { upstream_id: rec.upstream_id, data: { FirstName: "Changed" } },
        { upstream_id: "nope", data: { FirstName: "X" } },
      ],
    });
    expect(res.status).toBe(404);
    expect(res.body.details[0].path).toBe("records.1.upstream_id");
    const list = await api.get(`/v1/streams/${streamId}/records?limit=1000`);
    const now = list.body.data.find((r: { id: string }) => r.id === rec.id);
    expect(now.data).toEqual({ FirstName: "Alia" });
    expect(now.updated_idx).toBe(rec.updated_idx);
  });

  it("404 naming an unknown consumer in await_consumer_ids, before anything is written", async () => {
    const before = await api.get(
      `/v1/streams/${streamId}/records?limit=1000&collection_id=await:unknown`,
    );
    const res = await run({
      kind: "create",
      collection_id: "await:unknown",
      records: [{ data: { a: 1 } }],
      await_consumer_ids: ["no-such-consumer"],
    });
    expect(res.status).toBe(404);
    expect(res.body.details[0].path).toBe("await_consumer_ids.0");
    const after = await api.get(
      `/v1/streams/${streamId}/records?limit=1000&collection_id=await:unknown`,
    );
    expect(after.body.data.length).toBe(before.body.data.length);
  });

  it("404 for an unknown stream", async () => {
    const res = await run({
      kind: "create",
      collection_id: "x:y",
      stream_id: "00000000-0000-4000-8000-000000000000",
      records: [{ data: {} }],
    });
    expect(res.status).toBe(404);
  });
});

describe("mutations: awaiting consumers", () => {
  it("read-your-writes: when the call returns, the worker has already written the new data to its table", async () => {
    // The app's side: a real table, written by runConsumer with the guarded pg upsert.
    const pool = new pg.Pool({ connectionString: database.url(), max: 2 });
    pool.on("error", () => {}); // the database's DROP ... WITH (FORCE) may reach a closing connection
    await pool.query(
      `CREATE TABLE ryw_contacts (id text PRIMARY KEY, upstream_id text NOT NULL, deleted boolean NOT NULL,
         updated_idx bigint NOT NULL, sync_id text, sync_external_id text, sync_metadata jsonb, data jsonb NOT NULL)`,
    );
    const consumer = await createConsumer(api, { filters: { collection_id: "ryw:contact" } });
    const client = createClient({ baseUrl: server.url, token: api.token! });
    const worker = runConsumer({
      client,
      consumer: consumer.id,
      batchSize: 10,
      waitFor: 1000,
      onError: (err) => console.error(err),
      batchHandler: async (messages) => {
        await upsertRecords(
          pool,
          "ryw_contacts",
          messages.flatMap((m) => ("record" in m ? [m.record] : [])),
        );
      },
    });
    const row = async (upstreamId: string) =>
      (await pool.query("SELECT data FROM ryw_contacts WHERE upstream_id = $1", [upstreamId]))
        .rows[0]?.data;
    try {
      for (let i = 0; i < 5; i++) {
        const res = await run({
          kind: "create",
          collection_id: "ryw:contact",
          records: [{ data: { n: i } }],
          await_consumer_ids: [consumer.id],
          await_consumers_timeout: 10_000,
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const upstreamId = res.body.records[0].upstream_id;
        expect(await row(upstreamId)).toEqual({ n: i });
        const upd = await run({
          kind: "update",
          collection_id: "ryw:contact",
          records: [{ upstream_id: upstreamId, data: { n: i + 100 } }],
          await_consumer_ids: [consumer.name],
        });
        expect(upd.status).toBe(200);
        expect(await row(upstreamId)).toEqual({ n: i + 100 });
      }
    } finally {
      await worker.stop();
      await pool.end();
    }
  });

  it("a consumer that filters the record out counts as done at once", async () => {
    const other = await createConsumer(api, { filters: { collection_id: "something:else" } });
    const started = performance.now();
    const res = await run({
      kind: "create",
      collection_id: "ryw:filtered",
      records: [{ data: { a: 1 } }],
      await_consumer_ids: [other.id],
      await_consumers_timeout: 5000,
    });
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("an event consumer is awaited on the mutation's event", async () => {
    const consumer = await createConsumer(api, {
      kind: "event",
      filters: { collection_id: "ryw:event" },
    });
    const res = run({
      kind: "create",
      collection_id: "ryw:event",
      records: [{ data: { a: 1 } }],
      await_consumer_ids: [consumer.id],
      await_consumers_timeout: 10_000,
    });
    let leased: Awaited<ReturnType<typeof next>> | undefined;
    for (let i = 0; i < 50 && !leased?.data.length; i++)
      leased = await next(api, consumer.id, 10, 500);
    expect(leased!.data[0]!.event.action).toBe("created");
    // The ack must wake the parked mutation, not be found by its first look.
    await server.sequin.whenWaiting(1);
    await ack(
      api,
      consumer.id,
      leased!.data.map((m) => m.ack_token),
    );
    expect((await res).status).toBe(200);
  });

  it("times out with Sequin's exact error and the records written, after about the requested time", async () => {
    const consumer = await createConsumer(api, { filters: { collection_id: "timeout:contact" } });
    const started = performance.now();
    const res = await run({
      kind: "create",
      collection_id: "timeout:contact",
      records: [{ data: { a: 1 } }],
      await_consumer_ids: [consumer.id],
      await_consumers_timeout: 600,
    });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(500);
    expect(res.body.error).toBe(`Error: Timed out waiting for consumers: ${consumer.id}`);
    expect(res.body.code).toBe("consumers_timeout");
    expect(res.body.records).toHaveLength(1);
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(3000);
  });

  it("a retry with the same Idempotency-Key after a timeout writes nothing new and resumes waiting", async () => {
    const consumer = await createConsumer(api, { filters: { collection_id: "retry:contact" } });
    const body = {
      kind: "create",
      collection_id: "retry:contact",
      records: [{ data: { FirstName: "Duncan" } }],
      await_consumer_ids: [consumer.id],
      await_consumers_timeout: 300,
    };
    const key = { "Idempotency-Key": `k-${Date.now()}` };
    const first = await run(body, key);
    expect(first.status).toBe(500);
    const second = await run(body, key);
    expect(second.status).toBe(500);
    expect(second.body.records[0].id).toBe(first.body.records[0].id);

    const table = new Map<string, Record<string, unknown>>();
    const stop = startWorker(consumer.id, table);
    try {
      // The await settings are not part of what the key protects: a retry may wait longer.
      const third = await run({ ...body, await_consumers_timeout: 10_000 }, key);
      expect(third.status, JSON.stringify(third.body)).toBe(200);
      expect(third.body.records[0].id).toBe(first.body.records[0].id);
      expect(table.get(first.body.records[0].upstream_id)).toEqual({ FirstName: "Duncan" });
      // Another body under the same key is refused.
      const other = await run({ ...body, records: [{ data: { FirstName: "Other" } }] }, key);
      expect(other.status).toBe(409);
      expect(other.body.code).toBe("idempotency_key_reused");
      const list = await api.get(`/v1/streams/${streamId}/records?collection_id=retry:contact`);
      expect(list.body.data).toHaveLength(1);
    } finally {
      await stop();
    }
  });
});

describe("mutations: concurrency", () => {
  it("concurrent updates of one record: versions strictly increase and the final state is the last applied", async () => {
    const rec = await create("race:contact", { n: -1 });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        run({
          kind: "update",
          collection_id: "race:contact",
          records: [{ upstream_id: rec.upstream_id, data: { n: i, [`f${i}`]: true } }],
        }),
      ),
    );
    for (const a of answers) expect(a.status).toBe(200);
    const versions = answers.map((a) => a.body.records[0].updated_idx);
    expect(new Set(versions).size).toBe(20);
    const last = answers.reduce((a, b) =>
      a.body.records[0].updated_idx > b.body.records[0].updated_idx ? a : b,
    );
    const list = await api.get(`/v1/streams/${streamId}/records?collection_id=race:contact`);
    expect(list.body.data[0].data).toEqual(last.body.records[0].data);
    // Partial updates merge under the row lock: no update is lost.
    for (let i = 0; i < 20; i++) expect(list.body.data[0].data[`f${i}`]).toBe(true);
  });
});

describe("mutations: HTTP upstream", () => {
  let upstreamServer: Server;
  let upstreamUrl: string;
  let mode: "ok" | "reject" | "fail" | "slow" = "ok";
  let calls = 0;
  let sequin: TestServer;
  let upApi: Api;

  beforeAll(async () => {
    upstreamServer = createServer((req, res) => {
      let text = "";
      req.on("data", (c) => {
        text += c;
      });
      req.on("end", () => {
        calls++;
        const body = JSON.parse(text);
        if (mode === "reject") {
          res
            .writeHead(400, { "content-type": "application/json" })
            .end(JSON.stringify({ error: "INVALID_EMAIL_ADDRESS" }));
        } else if (mode === "fail") {
          res.writeHead(503).end("maintenance");
        } else if (mode === "slow") {
          setTimeout(() => res.writeHead(200).end("{}"), 2000);
        } else {
          const records = body.records.map((r: { data: object }, i: number) => ({
            upstream_id: `003U${calls}${i}`,
            data: { ...r.data, Id: `003U${calls}${i}` },
            upstream_updated_at: new Date().toISOString(),
          }));
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ records }));
        }
      });
    });
    await new Promise<void>((r) => upstreamServer.listen(0, "127.0.0.1", r));
    upstreamUrl = `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}/apply`;
    sequin = await startTestServer(db, {
      upstream: httpUpstream({ url: upstreamUrl, timeoutMs: 500 }),
    });
    upApi = (await newAccount(db, sequin)).api;
  });
  afterAll(async () => {
    await sequin?.close();
    upstreamServer?.closeAllConnections();
    await new Promise((r) => upstreamServer?.close(r));
  });

  const create = () =>
    upApi.post("/v1/mutations/run", {
      kind: "create",
      collection_id: "salesforce:contact",
      records: [{ data: { Email: "x" } }],
    });

  it("writes what the upstream answered", async () => {
    mode = "ok";
    const res = await create();
    expect(res.status).toBe(200);
    expect(res.body.records[0].upstream_id).toMatch(/^003U/);
    expect(res.body.records[0].data.Id).toBe(res.body.records[0].upstream_id);
  });

  it("passes the upstream's 4xx message through, and writes nothing", async () => {
    mode = "reject";
    const res = await create();
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("upstream_error");
    expect(res.body.error).toContain("INVALID_EMAIL_ADDRESS");
  });

  it("maps an upstream 5xx to 502 and a slow upstream to 504", async () => {
    mode = "fail";
    const failed = await create();
    expect(failed.status).toBe(502);
    expect(failed.body.error).toContain("maintenance");
    mode = "slow";
    const slow = await create();
    expect(slow.status).toBe(504);
    expect(slow.body.code).toBe("upstream_timeout");
  });

  it("a retry with the same key after success does not call the upstream again", async () => {
    mode = "ok";
    const headers = { headers: { "Idempotency-Key": `up-${Date.now()}` } };
    const body = {
      kind: "create",
      collection_id: "salesforce:contact",
      records: [{ data: { Email: "y" } }],
    };
    const first = await upApi.post("/v1/mutations/run", body, headers);
    const before = calls;
    const second = await upApi.post("/v1/mutations/run", body, headers);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(calls).toBe(before);
  });
});
