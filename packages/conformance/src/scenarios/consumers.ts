import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, expectError, upstreamIds } from "./helpers.js";

export const consumerScenarios: Scenario[] = [
  {
    area: "consumers",
    name: "PATCH changes only the fields sent; a rename frees the old name",
    async run({ client, consumer }) {
      const c = await consumer({ metadata: { team: "growth" }, max_deliver: 5 });
      const patched = await client.consumers.update(c.name, {
        ack_wait_ms: 60_000,
        filters: { collection_id: "x:y" },
        name: `${c.name}-2`,
      });
      expect(patched).toMatchObject({
        id: c.id,
        name: `${c.name}-2`,
        ack_wait_ms: 60_000,
        max_deliver: 5,
        max_ack_pending: c.max_ack_pending,
        metadata: { team: "growth" },
        filters: { collection_id: "x:y", resource_id: "*", provider: "*", sync_id: "*" },
      });
      expect(await client.consumers.get(c.id)).toEqual(patched);
      await expectError(client.consumers.get(c.name), 404, "not_found");
      // The old name is free again.
      const again = await consumer({ name: c.name });
      expect(again.id).not.toBe(c.id);
    },
  },
  {
    area: "consumers",
    name: "the consumer list filters by stream_id",
    async run({ client, consumer, name }) {
      const mine = await consumer();
      const other = await client.streams.create({ name: name("s") });
      const elsewhere = await client.consumers.create({ name: name("c"), stream_id: other.id });
      const ofMine = await client.consumers.list({ stream_id: mine.stream_id }).toArray();
      expect(ofMine.map((c) => c.id)).toEqual([mine.id]);
      const ofOther = await client.consumers.list({ stream_id: other.id }).toArray();
      expect(ofOther.map((c) => c.id)).toEqual([elsewhere.id]);
    },
  },
  {
    area: "consumers",
    name: "new filters apply to later writes; messages already pending stay",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a")]);
      await client.consumers.update(c.id, { filters: { collection_id: "other:thing" } });
      await upsert([contact("b"), contact("c", { Name: "c" }, { collection_id: "other:thing" })]);
      const result = await client.next(c.id, { batch_size: 10 });
      expect(upstreamIds(result)).toEqual(["a", "c"]);
    },
  },
];
