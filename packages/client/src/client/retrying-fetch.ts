import { AbortedError, ConnectionError, isErrorBody, TimeoutError } from "../errors.js";
import { type BackoffOptions, backoffDelay, parseRetryAfter, sleep } from "./backoff.js";
import { parseBody } from "./error-from-response.js";
import type { FetchLike, Logger } from "./options.js";
import { isRetryableRequest, isRetryableStatus } from "./retry-policy.js";

/** Settings of one logical call; the client's defaults fill what a call leaves out. */
export interface AttemptSettings {
  /** A user's fetch, handed one Request per attempt; without one, `globalThis.fetch(url, init)`. */
  fetch: FetchLike | undefined;
  timeout: number;
  maxRetries: number;
  backoff: BackoffOptions;
  logger: Logger | undefined;
}

/** A server's `Retry-After` longer than this is ignored in favour of our own backoff. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Statuses whose answer must not have a body (the Response constructor enforces it). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Wraps `fetch` with timeouts, retries and typed transport errors. openapi-fetch hands it one
 * Request per logical call; every attempt sends the buffered body again with the same headers
 * (so an `Idempotency-Key` is reused on every retry).
 */
export function createRetryingFetch(
  settings: AttemptSettings,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const signal = request.signal;
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const retryable = isRetryableRequest(request);
    const timeout = settings.timeout + longPollMs(request.url);
    const label = `${request.method} ${new URL(request.url).pathname}`;

    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw abortedError(signal);
      const send = (attemptSignal: AbortSignal) => {
        const init: RequestInit = {
          method: request.method,
          headers: request.headers,
          body: body === undefined ? null : body.slice(0),
          redirect: request.redirect,
          signal: attemptSignal,
        };
        // The global fetch is given the URL and a buffered body: handed a Request, undici copies
        // it and pipes its body through a stream, a measurable share of a call's CPU.
        return settings.fetch === undefined
          ? globalThis.fetch(request.url, init)
          : settings.fetch(new Request(request.url, init));
      };
      const outcome = await attemptOnce(send, timeout, signal);
      const final = !retryable || attempt >= settings.maxRetries;

      if (outcome.response) {
        const { response, body: parsed } = outcome;
        const code = isErrorBody(parsed) ? parsed.code : undefined;
        if (response.ok || final || !isRetryableStatus(response.status, code, response.headers)) {
          settings.logger?.debug?.(`[sequin] ${label} -> ${response.status}`);
          return response;
        }
        const retryAfter = parseRetryAfter(response.headers);
        const delay =
          retryAfter !== undefined && retryAfter <= MAX_RETRY_AFTER_MS
            ? retryAfter
            : backoffDelay(attempt, settings.backoff);
        settings.logger?.warn?.(
          `[sequin] ${label} answered ${response.status}; retry ${attempt + 1} of ${settings.maxRetries} in ${delay} ms`,
        );
        await sleepOrAbort(delay, signal);
        continue;
      }

      if (final || outcome.permanent) throw outcome.error;
      const delay = backoffDelay(attempt, settings.backoff);
      settings.logger?.warn?.(
        `[sequin] ${label} failed (${outcome.error.message}); retry ${attempt + 1} of ${settings.maxRetries} in ${delay} ms`,
      );
      await sleepOrAbort(delay, signal);
    }
  };
}

type AttemptOutcome =
  | { response: Response; body: unknown; error?: never }
  | { response?: never; error: ConnectionError | TimeoutError; permanent?: boolean };

/**
 * One attempt under its own timeout. The body is read inside the timeout too, so a server that
 * stalls mid-answer fails like one that never answers; the returned Response is buffered.
 */
async function attemptOnce(
  send: (signal: AbortSignal) => Promise<Response>,
  timeout: number,
  signal: AbortSignal,
): Promise<AttemptOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new TimeoutError(`No answer within ${timeout} ms`));
  }, timeout);
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  // A fetch that ignores its signal (some fakes and polyfills) must not hang the call.
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
      once: true,
    });
  });
  aborted.catch(() => {});
  try {
    const work = (async () => {
      const raw = await send(controller.signal);
      const buffer = await raw.arrayBuffer();
      return { raw, buffer };
    })();
    work.catch(() => {});
    const { raw, buffer } = await Promise.race([work, aborted]);
    const response = new Response(NULL_BODY_STATUSES.has(raw.status) ? null : buffer, {
      status: raw.status,
      statusText: raw.statusText,
      headers: raw.headers,
    });
    const body = raw.ok ? undefined : parseBody(new TextDecoder().decode(buffer));
    return { response, body };
  } catch (error) {
    if (signal.aborted) throw abortedError(signal, error);
    if (timedOut)
      return { error: new TimeoutError(`No answer within ${timeout} ms`, { cause: error }) };
    if (isRedirectRefusal(error)) {
      // Requests are sent with `redirect: "error"`: another try would be answered the same.
      const message =
        "The server answered with a redirect, which the client does not follow: set `baseUrl` to the address the API is served at";
      return { error: new ConnectionError(message, { cause: error }), permanent: true };
    }
    const reason = error instanceof Error ? error.message : String(error);
    return { error: new ConnectionError(`Connection failed: ${reason}`, { cause: error }) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

/** undici fails a request sent with `redirect: "error"` that is answered 3xx with this cause. */
function isRedirectRefusal(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error && /redirect/i.test(cause.message);
}

async function sleepOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch (error) {
    throw abortedError(signal, error);
  }
}

function abortedError(signal: AbortSignal, cause: unknown = signal.reason): AbortedError {
  return new AbortedError("The request was aborted", { cause });
}

/** `next` long-polls for `wait_for` ms, which must not count against the timeout. */
function longPollMs(url: string): number {
  const { pathname, searchParams } = new URL(url);
  if (!pathname.endsWith("/next")) return 0;
  const waitFor = Number(searchParams.get("wait_for") ?? 0);
  return Number.isFinite(waitFor) && waitFor > 0 ? waitFor : 0;
}
