import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, tokensOf, upstreamIds } from "./helpers.js";

export const longPollScenarios: Scenario[] = [
  {
    area: "long-poll",
    name: "a long-poll returns as soon as a record arrives, well before wait_for",
    clock:
      "waits until the poll is parked (mock: exactly; servers: a short pause), then writes; no time passes on the mock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer();
      const mark = target.mark();
      const start = target.now();
      const poll = client.next(c.id, { batch_size: 10, wait_for: 20_000 });
      await mark.parked(poll);
      await upsert([contact("late")]);
      const result = await poll;
      expect(upstreamIds(result)).toEqual(["late"]);
      expect(target.now() - start).toBeLessThan(10_000);
    },
  },
  {
    area: "long-poll",
    name: "a long-poll with nothing to lease answers empty data after wait_for",
    clock: "servers wait 400 ms for real; the mock advances its clock by 400 ms",
    async run({ client, consumer, target }) {
      const c = await consumer();
      const mark = target.mark();
      const start = target.now();
      const poll = client.next(c.id, { batch_size: 10, wait_for: 400 });
      await mark.parked(poll);
      await target.advance(400);
      const result = await poll;
      expect(result).toEqual({ data: [], info: { num_pending: 0, num_ack_pending: 0 } });
      // A timer may fire a few ms early on a loaded machine; the spec's point is "not at once".
      expect(target.now() - start).toBeGreaterThanOrEqual(380);
    },
  },
  {
    area: "long-poll",
    name: "a long-poll returns a message whose lease expires while it waits",
    clock: "ack_wait_ms 300: servers wait for real; the mock advances its clock past the lease",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 300 });
      await upsert([contact("a")]);
      const first = await client.next(c.id);
      expect(first.data[0]?.deliver_count).toBe(1);
      const mark = target.mark();
      const poll = client.next(c.id, { wait_for: 20_000 });
      await mark.parked(poll);
      await target.advance(350);
      const again = await poll;
      expect(upstreamIds(again)).toEqual(["a"]);
      expect(again.data[0]?.deliver_count).toBe(2);
    },
  },
  {
    area: "long-poll",
    name: "a long-poll wakes up when another worker nacks",
    clock: "waits until the poll is parked; nothing else depends on time",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer();
      await upsert([contact("a")]);
      const held = await client.next(c.id);
      const mark = target.mark();
      const start = target.now();
      const poll = client.next(c.id, { wait_for: 20_000 });
      await mark.parked(poll);
      expect(await client.nack(c.id, tokensOf(held))).toMatchObject({ count: 1 });
      const result = await poll;
      expect(upstreamIds(result)).toEqual(["a"]);
      expect(result.data[0]?.deliver_count).toBe(2);
      expect(target.now() - start).toBeLessThan(10_000);
    },
  },
];
