import type { ConsumerFilters, RecordInput } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario, ScenarioContext } from "../scenario.js";
import { contact, upstreamIds } from "./helpers.js";

/** Records that differ in exactly one filterable field each from the first one. */
const FIXTURE: RecordInput[] = [
  contact("base", {}, { resource_id: "org-1", provider: "salesforce", sync: { id: "sync-1" } }),
  contact(
    "other-collection",
    {},
    {
      collection_id: "salesforce:account",
      resource_id: "org-1",
      provider: "salesforce",
      sync: { id: "sync-1" },
    },
  ),
  contact(
    "other-resource",
    {},
    { resource_id: "org-2", provider: "salesforce", sync: { id: "sync-1" } },
  ),
  contact(
    "other-provider",
    {},
    { resource_id: "org-1", provider: "hubspot", sync: { id: "sync-1" } },
  ),
  contact(
    "other-sync",
    {},
    { resource_id: "org-1", provider: "salesforce", sync: { id: "sync-2" } },
  ),
];

/** Upserts the fixture, then returns what a consumer with `filters` receives, sorted. */
async function receivedWith(ctx: ScenarioContext, filters: ConsumerFilters): Promise<string[]> {
  const c = await ctx.consumer({ filters });
  await ctx.upsert(FIXTURE);
  const result = await ctx.client.next(c.id, { batch_size: 100 });
  return upstreamIds(result).sort();
}

const everyone = FIXTURE.map((r) => r.upstream_id).sort();
const allBut = (id: string) => everyone.filter((x) => x !== id);

export const filterScenarios: Scenario[] = [
  {
    area: "filters",
    name: "collection_id filter delivers only that collection",
    async run(ctx) {
      expect(await receivedWith(ctx, { collection_id: "salesforce:account" })).toEqual([
        "other-collection",
      ]);
    },
  },
  {
    area: "filters",
    name: "resource_id filter delivers only that resource",
    async run(ctx) {
      expect(await receivedWith(ctx, { resource_id: "org-1" })).toEqual(allBut("other-resource"));
    },
  },
  {
    area: "filters",
    name: "provider filter delivers only that provider",
    async run(ctx) {
      expect(await receivedWith(ctx, { provider: "hubspot" })).toEqual(["other-provider"]);
    },
  },
  {
    area: "filters",
    name: "sync_id filter delivers only records of that sync",
    async run(ctx) {
      expect(await receivedWith(ctx, { sync_id: "sync-2" })).toEqual(["other-sync"]);
    },
  },
  {
    area: "filters",
    name: "filters AND together; '*' matches everything",
    async run(ctx) {
      const all = await ctx.consumer({
        filters: { collection_id: "*", resource_id: "*", provider: "*", sync_id: "*" },
      });
      const narrow = await ctx.consumer({
        filters: {
          collection_id: "salesforce:contact",
          resource_id: "org-1",
          provider: "salesforce",
          sync_id: "sync-1",
        },
      });
      await ctx.upsert(FIXTURE);
      expect(upstreamIds(await ctx.client.next(all.id, { batch_size: 100 })).sort()).toEqual(
        everyone,
      );
      expect(upstreamIds(await ctx.client.next(narrow.id, { batch_size: 100 }))).toEqual(["base"]);
    },
  },
  {
    area: "filters",
    name: "filters default to '*' and every filter is echoed back",
    async run(ctx) {
      const c = await ctx.consumer({ filters: { provider: "salesforce" } });
      expect(c.filters).toEqual({
        collection_id: "*",
        resource_id: "*",
        provider: "salesforce",
        sync_id: "*",
      });
      const plain = await ctx.consumer();
      expect(plain).toMatchObject({
        kind: "record",
        deliver_policy: "all",
        ack_wait_ms: 30_000,
        max_deliver: -1,
        max_ack_pending: 1000,
        metadata: {},
        stream_id: ctx.streamId,
        filters: { collection_id: "*", resource_id: "*", provider: "*", sync_id: "*" },
      });
    },
  },
  {
    area: "filters",
    name: "filters apply to event consumers too",
    async run(ctx) {
      const c = await ctx.consumer({ kind: "event", filters: { collection_id: "stripe:charge" } });
      await ctx.upsert([contact("a")]);
      await ctx.client.events.append(ctx.streamId, [
        { collection_id: "stripe:charge", action: "paid", data: { n: 1 } },
        { collection_id: "stripe:refund", action: "paid", data: { n: 2 } },
      ]);
      const result = await ctx.client.next(c.id, { batch_size: 10 });
      expect(result.data.map((m) => ("event" in m ? m.event.data : null))).toEqual([{ n: 1 }]);
    },
  },
];
