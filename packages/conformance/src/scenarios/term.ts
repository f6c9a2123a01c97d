import type { EventInput } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import {
  contact,
  detailPaths,
  eventsOf,
  expectError,
  recordsOf,
  tokensOf,
  upstreamIds,
} from "./helpers.js";

/** Events of one record (`upstream_id` k), so a per_key consumer hands them out one at a time. */
const sameKey = (...actions: string[]): EventInput[] =>
  actions.map((action) => ({ collection_id: "x:y", upstream_id: "k", action, data: {} }));

export const termScenarios: Scenario[] = [
  {
    area: "term",
    name: "term makes a delivery a dead letter at once (cause terminated, its reason), whatever max_deliver says",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      const [written] = await upsert([contact("a"), contact("b")]);
      const leased = await client.next(c.id, { batch_size: 2 });
      const [ta, tb] = tokensOf(leased);
      expect(
        await client.term(c.id, [ta ?? ""], { reason: "Contact has no email address" }),
      ).toEqual({
        success: true,
        count: 1,
        unknown_ack_tokens: [],
      });
      const dead = await client.deadLetters.list(c.id).toArray();
      expect(dead).toMatchObject([
        {
          deliver_count: 1,
          cause: "terminated",
          last_error: "Contact has no email address",
          record: { id: written?.id, upstream_id: "a" },
        },
      ]);
      // "a" is gone from delivery; "b" is still leased.
      expect(await client.next(c.id)).toEqual({
        data: [],
        info: { num_pending: 0, num_ack_pending: 1 },
      });
      expect(await client.ack(c.id, [tb ?? ""])).toMatchObject({ count: 1 });
      // Without a reason, the message's last error (none here) stays: null.
      await upsert([contact("c")]);
      await client.term(c.id, tokensOf(await client.next(c.id)));
      const second = (await client.deadLetters.list(c.id).toArray())[1];
      expect(second).toMatchObject({
        cause: "terminated",
        last_error: null,
        record: { upstream_id: "c" },
      });
    },
  },
  {
    area: "term",
    name: "term lists a token settled already as settled, one never issued as unknown; a malformed one is a 400",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a"), contact("b")]);
      const [ta, tb] = tokensOf(await client.next(c.id, { batch_size: 2 }));
      await client.ack(c.id, [ta ?? ""]);
      const never = "AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAA";
      const mixed = await client.term(c.id, [ta ?? "", never, tb ?? ""], { reason: "r" });
      expect(mixed).toEqual({
        success: true,
        count: 1,
        unknown_ack_tokens: [never],
        settled_ack_tokens: [ta],
      });
      expect(await client.term(c.id, [tb ?? ""])).toEqual({
        success: true,
        count: 0,
        unknown_ack_tokens: [],
        settled_ack_tokens: [tb],
      });
      expect(await client.deadLetters.list(c.id).toArray()).toHaveLength(1);
      const malformed = await expectError(client.term(c.id, ["not-a-token"]), 400, "bad_request");
      expect(detailPaths(malformed)).toEqual(["ack_tokens.0"]);
    },
  },
  {
    area: "term",
    name: "term of a record written again while leased gives up that version only: the newer one is delivered",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a", { v: 1 })]);
      const leased = await client.next(c.id);
      expect(recordsOf(leased)[0]?.data).toEqual({ v: 1 });
      await upsert([contact("a", { v: 2 })]);
      expect(await client.term(c.id, tokensOf(leased), { reason: "bad v1" })).toMatchObject({
        count: 1,
      });
      expect(await client.deadLetters.list(c.id).toArray()).toMatchObject([
        {
          cause: "terminated",
          last_error: "bad v1",
          deliver_count: 1,
          record: { upstream_id: "a" },
        },
      ]);
      const fresh = await client.next(c.id);
      expect(recordsOf(fresh).map((r) => r.data)).toEqual([{ v: 2 }]);
      expect(fresh.data[0]?.deliver_count).toBe(1);
      expect(upstreamIds(fresh)).toEqual(["a"]);
    },
  },
  {
    area: "term",
    name: "term of a per_key event frees its key, as an ack does",
    async run({ client, consumer, streamId }) {
      const c = await consumer({ kind: "event", ordering: "per_key" });
      await client.events.append(streamId, sameKey("first", "second"));
      const first = await client.next(c.id, { batch_size: 10 });
      expect(eventsOf(first).map((e) => e.action)).toEqual(["first"]);
      await client.term(c.id, tokensOf(first));
      const second = await client.next(c.id, { batch_size: 10 });
      expect(eventsOf(second).map((e) => e.action)).toEqual(["second"]);
      expect((await client.deadLetters.list(c.id).toArray()).map((d) => d.event?.action)).toEqual([
        "first",
      ]);
    },
  },
];
