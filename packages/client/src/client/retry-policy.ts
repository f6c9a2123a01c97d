import type { ErrorCode } from "../types.js";

/**
 * POSTs that are idempotent by nature. `next` is here on purpose: if its answer is lost, the
 * leased messages are delivered again after the consumer's `ack_wait_ms`, so a retry delays
 * those messages but never loses or duplicates work. Term and rewind are idempotent by the spec. Redrive of dead letters that are already
 * pending again does nothing.
 */
const IDEMPOTENT_POSTS = [
  /\/v1\/streams\/[^/]+\/records$/,
  /\/v1\/http-consumers\/[^/]+\/(next|ack|nack|term|extend|rewind)$/,
  /\/v1\/http-consumers\/[^/]+\/dead-letters\/redrive$/,
];

/**
 * Whether a request may be sent again after a failure. Every method but POST is idempotent; a
 * POST is when it is idempotent by nature or carries an `Idempotency-Key`.
 */
export function isRetryableRequest(request: Request): boolean {
  if (request.method !== "POST") return true;
  if (request.headers.has("idempotency-key")) return true;
  const { pathname } = new URL(request.url);
  return IDEMPOTENT_POSTS.some((pattern) => pattern.test(pathname));
}

/** Codes that fail the same way however often they are retried. */
const FINAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "idempotency_key_reused",
  // The mutation was written; a retry would only wait for the consumers again.
  "consumers_timeout",
]);

/**
 * Whether an answer is worth retrying: 408, 429 and 5xx, unless its code says otherwise. A 409
 * only with `Retry-After`: the server sends it while a request with the same Idempotency-Key is
 * still running; every other 409 (a name taken, a stream with consumers) answers the same however
 * often it is asked.
 */
export function isRetryableStatus(
  status: number,
  code: string | undefined,
  headers?: Headers,
): boolean {
  if (code !== undefined && FINAL_CODES.has(code as ErrorCode)) return false;
  if (status === 409) return headers?.has("retry-after") ?? false;
  return status === 408 || status === 429 || status >= 500;
}
