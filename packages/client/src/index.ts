// Public API of @sequin/client, re-exported by name.

// Client
export type {
  ConsumeApi,
  ExtendLeasesBody,
  NackBody,
  NextQuery,
  NextResult,
  TermBody,
} from "./client/consume.js";
export type { ConsumersApi, RewindBody, RewindResult } from "./client/consumers.js";
export type { RawClient } from "./client/context.js";
export { createClient, type MutationResult, type SequinClient } from "./client/create-client.js";
export type { DeadLettersApi } from "./client/dead-letters.js";
export type { EventsApi } from "./client/events.js";
export { isEventMessage, isRecordMessage } from "./client/messages.js";
export type {
  ClientOptions,
  FetchLike,
  IdempotentRequestOptions,
  Logger,
  RequestOptions,
} from "./client/options.js";
export { type Page, Paginated } from "./client/paginate.js";
export type { RecordsApi } from "./client/records.js";
export type { StreamsApi } from "./client/streams.js";

// Errors
export {
  AbortedError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  ConsumersTimeoutError,
  type ErrorDetail,
  LeaseLostError,
  NotFoundError,
  RateLimitError,
  SequinError,
  ServerError,
  ShutdownTimeoutError,
  TimeoutError,
  ValidationError,
} from "./errors.js";
// Wire types, generated from openapi.yaml
export type {
  AckResponse,
  Consumer,
  ConsumerCreate,
  ConsumerFilters,
  ConsumerInfo,
  ConsumerUpdate,
  components,
  DeadLetter,
  ErrorBody,
  ErrorCode,
  EventInput,
  EventMessage,
  Message,
  MutationRequest,
  MutationResponse,
  operations,
  PeekedMessage,
  PeekResponse,
  paths,
  RecordInput,
  RecordMessage,
  RecordUpsertResult,
  SequinEvent,
  SequinRecord,
  Stream,
  StreamCreate,
  StreamStats,
} from "./types.js";
// Worker
export { runConsumer } from "./worker/run-consumer.js";
export { Termination, terminate } from "./worker/termination.js";
export type {
  BatchHandler,
  BatchResult,
  ConsumerClient,
  ConsumerHandle,
  ErrorInfo,
  Handler,
  HandlerContext,
  MessageOutcome,
  RetryDelay,
  RunConsumerHooks,
  RunConsumerOptions,
  WorkerPhase,
} from "./worker/types.js";
