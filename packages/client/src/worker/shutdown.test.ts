import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, delay, stopWorker, workerSetup } from "../../test/support/worker-setup.js";
import { ShutdownTimeoutError } from "../errors.js";
import { runConsumer } from "./run-consumer.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("graceful shutdown", () => {
  it("stops leasing, lets running handlers finish, acks them and only then resolves", async () => {
    const { server, client, onError } = workerSetup();
    const ids = server.add({ n: 1 }, { n: 2 }, { n: 3 });
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      concurrency: 3,
      prefetch: 0,
      onError,
      handler: () => delay(2_000),
    });
    await advance(1_000);
    const pollsAtStop = server.callsOf("next").length;
    let resolved = false;
    const stopped = worker.stop().then(() => {
      resolved = true;
    });
    server.add({ n: 4 });
    await advance(1_500);
    await stopped;
    expect(resolved).toBe(true);
    expect(server.callsOf("next")).toHaveLength(pollsAtStop);
    expect(server.ackedIds().sort()).toEqual(ids.sort());
    expect(server.doneIds().sort()).toEqual(ids.sort());
  });

  it("nacks a handler that throws during shutdown, never acks it", async () => {
    const { server, client, onError } = workerSetup();
    const [bad, good] = server.add({ fail: true }, { fail: false });
    const worker = runConsumer<{ fail: boolean }>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      concurrency: 2,
      onError,
      hooks: { onFailed: () => {} },
      handler: async (message) => {
        await delay(1_000);
        if ("record" in message && message.record.data.fail) throw new Error("late failure");
      },
    });
    await advance(100);
    await stopWorker(worker);
    expect(server.ackedIds()).toEqual([good]);
    expect(server.nackedIds()).toEqual([bad]);
  });

  it("nacks what is still running after shutdownTimeoutMs and ignores it when it finishes later", async () => {
    const { server, client, onError } = workerSetup();
    const [slow] = server.add({ n: 1 });
    const failures: unknown[] = [];
    let signalReason: unknown;
    let finished = false;
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 120_000,
      shutdownTimeoutMs: 1_000,
      onError,
      hooks: { onFailed: (_, error) => failures.push(error) },
      handler: async (_, { signal }) => {
        await delay(60_000);
        signalReason = signal.reason;
        finished = true;
      },
    });
    await advance(100);
    const stopped = worker.stop();
    await advance(999);
    expect(server.nackedIds()).toEqual([]);
    await advance(10);
    await stopped;
    expect(server.nackedIds()).toEqual([slow]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(ShutdownTimeoutError);
    await advance(60_000);
    expect(finished).toBe(true);
    expect(signalReason).toBeInstanceOf(ShutdownTimeoutError);
    expect(server.ackedIds()).toEqual([]);
  });

  it("nacks leased messages that never started", async () => {
    const { server, client, onError } = workerSetup();
    const ids = server.add({ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 });
    const started: string[] = [];
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      concurrency: 1,
      prefetch: 3,
      batchSize: 4,
      onError,
      handler: async (message) => {
        if ("record" in message) started.push(message.record.id);
        await delay(1_000);
      },
    });
    await advance(100);
    await stopWorker(worker);
    expect(started).toEqual([ids[0]]);
    expect(server.ackedIds()).toEqual([ids[0]]);
    expect(server.nackedIds().sort()).toEqual(ids.slice(1).sort());
    expect(server.pendingIds().sort()).toEqual(ids.slice(1).sort());
  });

  it("cuts a long-poll short on stop", async () => {
    const { server, client, onError } = workerSetup();
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      waitFor: 30_000,
      onError,
      handler: () => {},
    });
    await advance(100);
    let resolved = false;
    const stopped = worker.stop().then(() => {
      resolved = true;
    });
    await advance(10);
    expect(resolved).toBe(true);
    await stopped;
    server.add({ n: 1 });
    expect(server.callsOf("next")).toHaveLength(1);
    expect(onError).not.toHaveBeenCalled();
  });

  it("stops when its signal aborts, and stop() can be called again", async () => {
    const { client, onError } = workerSetup();
    const controller = new AbortController();
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      signal: controller.signal,
      onError,
      handler: () => {},
    });
    await advance(100);
    controller.abort();
    await advance(10);
    await expect(worker.done).resolves.toBeUndefined();
    await expect(worker.stop()).resolves.toBeUndefined();
  });

  it("does not start with a signal that has already aborted", async () => {
    const { server, client, onError } = workerSetup();
    server.add({ n: 1 });
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      signal: AbortSignal.abort(),
      onError,
      handler: () => {},
    });
    await advance(10);
    await worker.done;
    expect(server.callsOf("next")).toHaveLength(0);
  });

  it("with handleSignals, stops on SIGTERM and removes its listeners", async () => {
    const { server, client, onError } = workerSetup();
    const before = { int: process.listenerCount("SIGINT"), term: process.listenerCount("SIGTERM") };
    // Keep the test process alive whatever the worker does with the signal.
    const guard = () => {};
    process.on("SIGTERM", guard);
    try {
      const worker = runConsumer({
        client,
        consumer: "c",
        ackWaitMs: 30_000,
        handleSignals: true,
        onError,
        handler: () => {},
      });
      expect(process.listenerCount("SIGINT")).toBe(before.int + 1);
      await advance(100);
      process.emit("SIGTERM");
      await advance(10);
      await worker.done;
      expect(process.listenerCount("SIGINT")).toBe(before.int);
      expect(process.listenerCount("SIGTERM")).toBe(before.term + 1);
      expect(server.callsOf("next")).toHaveLength(1);
    } finally {
      process.off("SIGTERM", guard);
    }
  });

  it("removes its signal listeners when stopped by other means", async () => {
    const { client, onError } = workerSetup();
    const before = process.listenerCount("SIGINT");
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      handleSignals: true,
      onError,
      handler: () => {},
    });
    await stopWorker(worker);
    expect(process.listenerCount("SIGINT")).toBe(before);
  });
});
