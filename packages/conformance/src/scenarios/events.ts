import type { EventInput } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, eventsOf, tokensOf } from "./helpers.js";

const ping = (n: number, collection = "stripe:charge"): EventInput => ({
  collection_id: collection,
  action: "ping",
  data: { n },
});

export const eventScenarios: Scenario[] = [
  {
    area: "events",
    name: "record changes produce created, updated and deleted events, delivered in order with changes",
    async run({ client, consumer, upsert }) {
      // ordering none: the three events of one record in one batch (per_key hands out one at a time).
      const c = await consumer({ kind: "event", ordering: "none" });
      const [created] = await upsert([contact("a", { Name: "Paul", Email: "p@a.org" })]);
      await upsert([contact("a", { Name: "Paul", Email: "p@c.org" })]);
      await upsert([contact("a", { Name: "Paul", Email: "p@c.org" }, { deleted: true })]);
      const result = await client.next(c.id, { batch_size: 10 });
      const events = eventsOf(result);
      expect(events.map((e) => e.action)).toEqual(["created", "updated", "deleted"]);
      expect(events.every((e) => e.record_id === created?.id && e.upstream_id === "a")).toBe(true);
      expect(events[1]?.changes).toEqual({ Email: "p@a.org" });
      expect(events[1]?.data).toEqual({ Name: "Paul", Email: "p@c.org" });
      const seqs = events.map((e) => e.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      const idx = events.map((e) => e.updated_idx ?? 0);
      expect([...idx].sort((x, y) => x - y)).toEqual(idx);
    },
  },
  {
    area: "events",
    name: "appended events are delivered in stream order across batches",
    async run({ client, consumer, streamId }) {
      const c = await consumer({ kind: "event" });
      const appended = await client.events.append(
        streamId,
        [1, 2, 3, 4, 5].map((n) => ping(n)),
      );
      expect(appended.map((e) => e.data.n)).toEqual([1, 2, 3, 4, 5]);
      const seen: number[] = [];
      for (let i = 0; i < 3; i++) {
        const result = await client.next(c.id, { batch_size: 2 });
        seen.push(...eventsOf(result).map((e) => Number(e.data.n)));
        await client.ack(c.id, tokensOf(result));
      }
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      expect(appended.map((e) => e.seq)).toEqual(
        [...appended.map((e) => e.seq)].sort((x, y) => x - y),
      );
    },
  },
  {
    area: "events",
    name: "a nacked event is delivered again before later events",
    async run({ client, consumer, streamId }) {
      const c = await consumer({ kind: "event" });
      await client.events.append(streamId, [ping(1), ping(2), ping(3)]);
      const first = await client.next(c.id, { batch_size: 2 });
      const [t1, t2] = tokensOf(first);
      await client.ack(c.id, [t2 ?? ""]);
      await client.nack(c.id, [t1 ?? ""]);
      const next = await client.next(c.id, { batch_size: 2 });
      expect(eventsOf(next).map((e) => e.data.n)).toEqual([1, 3]);
      expect(next.data.map((m) => m.deliver_count)).toEqual([2, 1]);
    },
  },
  {
    area: "events",
    name: "events list in seq order; an appended event has null record fields",
    async run({ client, streamId, upsert }) {
      await upsert([contact("a")]);
      await client.events.append(streamId, [ping(7)]);
      const events = await client.events.list(streamId).toArray();
      expect(events.map((e) => e.action)).toEqual(["created", "ping"]);
      expect(events[1]).toMatchObject({
        record_id: null,
        updated_idx: null,
        collection_id: "stripe:charge",
        data: { n: 7 },
        stream_id: streamId,
      });
      expect(events[0]?.seq).toBeLessThan(events[1]?.seq ?? 0);
    },
  },
];
