import type { components, operations } from "../generated/openapi.gen.js";
import type { Stream, StreamCreate, StreamStats } from "../types.js";
import { type ClientContext, unwrap } from "./context.js";
import type { IdempotentRequestOptions, RequestOptions } from "./options.js";
import { Paginated } from "./paginate.js";

type Deleted = components["schemas"]["Deleted"];
type ListQuery = NonNullable<operations["listStreams"]["parameters"]["query"]>;

/** Create, list, get and delete streams. */
export interface StreamsApi {
  /** Creates a stream. Retried safely: an `Idempotency-Key` is sent on every attempt. */
  create(body: StreamCreate, options?: IdempotentRequestOptions): Promise<Stream>;
  /** Lists streams, oldest first; iterate it with `for await`. */
  list(query?: ListQuery, options?: RequestOptions): Paginated<Stream>;
  /** Gets one stream. */
  get(streamId: string, options?: RequestOptions): Promise<Stream>;
  /** Deletes a stream with its records and events; a 409 while it still has consumers. */
  delete(streamId: string, options?: RequestOptions): Promise<Deleted>;
  /** Counts the stream's records and retained events (exact; for operators, not hot paths). */
  stats(streamId: string, options?: RequestOptions): Promise<StreamStats>;
}

export function streamsApi({ raw, init, idempotentInit }: ClientContext): StreamsApi {
  return {
    create: (body, options) =>
      unwrap(raw.POST("/v1/streams", { body, ...idempotentInit(options) })),
    list: ({ cursor, ...query } = {}, options) =>
      new Paginated(
        (page) =>
          unwrap(
            raw.GET("/v1/streams", {
              params: { query: { ...query, cursor: page } },
              ...init(options),
            }),
          ),
        cursor,
      ),
    get: (streamId, options) =>
      unwrap(
        raw.GET("/v1/streams/{stream_id}", {
          params: { path: { stream_id: streamId } },
          ...init(options),
        }),
      ),
    delete: (streamId, options) =>
      unwrap(
        raw.DELETE("/v1/streams/{stream_id}", {
          params: { path: { stream_id: streamId } },
          ...init(options),
        }),
      ),
    stats: (streamId, options) =>
      unwrap(
        raw.GET("/v1/streams/{stream_id}/stats", {
          params: { path: { stream_id: streamId } },
          ...init(options),
        }),
      ),
  };
}
