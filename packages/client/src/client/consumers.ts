import type { components, operations } from "../generated/openapi.gen.js";
import type { Consumer, ConsumerCreate, ConsumerUpdate, PeekResponse } from "../types.js";
import { type ClientContext, unwrap } from "./context.js";
import type { IdempotentRequestOptions, RequestOptions } from "./options.js";
import { Paginated } from "./paginate.js";

type Deleted = components["schemas"]["Deleted"];
type ListQuery = NonNullable<operations["listConsumers"]["parameters"]["query"]>;
type PeekQuery = NonNullable<operations["peekMessages"]["parameters"]["query"]>;
/** Where to rewind to, at most one of `from_seq` (events), `from_updated_idx` (records), `from_time`. */
export type RewindBody = components["schemas"]["RewindRequest"];
/** The consumer's counts right after a rewind. */
export type RewindResult = components["schemas"]["RewindResponse"];

/** Create, list, get, update and delete HTTP consumers. `consumer` is an id or a name. */
export interface ConsumersApi {
  /** Creates a consumer. Retried safely: an `Idempotency-Key` is sent on every attempt. */
  create(body: ConsumerCreate, options?: IdempotentRequestOptions): Promise<Consumer>;
  /** Lists consumers, oldest first; iterate it with `for await`. */
  list(query?: ListQuery, options?: RequestOptions): Paginated<Consumer>;
  /** Gets one consumer by id or name. */
  get(consumer: string, options?: RequestOptions): Promise<Consumer>;
  /** Changes the given fields; the others keep their value. */
  update(consumer: string, body: ConsumerUpdate, options?: RequestOptions): Promise<Consumer>;
  /** Deletes a consumer with its pending messages and dead letters. */
  delete(consumer: string, options?: RequestOptions): Promise<Deleted>;
  /**
   * The next messages in delivery order without leasing them (`limit`, default 10), with the
   * consumer's counts (pending, ack-pending, dead letters). Read-only: for operators and tests.
   */
  peek(consumer: string, query?: PeekQuery, options?: RequestOptions): Promise<PeekResponse>;
  /**
   * Delivers the consumer's stream again from a point (default: everything retained), in order
   * and with a fresh delivery count. Pending and leased deliveries of those messages are dropped
   * first (their ack tokens become unknown); dead letters stay. Idempotent.
   */
  rewind(consumer: string, body?: RewindBody, options?: RequestOptions): Promise<RewindResult>;
}

export function consumersApi({ raw, init, idempotentInit }: ClientContext): ConsumersApi {
  const path = (consumer: string) => ({ params: { path: { consumer } } });
  return {
    create: (body, options) =>
      unwrap(raw.POST("/v1/http-consumers", { body, ...idempotentInit(options) })),
    list: ({ cursor, ...query } = {}, options) =>
      new Paginated(
        (page) =>
          unwrap(
            raw.GET("/v1/http-consumers", {
              params: { query: { ...query, cursor: page } },
              ...init(options),
            }),
          ),
        cursor,
      ),
    get: (consumer, options) =>
      unwrap(raw.GET("/v1/http-consumers/{consumer}", { ...path(consumer), ...init(options) })),
    update: (consumer, body, options) =>
      unwrap(
        raw.PATCH("/v1/http-consumers/{consumer}", { ...path(consumer), body, ...init(options) }),
      ),
    delete: (consumer, options) =>
      unwrap(raw.DELETE("/v1/http-consumers/{consumer}", { ...path(consumer), ...init(options) })),
    peek: (consumer, query = {}, options) =>
      unwrap(
        raw.GET("/v1/http-consumers/{consumer}/messages", {
          params: { path: { consumer }, query },
          ...init(options),
        }),
      ),
    rewind: (consumer, body = {}, options) =>
      unwrap(
        raw.POST("/v1/http-consumers/{consumer}/rewind", {
          ...path(consumer),
          body,
          ...init(options),
        }),
      ),
  };
}
