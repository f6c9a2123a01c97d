import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConsumersTimeoutError,
  type ErrorDetail,
  isErrorBody,
  NotFoundError,
  RateLimitError,
  SequinError,
  ServerError,
  TimeoutError,
  ValidationError,
} from "../errors.js";
import type { SequinRecord } from "../types.js";
import { parseRetryAfter } from "./backoff.js";

/** Maps a failed answer to the typed error of its class. `body` is the parsed JSON or text. */
export function errorFromResponse(response: Response, body: unknown): SequinError {
  const { status, headers } = response;
  const parsed = isErrorBody(body) ? body : undefined;
  const init = {
    status,
    code: parsed?.code,
    requestId: parsed?.request_id ?? headers.get("x-request-id") ?? undefined,
    body,
    headers,
  };
  const message = `${status} ${parsed?.error ?? (response.statusText || "Request failed")}`;

  if (status === 400) return new BadRequestError(message, init);
  if (status === 401 || status === 403) return new AuthenticationError(message, init);
  if (status === 404) return new NotFoundError(message, init);
  if (status === 408) return new TimeoutError(message, init);
  if (status === 409) return new ConflictError(message, init);
  if (status === 422) {
    return new ValidationError(message, { ...init, details: parsed?.details as ErrorDetail[] });
  }
  if (status === 429) {
    return new RateLimitError(message, { ...init, retryAfterMs: parseRetryAfter(headers) });
  }
  if (status === 500 && parsed?.code === "consumers_timeout") {
    return new ConsumersTimeoutError(message, {
      ...init,
      records: (parsed.records ?? []) as SequinRecord[],
    });
  }
  if (status >= 500) return new ServerError(message, init);
  if (status >= 400) return new BadRequestError(message, init);
  return new SequinError(message, init);
}

/** Parses a buffered body as JSON, or returns its text (undefined when empty). */
export function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
