import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, tokensOf, upstreamIds } from "./helpers.js";

export const pauseScenarios: Scenario[] = [
  {
    area: "pause",
    name: "a paused consumer answers next with nothing (and its counts) until it is resumed",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a")]);
      expect(await client.consumers.update(c.id, { paused: true })).toMatchObject({
        paused: true,
        paused_until: null,
      });
      expect(await client.consumers.get(c.id)).toMatchObject({ paused: true, paused_until: null });
      expect(await client.next(c.id, { batch_size: 10 })).toEqual({
        data: [],
        info: { num_pending: 1, num_ack_pending: 0 },
      });
      expect((await client.consumers.peek(c.id)).info.num_pending).toBe(1);
      expect(await client.consumers.update(c.id, { paused: false })).toMatchObject({
        paused: false,
        paused_until: null,
      });
      expect(upstreamIds(await client.next(c.id))).toEqual(["a"]);
    },
  },
  {
    area: "pause",
    name: "a long-poll on a paused consumer waits, and answers as soon as the consumer is resumed",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer();
      await upsert([contact("a")]);
      await client.consumers.update(c.id, { paused: true });
      const start = target.now();
      let answered = false;
      const mark = target.mark();
      const poll = client.next(c.id, { wait_for: 10_000 }).finally(() => {
        answered = true;
      });
      await mark.parked(poll);
      expect(answered).toBe(false);
      await client.consumers.update(c.id, { paused_until: null });
      const result = await poll;
      expect(upstreamIds(result)).toEqual(["a"]);
      expect(target.now() - start).toBeLessThan(10_000);
    },
  },
  {
    area: "pause",
    name: "a timed pause (paused_until) ends by itself: a parked long-poll is answered and the consumer shows paused false",
    clock: "paused_until 300 ms ahead: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer();
      await upsert([contact("a")]);
      const until = new Date(target.now() + 300).toISOString();
      const paused = await client.consumers.update(c.id, { paused_until: until });
      expect(paused.paused).toBe(true);
      expect(Date.parse(paused.paused_until ?? "")).toBe(Date.parse(until));
      expect((await client.next(c.id)).data).toEqual([]);
      const mark = target.mark();
      const poll = client.next(c.id, { wait_for: 10_000 });
      await mark.parked(poll);
      await target.advance(350);
      expect(upstreamIds(await poll)).toEqual(["a"]);
      expect(await client.consumers.get(c.id)).toMatchObject({ paused: false, paused_until: null });
    },
  },
  {
    area: "pause",
    name: "leases out when a consumer is paused can still be acked, nacked, extended and terminated",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert(["a", "b", "c"].map((id) => contact(id)));
      const [ta, tb, tc] = tokensOf(await client.next(c.id, { batch_size: 3 }));
      await client.consumers.update(c.id, { paused: true });
      expect(await client.extendLeases(c.id, [ta ?? ""])).toMatchObject({ count: 1 });
      expect(await client.ack(c.id, [ta ?? ""])).toMatchObject({ count: 1 });
      expect(await client.nack(c.id, [tb ?? ""], { delay_ms: 0 })).toMatchObject({ count: 1 });
      expect(await client.term(c.id, [tc ?? ""])).toMatchObject({ count: 1 });
      // The nacked message waits for the resume.
      expect(await client.next(c.id)).toEqual({
        data: [],
        info: { num_pending: 1, num_ack_pending: 0 },
      });
      expect((await client.consumers.peek(c.id)).info).toEqual({
        num_pending: 1,
        num_ack_pending: 0,
        num_dead_letters: 1,
      });
      await client.consumers.update(c.id, { paused: false });
      expect(upstreamIds(await client.next(c.id))).toEqual(["b"]);
    },
  },
];
