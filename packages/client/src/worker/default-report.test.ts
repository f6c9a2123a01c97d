import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, stopWorker, workerSetup } from "../../test/support/worker-setup.js";
import { ConnectionError, NotFoundError } from "../errors.js";
import { describeSequinError } from "./describe-error.js";
import { runConsumer } from "./run-consumer.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A consumer lookup that answers 404 with a request id: a final error, so `done` rejects. */
function unknownConsumer() {
  const setup = workerSetup();
  setup.server.fail(
    "consumer",
    () =>
      new Response(
        JSON.stringify({
          error: "Consumer not found: c",
          code: "not_found",
          request_id: "req_8f2c1a",
        }),
        { status: 404, headers: { "content-type": "application/json" } },
      ),
  );
  return setup;
}

describe("errors reported without onError", () => {
  it("an API error that rejects done is one console line: code, message, request id", async () => {
    const { client } = unknownConsumer();
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const worker = runConsumer({ client, consumer: "c", handler: () => {} });
    const settled = worker.done.catch((e: unknown) => e);
    await advance(10);
    expect(await settled).toBeInstanceOf(NotFoundError);
    expect(spy.mock.calls).toEqual([
      [
        "[sequin] runConsumer: error during consumer: 404 Consumer not found: c (not_found, request req_8f2c1a)",
      ],
    ]);
  });

  it("a logger gets the line and the error, and nothing goes to the console", async () => {
    const { client } = unknownConsumer();
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const logger = { error: vi.fn() };
    const worker = runConsumer({ client, consumer: "c", logger, handler: () => {} });
    const settled = worker.done.catch((e: unknown) => e);
    await advance(10);
    const error = await settled;
    expect(logger.error).toHaveBeenCalledWith(
      "[sequin] runConsumer: error during consumer:",
      error,
    );
    expect(spy).not.toHaveBeenCalled();
  });

  it("an error thrown by the handler is printed whole, stack and all", async () => {
    const { server, client } = workerSetup();
    server.add({ n: 1 });
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const boom = new Error("boom");
    const worker = runConsumer({
      client,
      consumer: "c",
      ackWaitMs: 30_000,
      handler: () => {
        throw boom;
      },
    });
    await advance(50);
    await stopWorker(worker);
    expect(spy).toHaveBeenCalledWith("[sequin] runConsumer: error during handler:", boom);
  });
});

describe("describeSequinError", () => {
  it("names a network failure by its class, and folds a message onto one line", () => {
    expect(describeSequinError(new ConnectionError("fetch failed\n  at socket"))).toBe(
      "ConnectionError: fetch failed at socket",
    );
  });
});
