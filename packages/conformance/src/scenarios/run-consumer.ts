import { type Message, runConsumer } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, recordsOf } from "./helpers.js";

/** Test-side polling of a worker's progress (real time on every target: the worker runs for real). */
const POLL = { timeout: 15_000, interval: 20 };

export const runConsumerScenarios: Scenario[] = [
  {
    area: "runConsumer",
    name: "runConsumer acks every message whose handler resolves",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert(["a", "b", "c"].map((id) => contact(id)));
      const handled: string[] = [];
      const acked: Message[] = [];
      const errors: unknown[] = [];
      const worker = runConsumer({
        client,
        consumer: c.name,
        concurrency: 2,
        waitFor: 500,
        onError: (error) => errors.push(error),
        hooks: { onAcked: (message) => acked.push(message) },
        handler: (message) => {
          handled.push(recordsOf([message])[0]?.upstream_id ?? "");
        },
      });
      await expect.poll(() => acked.length, POLL).toBe(3);
      await worker.stop();
      await worker.done;
      expect(handled.sort()).toEqual(["a", "b", "c"]);
      expect(errors).toEqual([]);
      expect(await client.next(c.id, { batch_size: 10 })).toEqual({
        data: [],
        info: { num_pending: 0, num_ack_pending: 0 },
      });
    },
  },
  {
    area: "runConsumer",
    name: "runConsumer nacks a message whose handler throws; it is redelivered and then acked",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("flaky"), contact("fine")]);
      const nacked: string[] = [];
      const acked: Array<[string, number | undefined]> = [];
      const worker = runConsumer({
        client,
        consumer: c.id,
        waitFor: 500,
        onError: () => {},
        hooks: {
          onNacked: (m) => nacked.push(recordsOf([m])[0]?.upstream_id ?? ""),
          onAcked: (m) => acked.push([recordsOf([m])[0]?.upstream_id ?? "", m.deliver_count]),
        },
        handler: (message) => {
          if (recordsOf([message])[0]?.upstream_id === "flaky" && message.deliver_count === 1) {
            throw new Error("first try fails");
          }
        },
      });
      await expect.poll(() => acked.length, POLL).toBe(2);
      await worker.stop();
      expect(nacked).toEqual(["flaky"]);
      expect(acked.sort()).toEqual([
        ["fine", 1],
        ["flaky", 2],
      ]);
      expect((await client.next(c.id)).info).toEqual({ num_pending: 0, num_ack_pending: 0 });
    },
  },
  {
    area: "runConsumer",
    name: "runConsumer with a handler that always throws ends in a dead letter, not a loop",
    async run({ client, consumer, upsert }) {
      // backoff_ms [0]: every retry at once (the default waits 1 s before the third, and the
      // mock's clock only moves when a scenario moves it).
      const c = await consumer({ max_deliver: 3, backoff_ms: [0] });
      await upsert([contact("poison")]);
      let attempts = 0;
      const worker = runConsumer({
        client,
        consumer: c.id,
        waitFor: 500,
        onError: () => {},
        handler: () => {
          attempts++;
          throw new Error("always");
        },
      });
      await expect
        .poll(async () => (await client.deadLetters.list(c.id).toArray()).length, POLL)
        .toBe(1);
      await worker.stop();
      expect(attempts).toBe(3);
      const [dead] = await client.deadLetters.list(c.id).toArray();
      expect(dead).toMatchObject({ deliver_count: 3, record: { upstream_id: "poison" } });
    },
  },
];
