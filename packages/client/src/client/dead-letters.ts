import type { components, operations } from "../generated/openapi.gen.js";
import type { DeadLetter } from "../types.js";
import { type ClientContext, unwrap } from "./context.js";
import type { RequestOptions } from "./options.js";
import { Paginated } from "./paginate.js";

type ListQuery = NonNullable<operations["listDeadLetters"]["parameters"]["query"]>;
type RedriveBody = components["schemas"]["RedriveRequest"];
type RedriveResponse = components["schemas"]["RedriveResponse"];

/** Messages that reached `max_deliver` without an ack. `consumer` is an id or a name. */
export interface DeadLettersApi {
  /** Lists dead letters, oldest first; iterate it with `for await`. */
  list(consumer: string, query?: ListQuery, options?: RequestOptions): Paginated<DeadLetter>;
  /** Makes dead letters pending again (all of them when `ids` is left out). */
  redrive(consumer: string, body?: RedriveBody, options?: RequestOptions): Promise<RedriveResponse>;
}

export function deadLettersApi({ raw, init }: ClientContext): DeadLettersApi {
  return {
    list: (consumer, { cursor, ...query } = {}, options) =>
      new Paginated(
        (page) =>
          unwrap(
            raw.GET("/v1/http-consumers/{consumer}/dead-letters", {
              params: { path: { consumer }, query: { ...query, cursor: page } },
              ...init(options),
            }),
          ),
        cursor,
      ),
    redrive: (consumer, body = {}, options) =>
      unwrap(
        raw.POST("/v1/http-consumers/{consumer}/dead-letters/redrive", {
          params: { path: { consumer } },
          body,
          ...init(options),
        }),
      ),
  };
}
