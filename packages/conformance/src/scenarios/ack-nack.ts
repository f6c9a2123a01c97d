import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, recordsOf, tokensOf, upstreamIds } from "./helpers.js";

export const ackNackScenarios: Scenario[] = [
  {
    area: "ack",
    name: "ack finishes deliveries; acking again while the lease would run lists the tokens as settled",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a"), contact("b")]);
      const leased = await client.next(c.id, { batch_size: 10 });
      const tokens = tokensOf(leased);
      expect(await client.ack(c.id, tokens)).toEqual({
        success: true,
        count: 2,
        unknown_ack_tokens: [],
      });
      expect(await client.next(c.id, { batch_size: 10 })).toEqual({
        data: [],
        info: { num_pending: 0, num_ack_pending: 0 },
      });
      // An ack retried after its answer was lost: the worker learns the message is finished.
      expect(await client.ack(c.id, tokens)).toEqual({
        success: true,
        count: 0,
        unknown_ack_tokens: [],
        settled_ack_tokens: tokens,
      });
    },
  },
  {
    area: "ack",
    name: "a token settled once its lease ran out is unknown, not settled",
    clock: "ack_wait_ms 300: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 300 });
      await upsert([contact("a")]);
      const tokens = tokensOf(await client.next(c.id));
      expect(await client.ack(c.id, tokens)).toMatchObject({ count: 1 });
      await target.advance(350);
      expect(await client.ack(c.id, tokens)).toEqual({
        success: true,
        count: 0,
        unknown_ack_tokens: tokens,
      });
    },
  },
  {
    area: "ack",
    name: "a well-formed token that was never issued is listed as unknown beside those that ack",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a")]);
      const tokens = tokensOf(await client.next(c.id));
      // The token format (delivery 1, a zero lease id) but no delivery of this consumer.
      const never = "AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAA";
      expect(await client.ack(c.id, [...tokens, never])).toEqual({
        success: true,
        count: 1,
        unknown_ack_tokens: [never],
      });
    },
  },
  {
    area: "ack",
    name: "an ack of some tokens finishes only those; the rest stay leased",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a"), contact("b"), contact("c")]);
      const leased = await client.next(c.id, { batch_size: 3 });
      const [ta, , tc] = tokensOf(leased);
      expect(await client.ack(c.id, [ta ?? "", tc ?? ""])).toMatchObject({ count: 2 });
      const info = (await client.next(c.id, { batch_size: 3 })).info;
      expect(info).toEqual({ num_pending: 0, num_ack_pending: 1 });
    },
  },
  {
    area: "ack",
    name: "a token of another consumer acks nothing there and is listed as unknown",
    async run({ client, consumer, upsert }) {
      const one = await consumer();
      const two = await consumer();
      await upsert([contact("a")]);
      const fromOne = tokensOf(await client.next(one.id));
      expect(await client.ack(two.id, fromOne)).toEqual({
        success: true,
        count: 0,
        unknown_ack_tokens: fromOne,
      });
      // Still leased in the first consumer: the ack there works.
      expect(await client.ack(one.id, fromOne)).toMatchObject({ count: 1 });
      expect(upstreamIds(await client.next(two.id))).toEqual(["a"]);
    },
  },
  {
    area: "nack",
    name: "nack makes messages available again at once, with deliver_count 2",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a"), contact("b")]);
      const leased = await client.next(c.id, { batch_size: 2 });
      expect(await client.nack(c.id, tokensOf(leased))).toEqual({
        success: true,
        count: 2,
        unknown_ack_tokens: [],
      });
      const again = await client.next(c.id, { batch_size: 10 });
      expect(upstreamIds(again)).toEqual(["a", "b"]);
      expect(again.data.map((m) => m.deliver_count)).toEqual([2, 2]);
      expect(recordsOf(again).map((r) => r.id)).toEqual(recordsOf(leased).map((r) => r.id));
      // The nacked delivery is over: its token neither acks nor nacks any more.
      expect(await client.nack(c.id, tokensOf(leased))).toMatchObject({ count: 0 });
      expect(await client.ack(c.id, tokensOf(leased))).toMatchObject({ count: 0 });
      expect(await client.ack(c.id, tokensOf(again))).toMatchObject({ count: 2 });
    },
  },
];
