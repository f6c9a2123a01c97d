import { expect } from "vitest";
import type { Scenario, ScenarioContext } from "../scenario.js";
import { contact, recordsOf } from "./helpers.js";

/** The stream's events as [upstream_id, action, changes]. */
async function eventTrail({ client, streamId }: ScenarioContext) {
  const events = await client.events.list(streamId).toArray();
  return events.map((e) => [e.upstream_id, e.action, e.changes]);
}

/** The stream's records by upstream_id. */
async function storedRecords({ client, streamId }: ScenarioContext) {
  const records = await client.records.list(streamId).toArray();
  return new Map(records.map((r) => [r.upstream_id, r]));
}

/** How a write is judged against what is stored: versions, times, tombstones and kept fields. */
export const recordWriteScenarios: Scenario[] = [
  {
    area: "record writes",
    name: "a key that comes again in one batch is judged against what the batch made of it, in request order",
    async run(ctx) {
      const c = await ctx.consumer();
      const t = (s: number) => `2026-01-01T00:00:0${s}Z`;
      const results = await ctx.upsert([
        contact("a", { v: 1 }, { upstream_updated_at: t(1) }),
        contact("b", { v: 1 }, { upstream_updated_at: t(5) }),
        contact("a", { v: 2 }, { upstream_updated_at: t(2) }),
        contact("a", { v: 2 }, { upstream_updated_at: t(3) }),
        contact("b", { v: 9 }, { upstream_updated_at: t(4) }),
        contact("a", { v: 3 }, { upstream_updated_at: t(2) }),
      ]);
      expect(results.map((r) => [r.upstream_id, r.result])).toEqual([
        ["a", "inserted"],
        ["b", "inserted"],
        ["a", "updated"],
        ["a", "unchanged"],
        ["b", "stale"],
        // Older than the time the unchanged write moved it to.
        ["a", "stale"],
      ]);
      const [a1 = 0, b1 = 0, a2 = 0, a3, b2, a4] = results.map((r) => r.updated_idx);
      expect(a1).toBeLessThan(b1);
      expect(b1).toBeLessThan(a2);
      expect([a3, a4, b2]).toEqual([a2, a2, b1]);
      expect(new Set(results.filter((r) => r.upstream_id === "a").map((r) => r.id)).size).toBe(1);

      const events = await ctx.client.events.list(ctx.streamId).toArray();
      expect(events.map((e) => [e.action, e.upstream_id, e.updated_idx, e.changes])).toEqual([
        ["created", "a", a1, null],
        ["created", "b", b1, null],
        ["updated", "a", a2, { v: 1 }],
      ]);
      const a = (await storedRecords(ctx)).get("a");
      expect(a).toMatchObject({ data: { v: 2 }, updated_idx: a2 });
      expect(Date.parse(a?.upstream_updated_at ?? "")).toBe(Date.parse(t(3)));
      // One message per record, at its last version.
      const leased = recordsOf(await ctx.client.next(c.id, { batch_size: 10 }));
      expect(leased.map((r) => [r.upstream_id, r.updated_idx]).sort()).toEqual([
        ["a", a2],
        ["b", b1],
      ]);
    },
  },
  {
    area: "record writes",
    name: "data is compared as JSON values; changes list each changed top-level field with its previous value",
    async run(ctx) {
      await ctx.upsert([contact("a", { x: 1, y: 2, z: { p: 1, q: [1, 2] }, gone: "g" })]);
      const [same] = await ctx.upsert([
        contact("a", { z: { q: [1, 2], p: 1 }, gone: "g", y: 2, x: 1 }),
      ]);
      expect(same?.result).toBe("unchanged");
      await ctx.upsert([contact("a", { x: 1, y: 3, z: { p: 1, q: [2, 1] }, added: null })]);
      expect(await eventTrail(ctx)).toEqual([
        ["a", "created", null],
        ["a", "updated", { y: 2, z: { p: 1, q: [1, 2] }, gone: "g", added: null }],
      ]);
    },
  },
  {
    area: "record writes",
    name: "deleting, changing a tombstone and bringing it back are deleted, updated, updated events",
    async run(ctx) {
      await ctx.upsert([contact("a", { v: 1 })]);
      await ctx.upsert([contact("a", { v: 1 }, { deleted: true })]);
      const [again] = await ctx.upsert([contact("a", { v: 1 }, { deleted: true })]);
      expect(again?.result).toBe("unchanged");
      await ctx.upsert([contact("a", { v: 2 }, { deleted: true })]);
      await ctx.upsert([contact("a", { v: 2 })]);
      await ctx.upsert([contact("b", { v: 1 }, { deleted: true })]);
      expect(await eventTrail(ctx)).toEqual([
        ["a", "created", null],
        ["a", "deleted", null],
        ["a", "updated", { v: 1 }],
        ["a", "updated", {}],
        ["b", "deleted", null],
      ]);
    },
  },
  {
    area: "record writes",
    name: "fields left out keep their value, null clears one, and a deleted record stays listed",
    async run(ctx) {
      await ctx.upsert([
        contact(
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
      await ctx.upsert([contact("a", { v: 2 }, { deleted: true })]);
      const listed = await ctx.client.records
        .list(ctx.streamId, { collection_id: "salesforce:contact" })
        .toArray();
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({
        provider: "salesforce",
        resource_id: "org-1",
        deleted: true,
        data: { v: 2 },
        sync: { id: "s1", external_id: "acme" },
      });
      const createdAt = Date.parse("2025-01-01T00:00:00Z");
      expect(Date.parse(listed[0]?.upstream_created_at ?? "")).toBe(createdAt);

      await ctx.upsert([
        contact("a", { v: 3 }, { resource_id: null, sync: null, provider: "stripe" }),
      ]);
      const a = (await storedRecords(ctx)).get("a");
      expect(a).toMatchObject({
        provider: "stripe",
        resource_id: null,
        sync: null,
        data: { v: 3 },
      });
      expect(Date.parse(a?.upstream_created_at ?? "")).toBe(createdAt);
    },
  },
  {
    area: "record writes",
    name: "upstream_updated_at is compared to the microsecond",
    notOn: {
      mock: "the mock keeps times as JavaScript dates, which end at the millisecond",
    },
    async run(ctx) {
      await ctx.upsert([
        contact("a", { v: 1 }, { upstream_updated_at: "2026-01-01T00:00:00.000500Z" }),
      ]);
      const [older] = await ctx.upsert([
        contact("a", { v: 2 }, { upstream_updated_at: "2026-01-01T00:00:00.000100Z" }),
      ]);
      expect(older?.result).toBe("stale");
      const [newer] = await ctx.upsert([
        contact("a", { v: 2 }, { upstream_updated_at: "2026-01-01T00:00:00.000900Z" }),
      ]);
      expect(newer?.result).toBe("updated");
    },
  },
];
