import type { components, operations, paths } from "./generated/openapi.gen.js";

export type { components, operations, paths };

type Schemas = components["schemas"];

/** The latest version of one upstream object. */
export type SequinRecord<Data extends object = Record<string, unknown>> = Omit<
  Schemas["Record"],
  "data"
> & { data: Data };
/** An append-only notification that something happened upstream. */
export type SequinEvent<Data extends object = Record<string, unknown>> = Omit<
  Schemas["Event"],
  "data"
> & { data: Data };
export type Stream = Schemas["Stream"];
export type StreamCreate = Schemas["StreamCreate"];
export type Consumer = Schemas["Consumer"];
export type ConsumerCreate = Schemas["ConsumerCreate"];
export type ConsumerUpdate = Schemas["ConsumerUpdate"];
export type ConsumerFilters = Schemas["ConsumerFilters"];
export type ConsumerInfo = Schemas["ConsumerInfo"];
export type RecordInput = Schemas["RecordInput"];
export type RecordUpsertResult = Schemas["RecordUpsertResult"];
export type EventInput = Schemas["EventInput"];
export type AckResponse = Schemas["AckResponse"];
export type DeadLetter = Schemas["DeadLetter"];
/** A live message of a consumer as `consumers.peek` shows it (not leased). */
export type PeekedMessage = Schemas["PeekedMessage"];
export type PeekResponse = Schemas["PeekResponse"];
export type StreamStats = Schemas["StreamStats"];
export type MutationRequest = Schemas["MutationRequest"];
export type MutationResponse = Schemas["MutationResponse"];
export type ErrorBody = Schemas["Error"];
export type ErrorCode = Schemas["ErrorCode"];
/** A leased record, with the token that acks it. */
export type RecordMessage<Data extends object = Record<string, unknown>> = Omit<
  Schemas["RecordMessage"],
  "record"
> & { record: SequinRecord<Data> };
/** A leased event, with the token that acks it. */
export type EventMessage<Data extends object = Record<string, unknown>> = Omit<
  Schemas["EventMessage"],
  "event"
> & { event: SequinEvent<Data> };
/** A leased record or event. */
export type Message<Data extends object = Record<string, unknown>> =
  | RecordMessage<Data>
  | EventMessage<Data>;
