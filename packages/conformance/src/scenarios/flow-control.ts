import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, tokensOf, upstreamIds } from "./helpers.js";

export const flowControlScenarios: Scenario[] = [
  {
    area: "max_ack_pending",
    name: "max_ack_pending caps leased messages across calls; acks free room",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ max_ack_pending: 2 });
      await upsert(["a", "b", "c", "d", "e"].map((id) => contact(id)));
      const first = await client.next(c.id, { batch_size: 10 });
      expect(upstreamIds(first)).toEqual(["a", "b"]);
      const blocked = await client.next(c.id, { batch_size: 10 });
      expect(blocked).toEqual({ data: [], info: { num_pending: 3, num_ack_pending: 2 } });
      await client.ack(c.id, tokensOf(first).slice(0, 1));
      expect(upstreamIds(await client.next(c.id, { batch_size: 10 }))).toEqual(["c"]);
    },
  },
  {
    area: "max_ack_pending",
    name: "a long-poll held back by max_ack_pending answers once an ack frees room",
    clock: "waits until the poll is parked; nothing else depends on time",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ max_ack_pending: 1 });
      await upsert([contact("a"), contact("b")]);
      const held = await client.next(c.id);
      const mark = target.mark();
      const poll = client.next(c.id, { wait_for: 20_000 });
      await mark.parked(poll);
      await client.ack(c.id, tokensOf(held));
      expect(upstreamIds(await poll)).toEqual(["b"]);
    },
  },
  {
    area: "max_ack_pending",
    name: "raising max_ack_pending with PATCH lets more messages out",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ max_ack_pending: 1 });
      await upsert([contact("a"), contact("b"), contact("c")]);
      expect(upstreamIds(await client.next(c.id, { batch_size: 10 }))).toEqual(["a"]);
      const updated = await client.consumers.update(c.id, { max_ack_pending: 3 });
      expect(updated.max_ack_pending).toBe(3);
      expect(upstreamIds(await client.next(c.id, { batch_size: 10 }))).toEqual(["b", "c"]);
    },
  },
  {
    area: "extend",
    name: "extend keeps a lease alive past ack_wait_ms; the ack still works",
    clock:
      "ack_wait_ms 1000 (room for the extend call on a slow machine): servers wait 1050 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 1000 });
      await upsert([contact("a")]);
      const leased = await client.next(c.id);
      const extended = await client.extendLeases(c.id, tokensOf(leased), { extend_ms: 60_000 });
      expect(extended).toEqual({ success: true, count: 1, unknown_ack_tokens: [] });
      await target.advance(1050);
      expect((await client.next(c.id)).data).toEqual([]);
      expect(await client.ack(c.id, tokensOf(leased))).toMatchObject({ count: 1 });
    },
  },
  {
    area: "extend",
    name: "extend without extend_ms extends by the consumer's ack_wait_ms",
    clock:
      "ack_wait_ms 1000: servers wait 3 x 600 ms for real (280 ms of room each side); the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 1000 });
      await upsert([contact("a")]);
      const leased = await client.next(c.id);
      await target.advance(600);
      expect(await client.extendLeases(c.id, tokensOf(leased))).toMatchObject({ count: 1 });
      // Past the first lease: still held by the extension.
      await target.advance(600);
      expect((await client.next(c.id)).data).toEqual([]);
      // Past the extension (1000 ms from the extend call): delivered again.
      await target.advance(600);
      const again = await client.next(c.id);
      expect(upstreamIds(again)).toEqual(["a"]);
      expect(again.data[0]?.deliver_count).toBe(2);
    },
  },
  {
    area: "extend",
    name: "extend of an expired lease lists its token as unknown and does not revive it",
    clock: "ack_wait_ms 300: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 300 });
      await upsert([contact("a")]);
      const tokens = tokensOf(await client.next(c.id));
      await target.advance(350);
      expect(await client.extendLeases(c.id, tokens, { extend_ms: 60_000 })).toEqual({
        success: true,
        count: 0,
        unknown_ack_tokens: tokens,
      });
      const again = await client.next(c.id);
      expect(upstreamIds(again)).toEqual(["a"]);
      expect(again.data[0]?.deliver_count).toBe(2);
    },
  },
  {
    area: "extend",
    name: "extend of a delivery acked while its lease ran lists its token as settled",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a")]);
      const tokens = tokensOf(await client.next(c.id));
      await client.ack(c.id, tokens);
      expect(await client.extendLeases(c.id, tokens)).toEqual({
        success: true,
        count: 0,
        unknown_ack_tokens: [],
        settled_ack_tokens: tokens,
      });
    },
  },
];
