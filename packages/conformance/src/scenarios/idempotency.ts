import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { expectError } from "./helpers.js";

export const idempotencyScenarios: Scenario[] = [
  {
    area: "idempotency",
    name: "the same Idempotency-Key and body get the first answer back and create nothing new",
    async run({ client, name, streamId }) {
      const body = { name: name(), stream_id: streamId, max_deliver: 3 };
      const first = await client.consumers.create(body, { idempotencyKey: `k-${body.name}` });
      const second = await client.consumers.create(body, { idempotencyKey: `k-${body.name}` });
      expect(second).toEqual(first);
      expect((await client.consumers.list().toArray()).map((c) => c.id)).toEqual([first.id]);
    },
  },
  {
    area: "idempotency",
    name: "the same Idempotency-Key with another body is a 409 idempotency_key_reused",
    async run({ client, name }) {
      const key = `k-${name()}`;
      const first = await client.streams.create({ name: name("s") }, { idempotencyKey: key });
      await expectError(
        client.streams.create({ name: name("s") }, { idempotencyKey: key }),
        409,
        "idempotency_key_reused",
      );
      const names = (await client.streams.list().toArray()).map((s) => s.name);
      expect(names.filter((n) => n.startsWith("s-"))).toEqual([first.name]);
    },
  },
  {
    area: "idempotency",
    name: "a replayed answer carries Idempotent-Replayed: true; the first does not",
    async run({ fetch, name }) {
      const key = `k-${name()}`;
      const post = () =>
        fetch("/v1/streams", {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": key },
          body: JSON.stringify({ name: "replayed-stream" }),
        });
      const first = await post();
      expect(first.status).toBe(201);
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      const again = await post();
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(await again.json()).toEqual(await first.json());
    },
  },
  {
    area: "idempotency",
    name: "appending events twice with one key appends them once",
    async run({ client, streamId, name }) {
      const key = `k-${name()}`;
      const events = [{ collection_id: "x:y", action: "once", data: { n: 1 } }];
      const first = await client.events.append(streamId, events, { idempotencyKey: key });
      const second = await client.events.append(streamId, events, { idempotencyKey: key });
      expect(second).toEqual(first);
      expect((await client.events.list(streamId).toArray()).map((e) => e.id)).toEqual(
        first.map((e) => e.id),
      );
    },
  },
  {
    area: "idempotency",
    name: "keys are per account: another account's key does not replay",
    async run({ client, name, target, clientFor }) {
      const key = `k-${name()}`;
      const mine = await client.streams.create({ name: name("s") }, { idempotencyKey: key });
      const other = clientFor(await target.newAccount());
      const theirs = await other.streams.create({ name: mine.name }, { idempotencyKey: key });
      expect(theirs.id).not.toBe(mine.id);
    },
  },
];
