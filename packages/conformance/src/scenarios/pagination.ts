import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, tokensOf } from "./helpers.js";

export const paginationScenarios: Scenario[] = [
  {
    area: "pagination",
    name: "consumers list oldest first in pages of limit, next_cursor null on the last page",
    async run({ client, consumer }) {
      const created = [];
      for (let i = 0; i < 5; i++) created.push((await consumer()).id);
      const pages = [];
      for await (const page of client.consumers.list({ limit: 2 }).pages()) pages.push(page);
      expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1]);
      expect(pages.map((p) => p.next_cursor === null)).toEqual([false, false, true]);
      expect(pages.flatMap((p) => p.data.map((c) => c.id))).toEqual(created);
    },
  },
  {
    area: "pagination",
    name: "records list in updated_idx order across pages; an updated record moves to the end",
    async run({ client, upsert, streamId }) {
      await upsert(["a", "b", "c", "d", "e"].map((id) => contact(id)));
      await upsert([contact("b", { Name: "B" })]);
      const seen: string[] = [];
      let pages = 0;
      for await (const page of client.records.list(streamId, { limit: 2 }).pages()) {
        pages++;
        seen.push(...page.data.map((r) => r.upstream_id));
      }
      expect(pages).toBe(3);
      expect(seen).toEqual(["a", "c", "d", "e", "b"]);
      const filtered = await client.records
        .list(streamId, { collection_id: "salesforce:account" })
        .toArray();
      expect(filtered).toEqual([]);
    },
  },
  {
    area: "pagination",
    name: "a cursor taken from one page continues after it; pages do not overlap",
    async run({ client, streamId }) {
      await client.events.append(
        streamId,
        Array.from({ length: 7 }, (_, n) => ({ collection_id: "x:y", action: "a", data: { n } })),
      );
      const first = await client.events.list(streamId, { limit: 3 }).firstPage();
      expect(first.data.map((e) => e.data.n)).toEqual([0, 1, 2]);
      const second = await client.events
        .list(streamId, { limit: 3, cursor: first.next_cursor ?? undefined })
        .firstPage();
      expect(second.data.map((e) => e.data.n)).toEqual([3, 4, 5]);
      const third = await client.events
        .list(streamId, { limit: 3, cursor: second.next_cursor ?? undefined })
        .firstPage();
      expect(third).toMatchObject({ next_cursor: null });
      expect(third.data.map((e) => e.data.n)).toEqual([6]);
    },
  },
  {
    area: "pagination",
    name: "dead letters page by cursor",
    async run({ client, consumer, upsert }) {
      const c = await consumer({ max_deliver: 1 });
      await upsert(["a", "b", "c"].map((id) => contact(id)));
      await client.nack(c.id, tokensOf(await client.next(c.id, { batch_size: 3 })));
      expect((await client.next(c.id)).data).toEqual([]);
      const sizes = [];
      const ids: string[] = [];
      for await (const page of client.deadLetters.list(c.id, { limit: 2 }).pages()) {
        sizes.push(page.data.length);
        ids.push(...page.data.map((d) => d.record?.upstream_id ?? ""));
      }
      expect(sizes).toEqual([2, 1]);
      expect(ids.sort()).toEqual(["a", "b", "c"]);
    },
  },
];
