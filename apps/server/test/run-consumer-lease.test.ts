import {
  type ConsumerHandle,
  createClient,
  isRecordMessage,
  type Message,
  runConsumer,
} from "@sequin/client";
import { describe, expect, it } from "vitest";
import { createConsumer, createStream, next, record, sleep, upsert } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

const { server, account } = await serverTest();
const handles: ConsumerHandle[] = [];

const upstreamId = (message: Message) =>
  isRecordMessage(message) ? message.record.upstream_id : "";

/** Resolves once `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A worker that logs what its hooks see, as `event:upstream_id:deliver_count`. */
function worker(
  consumer: string,
  handler: (message: Message) => Promise<void> | void,
  extendLeases = true,
) {
  const log: string[] = [];
  const problems: unknown[] = [];
  const note = (event: string) => (m: Message) =>
    log.push(`${event}:${upstreamId(m)}:${m.deliver_count}`);
  const handle = runConsumer({
    client: createClient({ baseUrl: server.url, token: account.token }),
    consumer,
    concurrency: 1,
    // Holds nothing but what it runs: a second worker can take everything else.
    prefetch: 0,
    waitFor: 500,
    extendLeases,
    handler,
    hooks: {
      onReceived: note("received"),
      onAcked: note("acked"),
      onNacked: note("nacked"),
      onLeaseLost: note("leaseLost"),
      onFailed: (_m, error) => problems.push(error),
      onError: (error) => problems.push(error),
    },
  });
  handles.push(handle);
  return { handle, log, problems };
}

/** A stream with one record "slow", a consumer with ack_wait_ms 1000, and its id. */
async function setUp() {
  const streamId = await createStream(account.api);
  const consumer = await createConsumer(account.api, { stream_id: streamId, ack_wait_ms: 1_000 });
  await upsert(account.api, streamId, [record("slow")]);
  return { streamId, consumer: consumer.id };
}

describe("runConsumer: lease extension against the server", () => {
  it("keeps a 3 s handler's message (ack_wait_ms 1000) from a second worker, then acks it", async () => {
    const { streamId, consumer } = await setUp();
    let slowDone = false;
    const a = worker(consumer, async (message) => {
      if (upstreamId(message) !== "slow") return;
      await sleep(3_000);
      slowDone = true;
    });
    await until(() => a.log.includes("received:slow:1"), "worker A to lease the slow message");

    // Worker B polls the whole time A's handler runs; there is other work for it meanwhile.
    const b = worker(consumer, () => {});
    const others = ["other-1", "other-2", "other-3"];
    await upsert(
      account.api,
      streamId,
      others.map((id) => record(id)),
    );
    await until(() => slowDone && a.log.includes("acked:slow:1"), "A to finish and ack", 15_000);
    await until(() => others.every((id) => b.log.includes(`acked:${id}:1`)), "B's acks");
    // One more long-poll cycle of B after the ack: still nothing for it.
    await sleep(600);
    await Promise.all([a.handle.stop(), b.handle.stop()]);

    expect(a.problems).toEqual([]);
    expect(b.problems).toEqual([]);
    expect(a.log).toEqual(["received:slow:1", "acked:slow:1"]);
    expect(b.log.filter((line) => line.includes(":slow:"))).toEqual([]);
    expect(b.log.filter((line) => line.startsWith("received:")).sort()).toEqual(
      others.map((id) => `received:${id}:1`),
    );
    const after = await next(account.api, consumer, 10, 0);
    expect(after.info).toEqual({ num_pending: 0, num_ack_pending: 0 });
  });

  it("control: without lease extension the second worker gets the message, and A's ack is refused", async () => {
    const { consumer } = await setUp();
    let bGotIt: () => void = () => {};
    const seenByB = new Promise<void>((resolve) => {
      bGotIt = resolve;
    });
    const a = worker(
      consumer,
      async () => {
        // Outlives its lease: returns only once B has the message.
        await seenByB;
      },
      false,
    );
    await until(() => a.log.includes("received:slow:1"), "worker A to lease the slow message");
    const b = worker(consumer, (message) => {
      if (upstreamId(message) === "slow") bGotIt();
    });
    await until(() => a.log.includes("leaseLost:slow:1"), "A's ack to be refused");
    await until(() => b.log.includes("acked:slow:2"), "B's ack");
    await Promise.all([a.handle.stop(), b.handle.stop()]);

    expect(a.problems).toEqual([]);
    expect(b.problems).toEqual([]);
    expect(a.log).toEqual(["received:slow:1", "leaseLost:slow:1"]);
    expect(b.log).toEqual(["received:slow:2", "acked:slow:2"]);
  });
});
