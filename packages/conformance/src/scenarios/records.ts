import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, recordsOf, tokensOf, upstreamIds } from "./helpers.js";

export const recordScenarios: Scenario[] = [
  {
    area: "records",
    name: "a record updated while leased reappears with the newer version after the ack",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      const [v1] = await upsert([contact("a", { Name: "v1" })]);
      const leased = await client.next(c.id);
      expect(recordsOf(leased)[0]?.data).toEqual({ Name: "v1" });
      const [v2] = await upsert([contact("a", { Name: "v2" })]);
      expect(v2?.result).toBe("updated");
      expect(v2?.updated_idx).toBeGreaterThan(v1?.updated_idx ?? Number.POSITIVE_INFINITY);
      // Still leased: not delivered twice at once.
      expect((await client.next(c.id)).data).toEqual([]);
      expect(await client.ack(c.id, tokensOf(leased))).toMatchObject({ count: 1 });
      const again = await client.next(c.id);
      expect(recordsOf(again).map((r) => [r.data, r.updated_idx])).toEqual([
        [{ Name: "v2" }, v2?.updated_idx],
      ]);
      // A new version is a new message: its count starts again.
      expect(again.data[0]?.deliver_count).toBe(1);
      await client.ack(c.id, tokensOf(again));
      expect(await client.next(c.id)).toEqual({
        data: [],
        info: { num_pending: 0, num_ack_pending: 0 },
      });
    },
  },
  {
    area: "records",
    name: "a record updated while pending is delivered once, in its latest version",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a", { Name: "v1" }), contact("b")]);
      const [last] = await upsert([contact("a", { Name: "v3" })]);
      const result = await client.next(c.id, { batch_size: 10 });
      // The spec does not say whether an update moves a pending record back in line: sorted.
      const seen = recordsOf(result).map((r) => [r.upstream_id, r.data, r.updated_idx]);
      expect(seen.sort()).toEqual([
        ["a", { Name: "v3" }, last?.updated_idx],
        ["b", { Name: "b" }, expect.any(Number)],
      ]);
      expect(result.info).toEqual({ num_pending: 0, num_ack_pending: 2 });
    },
  },
  {
    area: "records",
    name: "an unchanged upsert is a no-op: same updated_idx, no event, no redelivery",
    async run({ client, consumer, upsert, streamId }) {
      const c = await consumer();
      const events = await consumer({ kind: "event" });
      const [first] = await upsert([contact("a", { Name: "same", n: 1 })]);
      await client.ack(c.id, tokensOf(await client.next(c.id)));
      const [again] = await upsert([contact("a", { n: 1, Name: "same" })]);
      expect(again).toMatchObject({
        id: first?.id,
        result: "unchanged",
        updated_idx: first?.updated_idx,
      });
      expect((await client.next(c.id)).data).toEqual([]);
      const eventList = await client.events.list(streamId).toArray();
      expect(eventList.map((e) => e.action)).toEqual(["created"]);
      expect((await client.next(events.id, { batch_size: 10 })).data).toHaveLength(1);
    },
  },
  {
    area: "records",
    name: "a version with an older upstream_updated_at is ignored (stale)",
    async run({ client, consumer, upsert, streamId }) {
      const c = await consumer();
      const [newer] = await upsert([
        contact("a", { Name: "new" }, { upstream_updated_at: "2024-03-01T12:00:00Z" }),
      ]);
      await client.ack(c.id, tokensOf(await client.next(c.id)));
      const [old] = await upsert([
        contact("a", { Name: "old" }, { upstream_updated_at: "2024-02-01T12:00:00Z" }),
      ]);
      expect(old).toMatchObject({
        id: newer?.id,
        result: "stale",
        updated_idx: newer?.updated_idx,
      });
      expect((await client.next(c.id)).data).toEqual([]);
      const records = await client.records.list(streamId).toArray();
      expect(records.map((r) => r.data)).toEqual([{ Name: "new" }]);
      expect(Date.parse(records[0]?.upstream_updated_at ?? "")).toBe(
        Date.parse("2024-03-01T12:00:00Z"),
      );
    },
  },
  {
    area: "records",
    name: "upsert results name inserted and updated, and each real change gets a larger updated_idx",
    async run({ upsert }) {
      const first = await upsert([contact("a"), contact("b")]);
      expect(first.map((r) => [r.upstream_id, r.result])).toEqual([
        ["a", "inserted"],
        ["b", "inserted"],
      ]);
      const second = await upsert([contact("b", { Name: "B" }), contact("c")]);
      expect(second.map((r) => [r.upstream_id, r.result])).toEqual([
        ["b", "updated"],
        ["c", "inserted"],
      ]);
      const idx = [...first, ...second].map((r) => r.updated_idx);
      expect(new Set(idx).size).toBe(4);
      expect(second[0]?.updated_idx).toBeGreaterThan(Math.max(...first.map((r) => r.updated_idx)));
      expect(second[0]?.id).toBe(first[1]?.id);
    },
  },
  {
    area: "records",
    name: "a deleted record is delivered with deleted: true and its last data",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a", { Name: "gone soon" })]);
      await client.ack(c.id, tokensOf(await client.next(c.id)));
      const [deleted] = await upsert([contact("a", { Name: "gone soon" }, { deleted: true })]);
      expect(deleted?.result).toBe("updated");
      const result = await client.next(c.id);
      expect(upstreamIds(result)).toEqual(["a"]);
      expect(recordsOf(result)[0]).toMatchObject({ deleted: true, data: { Name: "gone soon" } });
    },
  },
];
