import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, recordsOf, tokensOf, upstreamIds } from "./helpers.js";

export const deadLetterScenarios: Scenario[] = [
  {
    area: "dead letters",
    name: "after max_deliver nacked deliveries a message becomes a dead letter, visible to operators",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ max_deliver: 2 });
      const [written] = await upsert([contact("poison"), contact("fine")]);
      for (const expected of [1, 2]) {
        const result = await client.next(c.id);
        expect(upstreamIds(result)).toEqual(["poison"]);
        expect(result.data[0]?.deliver_count).toBe(expected);
        await client.nack(c.id, tokensOf(result));
      }
      const after = await client.next(c.id, { batch_size: 10 });
      expect(upstreamIds(after)).toEqual(["fine"]);
      expect(after.info).toEqual({ num_pending: 0, num_ack_pending: 1 });
      const dead = await client.deadLetters.list(c.id).toArray();
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({
        deliver_count: 2,
        cause: "max_deliver",
        last_error: null,
        record: { id: written?.id },
      });
      expect(typeof dead[0]?.id).toBe("string");
      expect(typeof dead[0]?.dead_at).toBe("string");
    },
  },
  {
    area: "dead letters",
    name: "lease expiries count as deliveries towards max_deliver",
    clock: "ack_wait_ms 300: servers wait 350 ms for real, twice; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      // backoff_ms [0]: what counts here is the deliveries, not how long the second retry waits.
      const c = await consumer({ max_deliver: 2, ack_wait_ms: 300, backoff_ms: [0] });
      await upsert([contact("slow")]);
      expect((await client.next(c.id)).data[0]?.deliver_count).toBe(1);
      await target.advance(350);
      expect((await client.next(c.id)).data[0]?.deliver_count).toBe(2);
      await target.advance(350);
      expect((await client.next(c.id)).data).toEqual([]);
      const dead = await client.deadLetters.list(c.name).toArray();
      expect(dead.map((d) => [d.record?.upstream_id, d.deliver_count])).toEqual([["slow", 2]]);
    },
  },
  {
    area: "dead letters",
    name: "a lease that expires at max_deliver is dead-lettered, and the same next leases the message after it",
    clock: "ack_wait_ms 300: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ max_deliver: 1, ack_wait_ms: 300 });
      await upsert([contact("slow"), contact("next")]);
      const first = await client.next(c.id, { batch_size: 1 });
      expect(upstreamIds(first)).toEqual(["slow"]);
      await target.advance(350);
      // The expired message was the oldest: it goes to dead letters and the lease looks further.
      expect(upstreamIds(await client.next(c.id, { batch_size: 1 }))).toEqual(["next"]);
      const dead = await client.deadLetters.list(c.id).toArray();
      expect(dead.map((d) => d.record?.upstream_id)).toEqual(["slow"]);
      expect(await client.ack(c.id, tokensOf(first))).toMatchObject({
        count: 0,
        unknown_ack_tokens: tokensOf(first),
      });
    },
  },
  {
    area: "dead letters",
    name: "redrive by id makes a dead letter pending again, fresh count, latest version",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ max_deliver: 1 });
      await upsert([contact("a", { v: 1 }), contact("b", { v: 1 })]);
      await client.nack(c.id, tokensOf(await client.next(c.id, { batch_size: 2 })));
      expect((await client.next(c.id)).data).toEqual([]);
      const dead = await client.deadLetters.list(c.id).toArray();
      expect(dead.map((d) => d.record?.upstream_id).sort()).toEqual(["a", "b"]);
      // A record written while dead is redelivered in its latest version.
      await upsert([contact("a", { v: 2 })]);
      const a = dead.find((d) => d.record?.upstream_id === "a");
      expect(await client.deadLetters.redrive(c.id, { ids: [a?.id ?? ""] })).toEqual({ count: 1 });
      const again = await client.next(c.id, { batch_size: 10 });
      expect(recordsOf(again).map((r) => [r.upstream_id, r.data])).toEqual([["a", { v: 2 }]]);
      expect(again.data[0]?.deliver_count).toBe(1);
      const left = await client.deadLetters.list(c.id).toArray();
      expect(left.map((d) => d.record?.upstream_id)).toEqual(["b"]);
    },
  },
  {
    area: "dead letters",
    name: "redrive without ids redrives every dead letter; unknown ids count 0",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ max_deliver: 1, kind: "record" });
      await upsert([contact("a"), contact("b"), contact("c")]);
      await client.nack(c.id, tokensOf(await client.next(c.id, { batch_size: 3 })));
      expect((await client.next(c.id)).data).toEqual([]);
      expect(await client.deadLetters.redrive(c.id, { ids: ["999999999"] })).toEqual({ count: 0 });
      expect(await client.deadLetters.redrive(c.id)).toEqual({ count: 3 });
      expect(await client.deadLetters.list(c.id).toArray()).toEqual([]);
      const again = await client.next(c.id, { batch_size: 10 });
      expect(upstreamIds(again).sort()).toEqual(["a", "b", "c"]);
    },
  },
  {
    area: "dead letters",
    name: "events become dead letters too and carry the event",
    async run({ client, consumer, streamId }) {
      const c = await consumer({ kind: "event", max_deliver: 1 });
      await client.events.append(streamId, [{ collection_id: "x:y", action: "boom", data: {} }]);
      await client.nack(c.id, tokensOf(await client.next(c.id)));
      expect((await client.next(c.id)).data).toEqual([]);
      const dead = await client.deadLetters.list(c.id).toArray();
      expect(dead.map((d) => [d.event?.action, d.deliver_count, d.record])).toEqual([
        ["boom", 1, undefined],
      ]);
    },
  },
];
