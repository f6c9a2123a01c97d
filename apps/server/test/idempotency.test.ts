import { describe, expect, it } from "vitest";
import { createStream, record, uniqueName, upsert } from "./helpers/fixtures.js";
import { newAccount, serverTest } from "./helpers/server.js";

const { db, server, api } = await serverTest();

describe("Idempotency-Key under concurrency", () => {
  it("concurrent requests with one key run the write once and all get its answer", async () => {
    const key = uniqueName("key");
    const name = uniqueName("consumer");
    const stream = await createStream(api);
    await upsert(
      api,
      stream,
      Array.from({ length: 50 }, (_, i) => record(`r${i}`)),
    );
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.post(
          "/v1/http-consumers",
          { name, stream_id: stream },
          { headers: { "idempotency-key": key } },
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM consumers WHERE name = $1",
      [name],
    );
    expect(rows[0]!.n).toBe(1);
    // The backfill ran once too.
    const peeked = await api.get(`/v1/http-consumers/${answers[0]!.body.id}/messages?limit=1`);
    expect(peeked.body.info.num_pending).toBe(50);
  });

  it("a failed write leaves the key free; keys are per account", async () => {
    const key = uniqueName("key");
    const missing = "0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f";
    const body = { events: [{ collection_id: "x", action: "y", data: {} }] };
    const failed = await api.post(`/v1/streams/${missing}/events`, body, {
      headers: { "idempotency-key": key },
    });
    expect(failed.status).toBe(404);
    const stream = await createStream(api);
    const ok = await api.post(`/v1/streams/${stream}/events`, body, {
      headers: { "idempotency-key": key },
    });
    expect(ok.status).toBe(201);

    const other = (await newAccount(db, server, "other")).api;
    const theirs = await other.post(
      "/v1/streams",
      { name: "same-key" },
      { headers: { "idempotency-key": key } },
    );
    expect(theirs.status).toBe(201);
  });

  it("expired keys are forgotten by the sweep and can be used again", async () => {
    const key = uniqueName("key");
    const first = await api.post(
      "/v1/streams",
      { name: uniqueName("s") },
      { headers: { "idempotency-key": key } },
    );
    expect(first.status).toBe(201);
    await db.query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1",
      [key],
    );
    // An expired key is reusable even before the sweep ran.
    const reuse = await api.post(
      "/v1/streams",
      { name: uniqueName("s") },
      { headers: { "idempotency-key": key } },
    );
    expect(reuse.status).toBe(201);
    expect(reuse.body.id).not.toBe(first.body.id);
    await db.query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1",
      [key],
    );
    expect(await server.sequin.tasks.expireIdempotencyKeys()).toBeGreaterThanOrEqual(1);
    const { rows } = await db.query("SELECT 1 FROM idempotency_keys WHERE key = $1", [key]);
    expect(rows).toHaveLength(0);
  });
});
