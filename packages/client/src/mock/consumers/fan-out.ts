import type { MockContext } from "../state/context.js";
import type {
  ConsumerState,
  MessageRow,
  StreamState,
  WireEvent,
  WireRecord,
} from "../state/store.js";
import { matchesFilters } from "./filters.js";
import { eventOrderKey } from "./ordering.js";

export const recordRowKey = (recordId: string): string => `r:${recordId}`;
export const eventRowKey = (eventId: string): string => `e:${eventId}`;

/**
 * Makes a record pending for each record consumer of the stream that wants it. A record that
 * already has a row (pending or leased) gets no second one: the lease path always hands out the
 * current version, and an ack of an older version leaves the row pending (compaction).
 */
export function fanOutRecord(ctx: MockContext, stream: StreamState, record: WireRecord): void {
  for (const consumer of consumersOf(ctx, stream, "record")) {
    if (!matchesFilters(consumer.consumer.filters, record)) continue;
    addRecordRow(consumer, record);
    ctx.waker.notify(consumer.consumer.id);
  }
}

/** Appends an event to each event consumer of the stream that wants it, in `seq` order. */
export function fanOutEvent(ctx: MockContext, stream: StreamState, event: WireEvent): void {
  for (const consumer of consumersOf(ctx, stream, "event")) {
    if (!matchesFilters(consumer.consumer.filters, event)) continue;
    addEventRow(consumer, event);
    ctx.waker.notify(consumer.consumer.id);
  }
}

export function addRecordRow(
  consumer: ConsumerState,
  record: WireRecord,
  seq = record.updated_idx,
): void {
  const key = recordRowKey(record.id);
  if (consumer.rows.has(key)) return;
  consumer.rows.set(key, { ...freshRow(key, seq), recordId: record.id });
}

export function addEventRow(consumer: ConsumerState, event: WireEvent, seq = event.seq): void {
  const key = eventRowKey(event.id);
  if (consumer.rows.has(key)) return;
  const row: MessageRow = { ...freshRow(key, seq), event };
  const orderKey = eventOrderKey(consumer.consumer, event);
  if (orderKey !== undefined) row.orderKey = orderKey;
  consumer.rows.set(key, row);
}

function freshRow(key: string, seq: number): MessageRow {
  return {
    key,
    seq,
    deliverCount: 0,
    leasedUntil: null,
    retryAt: null,
    lastError: null,
    ackToken: null,
    deliveredIdx: null,
    delivered: null,
  };
}

function consumersOf(
  ctx: MockContext,
  stream: StreamState,
  kind: "record" | "event",
): ConsumerState[] {
  return [...ctx.store.consumers.values()].filter(
    (c) => c.consumer.stream_id === stream.stream.id && c.consumer.kind === kind,
  );
}
