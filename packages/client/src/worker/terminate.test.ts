import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, delay, stopWorker, workerSetup } from "../../test/support/worker-setup.js";
import type { Message } from "../types.js";
import { runConsumer } from "./run-consumer.js";
import { isTermination, Termination, terminate } from "./termination.js";
import type { MessageOutcome } from "./types.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Item = { n: number };
const n = (m: Message<Item>) => ("record" in m ? m.record.data.n : -1);

describe("terminate()", () => {
  it("is an Error carrying the reason; an Error given is its cause", () => {
    const plain = terminate("no email");
    expect(plain).toBeInstanceOf(Termination);
    expect(plain).toBeInstanceOf(Error);
    expect(plain.name).toBe("Termination");
    expect(plain.reason).toBe("no email");
    const cause = new TypeError("bad payload");
    const wrapped = terminate(cause);
    expect(wrapped.reason).toBe("bad payload");
    expect(wrapped.cause).toBe(cause);
    expect(terminate().reason).toBeUndefined();
  });

  it("is recognised from another copy of the package by its brand", () => {
    const foreign = Object.defineProperty(
      new Error("x"),
      Symbol.for("@sequin/client/termination"),
      {
        value: true,
      },
    );
    expect(isTermination(foreign)).toBe(true);
    expect(isTermination(new Error("x"))).toBe(false);
  });
});

describe("runConsumer with terminate", () => {
  it.each([
    ["returned", (reason: string) => terminate(reason)],
    [
      "thrown",
      (reason: string) => {
        throw terminate(reason);
      },
    ],
  ])(
    "dead-letters a message whose handler %s terminate(reason), once, without a nack",
    async (_, give) => {
      const { server, client, onError } = workerSetup();
      const [bad, good] = server.add({ n: 1 }, { n: 2 });
      const log: string[] = [];
      const worker = runConsumer<Item>({
        client,
        consumer: "c",
        ackWaitMs: 30_000,
        onError,
        hooks: {
          onTerminated: (m, termination, info) =>
            log.push(`terminated ${n(m)} ${termination.reason} ${info.durationMs}`),
          onDeadLettered: (m) => log.push(`dead ${n(m)}`),
          onFailed: (m) => log.push(`failed ${n(m)}`),
        },
        handler: (message) => (n(message) === 1 ? give("Contact has no email address") : undefined),
      });
      await advance(100);
      await stopWorker(worker);
      expect(server.callsOf("term").map((call) => call.body)).toEqual([
        { ack_tokens: [expect.any(String)], reason: "Contact has no email address" },
      ]);
      expect(server.termedIds()).toEqual([bad]);
      expect(server.deadLetters()).toEqual([
        { id: bad, lastError: "Contact has no email address" },
      ]);
      expect(server.nackedIds()).toEqual([]);
      expect(server.ackedIds()).toEqual([good]);
      expect(log).toEqual(["terminated 1 Contact has no email address 0", "dead 1"]);
      expect(onError).not.toHaveBeenCalled();
    },
  );

  it("sends no reason for terminate() without one, and cuts a long one to 1000 characters", async () => {
    const { server, client, onError } = workerSetup();
    server.add({ n: 1 }, { n: 2 });
    const worker = runConsumer<Item>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      hooks: { onTerminated: () => {} },
      handler: (message) => (n(message) === 1 ? terminate() : terminate("r".repeat(1_500))),
    });
    await advance(100);
    await stopWorker(worker);
    const bodies = server.callsOf("term").map((call) => call.body);
    expect(bodies).toContainEqual({ ack_tokens: [expect.any(String)] });
    expect(bodies.find((body) => "reason" in body)?.reason).toHaveLength(1000);
  });

  it("reports a termination to onError as the Termination itself when there is no onTerminated", async () => {
    const { server, client, onError, errors } = workerSetup();
    const [id] = server.add({ n: 1 });
    const worker = runConsumer<Item>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      handler: () => terminate("poison"),
    });
    await advance(100);
    await stopWorker(worker);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.during).toBe("handler");
    expect(errors[0]?.error).toBeInstanceOf(Termination);
    expect(onError.mock.calls[0]?.[1]).toMatchObject({
      during: "handler",
      message: expect.anything(),
    });
    expect(server.termedIds()).toEqual([id]);
  });

  it("prints a termination as one line without onError or a logger", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const { server, client } = workerSetup();
    server.add({ n: 1 });
    const worker = runConsumer<Item>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      handler: () => terminate("poison"),
    });
    await advance(100);
    await stopWorker(worker);
    expect(spy.mock.calls).toEqual([
      ["[sequin] runConsumer: the handler terminated a message: poison"],
    ]);
    spy.mockRestore();
  });

  it("reports a term whose lease was over to onLeaseLost, during term", async () => {
    const { server, client, onError } = workerSetup();
    const [id] = server.add({ n: 1 });
    const lost: string[] = [];
    const worker = runConsumer<Item>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      extendLeases: false,
      onError,
      hooks: {
        onTerminated: () => {},
        onLeaseLost: (_, info) => lost.push(info.during),
      },
      handler: async () => {
        await delay(100);
        server.expire(id as string);
        return terminate("late");
      },
    });
    await advance(50);
    worker.pause();
    await advance(200);
    await stopWorker(worker);
    expect(lost).toEqual(["term"]);
    expect(server.deadLetters()).toEqual([]);
  });

  it("retries a term request that failed, and reports the failure during term", async () => {
    const { server, client, onError, errors } = workerSetup();
    const [id] = server.add({ n: 1 });
    server.fail(
      "term",
      () => new Response(JSON.stringify({ error: "down", code: "unavailable" }), { status: 503 }),
    );
    const worker = runConsumer<Item>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      backoff: { initialDelayMs: 10, maxDelayMs: 10 },
      onError,
      hooks: { onTerminated: () => {} },
      handler: () => terminate("bad"),
    });
    await advance(200);
    await stopWorker(worker);
    expect(errors.map((e) => e.during)).toEqual(["term"]);
    expect(server.callsOf("term")).toHaveLength(2);
    expect(server.termedIds()).toEqual([id, id]);
    expect(server.deadLetters()).toEqual([{ id, lastError: "bad" }]);
  });
});

describe("batchHandler with terminate", () => {
  async function runBatch(count: number, handle: (messages: Message<Item>[]) => unknown) {
    const { server, client, onError, errors } = workerSetup();
    const ids = server.add(...Array.from({ length: count }, (_, i) => ({ n: i })));
    const terminated: number[] = [];
    const failed: number[] = [];
    let batches = 0;
    const worker = runConsumer<Item>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      batchSize: count,
      onError,
      hooks: {
        onTerminated: (m) => terminated.push(n(m)),
        onFailed: (m) => failed.push(n(m)),
      },
      // biome-ignore lint/suspicious/noExplicitAny: the handler under test returns outcomes of any shape.
      batchHandler: (messages): any => {
        if (batches++ > 0) return undefined; // redeliveries of nacked messages are acked
        return handle(messages);
      },
    });
    await advance(100);
    await stopWorker(worker);
    const index = new Map(ids.map((id, i) => [id, i]));
    const at = (list: string[]) => list.map((id) => index.get(id)).sort();
    return {
      server,
      errors,
      terminated: terminated.sort(),
      failed: [...new Set(failed)].sort(),
      termed: at(server.termedIds()),
      nacked: at(server.nackedIds()),
      acked: at(server.ackedIds()),
    };
  }

  it("terminates the messages whose outcome is terminate(), in an array", async () => {
    const result = await runBatch(4, (messages) =>
      messages.map((m): MessageOutcome => {
        if (n(m) === 1) return terminate("poison 1");
        if (n(m) === 2) return new Error("transient");
        return "ack";
      }),
    );
    expect(result.termed).toEqual([1]);
    expect(result.terminated).toEqual([1]);
    expect(result.failed).toEqual([2]);
    expect(result.nacked).toEqual([2]);
    expect(result.acked).toEqual([0, 2, 3]);
    expect(result.server.deadLetters()).toEqual([{ id: "m2", lastError: "poison 1" }]);
  });

  it("terminates the messages whose outcome is terminate(), in a Map", async () => {
    const result = await runBatch(3, (messages) => {
      const outcomes = new Map<Message<Item>, MessageOutcome>(messages.map((m) => [m, "ack"]));
      outcomes.set(messages[0] as Message<Item>, terminate("bad"));
      outcomes.set(messages[2] as Message<Item>, terminate("bad"));
      return outcomes;
    });
    expect(result.termed).toEqual([0, 2]);
    expect(result.acked).toEqual([1]);
    // The same reason: one request.
    expect(result.server.callsOf("term")).toHaveLength(1);
  });

  it("terminates the whole batch when it throws terminate()", async () => {
    const result = await runBatch(3, () => {
      throw terminate("schema changed");
    });
    expect(result.termed).toEqual([0, 1, 2]);
    expect(result.terminated).toEqual([0, 1, 2]);
    expect(result.nacked).toEqual([]);
    expect(result.errors).toEqual([]);
  });

  it("sends each message's own reason when the outcomes differ", async () => {
    const result = await runBatch(2, (messages) => messages.map((m) => terminate(`bad ${n(m)}`)));
    const reasons = result.server.callsOf("term").map((call) => call.body.reason);
    expect(reasons.sort()).toEqual(["bad 0", "bad 1"]);
  });
});
