import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, delay, stopWorker, workerSetup } from "../../test/support/worker-setup.js";
import { NotFoundError } from "../errors.js";
import type { Message } from "../types.js";
import { runConsumer } from "./run-consumer.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const idOf = (message: Message<{ n: number }>) => ("record" in message ? message.record.id : "?");

describe("runConsumer", () => {
  it("acks what the handler finished and nacks what it threw, never both", async () => {
    const { server, client, onError } = workerSetup();
    const [ok1, bad, ok2] = server.add({ n: 1 }, { n: 2 }, { n: 3 });
    const seen: number[] = [];
    const worker = runConsumer<{ n: number }>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      hooks: { onFailed: () => {} },
      handler: async (message) => {
        if (!("record" in message)) throw new Error("expected a record");
        seen.push(message.record.data.n);
        if (message.record.data.n === 2 && message.deliver_count === 1) throw new Error("boom");
      },
    });
    await advance(100);
    await stopWorker(worker);
    // The nacked message came back at once and succeeded the second time.
    expect(seen.sort()).toEqual([1, 2, 2, 3]);
    expect(server.nackedIds()).toEqual([bad]);
    expect(server.ackedIds().sort()).toEqual([ok1, ok2, bad].sort());
    expect(server.doneIds()).toHaveLength(3);
    expect(onError).not.toHaveBeenCalled();
  });

  it("reports a handler's error to onError when there is no onFailed hook", async () => {
    const { server, client, onError, errors } = workerSetup();
    server.add({ n: 1 });
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      handler: () => {
        throw new Error("sync boom");
      },
    });
    await advance(50);
    await stopWorker(worker);
    // A nacked message comes back at once; the settler's pause bounds how fast it cycles.
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(11);
    for (const e of errors)
      expect(e).toMatchObject({ during: "handler", error: { message: "sync boom" } });
    expect(server.ackedIds()).toEqual([]);
    expect(server.nackedIds()).toHaveLength(errors.length);
  });

  it("reads ack_wait_ms from the consumer once at start", async () => {
    const { server, client, onError } = workerSetup({ ackWaitMs: 12_000 });
    const worker = runConsumer({ client, consumer: "c", onError, handler: () => {} });
    await advance(20_000);
    await stopWorker(worker);
    expect(server.callsOf("consumer")).toHaveLength(1);
  });

  it("never runs more than `concurrency` handlers and never holds more than concurrency + prefetch", async () => {
    const { server, client, onError } = workerSetup();
    server.add(...Array.from({ length: 40 }, (_, n) => ({ n })));
    let running = 0;
    let maxRunning = 0;
    let maxLeased = 0;
    const worker = runConsumer<{ n: number }>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      concurrency: 3,
      prefetch: 2,
      batchSize: 100,
      onError,
      handler: async (message) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        maxLeased = Math.max(maxLeased, server.leasedNow());
        const n = "record" in message ? message.record.data.n : 0;
        await delay(10 + ((n * 7) % 20));
        running--;
      },
    });
    await advance(2_000);
    await stopWorker(worker);
    expect(server.doneIds()).toHaveLength(40);
    expect(maxRunning).toBe(3);
    // Leased on the server counts messages whose ack is still on its way (ackDelayMs).
    expect(maxLeased).toBeLessThanOrEqual(5 + 3);
    for (const call of server.callsOf("next")) {
      expect(Number(call.query.batch_size)).toBeLessThanOrEqual(5);
    }
  });

  it("long-polls an empty consumer with wait_for instead of busy looping", async () => {
    const { server, client, onError } = workerSetup();
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      waitFor: 5_000,
      onError,
      handler: () => {},
    });
    await advance(60_000);
    const polls = server.callsOf("next");
    expect(polls.length).toBeGreaterThanOrEqual(12);
    expect(polls.length).toBeLessThanOrEqual(13);
    expect(polls.every((call) => call.query.wait_for === "5000")).toBe(true);
    await stopWorker(worker);
  });

  it("paces polls to one a second when the server ignores wait_for", async () => {
    const { server, client, onError } = workerSetup({ honourWaitFor: false });
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      handler: () => {},
    });
    await advance(10_000);
    const polls = server.callsOf("next").length;
    expect(polls).toBeGreaterThanOrEqual(10);
    expect(polls).toBeLessThanOrEqual(11);
    await stopWorker(worker);
  });

  it("picks up a message as soon as it arrives during a long-poll", async () => {
    const { server, client, onError } = workerSetup();
    const handled: string[] = [];
    const worker = runConsumer<{ n: number }>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      handler: (message) => {
        handled.push(idOf(message));
      },
    });
    await advance(2_000);
    const [id] = server.add({ n: 1 });
    await advance(10);
    expect(handled).toEqual([id]);
    await stopWorker(worker);
  });

  it("backs off exponentially on server errors, reports them and recovers", async () => {
    const { server, client, onError, errors } = workerSetup();
    const unavailable = () =>
      new Response(JSON.stringify({ error: "down", code: "unavailable" }), { status: 503 });
    server.fail("next", unavailable, unavailable, unavailable, unavailable);
    vi.spyOn(Math, "random").mockReturnValue(0);
    const [id] = server.add({ n: 1 });
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      backoff: { initialDelayMs: 1_000, maxDelayMs: 30_000 },
      handler: () => {},
    });
    // Polls at 0, then after 1, 2, 4 and 8 s of backoff: 1000, 3000, 7000, 15000.
    await advance(990);
    expect(server.callsOf("next")).toHaveLength(1);
    await advance(20);
    expect(server.callsOf("next")).toHaveLength(2);
    await advance(1_980);
    expect(server.callsOf("next")).toHaveLength(2);
    await advance(20);
    expect(server.callsOf("next")).toHaveLength(3);
    await advance(12_000);
    expect(errors.filter((e) => e.during === "next")).toHaveLength(4);
    expect(server.doneIds()).toEqual([id]);
    await stopWorker(worker);
    vi.restoreAllMocks();
  });

  it("survives connection errors", async () => {
    const { server, client, onError, errors } = workerSetup();
    server.fail("next", () => {
      throw new TypeError("fetch failed");
    });
    const [id] = server.add({ n: 1 });
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      handler: () => {},
    });
    await advance(2_000);
    await stopWorker(worker);
    expect(errors[0]?.error).toMatchObject({ name: "ConnectionError" });
    expect(server.doneIds()).toEqual([id]);
  });

  it("stops and rejects done on a final error such as an unknown consumer", async () => {
    const { server, client, onError } = workerSetup();
    server.fail(
      "consumer",
      () =>
        new Response(JSON.stringify({ error: "Consumer not found: c", code: "not_found" }), {
          status: 404,
        }),
    );
    const worker = runConsumer({ client, consumer: "c", onError, handler: () => {} });
    const settled = worker.done.catch((e: unknown) => e);
    await advance(10);
    expect(await settled).toBeInstanceOf(NotFoundError);
    expect(server.callsOf("next")).toHaveLength(0);
    await expect(worker.stop()).rejects.toBeInstanceOf(NotFoundError);
  });

  it("validates its options", () => {
    const { client } = workerSetup();
    const handler = () => {};
    expect(() => runConsumer({ client, consumer: "", handler })).toThrow(/consumer/);
    expect(() => runConsumer({ client, consumer: "c", handler, batchSize: 0 })).toThrow(
      /batchSize/,
    );
    expect(() => runConsumer({ client, consumer: "c", handler, concurrency: 1.5 })).toThrow(
      /concurrency/,
    );
    expect(() => runConsumer({ client, consumer: "c", handler, waitFor: 60_001 })).toThrow(
      /waitFor/,
    );
    // @ts-expect-error: exactly one of handler and batchHandler
    expect(() => runConsumer({ client, consumer: "c", handler, batchHandler: handler })).toThrow(
      /exactly one/,
    );
    // @ts-expect-error: a handler is required
    expect(() => runConsumer({ client, consumer: "c" })).toThrow(/exactly one/);
  });
});
