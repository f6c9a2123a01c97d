import { AuthenticationError, BadRequestError, NotFoundError, ValidationError } from "../errors.js";

/**
 * Errors that fail the same way however often they are retried: a bad token, an unknown
 * consumer, a malformed request. Everything else (connection, timeout, 409, 429, 5xx) is
 * transient and retried with backoff.
 */
export function isFinalError(error: unknown): boolean {
  return (
    error instanceof AuthenticationError ||
    error instanceof NotFoundError ||
    error instanceof BadRequestError ||
    error instanceof ValidationError
  );
}
