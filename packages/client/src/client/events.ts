import type { operations } from "../generated/openapi.gen.js";
import type { EventInput, SequinEvent } from "../types.js";
import { type ClientContext, unwrap } from "./context.js";
import type { IdempotentRequestOptions, RequestOptions } from "./options.js";
import { Paginated } from "./paginate.js";

type ListQuery = NonNullable<operations["listEvents"]["parameters"]["query"]>;

/** Append and list the events of a stream. */
export interface EventsApi {
  /**
   * Appends up to 1000 events in order; answers them as stored. Retried safely: an
   * `Idempotency-Key` is sent on every attempt.
   */
  append(
    streamId: string,
    events: EventInput[],
    options?: IdempotentRequestOptions,
  ): Promise<SequinEvent[]>;
  /** Lists events in stream order (`seq`); iterate it with `for await`. */
  list<Data extends object = Record<string, unknown>>(
    streamId: string,
    query?: ListQuery,
    options?: RequestOptions,
  ): Paginated<SequinEvent<Data>>;
}

export function eventsApi({ raw, init, idempotentInit }: ClientContext): EventsApi {
  return {
    append: async (streamId, events, options) => {
      const answer = await unwrap(
        raw.POST("/v1/streams/{stream_id}/events", {
          params: { path: { stream_id: streamId } },
          body: { events },
          ...idempotentInit(options),
        }),
      );
      return answer.data as SequinEvent[];
    },
    list: <Data extends object>(
      streamId: string,
      { cursor, ...query }: ListQuery = {},
      options?: RequestOptions,
    ) =>
      new Paginated(
        (page) =>
          unwrap(
            raw.GET("/v1/streams/{stream_id}/events", {
              params: { path: { stream_id: streamId }, query: { ...query, cursor: page } },
              ...init(options),
            }),
          ) as Promise<{ data: SequinEvent<Data>[]; next_cursor: string | null }>,
        cursor,
      ),
  };
}
