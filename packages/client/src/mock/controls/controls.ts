import type { z } from "zod";
import type { components } from "../../generated/openapi.gen.js";
import {
  zAppendEventsBody,
  zCreateConsumerBody,
  zCreateStreamBody,
  type zEventInput,
  type zRecordInput,
  zUpsertRecordsBody,
} from "../../generated/zod.gen.js";
import { createConsumer, findConsumer } from "../consumers/consumers.js";
import { refreshPause } from "../consumers/pause.js";
import { parseBody } from "../http/validation.js";
import { toWireDeadLetter } from "../leases/dead-letters.js";
import { consumerInfo } from "../leases/leases.js";
import { appendEvent, pruneEvents } from "../records/events.js";
import { upsertRecord } from "../records/records.js";
import { createStream, resolveStream } from "../records/streams.js";
import type { MockContext } from "../state/context.js";
import type { MockDelivery, StreamState } from "../state/store.js";

type Schemas = components["schemas"];

/** A record version to seed, as `POST .../records` takes it (defaults may be left out). */
export type SeedRecord = z.input<typeof zRecordInput>;
/** An event to seed, as `POST .../events` takes it. */
export type SeedEvent = z.input<typeof zEventInput>;
/** A stream to seed, as `POST /v1/streams` takes it. */
export type SeedStream = z.input<typeof zCreateStreamBody>;
/** A consumer to seed, as `POST /v1/http-consumers` takes it. */
export type SeedConsumer = z.input<typeof zCreateConsumerBody>;

/** Which account a control acts on. */
export interface AccountOption {
  /** A token of the account. Default: the default account. */
  token?: string;
}

/** Which stream a seed writes to. */
export interface StreamOption extends AccountOption {
  /** The stream's id. Default: the account's `default` stream. */
  streamId?: string;
}

/** Writes straight into the mock, through the same logic as the HTTP API (consumers see it, long-polls wake). */
export interface MockSeed {
  /** Creates a stream (409 error if the name is taken). */
  stream(input: SeedStream, options?: AccountOption): Schemas["Stream"];
  /** Upserts records; the results say inserted, updated, unchanged or stale. */
  records(records: SeedRecord[], options?: StreamOption): Schemas["RecordUpsertResult"][];
  /** Appends events in order. */
  events(events: SeedEvent[], options?: StreamOption): Schemas["Event"][];
  /** Creates a consumer, with the API's defaults. */
  consumer(input: SeedConsumer, options?: AccountOption): Schemas["Consumer"];
}

/** Reads the mock's state for assertions. Returns copies: changing them changes nothing. */
export interface MockInspect {
  /** Deliveries acked through the API, oldest first, with the version that was delivered. */
  acked(consumer: string, options?: AccountOption): MockDelivery[];
  /** Deliveries nacked through the API, oldest first. */
  nacked(consumer: string, options?: AccountOption): MockDelivery[];
  /** The consumer's dead letters, oldest first, as `GET .../dead-letters` shows them. */
  deadLetters(consumer: string, options?: AccountOption): Schemas["DeadLetter"][];
  /** The consumer and its counts right now. */
  consumer(
    consumer: string,
    options?: AccountOption,
  ): Schemas["Consumer"] & { info: Schemas["ConsumerInfo"] };
  /** The stream's records in `updated_idx` order. */
  records(options?: StreamOption): Schemas["Record"][];
  /** The stream's retained events in `seq` order. */
  events(options?: StreamOption): Schemas["Event"][];
}

export function createControls(ctx: MockContext, accountOf: (token: string | undefined) => string) {
  const stream = (options: StreamOption = {}): StreamState =>
    resolveStream(ctx, accountOf(options.token), options.streamId);
  // Controls accept a consumer id from any account, or a name within the given account.
  const consumer = (ref: string, options: AccountOption = {}) =>
    ctx.store.consumers.get(ref) ?? findConsumer(ctx, accountOf(options.token), ref);
  const copy = <T>(value: T): T => structuredClone(value);

  const seed: MockSeed = {
    stream: (input, options = {}) =>
      copy(createStream(ctx, accountOf(options.token), parseBody(zCreateStreamBody, input))),
    records: (records, options) => {
      const target = stream(options);
      return parseBody(zUpsertRecordsBody, { records }).records.map(
        (r) => upsertRecord(ctx, target, r).result,
      );
    },
    events: (events, options) => {
      const target = stream(options);
      return copy(
        parseBody(zAppendEventsBody, { events }).events.map((e) => appendEvent(ctx, target, e)),
      );
    },
    consumer: (input, options = {}) =>
      copy(createConsumer(ctx, accountOf(options.token), parseBody(zCreateConsumerBody, input))),
  };

  const inspect: MockInspect = {
    acked: (ref, options) => copy(consumer(ref, options).acked),
    nacked: (ref, options) => copy(consumer(ref, options).nacked),
    deadLetters: (ref, options) =>
      copy([...consumer(ref, options).deadLetters.values()].map((d) => toWireDeadLetter(ctx, d))),
    consumer: (ref, options) => {
      const state = consumer(ref, options);
      return copy({ ...refreshPause(ctx, state), info: consumerInfo(ctx, state) });
    },
    records: (options) =>
      copy([...stream(options).records.values()].sort((a, b) => a.updated_idx - b.updated_idx)),
    events: (options) => {
      const target = stream(options);
      pruneEvents(ctx, target);
      return copy(target.events);
    },
  };

  return { seed, inspect };
}
