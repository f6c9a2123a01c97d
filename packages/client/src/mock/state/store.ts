import type { components } from "../../generated/openapi.gen.js";

type Schemas = components["schemas"];
export type WireStream = Schemas["Stream"];
export type WireRecord = Schemas["Record"];
export type WireEvent = Schemas["Event"];
export type WireConsumer = Schemas["Consumer"];

export interface AccountState {
  id: string;
}

export interface StreamState {
  accountId: string;
  stream: WireStream;
  /** Creation order, for listing oldest first. */
  order: number;
  /** Latest version of each record, keyed by `recordKey(collection_id, upstream_id)`. */
  records: Map<string, WireRecord>;
  /** Retained events in `seq` order. */
  events: WireEvent[];
}

/** One pending or leased message of a consumer. */
export interface MessageRow {
  /** `r:<record id>` or `e:<event id>`: a record has at most one row per consumer (compaction). */
  key: string;
  /** Delivery order: the record's `updated_idx` when the row was made, or the event's `seq`. */
  seq: number;
  recordId?: string;
  /** Events never change, so the row holds the event itself (it outlives event retention). */
  event?: WireEvent;
  /** The ordering key of an event row in a per_key consumer (see consumers/ordering.ts). */
  orderKey?: string;
  deliverCount: number;
  leasedUntil: number | null;
  /** The random token of the current delivery; a token is valid only while it is this one. */
  ackToken: string | null;
  /**
   * When a message that failed (nack, or a lease that ran out and whose backoff was fixed by a
   * later change of `backoff_ms`) may be leased again; null: at once, or at its lease end plus
   * the backoff. See leases/availability.ts.
   */
  retryAt: number | null;
  /** The reason of the latest nack that gave one (peek and dead letters show it). */
  lastError: string | null;
  /** The record version of the latest delivery: deliveries are counted per version. */
  deliveredIdx: number | null;
  /** What the latest delivery handed out (kept for `mock.acked()` / `mock.nacked()`). */
  delivered: WireRecord | WireEvent | null;
}

export interface DeadLetterRow {
  id: string;
  key: string;
  seq: number;
  recordId?: string;
  event?: WireEvent;
  deliverCount: number;
  deadAt: string;
  /** `max_deliver`: it ran out of deliveries; `terminated`: a worker gave up on it. */
  cause: DeadLetterCause;
  lastError: string | null;
}

export type DeadLetterCause = Schemas["DeadLetter"]["cause"];

/** A finished delivery, kept for test inspection (`mock.acked()`, `mock.nacked()`). */
export interface MockDelivery {
  /** The token the worker sent. */
  ack_token: string;
  /** 1 on the first delivery of this message. */
  deliver_count: number;
  /** When the ack or nack arrived (mock clock). */
  at: string;
  /** The record version that was delivered, for record consumers. */
  record?: WireRecord;
  /** The event that was delivered, for event consumers. */
  event?: WireEvent;
}

export interface ConsumerState {
  accountId: string;
  consumer: WireConsumer;
  order: number;
  rows: Map<string, MessageRow>;
  /** ack token -> row key, for current deliveries only. */
  tokens: Map<string, string>;
  deadLetters: Map<string, DeadLetterRow>;
  acked: MockDelivery[];
  nacked: MockDelivery[];
}

export interface IdempotencyEntry {
  fingerprint: string;
  expiresAt: number;
  /** Settles with the first answer; a concurrent retry waits for it instead of writing again. */
  answer: Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;
}

/** All state of one mock. Nothing lives at module level, so two mocks never share data. */
export class Store {
  readonly accounts = new Map<string, AccountState>();
  /** bearer token -> account id */
  readonly tokens = new Map<string, string>();
  readonly streams = new Map<string, StreamState>();
  readonly recordsById = new Map<string, WireRecord>();
  readonly consumers = new Map<string, ConsumerState>();
  /** `${account id} ${key}` -> entry */
  readonly idempotency = new Map<string, IdempotencyEntry>();
  #updatedIdx = 0;
  #eventSeq = 0;
  #order = 0;
  #deadLetterId = 0;
  #delivery = 0;

  nextDelivery(): number {
    this.#delivery += 1;
    return this.#delivery;
  }

  nextUpdatedIdx(): number {
    this.#updatedIdx += 1;
    return this.#updatedIdx;
  }

  nextEventSeq(): number {
    this.#eventSeq += 1;
    return this.#eventSeq;
  }

  nextOrder(): number {
    this.#order += 1;
    return this.#order;
  }

  nextDeadLetterId(): string {
    this.#deadLetterId += 1;
    return String(this.#deadLetterId);
  }

  clear(): void {
    this.accounts.clear();
    this.tokens.clear();
    this.streams.clear();
    this.recordsById.clear();
    this.consumers.clear();
    this.idempotency.clear();
    this.#updatedIdx = 0;
    this.#eventSeq = 0;
    this.#order = 0;
    this.#deadLetterId = 0;
    this.#delivery = 0;
  }
}

export function recordKey(collectionId: string, upstreamId: string): string {
  return `${collectionId}\u0000${upstreamId}`;
}
