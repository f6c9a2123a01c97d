import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, detailPaths, expectError, recordsOf, tokensOf, upstreamIds } from "./helpers.js";

export const leasingScenarios: Scenario[] = [
  {
    area: "leasing",
    name: "next leases oldest first, up to batch_size, and hides leased messages",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a"), contact("b"), contact("c")]);

      const first = await client.next(c.id, { batch_size: 2 });
      expect(upstreamIds(first)).toEqual(["a", "b"]);
      expect(first.data.map((m) => m.deliver_count)).toEqual([1, 1]);
      expect(first.data.every((m) => typeof m.lease_expires_at === "string")).toBe(true);
      expect(first.info).toEqual({ num_pending: 1, num_ack_pending: 2 });

      const second = await client.next(c.id, { batch_size: 10 });
      expect(upstreamIds(second)).toEqual(["c"]);
      const third = await client.next(c.id, { batch_size: 10 });
      expect(third).toEqual({ data: [], info: { num_pending: 0, num_ack_pending: 3 } });
    },
  },
  {
    area: "leasing",
    name: "a leased record carries the full record shape; ack tokens are distinct",
    async run({ client, consumer, upsert, streamId }) {
      const c = await consumer();
      const [written] = await upsert([
        contact("a", { Name: "Paul" }, { resource_id: "org-1", provider: "salesforce" }),
      ]);
      const result = await client.next(c.name, { batch_size: 5 });
      const [record] = recordsOf(result);
      expect(record).toMatchObject({
        id: written?.id,
        stream_id: streamId,
        collection_id: "salesforce:contact",
        resource_id: "org-1",
        provider: "salesforce",
        upstream_id: "a",
        updated_idx: written?.updated_idx,
        deleted: false,
        data: { Name: "Paul" },
        sync: null,
      });
      expect(typeof record?.inserted_at).toBe("string");
      await upsert([contact("b"), contact("c")]);
      const more = await client.next(c.name, { batch_size: 5 });
      const tokens = [...tokensOf(result), ...tokensOf(more)];
      expect(new Set(tokens).size).toBe(3);
    },
  },
  {
    area: "leasing",
    name: "batch_size defaults to 1",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a"), contact("b")]);
      const result = await client.next(c.id);
      expect(upstreamIds(result)).toEqual(["a"]);
      expect(result.info).toEqual({ num_pending: 1, num_ack_pending: 1 });
    },
  },
  {
    area: "leasing",
    name: "batch_size 1000 leases a full batch of 1000, the 1001st stays pending",
    async run({ client, consumer, upsert }) {
      // Above the default max_ack_pending (1000), which would hold the 1001st back.
      const c = await consumer({ max_ack_pending: 2000 });
      const ids = Array.from({ length: 1001 }, (_, i) => `r${String(i).padStart(4, "0")}`);
      await upsert(ids.slice(0, 1000).map((id) => contact(id)));
      await upsert([contact(ids[1000] ?? "")]);
      const result = await client.next(c.id, { batch_size: 1000 });
      expect(upstreamIds(result)).toEqual(ids.slice(0, 1000));
      expect(result.info).toEqual({ num_pending: 1, num_ack_pending: 1000 });
      expect(upstreamIds(await client.next(c.id, { batch_size: 1000 }))).toEqual([ids[1000]]);
    },
  },
  {
    area: "leasing",
    name: "batch_size outside 1..1000 is a 400 naming batch_size, and leases nothing",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a")]);
      for (const batch_size of [0, 1001, -1]) {
        const error = await expectError(client.next(c.id, { batch_size }), 400, "bad_request");
        expect(detailPaths(error)).toContain("batch_size");
      }
      const result = await client.next(c.id, { batch_size: 1 });
      expect(result.data[0]?.deliver_count).toBe(1);
    },
  },
  {
    area: "leasing",
    name: "POST next is the same as GET; its JSON body wins over the query string",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a"), contact("b"), contact("c"), contact("d"), contact("e")]);
      const { data, error } = await client.raw.POST("/v1/http-consumers/{consumer}/next", {
        params: { path: { consumer: c.id }, query: { batch_size: 1 } },
        body: { batch_size: 3 },
      });
      expect(error).toBeUndefined();
      expect(upstreamIds(data?.data ?? [])).toEqual(["a", "b", "c"]);
      const { data: viaQuery } = await client.raw.POST("/v1/http-consumers/{consumer}/next", {
        params: { path: { consumer: c.id }, query: { batch_size: 1 } },
      });
      // Without a body the query counts: one of the two left.
      expect(upstreamIds(viaQuery?.data ?? [])).toEqual(["d"]);
    },
  },
  {
    area: "leasing",
    name: "a consumer is addressed by id or by name everywhere",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      expect((await client.consumers.get(c.name)).id).toBe(c.id);
      await upsert([contact("a"), contact("b")]);
      const byName = await client.next(c.name);
      const byId = await client.next(c.id);
      expect(upstreamIds([...byName.data, ...byId.data])).toEqual(["a", "b"]);
      expect(await client.ack(c.name, tokensOf(byId))).toMatchObject({ count: 1 });
      expect(await client.ack(c.id, tokensOf(byName))).toMatchObject({ count: 1 });
    },
  },
];
