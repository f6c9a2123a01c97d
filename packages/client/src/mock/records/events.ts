import type { components } from "../../generated/openapi.gen.js";
import { fanOutEvent } from "../consumers/fan-out.js";
import { type Page, paginate } from "../http/pagination.js";
import { toIso } from "../http/timestamps.js";
import type { MockContext } from "../state/context.js";
import type { StreamState, WireEvent, WireRecord } from "../state/store.js";
import { cloneJson } from "./json.js";

type EventInput = components["schemas"]["EventInput"];

/** Appends one event (given directly, or produced by a record change) and hands it to consumers. */
export function appendEvent(ctx: MockContext, stream: StreamState, input: EventInput): WireEvent {
  return push(ctx, stream, {
    record_id: null,
    collection_id: input.collection_id,
    resource_id: input.resource_id ?? null,
    provider: input.provider ?? null,
    upstream_id: input.upstream_id ?? null,
    action: input.action,
    changes:
      input.changes === undefined || input.changes === null ? null : cloneJson(input.changes),
    data: cloneJson(input.data),
    updated_idx: null,
    upstream_updated_at: toIso(input.upstream_updated_at),
    sync: input.sync === undefined || input.sync === null ? null : cloneJson(input.sync),
  });
}

/** The event of a real record change: `created`, `updated` (with `changes`) or `deleted`. */
export function appendRecordEvent(
  ctx: MockContext,
  stream: StreamState,
  record: WireRecord,
  action: "created" | "updated" | "deleted",
  changes: Record<string, unknown> | null,
): WireEvent {
  return push(ctx, stream, {
    record_id: record.id,
    collection_id: record.collection_id,
    resource_id: record.resource_id,
    provider: record.provider,
    upstream_id: record.upstream_id,
    action,
    changes,
    data: cloneJson(record.data),
    updated_idx: record.updated_idx,
    upstream_updated_at: record.upstream_updated_at,
    sync: record.sync === null ? null : cloneJson(record.sync),
  });
}

export function listEvents(
  ctx: MockContext,
  stream: StreamState,
  query: { cursor?: string | undefined; limit: number; collection_id?: string | undefined },
): Page<WireEvent> {
  pruneEvents(ctx, stream);
  const events =
    query.collection_id === undefined
      ? stream.events
      : stream.events.filter((e) => e.collection_id === query.collection_id);
  return paginate(events, (e) => e.seq, query);
}

/**
 * Drops events older than the stream's retention, with the messages and dead letters that point
 * at them (as the server's retention sweep does): a consumer that falls that far behind loses
 * events, never records.
 */
export function pruneEvents(ctx: MockContext, stream: StreamState): void {
  const cutoff = ctx.clock.nowMs() - stream.stream.event_retention_ms;
  const keep = stream.events.findIndex((e) => Date.parse(e.inserted_at) >= cutoff);
  const drop = keep === -1 ? stream.events.length : keep;
  if (drop === 0) return;
  const gone = new Set(stream.events.splice(0, drop).map((e) => e.id));
  for (const consumer of ctx.store.consumers.values()) {
    if (consumer.consumer.stream_id !== stream.stream.id) continue;
    for (const [key, row] of consumer.rows) {
      if (!row.event || !gone.has(row.event.id)) continue;
      consumer.rows.delete(key);
      if (row.ackToken !== null) consumer.tokens.delete(row.ackToken);
    }
    for (const [id, dead] of consumer.deadLetters)
      if (dead.event && gone.has(dead.event.id)) consumer.deadLetters.delete(id);
  }
}

function push(
  ctx: MockContext,
  stream: StreamState,
  fields: Omit<WireEvent, "id" | "seq" | "stream_id" | "inserted_at">,
): WireEvent {
  const seq = ctx.store.nextEventSeq();
  const event: WireEvent = {
    id: String(seq),
    seq,
    stream_id: stream.stream.id,
    ...fields,
    inserted_at: ctx.clock.iso(),
  };
  stream.events.push(event);
  fanOutEvent(ctx, stream, event);
  return event;
}
