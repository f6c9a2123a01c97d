import { describe, expect, it } from "vitest";
import { createConsumer, createStream, next, record, upsert } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

// The retention sweep is a background task of the server, run here by hand; events are aged with
// SQL, so nothing waits for the clock.
const { db, server, api } = await serverTest();

describe("event retention", () => {
  it("the sweep deletes expired events and their pending messages, never records", async () => {
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
    expect(await server.sequin.tasks.sweepRetention()).toBe(1);

    const left = await api.get(`/v1/streams/${stream}/events`);
    expect(left.body.data.map((e: { upstream_id: string }) => e.upstream_id)).toEqual(["new"]);
    const leased = await next(api, events.id, 10);
    expect(leased.data.map((m) => m.event.upstream_id)).toEqual(["new"]);
    expect(leased.info.num_pending).toBe(0);
    expect((await next(api, records.id, 10)).data).toHaveLength(2);
  });

  it("the sweep deletes the dead letters of expired events", async () => {
    const stream = await createStream(api, { event_retention_ms: 60_000 });
    const events = await createConsumer(api, { stream_id: stream, kind: "event", max_deliver: 1 });
    await upsert(api, stream, [record("dead")]);
    const leased = await next(api, events.id, 10);
    await api.post(`/v1/http-consumers/${events.id}/nack`, {
      ack_tokens: leased.data.map((m) => m.ack_token),
    });
    // A dead letter's seq is its delivery's position, not the event's (only event_seq names the
    // event): moved here so that the two differ, whatever the sequences drew.
    const moved = await db.query(
      "UPDATE dead_letters SET seq = seq + 1000 WHERE consumer_id = $1 AND event_seq IS NOT NULL",
      [events.id],
    );
    expect(moved.rowCount).toBe(1);

    await db.query(
      "UPDATE events SET inserted_at = now() - interval '2 minutes' WHERE stream_id = $1",
      [stream],
    );
    expect(await server.sequin.tasks.sweepRetention()).toBe(1);
    const dead = await api.get(`/v1/http-consumers/${events.id}/dead-letters`);
    expect(dead.body.data).toEqual([]);
  });
});
