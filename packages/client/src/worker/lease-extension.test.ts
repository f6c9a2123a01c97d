import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, delay, stopWorker, workerSetup } from "../../test/support/worker-setup.js";
import { LeaseLostError } from "../errors.js";
import { runConsumer } from "./run-consumer.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("lease extension", () => {
  it("extends the lease of a handler that runs past half of ack_wait_ms, so it is not redelivered", async () => {
    const { server, client, onError } = workerSetup({ ackWaitMs: 1_000 });
    const [id] = server.add({ n: 1 });
    let runs = 0;
    const worker = runConsumer({
      client,
      consumer: "c",
      concurrency: 2,
      onError,
      handler: async () => {
        runs++;
        await delay(3_500);
      },
    });
    await advance(4_000);
    await stopWorker(worker);
    // ack_wait_ms came from GET consumer; 3.5 s needs an extension at least every 0.5-0.75 s.
    expect(server.callsOf("consumer")).toHaveLength(1);
    expect(server.extendedTokens().length).toBeGreaterThanOrEqual(4);
    expect(new Set(server.extendedTokens().map(server.idOf))).toEqual(new Set([id]));
    expect(server.callsOf("extend")[0]?.at).toBeGreaterThanOrEqual(server.calls[0]!.at + 500);
    expect(runs).toBe(1);
    expect(server.doneIds()).toEqual([id]);
    expect(onError).not.toHaveBeenCalled();
  });

  it("does not extend fast handlers", async () => {
    const { server, client, onError } = workerSetup({ ackWaitMs: 1_000 });
    server.add(...Array.from({ length: 20 }, (_, n) => ({ n })));
    const worker = runConsumer({
      client,
      consumer: "c",
      onError,
      handler: () => delay(50),
    });
    await advance(3_000);
    await stopWorker(worker);
    expect(server.doneIds()).toHaveLength(20);
    expect(server.callsOf("extend")).toHaveLength(0);
  });

  it("can be turned off", async () => {
    const { server, client, onError } = workerSetup({ ackWaitMs: 1_000 });
    server.add({ n: 1 });
    const worker = runConsumer({
      client,
      consumer: "c",
      extendLeases: false,
      onError,
      handler: () => delay(2_000),
    });
    await advance(2_500);
    await stopWorker(worker);
    expect(server.callsOf("consumer")).toHaveLength(0);
    expect(server.callsOf("extend")).toHaveLength(0);
  });

  it("reports a lost lease, aborts the handler's signal and sends no ack for it", async () => {
    const { server, client, onError } = workerSetup({ ackWaitMs: 1_000 });
    const [id] = server.add({ n: 1 });
    const lost: string[] = [];
    let reason: unknown;
    const worker = runConsumer({
      client,
      consumer: "c",
      onError,
      hooks: {
        onLeaseLost: (message, info) =>
          lost.push(`${"record" in message ? message.record.id : ""}:${info.during}`),
      },
      handler: async (message, { signal }) => {
        // The lease goes to another worker while this handler is still busy.
        if (message.deliver_count === 1) server.expire(id as string);
        await delay(1_500);
        reason = signal.reason;
      },
    });
    await advance(1_000);
    await stopWorker(worker);
    expect(lost).toEqual([`${id}:extend`]);
    expect(reason).toBeInstanceOf(LeaseLostError);
    const lostToken = server.callsOf("extend")[0]?.tokens[0];
    expect(lostToken).toBeDefined();
    expect(server.callsOf("ack").flatMap((c) => c.tokens)).not.toContain(lostToken);
    expect(server.callsOf("nack").flatMap((c) => c.tokens)).not.toContain(lostToken);
  });

  it("reports a lost lease to onError when there is no onLeaseLost hook, and goes on", async () => {
    const { server, client, onError, errors } = workerSetup({ ackWaitMs: 1_000 });
    const [id] = server.add({ n: 1 });
    const worker = runConsumer({
      client,
      consumer: "c",
      onError,
      handler: async (message) => {
        if (message.deliver_count === 1) server.expire(id as string);
        await delay(1_000);
      },
    });
    await advance(3_000);
    await stopWorker(worker);
    expect(errors[0]).toMatchObject({ during: "extend" });
    expect(errors[0]?.error).toBeInstanceOf(LeaseLostError);
    // The redelivery (deliver_count 2) was processed and acked normally.
    expect(server.doneIds()).toEqual([id]);
  });

  it("keeps trying when an extension fails", async () => {
    const { server, client, onError, errors } = workerSetup({ ackWaitMs: 1_000 });
    const [id] = server.add({ n: 1 });
    server.fail(
      "extend",
      () => new Response(JSON.stringify({ error: "x", code: "internal" }), { status: 500 }),
    );
    const worker = runConsumer({ client, consumer: "c", onError, handler: () => delay(1_200) });
    await advance(1_500);
    await stopWorker(worker);
    expect(errors.map((e) => e.during)).toEqual(["extend"]);
    expect(server.callsOf("extend").length).toBeGreaterThanOrEqual(2);
    expect(server.doneIds()).toEqual([id]);
  });
});
