import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, delay, stopWorker, workerSetup } from "../../test/support/worker-setup.js";
import { runConsumer } from "./run-consumer.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("pause() and resume()", () => {
  it("leases nothing while paused; in-flight messages finish and are acked", async () => {
    const { server, client, onError } = workerSetup();
    const [first] = server.add({ n: 1 });
    const handled: string[] = [];
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      handler: async (message) => {
        await delay(500);
        handled.push(server.idOf(message.ack_token) ?? "?");
      },
    });
    await advance(100);
    expect(worker.paused).toBe(false);
    worker.pause();
    expect(worker.paused).toBe(true);
    const polls = server.callsOf("next").length;
    const [second] = server.add({ n: 2 });
    await advance(10_000);
    expect(server.callsOf("next")).toHaveLength(polls);
    expect(handled).toEqual([first]);
    expect(server.ackedIds()).toEqual([first]);
    expect(server.pendingIds()).toEqual([second]);
    await stopWorker(worker);
    expect(onError).not.toHaveBeenCalled();
  });

  it("cancels a long-poll in flight, without reporting an error", async () => {
    const { server, client, onError } = workerSetup();
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      waitFor: 20_000,
      onError,
      handler: () => {},
    });
    await advance(100);
    expect(server.callsOf("next")).toHaveLength(1);
    worker.pause();
    await advance(10);
    // A message added now would have been leased by the parked long-poll.
    server.add({ n: 1 });
    await advance(30_000);
    expect(server.callsOf("next")).toHaveLength(1);
    expect(server.leasedNow()).toBe(0);
    expect(onError).not.toHaveBeenCalled();
    await stopWorker(worker);
  });

  it("leases again at once on resume", async () => {
    const { server, client, onError } = workerSetup();
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      waitFor: 20_000,
      onError,
      handler: () => {},
    });
    await advance(100);
    worker.pause();
    const [id] = server.add({ n: 1 });
    await advance(5_000);
    const polls = server.callsOf("next").length;
    const resumedAt = Date.now();
    worker.resume();
    expect(worker.paused).toBe(false);
    await advance(10);
    expect(server.callsOf("next")[polls]?.at).toBe(resumedAt);
    expect(server.ackedIds()).toEqual([id]);
    await stopWorker(worker);
    expect(onError).not.toHaveBeenCalled();
  });

  it("handles the prefetched messages it holds while paused", async () => {
    const { server, client, onError } = workerSetup();
    const ids = server.add({ n: 1 }, { n: 2 }, { n: 3 });
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      concurrency: 1,
      prefetch: 2,
      onError,
      handler: () => delay(100),
    });
    await advance(10);
    worker.pause();
    await advance(1_000);
    expect(server.ackedIds().sort()).toEqual(ids.sort());
    await stopWorker(worker);
  });

  it("stops while paused, and ignores pause and resume after stop", async () => {
    const { client, onError } = workerSetup();
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      handler: () => {},
    });
    await advance(10);
    worker.pause();
    await stopWorker(worker);
    worker.resume();
    expect(worker.paused).toBe(false);
    worker.pause();
    expect(worker.paused).toBe(false);
    await expect(worker.done).resolves.toBeUndefined();
  });

  it("can be paused before the first poll", async () => {
    const { server, client, onError } = workerSetup();
    server.add({ n: 1 });
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      handler: () => {},
    });
    worker.pause();
    await advance(5_000);
    expect(server.callsOf("next")).toHaveLength(0);
    worker.resume();
    await advance(10);
    expect(server.doneIds()).toHaveLength(1);
    await stopWorker(worker);
  });
});

describe("handing back on stop", () => {
  it("nacks leased but unstarted messages with delay_ms 0, so no backoff holds them", async () => {
    const { server, client, onError } = workerSetup();
    server.add({ n: 1 }, { n: 2 }, { n: 3 });
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      concurrency: 1,
      prefetch: 2,
      onError,
      handler: () => delay(1_000),
    });
    await advance(10);
    await stopWorker(worker);
    expect(server.callsOf("nack").map((call) => call.body)).toEqual([
      { ack_tokens: [expect.any(String), expect.any(String)], delay_ms: 0 },
    ]);
  });
});
