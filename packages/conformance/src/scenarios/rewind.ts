import type { EventInput, NextResult, SequinClient } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, detailPaths, eventsOf, expectError, tokensOf, upstreamIds } from "./helpers.js";

const event = (action: string, collection_id = "x:y"): EventInput => ({
  collection_id,
  action,
  data: {},
});

/** Leases everything pending (up to 100) and acks it; returns what was leased. */
async function drain(client: SequinClient, consumer: string): Promise<NextResult> {
  const leased = await client.next(consumer, { batch_size: 100 });
  await client.ack(consumer, tokensOf(leased));
  return leased;
}

const actions = (result: NextResult) => eventsOf(result).map((e) => e.action);
const counts = (result: NextResult) => result.data.map((m) => m.deliver_count);

export const rewindScenarios: Scenario[] = [
  {
    area: "rewind",
    name: "event consumers rewind from_seq, from_time (nothing after the last event), or from the oldest event, through the filters",
    clock: "servers wait 50 ms between two appends; the mock advances its clock 20 ms",
    async run({ client, consumer, streamId, target }) {
      const c = await consumer({ kind: "event", filters: { collection_id: "x:y" } });
      await client.events.append(streamId, [event("a")]);
      await target.advance(20);
      const [b] = await client.events.append(streamId, [
        event("b"),
        event("skipped", "other:z"),
        event("c"),
      ]);
      expect(actions(await drain(client, c.id))).toEqual(["a", "b", "c"]);

      expect(await client.consumers.rewind(c.id, { from_seq: b?.seq ?? 0 })).toEqual({
        info: { num_pending: 2, num_ack_pending: 0, num_dead_letters: 0 },
      });
      const fromSeq = await drain(client, c.id);
      expect(actions(fromSeq)).toEqual(["b", "c"]);
      expect(counts(fromSeq)).toEqual([1, 1]);

      await client.consumers.rewind(c.id, { from_time: b?.inserted_at ?? "" });
      expect(actions(await drain(client, c.id))).toEqual(["b", "c"]);

      const future = new Date(target.now() + 3_600_000).toISOString();
      expect((await client.consumers.rewind(c.id, { from_time: future })).info.num_pending).toBe(0);
      expect((await client.next(c.id)).data).toEqual([]);

      expect((await client.consumers.rewind(c.id)).info.num_pending).toBe(3);
      expect(actions(await drain(client, c.id))).toEqual(["a", "b", "c"]);
    },
  },
  {
    area: "rewind",
    name: "record consumers rewind every record, from_updated_idx, or from_time (a record without upstream_updated_at counts)",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      const written = await upsert([
        contact("jan", {}, { upstream_updated_at: "2024-01-01T00:00:00Z" }),
        contact("mar", {}, { upstream_updated_at: "2024-03-01T00:00:00Z" }),
        contact("none"),
      ]);
      await drain(client, c.id);

      const fromIdx = await client.consumers.rewind(c.id, {
        from_updated_idx: written[1]?.updated_idx ?? 0,
      });
      expect(fromIdx.info).toEqual({ num_pending: 2, num_ack_pending: 0, num_dead_letters: 0 });
      const idx = await drain(client, c.id);
      expect(upstreamIds(idx)).toEqual(["mar", "none"]);
      expect(counts(idx)).toEqual([1, 1]);

      await client.consumers.rewind(c.id, { from_time: "2024-02-01T00:00:00Z" });
      expect(upstreamIds(await drain(client, c.id)).sort()).toEqual(["mar", "none"]);

      expect((await client.consumers.rewind(c.id)).info.num_pending).toBe(3);
      expect(upstreamIds(await drain(client, c.id)).sort()).toEqual(["jan", "mar", "none"]);
    },
  },
  {
    area: "rewind",
    name: "rewind drops the deliveries it covers: a leased message's token is unknown, and it is pending once with a fresh count",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ backoff_ms: [0] });
      await upsert([contact("a"), contact("b")]);
      await client.nack(c.id, tokensOf(await client.next(c.id, { batch_size: 2 })));
      const leased = await client.next(c.id, { batch_size: 1 });
      expect(leased.data[0]?.deliver_count).toBe(2);
      expect((await client.consumers.rewind(c.id)).info).toEqual({
        num_pending: 2,
        num_ack_pending: 0,
        num_dead_letters: 0,
      });
      // Its lease would still run: the token finishes nothing and says the delivery is gone.
      expect(await client.ack(c.id, tokensOf(leased))).toEqual({
        success: true,
        count: 0,
        unknown_ack_tokens: [],
        settled_ack_tokens: tokensOf(leased),
      });
      const again = await client.next(c.id, { batch_size: 10 });
      expect(upstreamIds(again)).toEqual(["a", "b"]);
      expect(counts(again)).toEqual([1, 1]);
    },
  },
  {
    area: "rewind",
    name: "rewind is idempotent and answers the counts right after it; messages before the point and dead letters keep their state",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ max_deliver: 1 });
      const written = await upsert([contact("dead"), contact("held"), contact("b"), contact("c")]);
      await client.nack(c.id, tokensOf(await client.next(c.id, { batch_size: 1 })));
      const held = await client.next(c.id, { batch_size: 1 });
      expect(upstreamIds(held)).toEqual(["held"]);
      await drain(client, c.id);
      const point = { from_updated_idx: written[2]?.updated_idx ?? 0 };
      const once = await client.consumers.rewind(c.id, point);
      expect(once).toEqual({ info: { num_pending: 2, num_ack_pending: 1, num_dead_letters: 1 } });
      expect(await client.consumers.rewind(c.id, point)).toEqual(once);
      expect(upstreamIds(await client.next(c.id, { batch_size: 10 }))).toEqual(["b", "c"]);
      // The message before the point is still leased under its token.
      expect(await client.ack(c.id, tokensOf(held))).toMatchObject({ count: 1 });
      expect(
        (await client.deadLetters.list(c.id).toArray()).map((d) => d.record?.upstream_id),
      ).toEqual(["dead"]);
    },
  },
  {
    area: "rewind",
    name: "rewind with the other kind's field is a 422 naming it",
    async run({ client, consumer }) {
      const records = await consumer();
      const events = await consumer({ kind: "event" });
      const seq = await expectError(
        client.consumers.rewind(records.id, { from_seq: 1 }),
        422,
        "validation_failed",
      );
      expect(detailPaths(seq)).toEqual(["from_seq"]);
      const idx = await expectError(
        client.consumers.rewind(events.id, { from_updated_idx: 0 }),
        422,
        "validation_failed",
      );
      expect(detailPaths(idx)).toEqual(["from_updated_idx"]);
    },
  },
];
