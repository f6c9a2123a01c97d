import type { EventInput, NextResult } from "@sequin/client";
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

/** An appended `salesforce:contact` event of record `upstreamId`, numbered `n`. */
const change = (upstreamId: string, n: number, data: Record<string, unknown> = {}): EventInput => ({
  collection_id: "salesforce:contact",
  upstream_id: upstreamId,
  action: "changed",
  data: { n, ...data },
});

/** `upstream_id:n` of each event of a `next` answer, in order. */
const labels = (result: NextResult) =>
  eventsOf(result).map((e) => `${e.upstream_id}:${String(e.data.n)}`);

const tokenOf = (result: NextResult, label: string): string => {
  const index = labels(result).indexOf(label);
  const token = result.data[index]?.ack_token;
  if (index < 0 || token === undefined) throw new Error(`${label} not in ${labels(result)}`);
  return token;
};

export const orderingScenarios: Scenario[] = [
  {
    area: "ordering",
    name: "event consumers default to ordering per_key keyed by the record; record consumers are always per_key",
    async run({ consumer }) {
      const events = await consumer({ kind: "event" });
      expect(events).toMatchObject({ ordering: "per_key", key_path: null });
      const records = await consumer({ kind: "record" });
      expect(records).toMatchObject({ ordering: "per_key", key_path: null });
      const keyed = await consumer({ kind: "event", key_path: "data.AccountId" });
      expect(keyed).toMatchObject({ ordering: "per_key", key_path: "data.AccountId" });
      const unordered = await consumer({ kind: "event", ordering: "none" });
      expect(unordered).toMatchObject({ ordering: "none", key_path: null });
    },
  },
  {
    area: "ordering",
    name: "ordering settings that mean nothing are rejected with 422 naming the field",
    async run({ consumer }) {
      const cases: Array<[Parameters<typeof consumer>[0], string]> = [
        [{ kind: "record", ordering: "none" }, "ordering"],
        [{ kind: "record", key_path: "data.AccountId" }, "key_path"],
        [{ kind: "event", ordering: "none", key_path: "data.AccountId" }, "key_path"],
        [{ kind: "event", key_path: "AccountId" }, "key_path"],
        [{ kind: "event", key_path: "data" }, "key_path"],
        [{ kind: "event", key_path: "data..x" }, "key_path"],
      ];
      for (const [body, path] of cases) {
        const error = await expectError(consumer(body), 422, "validation_failed");
        expect(detailPaths(error)).toContain(path);
      }
    },
  },
  {
    area: "ordering",
    name: "per_key leases one message per key at a time, in stream order; keys proceed in parallel",
    async run({ client, consumer, streamId }) {
      const c = await consumer({ kind: "event" });
      await client.events.append(streamId, [
        change("a", 1),
        change("b", 1),
        change("a", 2),
        change("b", 2),
        change("a", 3),
      ]);
      const first = await client.next(c.id, { batch_size: 10 });
      expect(labels(first)).toEqual(["a:1", "b:1"]);
      expect(first.info).toEqual({ num_pending: 3, num_ack_pending: 2 });
      // Nothing else is deliverable while both heads are out.
      expect((await client.next(c.id, { batch_size: 10 })).data).toEqual([]);
      await client.ack(c.id, [tokenOf(first, "b:1")]);
      const second = await client.next(c.id, { batch_size: 10 });
      expect(labels(second)).toEqual(["b:2"]);
      await client.ack(c.id, [tokenOf(first, "a:1"), tokenOf(second, "b:2")]);
      const third = await client.next(c.id, { batch_size: 10 });
      expect(labels(third)).toEqual(["a:2"]);
      await client.ack(c.id, tokensOf(third));
      expect(labels(await client.next(c.id, { batch_size: 10 }))).toEqual(["a:3"]);
    },
  },
  {
    area: "ordering",
    name: "per_key: a head nacked with a delay keeps its key while it waits; other keys proceed",
    clock: "delay_ms 300: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, streamId, target }) {
      const c = await consumer({ kind: "event" });
      await client.events.append(streamId, [change("a", 1), change("a", 2), change("b", 1)]);
      const first = await client.next(c.id, { batch_size: 10 });
      expect(labels(first)).toEqual(["a:1", "b:1"]);
      await client.nack(c.id, [tokenOf(first, "a:1")], { delay_ms: 300 });
      await client.ack(c.id, [tokenOf(first, "b:1")]);
      // a:2 does not overtake a:1 while a:1 waits out its delay.
      expect((await client.next(c.id, { batch_size: 10 })).data).toEqual([]);
      await target.advance(350);
      const again = await client.next(c.id, { batch_size: 10 });
      expect(labels(again)).toEqual(["a:1"]);
      await client.ack(c.id, tokensOf(again));
      expect(labels(await client.next(c.id, { batch_size: 10 }))).toEqual(["a:2"]);
    },
  },
  {
    area: "ordering",
    name: "ordering none leases a key's messages together",
    async run({ client, consumer, streamId }) {
      const c = await consumer({ kind: "event", ordering: "none" });
      await client.events.append(streamId, [change("a", 1), change("a", 2), change("b", 1)]);
      expect(labels(await client.next(c.id, { batch_size: 10 }))).toEqual(["a:1", "a:2", "b:1"]);
    },
  },
  {
    area: "ordering",
    name: "the events of one record's upserts share a key: created, updated, deleted one at a time",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ kind: "event" });
      await upsert([contact("a", { v: 1 }), contact("b", { v: 1 })]);
      await upsert([contact("a", { v: 2 })]);
      await upsert([contact("a", { v: 2 }, { deleted: true })]);
      const seen: string[] = [];
      for (let round = 0; round < 5; round++) {
        const result = await client.next(c.id, { batch_size: 10 });
        const events = eventsOf(result);
        expect(new Set(events.map((e) => e.upstream_id)).size).toBe(events.length);
        seen.push(...events.map((e) => `${e.upstream_id}:${e.action}`));
        await client.ack(c.id, tokensOf(result));
      }
      expect(seen.filter((s) => s.startsWith("a:"))).toEqual([
        "a:created",
        "a:updated",
        "a:deleted",
      ]);
      expect(seen.filter((s) => s.startsWith("b:"))).toEqual(["b:created"]);
    },
  },
  {
    area: "ordering",
    name: "a custom key_path groups events of different records; events without the value fall back to their record",
    async run({ client, consumer, streamId }) {
      const c = await consumer({ kind: "event", key_path: "data.AccountId" });
      await client.events.append(streamId, [
        change("x", 1, { AccountId: "acme" }),
        change("y", 1, { AccountId: "acme" }),
        change("z", 1, { AccountId: "globex" }),
        change("x", 2),
        change("x", 3),
      ]);
      const first = await client.next(c.id, { batch_size: 10 });
      // acme: x:1 holds y:1; globex: z:1; no AccountId: x's record key (x:2 then x:3).
      expect(labels(first)).toEqual(["x:1", "z:1", "x:2"]);
      await client.ack(c.id, tokensOf(first));
      expect(labels(await client.next(c.id, { batch_size: 10 }))).toEqual(["y:1", "x:3"]);
    },
  },
  {
    area: "ordering",
    name: "a nacked head is delivered again before the rest of its key",
    async run({ client, consumer, streamId }) {
      const c = await consumer({ kind: "event" });
      await client.events.append(streamId, [change("a", 1), change("a", 2), change("b", 1)]);
      const first = await client.next(c.id, { batch_size: 10 });
      expect(labels(first)).toEqual(["a:1", "b:1"]);
      await client.nack(c.id, [tokenOf(first, "a:1")]);
      const again = await client.next(c.id, { batch_size: 10 });
      expect(labels(again)).toEqual(["a:1"]);
      expect(again.data[0]?.deliver_count).toBe(2);
      await client.ack(c.id, tokensOf(again));
      expect(labels(await client.next(c.id, { batch_size: 10 }))).toEqual(["a:2"]);
    },
  },
  {
    area: "ordering",
    name: "a head whose lease expired is delivered again before the rest of its key",
    clock: "ack_wait_ms 300: servers wait 350 ms for real; the mock advances its clock",
    async run({ client, consumer, streamId, target }) {
      const c = await consumer({ kind: "event", ack_wait_ms: 300 });
      await client.events.append(streamId, [change("a", 1), change("a", 2)]);
      expect(labels(await client.next(c.id, { batch_size: 10 }))).toEqual(["a:1"]);
      await target.advance(350);
      const again = await client.next(c.id, { batch_size: 10 });
      expect(labels(again)).toEqual(["a:1"]);
      expect(again.data[0]?.deliver_count).toBe(2);
      await client.ack(c.id, tokensOf(again));
      expect(labels(await client.next(c.id, { batch_size: 10 }))).toEqual(["a:2"]);
    },
  },
  {
    area: "ordering",
    name: "a dead letter unblocks its key; redriven, it joins the back of its key's line",
    async run({ client, consumer, streamId }) {
      const c = await consumer({ kind: "event", max_deliver: 1 });
      await client.events.append(streamId, [change("a", 1), change("a", 2), change("a", 3)]);
      const first = await client.next(c.id, { batch_size: 10 });
      expect(labels(first)).toEqual(["a:1"]);
      await client.nack(c.id, tokensOf(first));
      const second = await client.next(c.id, { batch_size: 10 });
      expect(labels(second)).toEqual(["a:2"]);
      const dead = await client.deadLetters.list(c.id).toArray();
      expect(dead.map((d) => d.event?.data.n)).toEqual([1]);
      expect(await client.deadLetters.redrive(c.id, { ids: [dead[0]?.id ?? ""] })).toEqual({
        count: 1,
      });
      // a:2 is still leased: the redriven a:1 waits behind it and behind a:3.
      expect((await client.next(c.id, { batch_size: 10 })).data).toEqual([]);
      await client.ack(c.id, tokensOf(second));
      const third = await client.next(c.id, { batch_size: 10 });
      expect(labels(third)).toEqual(["a:3"]);
      await client.ack(c.id, tokensOf(third));
      const redriven = await client.next(c.id, { batch_size: 10 });
      expect(labels(redriven)).toEqual(["a:1"]);
      expect(redriven.data[0]?.deliver_count).toBe(1);
    },
  },
  {
    area: "ordering",
    name: "a record is never leased twice at once: a newer version waits for the ack of the older",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ kind: "record" });
      await upsert([contact("a", { v: 1 })]);
      const first = await client.next(c.id, { batch_size: 10 });
      expect(upstreamIds(first)).toEqual(["a"]);
      await upsert([contact("a", { v: 2 })]);
      expect((await client.next(c.id, { batch_size: 10 })).data).toEqual([]);
      await client.ack(c.id, tokensOf(first));
      const second = await client.next(c.id, { batch_size: 10 });
      expect(recordsOf(second).map((r) => r.data)).toEqual([{ v: 2 }]);
    },
  },
];
