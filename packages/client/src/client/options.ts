import type { BackoffOptions } from "./backoff.js";

/** Where the client reports retries and other noteworthy events. `console` fits. */
export interface Logger {
  debug?(message: string, ...args: unknown[]): void;
  info?(message: string, ...args: unknown[]): void;
  warn?(message: string, ...args: unknown[]): void;
  error?(message: string, ...args: unknown[]): void;
}

/** The `fetch` the client sends through; the global `fetch` and undici's both fit. */
export type FetchLike = (request: Request) => Promise<Response>;

/** Options of `createClient`. */
export interface ClientOptions {
  /** Root URL of the API, e.g. `http://localhost:7376`. Required. */
  baseUrl: string;
  /** API token, sent as `Authorization: Bearer <token>`. Required. */
  token: string;
  /** The underlying fetch (inject a fake in tests). Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Milliseconds per attempt before it fails with `TimeoutError`; `next` adds its `wait_for`. Default 60000. */
  timeout?: number;
  /** Retries after the first attempt for retryable failures. Default 2. */
  maxRetries?: number;
  /** Delays between retries when the server sends no `Retry-After`. Default `{ initialDelayMs: 500, maxDelayMs: 8000 }`. */
  retryBackoff?: Partial<BackoffOptions>;
  /** Extra headers sent with every request. Default none. */
  headers?: Record<string, string>;
  /** Receives retry warnings and debug lines. Default silent. */
  logger?: Logger;
}

/** Per-call options of every convenience method. */
export interface RequestOptions {
  /** Aborts the call (and its retries) with `AbortedError`. */
  signal?: AbortSignal;
  /** Milliseconds per attempt. Default the client's `timeout`. */
  timeout?: number;
  /** Retries for this call. Default the client's `maxRetries`. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

/** Per-call options of calls that are made safe to retry by an `Idempotency-Key`. */
export interface IdempotentRequestOptions extends RequestOptions {
  /** The `Idempotency-Key` sent on every attempt. Default a fresh `crypto.randomUUID()` per call. */
  idempotencyKey?: string;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_RETRY_BACKOFF: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 8_000 };
