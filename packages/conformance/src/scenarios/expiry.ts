import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, tokensOf, upstreamIds } from "./helpers.js";

export const expiryScenarios: Scenario[] = [
  {
    area: "lease expiry",
    name: "an expired lease is delivered again with a higher deliver_count",
    clock: "ack_wait_ms 300: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 300 });
      await upsert([contact("a")]);
      const first = await client.next(c.id);
      expect(first.data[0]?.deliver_count).toBe(1);
      await target.advance(350);
      const second = await client.next(c.id);
      expect(upstreamIds(second)).toEqual(["a"]);
      expect(second.data[0]?.deliver_count).toBe(2);
      expect(second.data[0]?.ack_token).not.toBe(first.data[0]?.ack_token);
    },
  },
  {
    area: "lease expiry",
    name: "the token of an earlier delivery cannot ack (or nack) the newer delivery",
    clock: "ack_wait_ms 300: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 300 });
      await upsert([contact("a")]);
      const old = tokensOf(await client.next(c.id));
      await target.advance(350);
      // The second delivery gets a long lease, so it cannot expire while this scenario runs.
      await client.consumers.update(c.id, { ack_wait_ms: 60_000 });
      const fresh = await client.next(c.id);
      expect(fresh.data[0]?.deliver_count).toBe(2);
      expect(await client.ack(c.id, old)).toEqual({
        success: true,
        count: 0,
        unknown_ack_tokens: old,
      });
      expect(await client.nack(c.id, old)).toMatchObject({ count: 0, unknown_ack_tokens: old });
      expect((await client.next(c.id)).info).toEqual({ num_pending: 0, num_ack_pending: 1 });
      expect(await client.ack(c.id, tokensOf(fresh))).toMatchObject({ count: 1 });
      expect((await client.next(c.id)).info).toEqual({ num_pending: 0, num_ack_pending: 0 });
    },
  },
  {
    area: "lease expiry",
    name: "an expired lease that nobody leased again can still be acked",
    clock: "ack_wait_ms 300: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 300 });
      await upsert([contact("a")]);
      const tokens = tokensOf(await client.next(c.id));
      await target.advance(350);
      expect(await client.ack(c.id, tokens)).toEqual({
        success: true,
        count: 1,
        unknown_ack_tokens: [],
      });
      expect(await client.next(c.id)).toEqual({
        data: [],
        info: { num_pending: 0, num_ack_pending: 0 },
      });
    },
  },
  {
    area: "lease expiry",
    name: "ack_wait_ms set on the consumer is the lease length (lease_expires_at)",
    async run({ client, consumer, upsert, target }) {
      const c = await consumer({ ack_wait_ms: 45_000 });
      await upsert([contact("a")]);
      const before = target.now();
      const [message] = (await client.next(c.id)).data;
      const expires = Date.parse(message?.lease_expires_at ?? "");
      // Within a few seconds of now + 45 s (clock of the target, request latency).
      expect(expires - before).toBeGreaterThan(40_000);
      expect(expires - before).toBeLessThan(50_000);
    },
  },
];
