import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, stopWorker, workerSetup } from "../../test/support/worker-setup.js";
import type { Message } from "../types.js";
import { runConsumer } from "./run-consumer.js";
import type { RunConsumerOptions } from "./types.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Options = Partial<RunConsumerOptions<{ n: number }>>;

/** Runs a worker whose handler throws `error` on the first `failures` deliveries. */
async function failing(error: unknown, options: Options = {}, failures = 1, runMs = 100) {
  const setup = workerSetup();
  const [id] = setup.server.add({ n: 1 });
  const worker = runConsumer<{ n: number }>({
    client: setup.client,
    consumer: "c",
    ackWaitMs: 30_000,
    onError: setup.onError,
    hooks: { onFailed: () => {} },
    ...options,
    handler: (message: Message<{ n: number }>) => {
      if ((message.deliver_count ?? 0) <= failures) throw error;
    },
  } as RunConsumerOptions<{ n: number }>);
  await advance(runMs);
  await stopWorker(worker);
  const nacks = setup.server.callsOf("nack").map((call) => call.body);
  return { ...setup, id, nacks };
}

describe("retries", () => {
  it("nacks with the error's message as reason and no delay_ms: the consumer's backoff applies", async () => {
    const { nacks, server, id } = await failing(new Error("connect ECONNREFUSED 10.0.0.7:5432"));
    expect(nacks).toEqual([
      { ack_tokens: [expect.any(String)], reason: "connect ECONNREFUSED 10.0.0.7:5432" },
    ]);
    expect(server.lastErrorOf(id as string)).toBe("connect ECONNREFUSED 10.0.0.7:5432");
    expect(server.ackedIds()).toEqual([id]);
  });

  it("cuts a long reason to the API's 1000 characters", async () => {
    const { nacks } = await failing(new Error("e".repeat(3_000)));
    expect(nacks[0]?.reason).toHaveLength(1000);
  });

  it("sends a fixed retryDelayMs as delay_ms", async () => {
    const { nacks, server, id } = await failing(
      new Error("down"),
      { retryDelayMs: 10_000 },
      1,
      100,
    );
    expect(nacks).toEqual([{ ack_tokens: [expect.any(String)], delay_ms: 10_000, reason: "down" }]);
    // Not redelivered before the delay is over.
    expect(server.ackedIds()).toEqual([]);
    expect(server.pendingIds()).toEqual([id]);
  });

  it("redelivers after the delay", async () => {
    const { server, id } = await failing(new Error("down"), { retryDelayMs: 2_000 }, 1, 2_500);
    expect(server.ackedIds()).toEqual([id]);
  });

  it("asks a retryDelayMs function with the delivery count, the error and the message", async () => {
    const calls: [number, string, string][] = [];
    const retryDelayMs = (count: number, error: unknown, message: Message<{ n: number }>) => {
      calls.push([count, (error as Error).message, message.ack_token]);
      return count * 100;
    };
    const { nacks } = await failing(new Error("flaky"), { retryDelayMs }, 3, 2_000);
    expect(nacks.map((body) => body.delay_ms)).toEqual([100, 200, 300]);
    expect(calls.map(([count, message]) => [count, message])).toEqual([
      [1, "flaky"],
      [2, "flaky"],
      [3, "flaky"],
    ]);
  });

  it("leaves the delay to the consumer when the function returns undefined", async () => {
    const { nacks } = await failing(new Error("x"), { retryDelayMs: () => undefined });
    expect(nacks[0]).not.toHaveProperty("delay_ms");
  });

  it("rounds and bounds what the function returns to the API's range", async () => {
    const big = await failing(new Error("x"), { retryDelayMs: () => 1e12 });
    expect(big.nacks[0]?.delay_ms).toBe(43_200_000);
    const negative = await failing(new Error("x"), { retryDelayMs: () => -5.4 });
    expect(negative.nacks[0]?.delay_ms).toBe(0);
    const fraction = await failing(new Error("x"), { retryDelayMs: () => 1.6 }, 1, 10);
    expect(fraction.nacks[0]?.delay_ms).toBe(2);
  });

  it("reports a retryDelayMs function that throws and falls back to the consumer's backoff", async () => {
    const broken = new Error("bug in retryDelayMs");
    const { nacks, errors } = await failing(new Error("x"), {
      retryDelayMs: () => {
        throw broken;
      },
    });
    expect(nacks[0]).not.toHaveProperty("delay_ms");
    expect(errors).toContainEqual({ error: broken, during: "hook" });
  });

  it("rejects a retryDelayMs out of range or of the wrong type", () => {
    const { client } = workerSetup();
    const start = (retryDelayMs: unknown) =>
      runConsumer({ client, consumer: "c", handler: () => {}, retryDelayMs } as RunConsumerOptions);
    expect(() => start(-1)).toThrow(/retryDelayMs/);
    expect(() => start(43_200_001)).toThrow(/retryDelayMs/);
    expect(() => start(1.5)).toThrow(/retryDelayMs/);
    expect(() => start("10s")).toThrow(/retryDelayMs/);
  });

  it("reports the delay a nack asked for to onNacked", async () => {
    const nacked: (number | undefined)[] = [];
    await failing(new Error("x"), {
      retryDelayMs: 5_000,
      hooks: { onFailed: () => {}, onNacked: (_, info) => nacked.push(info.delayMs) },
    });
    expect(nacked).toEqual([5_000]);
  });

  it("groups nacks with the same delay and reason into one request", async () => {
    const { server, client, onError } = workerSetup();
    server.add({ n: 1 }, { n: 2 }, { n: 3 });
    const worker = runConsumer<{ n: number }>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      concurrency: 3,
      retryDelayMs: 60_000,
      onError,
      hooks: { onFailed: () => {} },
      handler: (message) => {
        const n = "record" in message ? message.record.data.n : 0;
        throw new Error(n === 3 ? "other" : "same");
      },
    });
    await advance(100);
    await stopWorker(worker);
    const bodies = server.callsOf("nack").map((call) => [call.body.reason, call.tokens.length]);
    expect(bodies.sort()).toEqual([
      ["other", 1],
      ["same", 2],
    ]);
  });
});
