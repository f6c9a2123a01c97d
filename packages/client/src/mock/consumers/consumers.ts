import type { components } from "../../generated/openapi.gen.js";
import { conflict, notFound } from "../http/errors.js";
import { type Page, paginate } from "../http/pagination.js";
import { invalid } from "../http/validation.js";
import { settleExpiredLeases } from "../leases/availability.js";
import { pruneEvents } from "../records/events.js";
import { cloneJson } from "../records/json.js";
import { resolveStream } from "../records/streams.js";
import type { MockContext } from "../state/context.js";
import type { ConsumerState, WireConsumer } from "../state/store.js";
import { addEventRow, addRecordRow } from "./fan-out.js";
import { completeFilters, matchesFilters } from "./filters.js";
import { orderingOf } from "./ordering.js";
import { pauseOf, RUNNING, refreshPause } from "./pause.js";

type ConsumerCreate = components["schemas"]["ConsumerCreate"];
type ConsumerUpdate = components["schemas"]["ConsumerUpdate"];

export const CONSUMER_DEFAULTS = {
  ack_wait_ms: 30_000,
  max_deliver: -1,
  max_ack_pending: 1000,
  backoff_ms: [0, 1000, 5000, 30000],
} as const;

/**
 * Creates a consumer. With `deliver_policy: all` every record (or retained event) already in the
 * stream that passes the filters is pending at once; with `new` only later writes.
 */
export function createConsumer(
  ctx: MockContext,
  accountId: string,
  input: ConsumerCreate,
): WireConsumer {
  checkMaxDeliver(input.max_deliver);
  const kind = input.kind ?? "record";
  const ordering = orderingOf(kind, input);
  assertNameFree(ctx, accountId, input.name);
  const stream = resolveStream(ctx, accountId, input.stream_id);
  const now = ctx.clock.iso();
  const consumer: WireConsumer = {
    id: globalThis.crypto.randomUUID(),
    name: input.name,
    stream_id: stream.stream.id,
    kind,
    filters: completeFilters(input.filters),
    deliver_policy: input.deliver_policy ?? "all",
    ack_wait_ms: input.ack_wait_ms ?? CONSUMER_DEFAULTS.ack_wait_ms,
    max_deliver: input.max_deliver ?? CONSUMER_DEFAULTS.max_deliver,
    max_ack_pending: input.max_ack_pending ?? CONSUMER_DEFAULTS.max_ack_pending,
    backoff_ms: [...(input.backoff_ms ?? CONSUMER_DEFAULTS.backoff_ms)],
    ...RUNNING,
    ...ordering,
    metadata: cloneJson(input.metadata ?? {}),
    created_at: now,
    updated_at: now,
  };
  const state: ConsumerState = {
    accountId,
    consumer,
    order: ctx.store.nextOrder(),
    rows: new Map(),
    tokens: new Map(),
    deadLetters: new Map(),
    acked: [],
    nacked: [],
  };
  if (consumer.deliver_policy === "all") {
    if (consumer.kind === "record") {
      const records = [...stream.records.values()].sort((a, b) => a.updated_idx - b.updated_idx);
      for (const record of records)
        if (matchesFilters(consumer.filters, record)) addRecordRow(state, record);
    } else {
      pruneEvents(ctx, stream);
      for (const event of stream.events)
        if (matchesFilters(consumer.filters, event)) addEventRow(state, event);
    }
  }
  ctx.store.consumers.set(consumer.id, state);
  return consumer;
}

/** A consumer of this account by id, or else by name; another account's consumer is a 404. */
export function findConsumer(ctx: MockContext, accountId: string, ref: string): ConsumerState {
  const state = lookupConsumer(ctx, accountId, ref);
  if (!state) throw notFound("Consumer", ref);
  return state;
}

/** A consumer of this account by id, or else by name; undefined when there is none. */
export function lookupConsumer(
  ctx: MockContext,
  accountId: string,
  ref: string,
): ConsumerState | undefined {
  const byId = ctx.store.consumers.get(ref);
  if (byId && byId.accountId === accountId) return withPause(ctx, byId);
  for (const state of ctx.store.consumers.values()) {
    if (state.accountId === accountId && state.consumer.name === ref) return withPause(ctx, state);
  }
  return undefined;
}

export function listConsumers(
  ctx: MockContext,
  accountId: string,
  query: { cursor?: string | undefined; limit: number; stream_id?: string | undefined },
): Page<WireConsumer> {
  const mine = [...ctx.store.consumers.values()].filter(
    (c) =>
      c.accountId === accountId &&
      (query.stream_id === undefined || c.consumer.stream_id === query.stream_id),
  );
  const page = paginate(mine, (c) => c.order, query);
  return { data: page.data.map((c) => refreshPause(ctx, c)), next_cursor: page.next_cursor };
}

/**
 * New filters apply to later writes; messages already pending stay pending. A new `backoff_ms`
 * applies to nacks and lease expiries after the change. Pausing or resuming wakes parked `next`s.
 */
export function updateConsumer(
  ctx: MockContext,
  accountId: string,
  ref: string,
  input: ConsumerUpdate,
): WireConsumer {
  if (Object.keys(input).length === 0) invalid("body", "must set at least one field");
  checkMaxDeliver(input.max_deliver);
  const pause = pauseOf(ctx, input);
  const state = findConsumer(ctx, accountId, ref);
  if (input.name !== undefined && input.name !== state.consumer.name)
    assertNameFree(ctx, accountId, input.name);
  if (input.backoff_ms !== undefined) settleExpiredLeases(ctx, state);
  const c = state.consumer;
  state.consumer = {
    ...c,
    name: input.name ?? c.name,
    filters: input.filters === undefined ? c.filters : completeFilters(input.filters),
    ack_wait_ms: input.ack_wait_ms ?? c.ack_wait_ms,
    max_deliver: input.max_deliver ?? c.max_deliver,
    max_ack_pending: input.max_ack_pending ?? c.max_ack_pending,
    backoff_ms: input.backoff_ms === undefined ? c.backoff_ms : [...input.backoff_ms],
    ...(pause ?? {}),
    metadata: input.metadata === undefined ? c.metadata : cloneJson(input.metadata),
    updated_at: ctx.clock.iso(),
  };
  // A larger max_ack_pending or a resume can unblock a parked long-poll.
  ctx.waker.notify(c.id);
  return state.consumer;
}

/** Deletes the consumer with its pending messages and dead letters. */
export function deleteConsumer(
  ctx: MockContext,
  accountId: string,
  ref: string,
): { id: string; deleted: true } {
  const state = findConsumer(ctx, accountId, ref);
  ctx.store.consumers.delete(state.consumer.id);
  ctx.waker.notify(state.consumer.id);
  return { id: state.consumer.id, deleted: true };
}

function withPause(ctx: MockContext, state: ConsumerState): ConsumerState {
  refreshPause(ctx, state);
  return state;
}

function assertNameFree(ctx: MockContext, accountId: string, name: string): void {
  for (const state of ctx.store.consumers.values()) {
    if (state.accountId === accountId && state.consumer.name === name) {
      throw conflict(`A consumer named ${name} already exists`);
    }
  }
}

// The spec's `not: {const: 0}` on max_deliver, which the generated validator cannot express.
function checkMaxDeliver(maxDeliver: number | undefined): void {
  if (maxDeliver === 0) invalid("max_deliver", "must be -1 (no limit) or at least 1");
}
