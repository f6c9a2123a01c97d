import {
  createClient,
  isRecordMessage,
  type Message,
  type RunConsumerHooks,
  runConsumer,
  ShutdownTimeoutError,
} from "@sequin/client";
import { describe, expect, it } from "vitest";
import { createConsumer, createStream, next, record, sleep, upsert } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { server, account } = await serverTest();

const upstreamId = (message: Message) =>
  isRecordMessage(message) ? message.record.upstream_id : "";
const sorted = (values: Iterable<string>) => [...values].sort();

/** A fresh stream with `n` records and a consumer of it. */
async function setUp(prefix: string, n: number, ackWaitMs: number) {
  const streamId = await createStream(account.api);
  const consumer = await createConsumer(account.api, {
    stream_id: streamId,
    ack_wait_ms: ackWaitMs,
    // Redelivered as soon as a lease runs out: what comes back is what this file checks.
    backoff_ms: [0],
  });
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  await upsert(
    account.api,
    streamId,
    ids.map((id) => record(id)),
  );
  return { consumer: consumer.id, ids };
}

/** What the hooks saw, by upstream id. */
function recorder() {
  const seen = {
    received: new Set<string>(),
    processed: new Set<string>(),
    failed: new Map<string, unknown>(),
    acked: new Set<string>(),
    nacked: new Set<string>(),
    problems: [] as unknown[],
  };
  const hooks: RunConsumerHooks = {
    onReceived: (m) => seen.received.add(upstreamId(m)),
    onProcessed: (m) => seen.processed.add(upstreamId(m)),
    onFailed: (m, error) => seen.failed.set(upstreamId(m), error),
    onAcked: (m) => seen.acked.add(upstreamId(m)),
    onNacked: (m) => seen.nacked.add(upstreamId(m)),
    onLeaseLost: (m) => seen.problems.push(new Error(`lease lost: ${upstreamId(m)}`)),
    onError: (error) => seen.problems.push(error),
  };
  return { seen, hooks };
}

/** Resolves once `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Leases everything available now; returns the upstream ids. */
async function leaseAll(consumer: string) {
  const answer = await next(account.api, consumer, 1000, 0);
  return sorted(answer.data.map((m) => m.record.upstream_id as string));
}

describe("runConsumer: stopping during a batch", () => {
  it.each(["signal", "stop"] as const)(
    "via %s: acks exactly the handlers that completed; the rest comes back",
    async (how) => {
      const ackWaitMs = 500;
      const { consumer, ids } = await setUp(`stop-${how}`, 20, ackWaitMs);
      const client = createClient({ baseUrl: server.url, token: account.token });
      const { seen, hooks } = recorder();
      const started: string[] = [];
      const completed = new Set<string>();
      let openGate: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        openGate = resolve;
      });
      const controller = new AbortController();

      const handle = runConsumer({
        client,
        consumer,
        concurrency: 4,
        prefetch: 4,
        waitFor: 1_000,
        signal: controller.signal,
        hooks,
        handler: async (message) => {
          const order = started.push(upstreamId(message)) - 1;
          await gate;
          // Every other handler fails: its message must be nacked, never acked.
          if (order % 2 === 1) throw new Error(`handler ${order} failed`);
          completed.add(upstreamId(message));
        },
      });

      // Four handlers running, four more messages leased behind them, when the stop comes.
      await until(() => started.length === 4 && seen.received.size === 8, "a full worker");
      let stopped: Promise<void>;
      if (how === "signal") {
        controller.abort();
        stopped = handle.done;
      } else stopped = handle.stop();
      await sleep(50);
      expect(started).toHaveLength(4); // nothing new starts once stopping
      openGate();
      await stopped;
      await handle.done;

      expect(seen.problems).toEqual([]);
      expect(completed.size).toBe(2);
      expect(sorted(seen.processed)).toEqual(sorted(completed));
      expect(sorted(seen.acked)).toEqual(sorted(completed));
      // The two that threw and the four never started were handed back.
      expect(seen.failed.size).toBe(2);
      const unfinished = sorted([...seen.received].filter((id) => !completed.has(id)));
      expect(unfinished).toHaveLength(6);
      expect(sorted(seen.nacked)).toEqual(unfinished);

      // The server agrees: unfinished messages are available at once (nacked, not left to
      // expire), together with those never leased; completed ones are gone.
      const notCompleted = sorted(ids.filter((id) => !completed.has(id)));
      expect(await leaseAll(consumer)).toEqual(notCompleted);
      // And after ack_wait, only these come back again: a completed message never does.
      await sleep(ackWaitMs + 200);
      expect(await leaseAll(consumer)).toEqual(notCompleted);
    },
  );

  it("nacks handlers still running at shutdownTimeoutMs, even if they succeed later", async () => {
    const { consumer, ids } = await setUp("timeout", 4, 30_000);
    const client = createClient({ baseUrl: server.url, token: account.token });
    const { seen, hooks } = recorder();
    const started: string[] = [];
    let slowReason: unknown;
    let slowResolved = false;
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });

    const handle = runConsumer({
      client,
      consumer,
      concurrency: 2,
      prefetch: 0,
      waitFor: 1_000,
      shutdownTimeoutMs: 300,
      hooks,
      handler: async (message, { signal }) => {
        const order = started.push(upstreamId(message)) - 1;
        if (order === 0) {
          await gate; // finishes in time
          return;
        }
        // Ignores the stop until the worker gives up on it, then "succeeds" anyway.
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
        slowReason = signal.reason;
        await sleep(100);
        slowResolved = true;
      },
    });

    await until(() => started.length === 2, "two running handlers");
    const [fast, slow] = started as [string, string];
    const stopped = handle.stop();
    openGate();
    await stopped;

    expect(seen.problems).toEqual([]);
    expect(slowReason).toBeInstanceOf(ShutdownTimeoutError);
    expect(seen.failed.get(slow)).toBeInstanceOf(ShutdownTimeoutError);
    expect(sorted(seen.acked)).toEqual([fast]);
    expect(sorted(seen.nacked)).toEqual([slow]);
    // Its late success changes nothing.
    await until(() => slowResolved, "the slow handler to return");
    await sleep(50);
    expect(sorted(seen.acked)).toEqual([fast]);
    expect(seen.processed.has(slow)).toBe(false);

    // With ack_wait_ms 30 s, only a nack makes the slow message available again right away.
    expect(await leaseAll(consumer)).toEqual(sorted(ids.filter((id) => id !== fast)));
  });
});
