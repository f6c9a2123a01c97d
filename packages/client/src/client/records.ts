import type { operations } from "../generated/openapi.gen.js";
import type { RecordInput, RecordUpsertResult, SequinRecord } from "../types.js";
import { type ClientContext, unwrap } from "./context.js";
import type { RequestOptions } from "./options.js";
import { Paginated } from "./paginate.js";

type ListQuery = NonNullable<operations["listRecords"]["parameters"]["query"]>;

/** Upsert and list the records of a stream. */
export interface RecordsApi {
  /**
   * Upserts up to 1000 records; answers what happened to each, in request order. Idempotent:
   * unchanged and stale versions are left alone, so retries are always safe.
   */
  upsert(
    streamId: string,
    records: RecordInput[],
    options?: RequestOptions,
  ): Promise<RecordUpsertResult[]>;
  /** Lists records in `updated_idx` order; iterate it with `for await`. */
  list<Data extends object = Record<string, unknown>>(
    streamId: string,
    query?: ListQuery,
    options?: RequestOptions,
  ): Paginated<SequinRecord<Data>>;
}

export function recordsApi({ raw, init }: ClientContext): RecordsApi {
  return {
    upsert: async (streamId, records, options) => {
      const answer = await unwrap(
        raw.POST("/v1/streams/{stream_id}/records", {
          params: { path: { stream_id: streamId } },
          body: { records },
          ...init(options),
        }),
      );
      return answer.data;
    },
    list: <Data extends object>(
      streamId: string,
      { cursor, ...query }: ListQuery = {},
      options?: RequestOptions,
    ) =>
      new Paginated(
        (page) =>
          unwrap(
            raw.GET("/v1/streams/{stream_id}/records", {
              params: { path: { stream_id: streamId }, query: { ...query, cursor: page } },
              ...init(options),
            }),
          ) as Promise<{ data: SequinRecord<Data>[]; next_cursor: string | null }>,
        cursor,
      ),
  };
}
