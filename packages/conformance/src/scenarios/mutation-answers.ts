import type { MutationRequest, SequinError } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { expectError, recordsOf } from "./helpers.js";
import { COLLECTION, create } from "./mutations.js";

/** The `error` and `details` of an error body, as sent. */
function bodyOf(error: SequinError) {
  return error.body as { error: string; details?: Array<{ path: string; message: string }> };
}

/**
 * What a mutation answers, field by field, where the server and the mock once differed: the
 * provider of created records and the 404s naming unknown upstream ids and consumers (each
 * writes nothing). The wording of a consumers timeout is checked in mutation-await.ts.
 */
export const mutationAnswerScenarios: Scenario[] = [
  {
    area: "mutations",
    name: "a created record's provider is the part of collection_id before ':'; a provider filter receives it",
    async run(ctx) {
      const bySalesforce = await ctx.consumer({ filters: { provider: "salesforce" } });
      const created = await create(ctx, { FirstName: "Chani" });
      expect([created.provider, created.resource_id]).toEqual(["salesforce", null]);
      const { records: plain } = await ctx.client.runMutation({
        kind: "create",
        collection_id: "contacts",
        stream_id: ctx.streamId,
        records: [{ data: { FirstName: "Harah" } }],
      });
      expect(plain.map((r) => r.provider)).toEqual([null]);
      // An update keeps the provider the record has.
      const { records: updated } = await ctx.client.runMutation({
        kind: "update",
        collection_id: COLLECTION,
        stream_id: ctx.streamId,
        records: [{ upstream_id: created.upstream_id, data: { Email: "chani@sietch.org" } }],
      });
      expect(updated.map((r) => r.provider)).toEqual(["salesforce"]);
      const stored = await ctx.client.records.list(ctx.streamId).toArray();
      expect(stored.map((r) => [r.collection_id, r.provider]).sort()).toEqual([
        ["contacts", null],
        [COLLECTION, "salesforce"],
      ]);
      const leased = recordsOf(await ctx.client.next(bySalesforce.id, { batch_size: 10 }));
      expect(leased.map((r) => [r.id, r.provider])).toEqual([[created.id, "salesforce"]]);
    },
  },
  {
    area: "mutations",
    name: "upstream ids of an update or delete that name no live record are a 404 naming each field",
    async run(ctx) {
      const record = await create(ctx, { FirstName: "Alia" });
      const update = await expectError(
        ctx.client.runMutation({
          kind: "update",
          collection_id: COLLECTION,
          stream_id: ctx.streamId,
          records: [
            { upstream_id: record.upstream_id, data: { FirstName: "Changed" } },
            { upstream_id: "nope", data: { FirstName: "X" } },
          ],
        }),
        404,
        "not_found",
      );
      expect(update.message).toContain("nope");
      expect(bodyOf(update)).toMatchObject({
        error: `records.1.upstream_id: no ${COLLECTION} record with upstream id nope`,
        details: [
          {
            path: "records.1.upstream_id",
            message: `no ${COLLECTION} record with upstream id nope`,
          },
        ],
      });
      const remove = await expectError(
        ctx.client.runMutation({
          kind: "delete",
          collection_id: COLLECTION,
          stream_id: ctx.streamId,
          upstream_ids: ["gone-1", record.upstream_id, "gone-2"],
        }),
        404,
        "not_found",
      );
      expect(bodyOf(remove).details).toEqual([
        { path: "upstream_ids.0", message: `no ${COLLECTION} record with upstream id gone-1` },
        { path: "upstream_ids.2", message: `no ${COLLECTION} record with upstream id gone-2` },
      ]);
      expect(bodyOf(remove).error).toBe(
        bodyOf(remove)
          .details?.map((d) => `${d.path}: ${d.message}`)
          .join("; "),
      );
      // A record outside the sync the mutation names is not found either, and the message says so.
      const otherSync = await expectError(
        ctx.client.runMutation({
          kind: "update",
          collection_id: COLLECTION,
          stream_id: ctx.streamId,
          sync_id: "sync-elsewhere",
          records: [{ upstream_id: record.upstream_id, data: { FirstName: "Y" } }],
        }),
        404,
        "not_found",
      );
      expect(bodyOf(otherSync).details).toEqual([
        {
          path: "records.0.upstream_id",
          message: `no ${COLLECTION} record with upstream id ${record.upstream_id} in sync sync-elsewhere`,
        },
      ]);
      const stored = await ctx.client.records.list(ctx.streamId).toArray();
      expect(stored.map((r) => [r.data, r.deleted, r.updated_idx])).toEqual([
        [{ FirstName: "Alia" }, false, record.updated_idx],
      ]);
      // A deleted record is no live record: deleting it again is the same 404, except for a
      // retry under the first delete's Idempotency-Key, which gets the first answer back.
      const removal: MutationRequest = {
        kind: "delete",
        collection_id: COLLECTION,
        stream_id: ctx.streamId,
        upstream_ids: [record.upstream_id],
      };
      const idempotencyKey = `delete-${ctx.name()}`;
      const deleted = await ctx.client.runMutation(removal, { idempotencyKey });
      expect(deleted.records.map((r) => [r.id, r.deleted])).toEqual([[record.id, true]]);
      expect(await ctx.client.runMutation(removal, { idempotencyKey })).toEqual(deleted);
      const again = await expectError(ctx.client.runMutation(removal), 404, "not_found");
      expect(bodyOf(again).details).toEqual([
        {
          path: "upstream_ids.0",
          message: `no ${COLLECTION} record with upstream id ${record.upstream_id}`,
        },
      ]);
    },
  },
  {
    area: "mutations",
    name: "await_consumer_ids entries naming no consumer are a 404 whose details name each entry",
    async run(ctx) {
      const known = await ctx.consumer();
      const error = await expectError(
        ctx.client.runMutation({
          kind: "create",
          collection_id: COLLECTION,
          stream_id: ctx.streamId,
          records: [{ data: { FirstName: "Nobody" } }],
          await_consumer_ids: [known.name, "ghost", "phantom"],
          await_consumers_timeout: 1000,
        }),
        404,
        "not_found",
      );
      expect(error.message).toContain("ghost");
      expect(bodyOf(error)).toMatchObject({
        error: "await_consumer_ids.1: no consumer ghost; await_consumer_ids.2: no consumer phantom",
        details: [
          { path: "await_consumer_ids.1", message: "no consumer ghost" },
          { path: "await_consumer_ids.2", message: "no consumer phantom" },
        ],
      });
      expect(await ctx.client.records.list(ctx.streamId).toArray()).toEqual([]);
    },
  },
];
