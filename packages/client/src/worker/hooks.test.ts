import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, stopWorker, workerSetup } from "../../test/support/worker-setup.js";
import { runConsumer } from "./run-consumer.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("hooks", () => {
  it("reports each step of a message's life, in order", async () => {
    const { server, client, onError } = workerSetup();
    const [good, bad] = server.add({ ok: true }, { ok: false });
    const log: string[] = [];
    const id = (m: { ack_token: string }) => server.idOf(m.ack_token);
    const worker = runConsumer<{ ok: boolean }>({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      hooks: {
        onReceived: (m) => log.push(`received ${id(m)}`),
        onProcessed: (m, info) => log.push(`processed ${id(m)} ${info.durationMs}`),
        onFailed: (m, error) => log.push(`failed ${id(m)} ${(error as Error).message}`),
        onAcked: (m) => log.push(`acked ${id(m)}`),
        onNacked: (m) => log.push(`nacked ${id(m)}`),
      },
      handler: async (message) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if ("record" in message && !message.record.data.ok && message.deliver_count === 1) {
          throw new Error("nope");
        }
      },
    });
    await advance(200);
    await stopWorker(worker);
    expect(log.slice(0, 2)).toEqual([`received ${good}`, `received ${bad}`]);
    expect(log).toContain(`processed ${good} 20`);
    expect(log).toContain(`failed ${bad} nope`);
    expect(log.indexOf(`acked ${good}`)).toBeGreaterThan(log.indexOf(`processed ${good} 20`));
    expect(log.indexOf(`nacked ${bad}`)).toBeGreaterThan(log.indexOf(`failed ${bad} nope`));
    expect(log).toContain(`acked ${bad}`);
    expect(onError).not.toHaveBeenCalled();
  });

  it("survives a hook that throws and reports it to onError", async () => {
    const { server, client, onError, errors } = workerSetup();
    const [id] = server.add({ n: 1 });
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError,
      hooks: {
        onReceived: () => {
          throw new Error("metrics down");
        },
      },
      handler: () => {},
    });
    await advance(50);
    await stopWorker(worker);
    expect(errors).toMatchObject([{ during: "hook", error: { message: "metrics down" } }]);
    expect(server.doneIds()).toEqual([id]);
  });

  it("calls hooks.onError and onError alike, once each", async () => {
    const { server, client } = workerSetup();
    server.fail("next", () => new Response("{}", { status: 500 }));
    const top = vi.fn();
    const hook = vi.fn();
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      onError: top,
      hooks: { onError: hook },
      handler: () => {},
    });
    await advance(50);
    await stopWorker(worker);
    expect(top).toHaveBeenCalledTimes(1);
    expect(hook).toHaveBeenCalledTimes(1);
  });

  it("logs to console.error when no onError is given", async () => {
    const { server, client } = workerSetup();
    server.fail("next", () => new Response("{}", { status: 500 }));
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const worker = runConsumer({ client, consumer: "c", ackWaitMs: 30_000, handler: () => {} });
    await advance(50);
    await stopWorker(worker);
    expect(spy).toHaveBeenCalledWith(
      expect.stringMatching(/^\[sequin\] runConsumer: error during next: 500 /),
    );
    spy.mockRestore();
  });
});
