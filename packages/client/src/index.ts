// Public API of @sequin/client, re-exported by name.

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
  paths,
  RecordInput,
  RecordMessage,
  RecordUpsertResult,
  SequinEvent,
  SequinRecord,
  Stream,
  StreamCreate,
} from "./types.js";
