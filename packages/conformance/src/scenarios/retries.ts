import type { SequinClient } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, recordsOf, tokensOf, upstreamIds } from "./helpers.js";

/** Leases the one message, expects it, and nacks it with `body`; returns its deliver_count. */
async function leaseAndNack(
  client: SequinClient,
  consumer: string,
  body: Parameters<SequinClient["nack"]>[2] = {},
): Promise<number | undefined> {
  const leased = await client.next(consumer);
  expect(upstreamIds(leased)).toEqual(["a"]);
  expect(await client.nack(consumer, tokensOf(leased), body)).toMatchObject({ count: 1 });
  return leased.data[0]?.deliver_count;
}

/** Milliseconds from `from` to a peeked message's retry_at (NaN when it is null). */
async function retryIn(client: SequinClient, consumer: string, from: number): Promise<number> {
  const [message] = (await client.consumers.peek(consumer)).data;
  return Date.parse(message?.retry_at ?? "") - from;
}

export const retryScenarios: Scenario[] = [
  {
    area: "retries",
    name: "a nack with delay_ms keeps the message back that long (peek shows retry_at), then delivers it",
    clock: "delay_ms 300: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer();
      await upsert([contact("a")]);
      const before = target.now();
      await leaseAndNack(client, c.id, { delay_ms: 300 });
      // Without the delay the default backoff would hand it out at once after a first delivery.
      expect(await client.next(c.id)).toEqual({
        data: [],
        info: { num_pending: 1, num_ack_pending: 0 },
      });
      const peeked = await client.consumers.peek(c.id);
      expect(peeked.data[0]).toMatchObject({
        state: "pending",
        deliver_count: 1,
        lease_expires_at: null,
        last_error: null,
      });
      const wait = await retryIn(client, c.id, before);
      expect(wait).toBeGreaterThanOrEqual(295);
      expect(wait).toBeLessThan(1300);
      await target.advance(350);
      const again = await client.next(c.id);
      expect(upstreamIds(again)).toEqual(["a"]);
      expect(again.data[0]?.deliver_count).toBe(2);
      expect((await client.consumers.peek(c.id)).data[0]).toMatchObject({
        state: "leased",
        retry_at: null,
      });
    },
  },
  {
    area: "retries",
    name: "a nack with delay_ms 0 hands the message out again at once, whatever backoff_ms says",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ backoff_ms: [60_000] });
      await upsert([contact("a")]);
      expect(await leaseAndNack(client, c.id, { delay_ms: 0 })).toBe(1);
      expect(await leaseAndNack(client, c.id, { delay_ms: 0 })).toBe(2);
      // Without delay_ms the consumer's backoff applies: a minute.
      const third = await client.next(c.id);
      expect(third.data[0]?.deliver_count).toBe(3);
      await client.nack(c.id, tokensOf(third));
      expect((await client.next(c.id)).data).toEqual([]);
      expect((await client.consumers.peek(c.id)).data[0]?.retry_at).not.toBeNull();
    },
  },
  {
    area: "retries",
    name: "the default backoff_ms [0, 1000, 5000, 30000]: again at once after a first failure, after 1 s after a second",
    clock:
      "servers wait 500 ms, then 600 ms more, for real; the mock advances its clock by the same",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer();
      expect(c.backoff_ms).toEqual([0, 1000, 5000, 30000]);
      await upsert([contact("a")]);
      expect(await leaseAndNack(client, c.id)).toBe(1);
      const before = target.now();
      expect(await leaseAndNack(client, c.id)).toBe(2);
      const wait = await retryIn(client, c.id, before);
      expect(wait).toBeGreaterThanOrEqual(995);
      expect(wait).toBeLessThan(2000);
      await target.advance(500);
      expect((await client.next(c.id)).data).toEqual([]);
      await target.advance(600);
      const third = await client.next(c.id);
      expect(upstreamIds(third)).toEqual(["a"]);
      expect(third.data[0]?.deliver_count).toBe(3);
    },
  },
  {
    area: "retries",
    name: "a consumer's own backoff_ms: its last value repeats; a change applies to later nacks",
    clock: "backoff_ms [300]: servers wait 350 ms for real, twice; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ backoff_ms: [300] });
      expect((await client.consumers.get(c.id)).backoff_ms).toEqual([300]);
      await upsert([contact("a")]);
      for (const count of [1, 2]) {
        expect(await leaseAndNack(client, c.id)).toBe(count);
        // The default schedule would hand the first failure out at once.
        expect((await client.next(c.id)).data).toEqual([]);
        await target.advance(350);
      }
      await client.consumers.update(c.id, { backoff_ms: [0] });
      expect(await leaseAndNack(client, c.id)).toBe(3);
      expect((await client.next(c.id)).data[0]?.deliver_count).toBe(4);
    },
  },
  {
    area: "retries",
    name: "a lease that runs out waits out the backoff too, counted from the lease's end",
    clock:
      "ack_wait_ms 300, backoff_ms [0, 500]: servers wait 350, 350 and 500 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 300, backoff_ms: [0, 500] });
      await upsert([contact("a")]);
      await client.next(c.id);
      await target.advance(350);
      const second = await client.next(c.id);
      expect(second.data[0]?.deliver_count).toBe(2);
      await target.advance(350);
      // The second lease ran out: back after 500 ms more, not at once.
      expect((await client.next(c.id)).data).toEqual([]);
      const leaseEnd = Date.parse(second.data[0]?.lease_expires_at ?? "");
      const wait = await retryIn(client, c.id, leaseEnd);
      expect(Math.abs(wait - 500)).toBeLessThanOrEqual(5);
      await target.advance(500);
      expect((await client.next(c.id)).data[0]?.deliver_count).toBe(3);
    },
  },
  {
    area: "retries",
    name: "a nack's reason is the message's last error in peek and in its dead letter; a nack without one keeps it",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ max_deliver: 3, backoff_ms: [0] });
      await upsert([contact("a")]);
      await leaseAndNack(client, c.id, { reason: "connect ECONNREFUSED" });
      expect((await client.consumers.peek(c.id)).data[0]).toMatchObject({
        deliver_count: 1,
        retry_at: null,
        last_error: "connect ECONNREFUSED",
      });
      await leaseAndNack(client, c.id);
      expect((await client.consumers.peek(c.id)).data[0]?.last_error).toBe("connect ECONNREFUSED");
      await leaseAndNack(client, c.id, { reason: "timeout" });
      const dead = await client.deadLetters.list(c.id).toArray();
      expect(dead).toMatchObject([
        {
          deliver_count: 3,
          cause: "max_deliver",
          last_error: "timeout",
          record: { upstream_id: "a" },
        },
      ]);
    },
  },
  {
    area: "retries",
    name: "a record written again while it waits out a nack's delay is delivered at once, in its new version, counted from 1",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a")]);
      await leaseAndNack(client, c.id, { delay_ms: 60_000 });
      expect((await client.next(c.id)).data).toEqual([]);
      await upsert([contact("a", { Name: "a2" })]);
      const again = await client.next(c.id);
      expect(recordsOf(again).map((r) => r.data)).toEqual([{ Name: "a2" }]);
      expect(again.data[0]?.deliver_count).toBe(1);
    },
  },
  {
    area: "retries",
    name: "a lease that runs out at max_deliver makes a dead letter without waiting out the backoff",
    clock: "ack_wait_ms 300: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 300, max_deliver: 1, backoff_ms: [60_000] });
      await upsert([contact("a"), contact("b")]);
      const first = await client.next(c.id);
      expect(upstreamIds(first)).toEqual(["a"]);
      await target.advance(350);
      // Not delivered again, and not held back a minute: a dead letter now, and b is next.
      expect((await client.consumers.peek(c.id)).data[0]?.retry_at ?? null).toBeNull();
      expect(upstreamIds(await client.next(c.id))).toEqual(["b"]);
      const dead = await client.deadLetters.list(c.id).toArray();
      expect(dead).toMatchObject([
        { deliver_count: 1, cause: "max_deliver", record: { upstream_id: "a" } },
      ]);
    },
  },
];
