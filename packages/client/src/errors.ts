import type { ErrorBody, ErrorCode, SequinRecord } from "./types.js";

/** One invalid field of a request, as named by the server. */
export interface ErrorDetail {
  path: string;
  message: string;
}

interface SequinErrorInit {
  status?: number | undefined;
  code?: ErrorCode | undefined;
  requestId?: string | undefined;
  body?: unknown;
  headers?: Headers | undefined;
  cause?: unknown;
}

/**
 * Base class of every error thrown by @sequin/client. HTTP failures carry the server's
 * `status`, machine-readable `code` and `requestId`; transport failures (connection, timeout,
 * abort) have no status.
 */
export class SequinError extends Error {
  override name = "SequinError";
  /** HTTP status of the answer; undefined when no answer arrived. */
  readonly status: number | undefined;
  /** The spec's machine-readable `ErrorCode`, when the server sent one. */
  readonly code: ErrorCode | undefined;
  /** The server's request id (body `request_id` or the `X-Request-Id` header). */
  readonly requestId: string | undefined;
  /** The parsed error body (the spec's `Error` shape), or its raw text if it was not JSON. */
  readonly body: unknown;
  /** Headers of the answer, when there was one. */
  readonly headers: Headers | undefined;

  constructor(message: string, init: SequinErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.body = init.body;
    this.headers = init.headers;
  }
}

/** 400 and other 4xx answers not covered below (413, 415...): the request is malformed. */
export class BadRequestError extends SequinError {
  override name = "BadRequestError";
}

/** 401 or 403: the token is missing, unknown, revoked or not allowed. */
export class AuthenticationError extends SequinError {
  override name = "AuthenticationError";
}

/** 404: no such object in this account. */
export class NotFoundError extends SequinError {
  override name = "NotFoundError";
}

/** 409: a name is taken, a stream still has consumers, or an `Idempotency-Key` was reused. */
export class ConflictError extends SequinError {
  override name = "ConflictError";
}

/** 422: the body is valid JSON but does not match the schema; `details` names each field. */
export class ValidationError extends SequinError {
  override name = "ValidationError";
  /** One entry per invalid field. */
  readonly details: ErrorDetail[];

  constructor(message: string, init: SequinErrorInit & { details?: ErrorDetail[] }) {
    super(message, init);
    this.details = init.details ?? [];
  }
}

/** 429: too many requests; wait `retryAfterMs` (from `Retry-After`) before trying again. */
export class RateLimitError extends SequinError {
  override name = "RateLimitError";
  /** Milliseconds the server asked to wait, from `Retry-After`; undefined when it did not say. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: SequinErrorInit & { retryAfterMs?: number | undefined }) {
    super(message, init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 5xx: the server failed. Safe to retry for idempotent calls (the client already did). */
export class ServerError extends SequinError {
  override name = "ServerError";
}

/**
 * 500 with code `consumers_timeout`: a mutation was written, but the consumers named in
 * `await_consumer_ids` did not ack in time. `records` holds what was written.
 */
export class ConsumersTimeoutError<
  Data extends object = Record<string, unknown>,
> extends ServerError {
  override name = "ConsumersTimeoutError";
  /** The records the mutation wrote. */
  readonly records: SequinRecord<Data>[];

  constructor(message: string, init: SequinErrorInit & { records?: SequinRecord<Data>[] }) {
    super(message, init);
    this.records = init.records ?? [];
  }
}

/** No answer: DNS, refused or reset connection, TLS failure. The cause is the fetch error. */
export class ConnectionError extends SequinError {
  override name = "ConnectionError";
}

/** No answer within the timeout (or the server answered 408). */
export class TimeoutError extends SequinError {
  override name = "TimeoutError";
}

/** The caller's `AbortSignal` fired. Never retried. */
export class AbortedError extends SequinError {
  override name = "AbortedError";
}

/** Narrows an unknown body to the spec's `Error` shape. */
export function isErrorBody(body: unknown): body is ErrorBody {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as { error?: unknown }).error === "string" &&
    typeof (body as { code?: unknown }).code === "string"
  );
}

/**
 * A message's lease ended while this worker still held it (the server listed its token as
 * unknown): the message may already be with another worker, so its outcome is not sent.
 */
export class LeaseLostError extends SequinError {
  override name = "LeaseLostError";
  /** The token whose delivery is over. */
  readonly ackToken: string;

  constructor(message: string, init: SequinErrorInit & { ackToken: string }) {
    super(message, init);
    this.ackToken = init.ackToken;
  }
}

/** A handler was still running when the worker's `shutdownTimeoutMs` ran out; it was nacked. */
export class ShutdownTimeoutError extends SequinError {
  override name = "ShutdownTimeoutError";
}
