import type { components, operations } from "../generated/openapi.gen.js";
import type { AckResponse, ConsumerInfo, Message } from "../types.js";
import { type ClientContext, unwrap } from "./context.js";
import type { RequestOptions } from "./options.js";

/** `batch_size` (1-1000, default 1) and `wait_for` (ms to long-poll, 0-60000, default 0). */
export type NextQuery = NonNullable<operations["receiveMessages"]["parameters"]["query"]>;
/** `extend_ms`: the new lease length (default the consumer's `ack_wait_ms`). */
export type ExtendLeasesBody = Omit<components["schemas"]["ExtendRequest"], "ack_tokens">;
/**
 * `delay_ms`: deliver again after this long (0-43200000; default the consumer's `backoff_ms`);
 * `reason`: kept as the message's last error (at most 1000 characters).
 */
export type NackBody = Omit<components["schemas"]["NackRequest"], "ack_tokens">;
/** `reason`: kept as the dead letter's last error (at most 1000 characters). */
export type TermBody = Omit<components["schemas"]["TermRequest"], "ack_tokens">;

/** Leased messages (possibly none) and the consumer's counts. */
export interface NextResult<Data extends object = Record<string, unknown>> {
  data: Message<Data>[];
  info: ConsumerInfo;
}

/** Lease, ack, nack, term and extend messages of a consumer. `consumer` is an id or a name. */
export interface ConsumeApi {
  /**
   * Leases up to `batch_size` messages for the consumer's `ack_wait_ms`, long-polling up to
   * `wait_for` ms. Retried on failure: a lease whose answer was lost is delivered again after
   * `ack_wait_ms`, so a retry delays those messages but loses nothing. The attempt timeout is
   * `wait_for` plus the client's `timeout`.
   */
  next<Data extends object = Record<string, unknown>>(
    consumer: string,
    query?: NextQuery,
    options?: RequestOptions,
  ): Promise<NextResult<Data>>;
  /** Finishes deliveries. Tokens whose delivery is over come back in `unknown_ack_tokens`. */
  ack(
    consumer: string,
    ackTokens: readonly string[],
    options?: RequestOptions,
  ): Promise<AckResponse>;
  /**
   * Ends deliveries and makes the messages available again: after `delay_ms` when given, else
   * after the consumer's `backoff_ms` for the delivery count reached (by default at once after
   * a first delivery). A message delivered `max_deliver` times becomes a dead letter instead.
   */
  nack(
    consumer: string,
    ackTokens: readonly string[],
    body?: NackBody,
    options?: RequestOptions,
  ): Promise<AckResponse>;
  /**
   * Gives up on messages: ends their deliveries and makes them dead letters at once (`cause:
   * "terminated"`), whatever `max_deliver` says. Tokens whose delivery is over come back in
   * `unknown_ack_tokens`.
   */
  term(
    consumer: string,
    ackTokens: readonly string[],
    body?: TermBody,
    options?: RequestOptions,
  ): Promise<AckResponse>;
  /**
   * Keeps leases alive for `extend_ms` more (default the consumer's `ack_wait_ms`). A token in
   * `unknown_ack_tokens` lost its lease: the message may already be with another worker.
   */
  extendLeases(
    consumer: string,
    ackTokens: readonly string[],
    body?: ExtendLeasesBody,
    options?: RequestOptions,
  ): Promise<AckResponse>;
}

/** An empty token list is answered locally: the API requires at least one token. */
const NOTHING: AckResponse = { success: true, count: 0, unknown_ack_tokens: [] };

export function consumeApi({ raw, init }: ClientContext): ConsumeApi {
  const path = (consumer: string) => ({ consumer });
  return {
    next: <Data extends object>(
      consumer: string,
      query: NextQuery = {},
      options?: RequestOptions,
    ) =>
      unwrap(
        raw.GET("/v1/http-consumers/{consumer}/next", {
          params: { path: path(consumer), query },
          ...init(options),
        }),
      ) as Promise<NextResult<Data>>,
    ack: async (consumer, ackTokens, options) =>
      ackTokens.length === 0
        ? { ...NOTHING }
        : unwrap(
            raw.POST("/v1/http-consumers/{consumer}/ack", {
              params: { path: path(consumer) },
              body: { ack_tokens: [...ackTokens] },
              ...init(options),
            }),
          ),
    nack: async (consumer, ackTokens, body = {}, options) =>
      ackTokens.length === 0
        ? { ...NOTHING }
        : unwrap(
            raw.POST("/v1/http-consumers/{consumer}/nack", {
              params: { path: path(consumer) },
              body: { ...body, ack_tokens: [...ackTokens] },
              ...init(options),
            }),
          ),
    term: async (consumer, ackTokens, body = {}, options) =>
      ackTokens.length === 0
        ? { ...NOTHING }
        : unwrap(
            raw.POST("/v1/http-consumers/{consumer}/term", {
              params: { path: path(consumer) },
              body: { ...body, ack_tokens: [...ackTokens] },
              ...init(options),
            }),
          ),
    extendLeases: async (consumer, ackTokens, body = {}, options) =>
      ackTokens.length === 0
        ? { ...NOTHING }
        : unwrap(
            raw.POST("/v1/http-consumers/{consumer}/extend", {
              params: { path: path(consumer) },
              body: { ...body, ack_tokens: [...ackTokens] },
              ...init(options),
            }),
          ),
  };
}
