import { afterAll, describe, expect, it } from "vitest";
import { httpUpstream } from "../src/mutations/http-upstream.js";
import type { Api } from "./helpers/api.js";
import { startServerProcess } from "./helpers/cli-process.js";
import { startFakeUpstream } from "./helpers/fake-upstream.js";
import { uniqueName, upsert } from "./helpers/fixtures.js";
import { newAccount, serverTest } from "./helpers/server.js";

// Mutations forwarded to an HTTP upstream (SEQUIN_UPSTREAM_URL) that keeps its own objects.
const upstream = await startFakeUpstream();
afterAll(() => upstream.close());
const { database, db, server, account, api } = await serverTest({
  upstream: httpUpstream({ url: upstream.url }),
});

const createBody = (email: string) => ({
  kind: "create",
  collection_id: "salesforce:contact",
  records: [{ data: { Email: email } }],
});
const run = (body: object, key?: string, as: Api = api) =>
  as.post("/v1/mutations/run", body, key ? { headers: { "Idempotency-Key": key } } : {});

describe("mutations through an HTTP upstream", () => {
  it("an update with sync_id keeps the stored sync {id, external_id, metadata}", async () => {
    const sync = { id: "sync-1", external_id: "acme-corp", metadata: { plan: "enterprise" } };
    upstream.objects.set("obj-sync", { Email: "a@x" });
    await upsert(api, account.defaultStreamId, [
      {
        collection_id: "salesforce:contact",
        upstream_id: "obj-sync",
        data: { Email: "a@x" },
        sync,
      },
    ]);
    const res = await run({
      kind: "update",
      collection_id: "salesforce:contact",
      sync_id: "sync-1",
      records: [{ upstream_id: "obj-sync", data: { Email: "b@x" } }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.records[0]).toMatchObject({ data: { Email: "b@x" }, sync });
    const listed = await api.get(`/v1/streams/${account.defaultStreamId}/records`);
    const stored = listed.body.data.find(
      (r: { upstream_id: string }) => r.upstream_id === "obj-sync",
    );
    expect(stored).toMatchObject({ data: { Email: "b@x", Id: "obj-sync" }, sync });
  });

  it("forwards a key derived from the Idempotency-Key: the same on every retry, another per account", async () => {
    const key = uniqueName("fwd");
    const body = createBody("fwd@x");
    const first = await run(body, key);
    expect(first.status).toBe(200);
    const forwarded = upstream.calls.at(-1)?.key;
    expect(forwarded).toMatch(/^sqn_idem_[0-9a-f]{64}$/);
    expect(forwarded).not.toContain(key);

    const other = await newAccount(db, server, "other");
    expect((await run(body, key, other.api)).status).toBe(200);
    expect(upstream.calls.at(-1)?.key).not.toBe(forwarded);
    // Without a key, none is made up.
    expect((await run(body)).status).toBe(200);
    expect(upstream.calls.at(-1)?.key).toBeUndefined();
  });

  it("a server killed while the upstream call is in flight: the retry after the claim expires gets the same object", async () => {
    const key = uniqueName("crash");
    const body = createBody("crash@x");
    const replica = await startServerProcess([], {
      DATABASE_URL: database.url(),
      SEQUIN_UPSTREAM_URL: upstream.url,
    });
    const release = upstream.hold();
    const arrived = upstream.nextCall();
    const cut = fetch(`${replica.url}/v1/mutations/run`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${account.token}`,
        "content-type": "application/json",
        "idempotency-key": key,
      },
      body: JSON.stringify(body),
    }).catch(() => "cut");
    await arrived;
    const createdBefore = upstream.created();
    const firstCall = upstream.calls.at(-1)!;
    // The upstream has created the object; the server dies before it hears back.
    await replica.kill();
    expect(await cut).toBe("cut");
    release();
    const { rows } = await db.query<{ stage: string }>(
      "SELECT stage FROM idempotency_keys WHERE key = $1",
      [key],
    );
    expect(rows[0]?.stage).toBe("claimed");
    // The crashed attempt's claim runs out (60 s), without waiting for it here.
    await db.query(
      "UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = $1",
      [key],
    );

    const retry = await run(body, key);
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    // The upstream was called again, with the same key: one object upstream, and the stream
    // has that one.
    const retryCall = upstream.calls.at(-1)!;
    expect(retryCall).not.toBe(firstCall);
    expect(upstream.created()).toBe(createdBefore);
    expect(retry.body.records[0].upstream_id).toBe(`obj-${createdBefore}`);
    expect(retryCall.key).toBeDefined();
    expect(retryCall.key).toBe(firstCall.key);
  }, 120_000);
});

describe("concurrent requests with one Idempotency-Key", () => {
  it("mutations: while the first is running, the second gets 409 conflict; afterwards the answer is replayed", async () => {
    const key = uniqueName("busy");
    const body = createBody("busy@x");
    const release = upstream.hold();
    const arrived = upstream.nextCall();
    const first = run(body, key);
    await arrived;
    const second = await run(body, key);
    expect(second.status).toBe(409);
    expect(second.body.code).toBe("conflict");
    release();
    const done = await first;
    expect(done.status).toBe(200);
    const replay = await run(body, key);
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(done.body);
  });

  it("streams.create and events.append: every request waits for the first and gets its answer", async () => {
    const name = uniqueName("s");
    const key = uniqueName("stream");
    const streams = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.post("/v1/streams", { name }, { headers: { "Idempotency-Key": key } }),
      ),
    );
    expect(streams.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(streams.map((r) => r.body.id)).size).toBe(1);
    const streamId = streams[0]!.body.id;

    const eventsKey = uniqueName("events");
    const events = { events: [{ collection_id: "x", action: "y", data: { n: 1 } }] };
    const appended = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.post(`/v1/streams/${streamId}/events`, events, {
          headers: { "Idempotency-Key": eventsKey },
        }),
      ),
    );
    expect(appended.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(appended.map((r) => JSON.stringify(r.body))).size).toBe(1);
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE stream_id = $1",
      [streamId],
    );
    expect(rows[0]!.n).toBe(1);
  });
});
