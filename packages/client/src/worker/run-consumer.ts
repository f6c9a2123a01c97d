import { ConsumerWorker } from "./consumer-worker.js";
import { createReporter } from "./reporter.js";
import { onShutdownSignals } from "./shutdown-signals.js";
import type { ConsumerHandle, RunConsumerOptions } from "./types.js";

const DEFAULT_BACKOFF = { initialDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * Consumes messages until stopped: leases them with long-polling `next`, runs `handler` (or
 * `batchHandler`) with bounded concurrency, acks what succeeded, nacks what threw (retried on
 * the consumer's backoff, or after `retryDelayMs`, with the error's message as the reason) and
 * dead-letters what the handler gave up on with `terminate()`; extends the leases of slow
 * handlers, can be paused, and shuts down gracefully.
 *
 * @example
 * const worker = runConsumer<Contact>({ client, consumer: "contacts", concurrency: 8,
 *   handler: async (message) => { ... } });
 * process.on("SIGTERM", () => worker.stop());
 */
export function runConsumer<Data extends object = Record<string, unknown>>(
  options: RunConsumerOptions<Data>,
): ConsumerHandle {
  const settings = validate(options);
  const worker = new ConsumerWorker<Data>({
    ...settings,
    handler: options.handler,
    batchHandler: options.batchHandler,
    reporter: createReporter(options.hooks, options.onError, options.logger),
  });

  const stop = () => worker.requestStop();
  const disposeSignals = options.handleSignals ? onShutdownSignals(stop) : undefined;
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.signal?.aborted) stop();

  const done = worker.run().finally(() => {
    disposeSignals?.();
    options.signal?.removeEventListener("abort", stop);
  });
  return {
    stop() {
      stop();
      return done;
    },
    done,
    pause: () => worker.pause(),
    resume: () => worker.resume(),
    get paused() {
      return worker.paused;
    },
  };
}

function validate<Data extends object>(options: RunConsumerOptions<Data>) {
  const fail = (message: string): never => {
    throw new TypeError(`runConsumer: ${message}`);
  };
  if (!options.client) fail("`client` is required");
  if (!options.consumer) fail("`consumer` is required");
  if (typeof options.handler === typeof options.batchHandler) {
    fail("give exactly one of `handler` and `batchHandler`");
  }
  const concurrency = integer(options.concurrency, 1, 1, 10_000, "concurrency", fail);
  const prefetch = integer(options.prefetch, concurrency, 0, 100_000, "prefetch", fail);
  // With a single-message handler batchSize only caps a request: by default one fills the room.
  const defaultBatchSize = options.batchHandler ? 10 : Math.min(1000, concurrency + prefetch);
  const ackWaitMs =
    options.ackWaitMs === undefined
      ? undefined
      : integer(options.ackWaitMs, 0, 100, 43_200_000, "ackWaitMs", fail);
  return {
    client: options.client,
    consumer: options.consumer,
    concurrency,
    batchSize: integer(options.batchSize, defaultBatchSize, 1, 1000, "batchSize", fail),
    prefetch,
    waitFor: integer(options.waitFor, 5_000, 0, 60_000, "waitFor", fail),
    shutdownTimeoutMs: integer(
      options.shutdownTimeoutMs,
      30_000,
      0,
      2 ** 31 - 1,
      "shutdownTimeoutMs",
      fail,
    ),
    extendLeases: options.extendLeases ?? true,
    ackWaitMs,
    ackDelayMs: integer(options.ackDelayMs, 5, 0, 60_000, "ackDelayMs", fail),
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    retryDelayMs:
      typeof options.retryDelayMs === "number"
        ? integer(options.retryDelayMs, 0, 0, 43_200_000, "retryDelayMs", fail)
        : options.retryDelayMs === undefined || typeof options.retryDelayMs === "function"
          ? options.retryDelayMs
          : fail("`retryDelayMs` must be a number of ms or a function"),
  };
}

function integer(
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
  name: string,
  fail: (message: string) => never,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    return fail(`\`${name}\` must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}
