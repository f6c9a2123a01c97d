import { describe, expect, it } from "vitest";
import type { Api, Loose } from "../helpers/api.js";
import {
  createConsumer,
  createStream,
  next,
  record,
  uniqueName,
  upsert,
} from "../helpers/fixtures.js";
import type { ScenarioEnv } from "./core-delivery.js";

/** Streams, records, consumers, idempotency and retention: on both storage backends. */
export function managementScenarios(env: () => ScenarioEnv) {
  describe("streams", () => {
    it("creates, gets, lists and deletes a stream; names are unique", async () => {
      const { api } = env();
      const name = uniqueName("stream");
      const created = await api.post("/v1/streams", { name, event_retention_ms: 3_600_000 });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name, event_retention_ms: 3_600_000 });
      expect((await api.get(`/v1/streams/${created.body.id}`)).body).toEqual(created.body);
      const taken = await api.post("/v1/streams", { name });
      expect(taken.status).toBe(409);
      expect(taken.body.code).toBe("conflict");

      const listed = await api.get("/v1/streams?limit=1000");
      expect(listed.body.data.map((s: { id: string }) => s.id)).toContain(created.body.id);

      expect((await api.delete(`/v1/streams/${created.body.id}`)).body).toEqual({
        id: created.body.id,
        deleted: true,
      });
      expect((await api.get(`/v1/streams/${created.body.id}`)).status).toBe(404);
    });

    it("refuses to delete a stream that has consumers, or the default stream", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      expect((await api.delete(`/v1/streams/${stream}`)).status).toBe(409);
      await api.delete(`/v1/http-consumers/${consumer.id}`);
      expect((await api.delete(`/v1/streams/${stream}`)).status).toBe(200);
      const def = (await api.get("/v1/streams")).body.data.find(
        (s: { name: string }) => s.name === "default",
      );
      expect((await api.delete(`/v1/streams/${def.id}`)).status).toBe(409);
    });
  });

  describe("records", () => {
    it("upserts: inserted, updated, unchanged, stale, in request order with versions", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const first = await upsert(api, stream, [record("a", { v: 1 }), record("b", { v: 1 })]);
      expect(first.map((r) => r.result)).toEqual(["inserted", "inserted"]);
      const second = await upsert(api, stream, [
        record("b", { v: 1 }),
        record("a", { v: 2 }),
        record("c", { v: 1 }),
        record("c", { v: 2 }),
      ]);
      expect(second.map((r) => r.result)).toEqual(["unchanged", "updated", "inserted", "updated"]);
      expect(second[0]!.updated_idx).toBe(first[1]!.updated_idx);
      expect(second[1]!.updated_idx).toBeGreaterThan(first[1]!.updated_idx);
      expect(second[1]!.id).toBe(first[0]!.id);
      expect(second[3]!.updated_idx).toBeGreaterThan(second[2]!.updated_idx);

      const listed = await api.get(`/v1/streams/${stream}/records`);
      // In updated_idx order: oldest change first.
      expect(listed.body.data.map((r: { upstream_id: string }) => r.upstream_id)).toEqual([
        "b",
        "a",
        "c",
      ]);
      const c = listed.body.data.find((r: { upstream_id: string }) => r.upstream_id === "c");
      expect(c.data).toEqual({ v: 2 });
      const events = await api.get(`/v1/streams/${stream}/events?limit=100`);
      expect(events.body.data.map((e: { action: string }) => e.action)).toEqual([
        "created",
        "created",
        "updated",
        "created",
        "updated",
      ]);
    });

    it("keeps fields left out, stores sync and deletes as tombstones; null clears a field", async () => {
      const { api } = env();
      const stream = await createStream(api);
      await upsert(api, stream, [
        record(
          "a",
          { v: 1 },
          {
            provider: "salesforce",
            resource_id: "org-1",
            upstream_created_at: "2025-01-01T00:00:00Z",
            sync: { id: "s1", external_id: "acme" },
          },
        ),
      ]);
      await upsert(api, stream, [record("a", { v: 2 }, { deleted: true })]);
      const listed = await api.get(
        `/v1/streams/${stream}/records?collection_id=salesforce:contact`,
      );
      expect(listed.body.data[0]).toMatchObject({
        provider: "salesforce",
        resource_id: "org-1",
        deleted: true,
        data: { v: 2 },
        sync: { id: "s1", external_id: "acme" },
        upstream_created_at: "2025-01-01T00:00:00.000Z",
      });
      const other = await api.get(`/v1/streams/${stream}/records?collection_id=other`);
      expect(other.body.data).toEqual([]);

      await upsert(api, stream, [
        record("a", { v: 3 }, { resource_id: null, sync: null, provider: "stripe" }),
      ]);
      expect((await api.get(`/v1/streams/${stream}/records`)).body.data[0]).toMatchObject({
        provider: "stripe",
        resource_id: null,
        sync: null,
        upstream_created_at: "2025-01-01T00:00:00.000Z",
        data: { v: 3 },
      });
    });
  });

  describe("record write rules", () => {
    type Ev = { action: string; upstream_id: string; changes: unknown; updated_idx: number };
    const eventsOf = async (api: Api, stream: string) =>
      (await api.get(`/v1/streams/${stream}/events?limit=1000`)).body.data as Ev[];
    const recordsOf = async (api: Api, stream: string) =>
      new Map(
        ((await api.get(`/v1/streams/${stream}/records?limit=1000`)).body.data as Loose[]).map(
          (r) => [r.upstream_id as string, r],
        ),
      );

    it("judges a key that comes again in a batch against what the batch made of it, in request order", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      const t = (s: number) => `2026-01-01T00:00:0${s}Z`;
      const results = await upsert(api, stream, [
        record("a", { v: 1 }, { upstream_updated_at: t(1) }),
        record("b", { v: 1 }, { upstream_updated_at: t(5) }),
        record("a", { v: 2 }, { upstream_updated_at: t(2) }),
        record("a", { v: 2 }, { upstream_updated_at: t(3) }),
        record("b", { v: 9 }, { upstream_updated_at: t(4) }),
        record("a", { v: 3 }, { upstream_updated_at: t(2) }),
      ]);
      expect(results.map((r) => [r.upstream_id, r.result])).toEqual([
        ["a", "inserted"],
        ["b", "inserted"],
        ["a", "updated"],
        ["a", "unchanged"],
        ["b", "stale"],
        // Older than the time the unchanged input moved it to.
        ["a", "stale"],
      ]);
      const [a1, b1, a2, a3, b2, a4] = results.map((r) => r.updated_idx);
      expect(a1).toBeLessThan(b1!);
      expect(b1).toBeLessThan(a2!);
      expect([a3, a4]).toEqual([a2, a2]);
      expect(b2).toBe(b1);
      expect(new Set(results.filter((r) => r.upstream_id === "a").map((r) => r.id)).size).toBe(1);

      const events = await eventsOf(api, stream);
      expect(events.map((e) => [e.action, e.upstream_id, e.updated_idx, e.changes])).toEqual([
        ["created", "a", a1, null],
        ["created", "b", b1, null],
        ["updated", "a", a2, { v: 1 }],
      ]);
      const stored = await recordsOf(api, stream);
      expect(stored.get("a")).toMatchObject({
        data: { v: 2 },
        updated_idx: a2,
        upstream_updated_at: "2026-01-01T00:00:03.000Z",
      });
      // One message per record, at its last version.
      const leased = await next(api, consumer.id, 10);
      expect(leased.data.map((m) => [m.record!.upstream_id, m.record!.updated_idx]).sort()).toEqual(
        [
          ["a", a2],
          ["b", b1],
        ],
      );
    });

    it("compares data as JSON values and lists each changed top-level field with its previous value", async () => {
      const { api } = env();
      const stream = await createStream(api);
      await upsert(api, stream, [record("a", { x: 1, y: 2, z: { p: 1, q: [1, 2] }, gone: "g" })]);
      const [same] = await upsert(api, stream, [
        record("a", { z: { q: [1, 2], p: 1 }, gone: "g", y: 2.0, x: 1 }),
      ]);
      expect(same!.result).toBe("unchanged");
      await upsert(api, stream, [record("a", { x: 1, y: 3, z: { p: 1, q: [2, 1] }, added: null })]);
      const events = await eventsOf(api, stream);
      expect(events.map((e) => e.action)).toEqual(["created", "updated"]);
      expect(events[1]!.changes).toEqual({ y: 2, z: { p: 1, q: [1, 2] }, gone: "g", added: null });
    });

    it("deletes, updates a tombstone and brings it back, with the actions of each", async () => {
      const { api } = env();
      const stream = await createStream(api);
      await upsert(api, stream, [record("a", { v: 1 })]);
      await upsert(api, stream, [record("a", { v: 1 }, { deleted: true })]);
      const [again] = await upsert(api, stream, [record("a", { v: 1 }, { deleted: true })]);
      expect(again!.result).toBe("unchanged");
      await upsert(api, stream, [record("a", { v: 2 }, { deleted: true })]);
      await upsert(api, stream, [record("a", { v: 2 })]);
      await upsert(api, stream, [record("b", { v: 1 }, { deleted: true })]);
      const events = await eventsOf(api, stream);
      expect(events.map((e) => [e.upstream_id, e.action, e.changes])).toEqual([
        ["a", "created", null],
        ["a", "deleted", null],
        ["a", "updated", { v: 1 }],
        ["a", "updated", {}],
        ["b", "deleted", null],
      ]);
    });

    it("tells times apart to the microsecond", async () => {
      const { api } = env();
      const stream = await createStream(api);
      await upsert(api, stream, [
        record("a", { v: 1 }, { upstream_updated_at: "2026-01-01T00:00:00.000500Z" }),
      ]);
      const [older] = await upsert(api, stream, [
        record("a", { v: 2 }, { upstream_updated_at: "2026-01-01T00:00:00.000100Z" }),
      ]);
      expect(older!.result).toBe("stale");
      const [newer] = await upsert(api, stream, [
        record("a", { v: 2 }, { upstream_updated_at: "2026-01-01T00:00:00.000900Z" }),
      ]);
      expect(newer!.result).toBe("updated");
    });
  });

  describe("consumers", () => {
    it("creates with defaults, gets by id or name, updates, lists and deletes", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const name = uniqueName("consumer");
      const created = await api.post("/v1/http-consumers", {
        name,
        stream_id: stream,
        metadata: { team: "growth" },
        max_deliver: 5,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name,
        stream_id: stream,
        kind: "record",
        deliver_policy: "all",
        ack_wait_ms: 30000,
        max_deliver: 5,
        max_ack_pending: 1000,
        metadata: { team: "growth" },
        filters: { collection_id: "*", resource_id: "*", provider: "*", sync_id: "*" },
      });
      expect((await api.get(`/v1/http-consumers/${name}`)).body).toEqual(created.body);
      expect((await api.get(`/v1/http-consumers/${created.body.id}`)).body).toEqual(created.body);
      expect((await api.post("/v1/http-consumers", { name, stream_id: stream })).status).toBe(409);

      const patched = await api.patch(`/v1/http-consumers/${name}`, {
        ack_wait_ms: 60000,
        filters: { collection_id: "x" },
        name: `${name}-2`,
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        name: `${name}-2`,
        ack_wait_ms: 60000,
        max_deliver: 5,
        max_ack_pending: 1000,
        metadata: { team: "growth" },
        filters: { collection_id: "x", resource_id: "*" },
      });
      expect((await api.get(`/v1/http-consumers/${name}`)).status).toBe(404);

      const listed = await api.get(`/v1/http-consumers?stream_id=${stream}`);
      expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
      expect((await api.delete(`/v1/http-consumers/${name}-2`)).body).toEqual({
        id: created.body.id,
        deleted: true,
      });
      expect((await api.get(`/v1/http-consumers/${created.body.id}`)).status).toBe(404);
    });

    it("new filters apply to later writes; pending messages stay", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const consumer = await createConsumer(api, { stream_id: stream });
      await upsert(api, stream, [record("a")]);
      await api.patch(`/v1/http-consumers/${consumer.id}`, { filters: { collection_id: "other" } });
      await upsert(api, stream, [
        record("b"),
        { collection_id: "other", upstream_id: "c", data: {} },
      ]);
      const res = await next(api, consumer.id, 10);
      expect(res.data.map((m) => m.record.upstream_id)).toEqual(["a", "c"]);
    });
  });

  describe("idempotency keys", () => {
    it("replays the first answer for the same key and body, and refuses another body", async () => {
      const { api } = env();
      const key = uniqueName("key");
      const name = uniqueName("s");
      const first = await api.post(
        "/v1/streams",
        { name },
        { headers: { "idempotency-key": key } },
      );
      const again = await api.post(
        "/v1/streams",
        { name },
        { headers: { "idempotency-key": key } },
      );
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      const other = await api.post(
        "/v1/streams",
        { name: `${name}-x` },
        { headers: { "idempotency-key": key } },
      );
      expect(other.status).toBe(409);
      expect(other.body.code).toBe("idempotency_key_reused");
      const all = await api.get("/v1/streams?limit=1000");
      expect(all.body.data.filter((s: { name: string }) => s.name.startsWith(name))).toHaveLength(
        1,
      );
    });

    it("an appended batch is not appended twice", async () => {
      const { api } = env();
      const stream = await createStream(api);
      const body = { events: [{ collection_id: "x", action: "a", data: { n: 1 } }] };
      const headers = { "idempotency-key": uniqueName("k") };
      const first = await api.post(`/v1/streams/${stream}/events`, body, { headers });
      const second = await api.post(`/v1/streams/${stream}/events`, body, { headers });
      expect(second.body).toEqual(first.body);
      expect((await api.get(`/v1/streams/${stream}/events`)).body.data).toHaveLength(1);
    });
  });

  describe("event retention", () => {
    it("the sweep deletes expired events and their pending messages, never records", async () => {
      const { api, server, db } = env();
      const stream = await createStream(api, { event_retention_ms: 60_000 });
      const events = await createConsumer(api, { stream_id: stream, kind: "event" });
      const records = await createConsumer(api, { stream_id: stream });
      await upsert(api, stream, [record("old")]);
      await server.sequin.tasks.sweepRetention();
      expect((await api.get(`/v1/streams/${stream}/events`)).body.data).toHaveLength(1);

      // Age the first event past retention, then write a fresh one.
      await db.query(
        "UPDATE events SET inserted_at = now() - interval '2 minutes' WHERE stream_id = $1",
        [stream],
      );
      await upsert(api, stream, [record("new")]);
      const deleted = await server.sequin.tasks.sweepRetention();
      expect(deleted).toBe(1);

      const left = await api.get(`/v1/streams/${stream}/events`);
      expect(left.body.data.map((e: { upstream_id: string }) => e.upstream_id)).toEqual(["new"]);
      const leased = await next(api, events.id, 10);
      expect(leased.data.map((m) => m.event.upstream_id)).toEqual(["new"]);
      expect(leased.info.num_pending).toBe(0);
      expect((await next(api, records.id, 10)).data).toHaveLength(2);
    });
  });
}
