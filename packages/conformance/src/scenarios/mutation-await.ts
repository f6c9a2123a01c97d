import { ConsumersTimeoutError, type MutationRequest, type SequinError } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { expectError, recordsOf, tokensOf } from "./helpers.js";
import { COLLECTION } from "./mutations.js";

/** Mutations that wait for consumers (`await_consumer_ids`), and their Idempotency-Key. */
export const mutationAwaitScenarios: Scenario[] = [
  {
    area: "mutations",
    name: "await_consumer_ids: the answer waits for a worker's ack, then is a 200",
    clock: "waits until the mutation is parked; nothing else depends on time",
    async run(ctx) {
      const c = await ctx.consumer();
      let settled = false;
      const mark = ctx.target.mark();
      const mutation = ctx.client
        .runMutation({
          kind: "create",
          collection_id: COLLECTION,
          stream_id: ctx.streamId,
          records: [{ data: { FirstName: "Duncan" } }],
          await_consumer_ids: [c.id],
          await_consumers_timeout: 20_000,
        })
        .finally(() => {
          settled = true;
        });
      await mark.parked(mutation);
      // A mutation that already answered (an error) fails the scenario here, not after a long-poll.
      if (settled) await mutation;
      const leased = await ctx.client.next(c.id, { wait_for: 20_000 });
      expect(recordsOf(leased).map((r) => r.data)).toEqual([{ FirstName: "Duncan" }]);
      expect(settled).toBe(false);
      await ctx.client.ack(c.id, tokensOf(leased));
      const { records } = await mutation;
      expect(records.map((r) => r.id)).toEqual(recordsOf(leased).map((r) => r.id));
    },
  },
  {
    area: "mutations",
    name: "await_consumer_ids: on timeout a 500 names exactly the consumers that did not ack, by id in the request's order, and links the docs",
    clock:
      "await_consumers_timeout 300: servers wait for real; the mock advances its clock once the mutation is parked",
    async run(ctx) {
      const silent = await ctx.consumer();
      const byName = await ctx.consumer();
      const elsewhere = await ctx.consumer({ filters: { collection_id: "salesforce:account" } });
      const mark = ctx.target.mark();
      const mutation = ctx.client.runMutation({
        kind: "create",
        collection_id: COLLECTION,
        stream_id: ctx.streamId,
        records: [{ data: { FirstName: "Gurney" } }],
        await_consumer_ids: [byName.name, elsewhere.id, silent.id],
        await_consumers_timeout: 300,
      });
      const failed = mutation.then(
        () => {
          throw new Error("expected a consumers timeout");
        },
        (error: SequinError) => error,
      );
      await mark.parked(failed);
      await ctx.target.advance(300);
      const error = await failed;
      expect(error).toBeInstanceOf(ConsumersTimeoutError);
      expect({ status: error.status, code: error.code }).toEqual({
        status: 500,
        code: "consumers_timeout",
      });
      // Sequin's wording, exactly, with the spec's `<id>[, <id>]`: each by its id even when
      // awaited by name, in the request's order; the consumer whose filters exclude the record
      // counts as done.
      expect(error.body).toMatchObject({
        error: `Error: Timed out waiting for consumers: ${byName.id}, ${silent.id}`,
        docs: ["/docs#tag/Mutations"],
      });
      const written = (error as ConsumersTimeoutError).records;
      expect(written.map((r) => r.data)).toEqual([{ FirstName: "Gurney" }]);
      // The write stands: the record is in the stream and pending for the consumer.
      expect(upstreamIdsOf(await ctx.client.records.list(ctx.streamId).toArray())).toEqual(
        upstreamIdsOf(written),
      );
    },
  },
  {
    area: "mutations",
    name: "a retry with the same Idempotency-Key after a timeout writes nothing and waits again",
    clock:
      "await_consumers_timeout 300 on the first try: servers wait for real; the mock advances its clock",
    async run(ctx) {
      const c = await ctx.consumer();
      const key = `mutation-${ctx.name()}`;
      const body: MutationRequest = {
        kind: "create",
        collection_id: COLLECTION,
        stream_id: ctx.streamId,
        records: [{ data: { FirstName: "Thufir" } }],
        await_consumer_ids: [c.id],
        await_consumers_timeout: 300,
      };
      const mark = ctx.target.mark();
      const first = ctx.client.runMutation(body, { idempotencyKey: key }).catch((e: unknown) => e);
      await mark.parked(first);
      await ctx.target.advance(300);
      const timedOut = await first;
      expect(timedOut).toBeInstanceOf(ConsumersTimeoutError);
      const written = (timedOut as ConsumersTimeoutError).records;

      // The retry (a longer await is not part of the comparison) parks again until the ack.
      const again = ctx.target.mark();
      const retry = ctx.client.runMutation(
        { ...body, await_consumers_timeout: 20_000 },
        { idempotencyKey: key },
      );
      await again.parked(retry);
      const leased = await ctx.client.next(c.id, { batch_size: 10 });
      expect(recordsOf(leased).map((r) => r.id)).toEqual(written.map((r) => r.id));
      await ctx.client.ack(c.id, tokensOf(leased));
      const { records } = await retry;
      expect(records.map((r) => [r.id, r.upstream_id, r.updated_idx])).toEqual(
        written.map((r) => [r.id, r.upstream_id, r.updated_idx]),
      );
      expect(await ctx.client.records.list(ctx.streamId).toArray()).toHaveLength(1);
      expect(await ctx.client.events.list(ctx.streamId).toArray()).toHaveLength(1);
    },
  },
  {
    area: "mutations",
    name: "the same Idempotency-Key with another mutation body is a 409 idempotency_key_reused",
    async run(ctx) {
      const key = `mutation-${ctx.name()}`;
      const body: MutationRequest = {
        kind: "create",
        collection_id: COLLECTION,
        stream_id: ctx.streamId,
        records: [{ data: { FirstName: "Piter" } }],
      };
      const first = await ctx.client.runMutation(body, { idempotencyKey: key });
      const replay = await ctx.client.runMutation(body, { idempotencyKey: key });
      expect(replay).toEqual(first);
      await expectError(
        ctx.client.runMutation(
          { ...body, records: [{ data: { FirstName: "Feyd" } }] },
          { idempotencyKey: key },
        ),
        409,
        "idempotency_key_reused",
      );
      expect(await ctx.client.records.list(ctx.streamId).toArray()).toHaveLength(1);
    },
  },
];

function upstreamIdsOf(records: Array<{ upstream_id: string }>): string[] {
  return records.map((r) => r.upstream_id);
}
