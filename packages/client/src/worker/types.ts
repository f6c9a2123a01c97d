import type { BackoffOptions } from "../client/backoff.js";
import type { SequinClient } from "../client/create-client.js";
import type { Logger } from "../client/options.js";
import type { Message } from "../types.js";
import type { Termination } from "./termination.js";

/** The part of the client `runConsumer` uses (a `SequinClient` fits; so does a test double). */
export type ConsumerClient = Pick<
  SequinClient,
  "next" | "ack" | "nack" | "term" | "extendLeases"
> & {
  consumers: Pick<SequinClient["consumers"], "get">;
};

/** What a handler gets besides its message(s). */
export interface HandlerContext {
  /**
   * Aborted when the worker gives up on this work: the shutdown timeout ran out (reason
   * `ShutdownTimeoutError`) or, for a single-message handler, its lease was lost (reason
   * `LeaseLostError`). Pass it to what you call so that abandoned work stops early.
   */
  signal: AbortSignal;
}

/**
 * Handles one message: resolve to ack it, throw (or reject) to nack it (retried later), return
 * or throw `terminate(reason)` to make it a dead letter at once.
 */
export type Handler<Data extends object> = (
  message: Message<Data>,
  context: HandlerContext,
) => unknown | Promise<unknown>;

/**
 * The outcome of one message of a batch: `"ack"`; `"nack"` or an `Error` (nack, the error's
 * message as the reason); or `terminate(reason)` (a dead letter at once).
 */
export type MessageOutcome = "ack" | "nack" | Error | Termination;

/**
 * What a `batchHandler` resolves to:
 * - nothing: every message is acked;
 * - an array of outcomes in the order of the messages;
 * - a Map from message (or its `ack_token`) to outcome.
 * A message with no outcome is nacked: silence never acks. Throwing nacks the whole batch;
 * throwing `terminate(reason)` makes every message of it a dead letter.
 */
export type BatchResult<Data extends object> =
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: lets a handler with no return statement fit.
  | void
  | readonly MessageOutcome[]
  | ReadonlyMap<Message<Data> | string, MessageOutcome>;

/** Handles the messages of one `next` answer together (e.g. one bulk write). */
export type BatchHandler<Data extends object> = (
  messages: Message<Data>[],
  context: HandlerContext,
) => BatchResult<Data> | Promise<BatchResult<Data>>;

/** Where an error reported to `onError` happened (`hook`: a hook or `retryDelayMs` threw). */
export type WorkerPhase =
  | "consumer"
  | "next"
  | "ack"
  | "nack"
  | "term"
  | "extend"
  | "handler"
  | "hook";

/** Context of an error reported to `onError`. */
export interface ErrorInfo<Data extends object = Record<string, unknown>> {
  during: WorkerPhase;
  /**
   * The message concerned, for `handler`, `ack`, `nack`, `term` and `extend` errors about one
   * message. A `handler` error that is a `Termination` is a message the handler gave up on.
   */
  message?: Message<Data>;
}

/** Observability hooks: metrics, traces, logs. A hook that throws is reported to `onError`. */
export interface RunConsumerHooks<Data extends object = Record<string, unknown>> {
  /** A message was leased by this worker. */
  onReceived?(message: Message<Data>): void;
  /** A handler (or batch handler) finished a message successfully; its ack is queued. */
  onProcessed?(message: Message<Data>, info: { durationMs: number }): void;
  /** A handler failed a message (it threw, or the batch outcome said so); its nack is queued. */
  onFailed?(message: Message<Data>, error: unknown, info: { durationMs: number }): void;
  /** The server confirmed the ack. */
  onAcked?(message: Message<Data>): void;
  /**
   * The handler gave up on a message (`terminate()`); its term is queued. Without this hook the
   * Termination goes to `onError` (`during: "handler"`).
   */
  onTerminated?(
    message: Message<Data>,
    termination: Termination,
    info: { durationMs: number },
  ): void;
  /** The server confirmed the nack: the message is available again (after its delay). */
  onNacked?(message: Message<Data>, info: { delayMs: number | undefined }): void;
  /** The server confirmed the term: the message is a dead letter. (Not called for a nack past `max_deliver`: its answer does not say.) */
  onDeadLettered?(message: Message<Data>): void;
  /** The message's lease was over before its outcome was sent; the outcome is not sent. */
  onLeaseLost?(message: Message<Data>, info: { during: "extend" | "ack" | "nack" | "term" }): void;
  /** A transient or final error; the worker goes on unless the error is final (see `done`). */
  onError?(error: unknown, info: ErrorInfo<Data>): void;
}

interface RunConsumerCommon<Data extends object> {
  /** The client to consume with. Required. */
  client: ConsumerClient;
  /** The consumer's id or name. Required. */
  consumer: string;
  /** Handlers (or batches, with `batchHandler`) in flight at once. Default 1. */
  concurrency?: number;
  /**
   * Most messages leased per `next` request (1-1000); with `batchHandler`, the batch size.
   * Default `concurrency + prefetch` with `handler`, 10 with `batchHandler`.
   */
  batchSize?: number;
  /**
   * Messages (batches, with `batchHandler`) leased but not yet started, at most. Leased messages
   * wait under the consumer's `ack_wait_ms`, so keep it small. Default `concurrency`.
   */
  prefetch?: number;
  /** Long-poll of each `next`, in ms (0-60000). Default 5000. */
  waitFor?: number;
  /** Stops the worker gracefully when aborted, like `stop()`. */
  signal?: AbortSignal;
  /** How long `stop()` lets running handlers finish before nacking their messages. Default 30000. */
  shutdownTimeoutMs?: number;
  /** Extend the leases of messages held longer than half of `ack_wait_ms`. Default true. */
  extendLeases?: boolean;
  /** The consumer's `ack_wait_ms`. Default: read once from the consumer at start. */
  ackWaitMs?: number;
  /** How long acks and nacks are gathered before one request sends them, in ms. Default 5. */
  ackDelayMs?: number;
  /**
   * How long a message that failed (its handler threw) waits before it is delivered again, in
   * ms (0-43200000), sent as the nack's `delay_ms`: a number, or a function of the delivery count
   * that failed (1 for the first), the error and the message, returning ms or `undefined` for the
   * consumer's own schedule. Default: the consumer's `backoff_ms` (no `delay_ms` is sent).
   */
  retryDelayMs?: RetryDelay<Data>;
  /** Backoff after a failed `next`, ack or nack request. Default `{ initialDelayMs: 1000, maxDelayMs: 30000 }`. */
  backoff?: Partial<BackoffOptions>;
  /** Stop gracefully on SIGINT and SIGTERM (listeners are removed on stop). Default false. */
  handleSignals?: boolean;
  /**
   * Called for every error the worker survives, and for a final one. Default: `logger.error`
   * with the error, or without a logger one `console.error` line per error of the API (its code,
   * message and request id); an error thrown by a handler or hook is printed whole.
   */
  onError?: RunConsumerHooks<Data>["onError"];
  /** Where errors go when there is no `onError`: its `error` gets a line and the error. */
  logger?: Logger;
  /** Observability hooks. */
  hooks?: RunConsumerHooks<Data>;
}

/** `retryDelayMs`: a fixed delay, or one per failure (`undefined`: the consumer's `backoff_ms`). */
export type RetryDelay<Data extends object = Record<string, unknown>> =
  | number
  | ((deliverCount: number, error: unknown, message: Message<Data>) => number | undefined);

/** Options of `runConsumer`: exactly one of `handler` and `batchHandler`. */
export type RunConsumerOptions<Data extends object = Record<string, unknown>> =
  RunConsumerCommon<Data> &
    (
      | {
          /** Handles one message at a time per slot of `concurrency`. */
          handler: Handler<Data>;
          batchHandler?: never;
        }
      | {
          /** Handles the messages of one `next` answer together. */
          batchHandler: BatchHandler<Data>;
          handler?: never;
        }
    );

/** A running worker. */
export interface ConsumerHandle {
  /**
   * Stops leasing, lets running handlers finish (up to `shutdownTimeoutMs`, then nacks them),
   * nacks what was never started, sends every ack and nack, then settles like `done`. Safe to
   * call more than once.
   */
  stop(): Promise<void>;
  /** Settles once the worker has drained: resolves after a stop, rejects after a final error (e.g. 401, unknown consumer). */
  done: Promise<void>;
  /**
   * Stops leasing until `resume()`: a `next` in flight is cancelled, messages already leased
   * (running or prefetched) are handled and settled as usual, leases are still extended.
   * Local to this worker; to pause every worker of a consumer, update its `paused`.
   */
  pause(): void;
  /** Starts leasing again at once after `pause()`. */
  resume(): void;
  /** Whether the worker is paused by `pause()`. */
  readonly paused: boolean;
}
