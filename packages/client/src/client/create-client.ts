import createFetchClient from "openapi-fetch";
import type { components } from "../generated/openapi.gen.js";
import type { MutationRequest, SequinRecord } from "../types.js";
import { type ConsumeApi, consumeApi } from "./consume.js";
import { type ConsumersApi, consumersApi } from "./consumers.js";
import { createContext, type RawClient, unwrap } from "./context.js";
import { type DeadLettersApi, deadLettersApi } from "./dead-letters.js";
import { type EventsApi, eventsApi } from "./events.js";
import {
  type ClientOptions,
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_BACKOFF,
  DEFAULT_TIMEOUT_MS,
  type IdempotentRequestOptions,
  type RequestOptions,
} from "./options.js";
import { type RecordsApi, recordsApi } from "./records.js";
import { type AttemptSettings, createRetryingFetch } from "./retrying-fetch.js";
import { type StreamsApi, streamsApi } from "./streams.js";

type Health = components["schemas"]["Health"];

/** The records as they are after a mutation, in request order. */
export interface MutationResult<Data extends object = Record<string, unknown>> {
  records: SequinRecord<Data>[];
}

/**
 * A client of the Sequin Consume API. Convenience methods return the data or throw a typed
 * `SequinError`; `raw` is the typed openapi-fetch client for anything else.
 */
export interface SequinClient extends ConsumeApi {
  /** The typed openapi-fetch client (`GET`, `POST`, `PATCH`, `DELETE` on every path), with the same auth, retries and timeouts. */
  readonly raw: RawClient;
  readonly streams: StreamsApi;
  readonly records: RecordsApi;
  readonly events: EventsApi;
  readonly consumers: ConsumersApi;
  readonly deadLetters: DeadLettersApi;
  /**
   * Runs a create, update or delete upstream and in the stream. Retried safely: an
   * `Idempotency-Key` is sent on every attempt. With `await_consumer_ids`, a timeout throws
   * `ConsumersTimeoutError` carrying the written records.
   */
  runMutation<Data extends object = Record<string, unknown>>(
    body: MutationRequest,
    options?: IdempotentRequestOptions,
  ): Promise<MutationResult<Data>>;
  /** Checks that the server and its database are up. */
  health(options?: RequestOptions): Promise<Health>;
}

/** Creates a client. `baseUrl` and `token` are required; see `ClientOptions` for the rest. */
export function createClient(options: ClientOptions): SequinClient {
  if (!options.baseUrl) throw new TypeError("createClient: `baseUrl` is required");
  if (!options.token) throw new TypeError("createClient: `token` is required");
  const defaults: AttemptSettings = {
    fetch: options.fetch,
    timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    backoff: { ...DEFAULT_RETRY_BACKOFF, ...options.retryBackoff },
    logger: options.logger,
  };
  const raw: RawClient = createFetchClient({
    baseUrl: options.baseUrl,
    fetch: createRetryingFetch(defaults),
    // The API never redirects. Not following also spares undici a copy of every request body.
    redirect: "error",
    headers: { ...options.headers, Authorization: `Bearer ${options.token}` },
  });
  const context = createContext(raw, defaults);
  return {
    raw,
    streams: streamsApi(context),
    records: recordsApi(context),
    events: eventsApi(context),
    consumers: consumersApi(context),
    deadLetters: deadLettersApi(context),
    ...consumeApi(context),
    runMutation: <Data extends object>(
      body: MutationRequest,
      callOptions?: IdempotentRequestOptions,
    ) =>
      unwrap(
        raw.POST("/v1/mutations/run", { body, ...context.idempotentInit(callOptions) }),
      ) as Promise<MutationResult<Data>>,
    health: (callOptions) => unwrap(raw.GET("/health", context.init(callOptions))),
  };
}
