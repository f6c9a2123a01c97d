import { describe, expect, it } from "vitest";
import { zEventList, zRecordList, zRecordUpsertResponse } from "../../generated/zod.gen.js";
import { useSequinMock } from "../test-utils.js";

const t = useSequinMock({ clock: "manual" });
const contact = (
  upstream_id: string,
  data: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  collection_id: "salesforce:contact",
  upstream_id,
  data,
  ...extra,
});
const upsert = (records: unknown[], streamId = t.mock.defaultStreamId) =>
  t.call("POST", `/v1/streams/${streamId}/records`, { body: { records } });

describe("record upsert", () => {
  it("inserts, updates, ignores identical data and stale versions", async () => {
    const first = await upsert([
      contact("c1", { Name: "Paul" }, { upstream_updated_at: "2024-03-01T12:00:00Z" }),
    ]);
    expect(first.status).toBe(200);
    expect(zRecordUpsertResponse.safeParse(first.body).success).toBe(true);
    const [inserted] = first.body.data;
    expect(inserted).toMatchObject({ upstream_id: "c1", result: "inserted", updated_idx: 1 });

    const same = await upsert([
      contact("c1", { Name: "Paul" }, { upstream_updated_at: "2024-03-01T12:00:01Z" }),
    ]);
    expect(same.body.data[0]).toMatchObject({
      id: inserted.id,
      result: "unchanged",
      updated_idx: 1,
    });

    const stale = await upsert([
      contact("c1", { Name: "Old" }, { upstream_updated_at: "2024-02-01T00:00:00Z" }),
    ]);
    expect(stale.body.data[0]).toMatchObject({ result: "stale", updated_idx: 1 });

    const changed = await upsert([contact("c1", { Name: "Paul", Email: "p@a.org" })]);
    expect(changed.body.data[0]).toMatchObject({
      id: inserted.id,
      result: "updated",
      updated_idx: 2,
    });

    const [record] = t.mock.records();
    expect(record).toMatchObject({
      id: inserted.id,
      data: { Name: "Paul", Email: "p@a.org" },
      deleted: false,
    });
    // The unchanged upsert moved upstream_updated_at forward; the last one left it out: kept.
    expect(record?.upstream_updated_at).toBe("2024-03-01T12:00:01.000Z");
  });

  it("treats key order as the same data (a no-op) and a deleted flip as a change", async () => {
    await upsert([contact("c1", { a: 1, b: { c: 2, d: 3 } })]);
    const reordered = await upsert([contact("c1", { b: { d: 3, c: 2 }, a: 1 })]);
    expect(reordered.body.data[0].result).toBe("unchanged");
    const deleted = await upsert([contact("c1", { a: 1, b: { c: 2, d: 3 } }, { deleted: true })]);
    expect(deleted.body.data[0].result).toBe("updated");
    expect(t.mock.records()[0]?.deleted).toBe(true);
  });

  it("uses one updated_idx counter across streams and keeps identities per stream", async () => {
    const other = t.mock.seed.stream({ name: "other" });
    await upsert([contact("c1", { n: 1 })]);
    const there = await upsert([contact("c1", { n: 1 })], other.id);
    expect(there.body.data[0]).toMatchObject({ result: "inserted", updated_idx: 2 });
    expect(t.mock.records({ streamId: other.id })).toHaveLength(1);
  });

  it("appends created, updated (with previous values) and deleted events", async () => {
    await upsert([contact("c1", { Name: "Paul", Email: "a@x" })]);
    await upsert([contact("c1", { Name: "Paul", Email: "b@x", Phone: "1" })]);
    await upsert([contact("c1", { Name: "Paul", Email: "b@x", Phone: "1" })]);
    await upsert([contact("c1", { Name: "Paul" }, { deleted: true })]);
    const events = await t.call("GET", `/v1/streams/${t.mock.defaultStreamId}/events`);
    expect(zEventList.safeParse(events.body).success).toBe(true);
    expect(events.body.data.map((e: { action: string }) => e.action)).toEqual([
      "created",
      "updated",
      "deleted",
    ]);
    const [created, updated, deleted] = events.body.data;
    expect(created.changes).toBeNull();
    expect(updated.changes).toEqual({ Email: "a@x", Phone: null });
    expect(updated).toMatchObject({
      updated_idx: 2,
      data: { Email: "b@x" },
      record_id: created.record_id,
    });
    expect(deleted).toMatchObject({ updated_idx: 3, changes: null });
    expect(created.seq < updated.seq && updated.seq < deleted.seq).toBe(true);
  });

  it("pages records by an opaque cursor in updated_idx order, with a collection filter", async () => {
    for (let i = 0; i < 5; i++) await upsert([contact(`c${i}`, { i })]);
    await upsert([{ collection_id: "stripe:customer", upstream_id: "s1", data: {} }]);
    await upsert([contact("c0", { i: 100 })]);
    const path = `/v1/streams/${t.mock.defaultStreamId}/records`;
    const page1 = await t.call("GET", `${path}?limit=4&collection_id=salesforce:contact`);
    expect(zRecordList.safeParse(page1.body).success).toBe(true);
    expect(page1.body.data.map((r: { upstream_id: string }) => r.upstream_id)).toEqual([
      "c1",
      "c2",
      "c3",
      "c4",
    ]);
    expect(typeof page1.body.next_cursor).toBe("string");
    const page2 = await t.call(
      "GET",
      `${path}?limit=4&collection_id=salesforce:contact&cursor=${page1.body.next_cursor}`,
    );
    expect(page2.body.data.map((r: { upstream_id: string }) => r.upstream_id)).toEqual(["c0"]);
    expect(page2.body.next_cursor).toBeNull();
  });

  it("answers 400 for a bad cursor or limit, 404 for an unknown stream, 422 naming the field", async () => {
    const path = `/v1/streams/${t.mock.defaultStreamId}/records`;
    const cursor = await t.call("GET", `${path}?cursor=not-a-cursor`);
    expect(cursor.status).toBe(400);
    expect(cursor.body).toMatchObject({ code: "bad_request", details: [{ path: "cursor" }] });
    const limit = await t.call("GET", `${path}?limit=0`);
    expect(limit.body).toMatchObject({ code: "bad_request", details: [{ path: "limit" }] });
    const unknown = await t.call("GET", "/v1/streams/00000000-0000-4000-8000-000000000000/records");
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("not_found");
    const notUuid = await t.call("GET", "/v1/streams/nope/records");
    expect(notUuid.body).toMatchObject({ code: "bad_request", details: [{ path: "stream_id" }] });
    const bad = await upsert([{ collection_id: "x", data: {} }]);
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({
      code: "validation_failed",
      details: [{ path: "records.0.upstream_id", message: "Required" }],
    });
    expect(bad.body.error).toContain("records.0.upstream_id");
    expect(t.mock.records()).toHaveLength(0);
  });
});

describe("event append", () => {
  it("appends in order, lists by seq with a collection filter", async () => {
    const path = `/v1/streams/${t.mock.defaultStreamId}/events`;
    const appended = await t.call("POST", path, {
      body: {
        events: [
          { collection_id: "stripe:subscription", action: "threshold", data: { n: 1 } },
          { collection_id: "other", action: "ping", data: {}, upstream_id: "u1" },
        ],
      },
    });
    expect(appended.status).toBe(201);
    expect(zEventList.safeParse(appended.body).success).toBe(true);
    expect(appended.body.data[0]).toMatchObject({
      record_id: null,
      updated_idx: null,
      changes: null,
      sync: null,
    });
    const listed = await t.call("GET", `${path}?collection_id=other`);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({ action: "ping", upstream_id: "u1" });
  });

  it("drops events past the stream's retention, never records", async () => {
    const stream = t.mock.seed.stream({ name: "short", event_retention_ms: 60_000 });
    t.mock.seed.records([contact("c1", { a: 1 })], { streamId: stream.id });
    t.mock.clock.advance(60_001);
    t.mock.seed.events([{ collection_id: "x", action: "late", data: {} }], { streamId: stream.id });
    expect(t.mock.events({ streamId: stream.id }).map((e) => e.action)).toEqual(["late"]);
    expect(t.mock.records({ streamId: stream.id })).toHaveLength(1);
  });

  it("a consumer that falls behind the retention loses those events", async () => {
    const stream = t.mock.seed.stream({ name: "short", event_retention_ms: 60_000 });
    t.mock.seed.consumer({ name: "ev", kind: "event", stream_id: stream.id });
    t.mock.seed.events([{ collection_id: "x", action: "old", data: {} }], { streamId: stream.id });
    t.mock.clock.advance(30_000);
    t.mock.seed.events([{ collection_id: "x", action: "newer", data: {} }], {
      streamId: stream.id,
    });
    t.mock.clock.advance(30_001);
    const next = await t.call("GET", "/v1/http-consumers/ev/next?batch_size=10");
    expect(next.body.data.map((m: { event: { action: string } }) => m.event.action)).toEqual([
      "newer",
    ]);
  });
});
