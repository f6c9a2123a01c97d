import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, eventsOf, upstreamIds } from "./helpers.js";

export const deliverPolicyScenarios: Scenario[] = [
  {
    area: "deliver_policy",
    name: "deliver_policy all: records already in the stream are pending at once",
    async run({ client, consumer, upsert }) {
      await upsert([contact("old-1"), contact("old-2")]);
      const c = await consumer({ deliver_policy: "all" });
      await upsert([contact("new-1")]);
      const result = await client.next(c.id, { batch_size: 10 });
      expect(upstreamIds(result).sort()).toEqual(["new-1", "old-1", "old-2"]);
    },
  },
  {
    area: "deliver_policy",
    name: "deliver_policy new: only what is written after creation, including updates of old records",
    async run({ client, consumer, upsert }) {
      await upsert([contact("old-1"), contact("old-2")]);
      const c = await consumer({ deliver_policy: "new" });
      expect(c.deliver_policy).toBe("new");
      expect((await client.next(c.id, { batch_size: 10 })).data).toEqual([]);
      await upsert([contact("new-1"), contact("old-2", { Name: "changed" })]);
      const result = await client.next(c.id, { batch_size: 10 });
      expect(upstreamIds(result).sort()).toEqual(["new-1", "old-2"]);
    },
  },
  {
    area: "deliver_policy",
    name: "event consumers: all replays retained events (record changes too), new starts after creation",
    async run({ client, consumer, streamId, upsert }) {
      await upsert([contact("old-record")]);
      await client.events.append(streamId, [{ collection_id: "x:y", action: "old", data: {} }]);
      const all = await consumer({ kind: "event", deliver_policy: "all" });
      const fresh = await consumer({ kind: "event", deliver_policy: "new" });
      await client.events.append(streamId, [{ collection_id: "x:y", action: "new", data: {} }]);
      const fromAll = eventsOf(await client.next(all.id, { batch_size: 10 }));
      const fromNew = eventsOf(await client.next(fresh.id, { batch_size: 10 }));
      expect(fromAll.map((e) => e.action)).toEqual(["created", "old", "new"]);
      expect(fromNew.map((e) => e.action)).toEqual(["new"]);
    },
  },
];
