import type { MutationRequest } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario, ScenarioContext } from "../scenario.js";
import { detailPaths, expectError, recordsOf } from "./helpers.js";

export const COLLECTION = "salesforce:contact";

/** Creates one contact through a mutation; returns the written record. */
export async function create(ctx: ScenarioContext, data: Record<string, unknown>) {
  const { records } = await ctx.client.runMutation({
    kind: "create",
    collection_id: COLLECTION,
    stream_id: ctx.streamId,
    records: [{ data }],
  });
  expect(records).toHaveLength(1);
  const [record] = records;
  if (!record) throw new Error("no record");
  return record;
}

export const mutationScenarios: Scenario[] = [
  {
    area: "mutations",
    name: "create writes a record with an upstream_id and a created event",
    async run(ctx) {
      const c = await ctx.consumer();
      const record = await create(ctx, { FirstName: "Paul", Email: "paul@arrakis.org" });
      expect(record).toMatchObject({
        stream_id: ctx.streamId,
        collection_id: COLLECTION,
        data: { FirstName: "Paul", Email: "paul@arrakis.org" },
        deleted: false,
      });
      expect(record.upstream_id.length).toBeGreaterThan(0);
      expect(typeof record.upstream_updated_at).toBe("string");
      const events = await ctx.client.events.list(ctx.streamId).toArray();
      expect(events.map((e) => [e.action, e.record_id])).toEqual([["created", record.id]]);
      const leased = recordsOf(await ctx.client.next(c.id));
      expect(leased.map((r) => [r.id, r.updated_idx])).toEqual([[record.id, record.updated_idx]]);
    },
  },
  {
    area: "mutations",
    name: "update is partial: fields not sent keep their value; the version grows",
    async run(ctx) {
      const record = await create(ctx, { FirstName: "Paul", Email: "paul@arrakis.org" });
      const { records } = await ctx.client.runMutation({
        kind: "update",
        collection_id: COLLECTION,
        stream_id: ctx.streamId,
        records: [{ upstream_id: record.upstream_id, data: { Email: "paul@caladan.org" } }],
      });
      expect(records[0]).toMatchObject({
        id: record.id,
        upstream_id: record.upstream_id,
        data: { FirstName: "Paul", Email: "paul@caladan.org" },
      });
      expect(records[0]?.updated_idx).toBeGreaterThan(record.updated_idx);
      const events = await ctx.client.events.list(ctx.streamId).toArray();
      expect(events.map((e) => [e.action, e.changes])).toEqual([
        ["created", null],
        ["updated", { Email: "paul@arrakis.org" }],
      ]);
    },
  },
  {
    area: "mutations",
    name: "delete marks the record deleted and keeps its data",
    async run(ctx) {
      const record = await create(ctx, { FirstName: "Leto" });
      const { records } = await ctx.client.runMutation({
        kind: "delete",
        collection_id: COLLECTION,
        stream_id: ctx.streamId,
        upstream_ids: [record.upstream_id],
      });
      expect(records.map((r) => [r.id, r.deleted, r.data])).toEqual([
        [record.id, true, { FirstName: "Leto" }],
      ]);
      const events = await ctx.client.events.list(ctx.streamId).toArray();
      expect(events.map((e) => e.action)).toEqual(["created", "deleted"]);
    },
  },
  {
    area: "mutations",
    name: "malformed mutations are 422s naming the field, and write nothing",
    async run(ctx) {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ kind: "create", collection_id: COLLECTION, records: [] }, "records"],
        [{ kind: "delete", collection_id: COLLECTION, records: [{ data: {} }] }, "records"],
        [{ kind: "create", collection_id: COLLECTION, upstream_ids: ["a"] }, "upstream_ids"],
        [
          { kind: "update", collection_id: COLLECTION, records: [{ data: {} }] },
          "records.0.upstream_id",
        ],
        [
          { kind: "create", collection_id: COLLECTION, records: [{ upstream_id: "a", data: {} }] },
          "records.0.upstream_id",
        ],
        [{ kind: "upsert", collection_id: COLLECTION, records: [{ data: {} }] }, "kind"],
        [{ kind: "delete", collection_id: COLLECTION }, "upstream_ids"],
        [{ kind: "create", records: [{ data: {} }] }, "collection_id"],
        [
          {
            kind: "create",
            collection_id: COLLECTION,
            records: [{ data: {} }],
            await_consumers_timeout: -1,
          },
          "await_consumers_timeout",
        ],
      ];
      for (const [body, path] of cases) {
        const error = await expectError(
          ctx.client.runMutation({ stream_id: ctx.streamId, ...body } as MutationRequest),
          422,
          "validation_failed",
        );
        expect(detailPaths(error), JSON.stringify(body)).toContain(path);
      }
      expect(await ctx.client.records.list(ctx.streamId).toArray()).toEqual([]);
      expect(await ctx.client.events.list(ctx.streamId).toArray()).toEqual([]);
    },
  },
];
