import type { Logger } from "../client/options.js";
import type { Message } from "../types.js";
import { describeSequinError, isSequinError } from "./describe-error.js";
import { isTermination, type Termination } from "./termination.js";
import type { ErrorInfo, RunConsumerHooks } from "./types.js";

/** Calls the user's hooks so that none of them can break the worker. */
export interface Reporter<Data extends object> {
  received(message: Message<Data>): void;
  processed(message: Message<Data>, durationMs: number): void;
  failed(message: Message<Data>, error: unknown, durationMs: number): void;
  terminated(message: Message<Data>, termination: Termination, durationMs: number): void;
  acked(message: Message<Data>): void;
  nacked(message: Message<Data>, delayMs: number | undefined): void;
  deadLettered(message: Message<Data>): void;
  leaseLost(
    message: Message<Data>,
    during: "extend" | "ack" | "nack" | "term",
    error: unknown,
  ): void;
  error(error: unknown, info: ErrorInfo<Data>): void;
}

export function createReporter<Data extends object>(
  hooks: RunConsumerHooks<Data> = {},
  onError?: RunConsumerHooks<Data>["onError"],
  logger?: Logger,
): Reporter<Data> {
  const sinks = [...new Set([onError, hooks.onError])].filter((sink) => sink !== undefined);

  const error = (cause: unknown, info: ErrorInfo<Data>) => {
    if (sinks.length === 0) {
      const prefix = `[sequin] runConsumer: error during ${info.during}:`;
      if (logger) {
        // A logger gets the error itself, to structure as it likes.
        logger.error?.(prefix, cause);
      } else if (isSequinError(cause)) {
        console.error(`${prefix} ${describeSequinError(cause)}`);
      } else if (isTermination(cause)) {
        // A decision of the handler, not a bug: its reason says all, a stack would be noise.
        console.error(`[sequin] runConsumer: the handler terminated a message: ${cause.message}`);
      } else {
        // Thrown by the user's own code (a handler, a hook): its stack is where the bug is.
        console.error(prefix, cause);
      }
      return;
    }
    for (const sink of sinks) {
      try {
        const result: unknown = sink(cause, info);
        if (result instanceof Promise) result.catch(() => {});
      } catch {
        // An error handler that throws has nowhere left to report to.
      }
    }
  };

  const call = <A extends unknown[]>(hook: ((...args: A) => void) | undefined, ...args: A) => {
    if (!hook) return;
    try {
      const result: unknown = hook(...args);
      if (result instanceof Promise) result.catch((e: unknown) => error(e, { during: "hook" }));
    } catch (e) {
      error(e, { during: "hook" });
    }
  };

  return {
    received: (message) => call(hooks.onReceived, message),
    processed: (message, durationMs) => call(hooks.onProcessed, message, { durationMs }),
    failed: (message, cause, durationMs) => {
      // Without onFailed, a handler's error would vanish into a nack: report it as an error.
      if (hooks.onFailed) call(hooks.onFailed, message, cause, { durationMs });
      else error(cause, { during: "handler", message });
    },
    terminated: (message, termination, durationMs) => {
      if (hooks.onTerminated) call(hooks.onTerminated, message, termination, { durationMs });
      else error(termination, { during: "handler", message });
    },
    acked: (message) => call(hooks.onAcked, message),
    nacked: (message, delayMs) => call(hooks.onNacked, message, { delayMs }),
    deadLettered: (message) => call(hooks.onDeadLettered, message),
    leaseLost: (message, during, cause) => {
      if (hooks.onLeaseLost) call(hooks.onLeaseLost, message, { during });
      else error(cause, { during, message });
    },
    error,
  };
}
