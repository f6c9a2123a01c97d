/** Marks a Termination across copies of this package (e.g. two bundles), where instanceof fails. */
const BRAND = Symbol.for("@sequin/client/termination");

/**
 * A handler's decision to give up on a message: returned or thrown, the worker sends the
 * message to `term`, which makes it a dead letter at once (`cause: "terminated"`) with `reason`
 * as its last error, whatever `max_deliver` says. Make one with `terminate()`.
 */
export class Termination extends Error {
  override readonly name = "Termination";
  /** Kept as the dead letter's `last_error` (cut to 1000 characters); none keeps the previous one. */
  readonly reason: string | undefined;

  constructor(reason?: string, options?: ErrorOptions) {
    super(reason ?? "The handler terminated the message", options);
    this.reason = reason;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Gives up on a message: `return terminate(reason)` or `throw terminate(reason)` from a handler,
 * or use it as a message's outcome in a `batchHandler`'s result. The message becomes a dead
 * letter at once instead of being retried. Given an Error, its message is the reason and the
 * error the `cause`.
 *
 * @example
 * if (!contact.email) return terminate("Contact has no email address");
 */
export function terminate(reason?: string | Error): Termination {
  if (reason instanceof Error) return new Termination(reason.message, { cause: reason });
  return new Termination(reason);
}

/** Whether a handler's result or error is a Termination (also one from another copy of this package). */
export function isTermination(value: unknown): value is Termination {
  return (
    value instanceof Termination ||
    (typeof value === "object" &&
      value !== null &&
      (value as { [BRAND]?: unknown })[BRAND] === true)
  );
}
