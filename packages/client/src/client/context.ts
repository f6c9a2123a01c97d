import type { Client } from "openapi-fetch";
import { SequinError } from "../errors.js";
import type { paths } from "../generated/openapi.gen.js";
import { errorFromResponse } from "./error-from-response.js";
import type { IdempotentRequestOptions, RequestOptions } from "./options.js";
import { type AttemptSettings, createRetryingFetch } from "./retrying-fetch.js";

/** The typed openapi-fetch client: `GET`, `POST`, `PATCH`, `DELETE` for every operation. */
export type RawClient = Client<paths, "application/json">;

/** The fetch-related init of one openapi-fetch call (a type, so it fits openapi-fetch's index signature). */
export type CallInit = {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  fetch?: (request: Request) => Promise<Response>;
};

/** What each group of convenience methods needs from the client. */
export interface ClientContext {
  raw: RawClient;
  /** The init for a call with these options. */
  init(options?: RequestOptions): CallInit;
  /** The init for a non-idempotent POST: adds an `Idempotency-Key` reused by every retry. */
  idempotentInit(options?: IdempotentRequestOptions): CallInit;
}

export function createContext(raw: RawClient, defaults: AttemptSettings): ClientContext {
  const init = (options: RequestOptions = {}): CallInit => {
    const call: CallInit = {};
    if (options.signal) call.signal = options.signal;
    if (options.headers) call.headers = { ...options.headers };
    if (options.timeout !== undefined || options.maxRetries !== undefined) {
      call.fetch = createRetryingFetch({
        ...defaults,
        timeout: options.timeout ?? defaults.timeout,
        maxRetries: options.maxRetries ?? defaults.maxRetries,
      });
    }
    return call;
  };
  return {
    raw,
    init,
    idempotentInit(options = {}) {
      const call = init(options);
      const key = options.idempotencyKey ?? crypto.randomUUID();
      call.headers = { ...call.headers, "Idempotency-Key": key };
      return call;
    },
  };
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Returns the data of a successful answer; throws the typed error of a failed one. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof SequinError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new SequinError(`Unreadable answer: ${reason}`, { cause: error });
  }
  if (!result.response.ok) {
    // openapi-fetch hands over an empty body as "".
    throw errorFromResponse(result.response, result.error === "" ? undefined : result.error);
  }
  return result.data as T;
}
