import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, delay, stopWorker, workerSetup } from "../../test/support/worker-setup.js";
import { runConsumer } from "./run-consumer.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("at-least-once under failures", () => {
  it("processes and acks 1000 messages with concurrency 8 when 10 % throw once; none is acked after a throw", async () => {
    const { server, client, onError } = workerSetup({ ackWaitMs: 5_000 });
    const ids = server.add(...Array.from({ length: 1_000 }, (_, n) => ({ n })));
    const failOnce = new Set(ids.filter((_, i) => i % 10 === 3));
    const thrownTokens = new Set<string>();
    const succeeded = new Set<string>();
    let running = 0;
    let maxRunning = 0;
    const worker = runConsumer<{ n: number }>({
      client,
      consumer: "c",
      concurrency: 8,
      batchSize: 50,
      onError,
      hooks: { onFailed: () => {} },
      handler: async (message) => {
        if (!("record" in message)) throw new Error("expected a record");
        running++;
        maxRunning = Math.max(maxRunning, running);
        try {
          await delay(1 + (message.record.data.n % 7));
          if (failOnce.delete(message.record.id)) {
            thrownTokens.add(message.ack_token);
            throw new Error("transient");
          }
          succeeded.add(message.record.id);
        } finally {
          running--;
        }
      },
    });
    for (let i = 0; i < 200 && server.doneIds().length < 1_000; i++) await advance(100);
    await stopWorker(worker);

    expect(server.doneIds()).toHaveLength(1_000);
    expect(succeeded.size).toBe(1_000);
    expect(thrownTokens.size).toBe(100);
    const ackedTokens = new Set(server.callsOf("ack").flatMap((c) => c.tokens));
    for (const token of thrownTokens) expect(ackedTokens.has(token)).toBe(false);
    expect(maxRunning).toBe(8);
    expect(onError).not.toHaveBeenCalled();
  });
});
