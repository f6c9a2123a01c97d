import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, expectError, upstreamIds } from "./helpers.js";

export const streamScenarios: Scenario[] = [
  {
    area: "streams",
    name: "a stream is created with its settings, read back as created and listed",
    async run({ client, name }) {
      const created = await client.streams.create({
        name: name("s"),
        event_retention_ms: 3_600_000,
      });
      expect(created).toMatchObject({ event_retention_ms: 3_600_000 });
      expect(await client.streams.get(created.id)).toEqual(created);
      const listed = await client.streams.list().toArray();
      expect(listed.map((s) => s.id)).toContain(created.id);
    },
  },
  {
    area: "streams",
    name: "the account's default stream cannot be deleted (409)",
    async run({ client }) {
      const streams = await client.streams.list().toArray();
      const defaultStream = streams.find((s) => s.name === "default");
      expect(defaultStream).toBeDefined();
      await expectError(client.streams.delete(defaultStream?.id ?? ""), 409, "conflict");
      expect((await client.streams.get(defaultStream?.id ?? "")).name).toBe("default");
    },
  },
  {
    area: "streams",
    name: "a consumer created without stream_id reads the account's default stream",
    async run({ client, name }) {
      const streams = await client.streams.list().toArray();
      const defaultStream = streams.find((s) => s.name === "default");
      const c = await client.consumers.create({ name: name("consumer") });
      expect(c.stream_id).toBe(defaultStream?.id);
      await client.records.upsert(c.stream_id, [contact("a")]);
      expect(upstreamIds(await client.next(c.id))).toEqual(["a"]);
    },
  },
];
