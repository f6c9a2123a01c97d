import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, stopWorker, workerSetup } from "../../test/support/worker-setup.js";
import type { Message } from "../types.js";
import { runConsumer } from "./run-consumer.js";
import type { BatchResult, MessageOutcome } from "./types.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Item = { n: number };
const n = (m: Message<Item>) => ("record" in m ? m.record.data.n : -1);

/** Runs one batch of messages 0..count-1 through `batchHandler` and reports what was sent. */
async function runOneBatch(
  count: number,
  batchHandler: (messages: Message<Item>[]) => BatchResult<Item> | Promise<BatchResult<Item>>,
) {
  const { server, client, onError, errors } = workerSetup();
  const ids = server.add(...Array.from({ length: count }, (_, i) => ({ n: i })));
  const failed: number[] = [];
  let batches = 0;
  const worker = runConsumer<Item>({
    client,
    consumer: "c",
    ackWaitMs: 30_000,
    batchSize: count,
    onError,
    hooks: { onFailed: (m) => failed.push(n(m)) },
    batchHandler: (messages) => {
      // Only the first delivery: redeliveries of nacked messages are not part of the check.
      if (batches++ > 0) return messages.map(() => "nack" as const);
      return batchHandler(messages);
    },
  });
  await advance(50);
  await stopWorker(worker);
  const byId = new Map(ids.map((id, i) => [id, i]));
  const acked = server.ackedIds().map((id) => byId.get(id));
  const nacked = server.nackedIds().map((id) => byId.get(id));
  return {
    acked: acked.sort(),
    nacked: [...new Set(nacked)].sort(),
    failed: [...new Set(failed)].sort(),
    errors,
  };
}

describe("batchHandler", () => {
  it("acks every message when it returns nothing", async () => {
    const result = await runOneBatch(3, () => undefined);
    expect(result.acked).toEqual([0, 1, 2]);
  });

  it("nacks every message when it throws", async () => {
    const result = await runOneBatch(3, () => {
      throw new Error("bulk insert failed");
    });
    expect(result.acked).toEqual([]);
    expect(result.nacked).toEqual([0, 1, 2]);
    expect(result.failed).toEqual([0, 1, 2]);
  });

  it("applies an array of outcomes in message order", async () => {
    const result = await runOneBatch(4, (messages) =>
      messages.map((m): MessageOutcome => (n(m) % 2 === 0 ? "ack" : new Error("odd"))),
    );
    expect(result.acked).toEqual([0, 2]);
    expect(result.nacked).toEqual([1, 3]);
  });

  it("applies a Map keyed by message or by ack_token", async () => {
    const result = await runOneBatch(4, (messages) => {
      const [a, b, c, d] = messages as [Message<Item>, Message<Item>, Message<Item>, Message<Item>];
      return new Map<Message<Item> | string, MessageOutcome>([
        [a, "ack"],
        [b.ack_token, "ack"],
        [c, "nack"],
        [d.ack_token, new Error("bad row")],
      ]);
    });
    expect(result.acked).toEqual([0, 1]);
    expect(result.nacked).toEqual([2, 3]);
  });

  it("nacks a message without an outcome and reports a short array", async () => {
    const result = await runOneBatch(3, () => ["ack"]);
    expect(result.acked).toEqual([0]);
    expect(result.nacked).toEqual([1, 2]);
    expect(result.errors.map((e) => String(e.error))).toContain(
      "TypeError: batchHandler returned 1 outcomes for 3 messages",
    );
  });

  it("never acks a message whose outcome is neither 'ack' nor absent-with-void", async () => {
    const result = await runOneBatch(2, () => new Map());
    expect(result.acked).toEqual([]);
    expect(result.nacked).toEqual([0, 1]);
  });

  it("hands each next answer over as one batch of at most batchSize", async () => {
    const { server, client, onError } = workerSetup();
    server.add(...Array.from({ length: 25 }, (_, i) => ({ n: i })));
    const sizes: number[] = [];
    const worker = runConsumer<Item>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      batchSize: 10,
      onError,
      batchHandler: (messages) => {
        sizes.push(messages.length);
      },
    });
    await advance(100);
    await stopWorker(worker);
    expect(sizes).toEqual([10, 10, 5]);
    expect(server.doneIds()).toHaveLength(25);
  });
});
