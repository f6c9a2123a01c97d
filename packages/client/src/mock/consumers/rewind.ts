import type { components } from "../../generated/openapi.gen.js";
import { invalid } from "../http/validation.js";
import { consumerInfo } from "../leases/leases.js";
import { pruneEvents } from "../records/events.js";
import type { MockContext } from "../state/context.js";
import type { ConsumerState, WireEvent, WireRecord } from "../state/store.js";
import { addEventRow, addRecordRow, eventRowKey, recordRowKey } from "./fan-out.js";
import { matchesFilters } from "./filters.js";

type RewindRequest = components["schemas"]["RewindRequest"];
type RewindResponse = components["schemas"]["RewindResponse"];

/**
 * `POST .../rewind`: every message of the stream from the point that the filters take is pending
 * again, once, with a fresh count. Its current delivery (pending or leased) is dropped first, so
 * its ack token is unknown from then on. Other messages and dead letters keep their state; the
 * same rewind twice leaves the same pending messages.
 */
export function rewindConsumer(
  ctx: MockContext,
  state: ConsumerState,
  input: RewindRequest,
): RewindResponse {
  const sent = Object.keys(input);
  if (sent.length > 1)
    invalid("body", "must set at most one of from_seq, from_updated_idx, from_time");
  const { kind } = state.consumer;
  if (kind === "record" && input.from_seq !== undefined)
    invalid("from_seq", "is for event consumers; use from_updated_idx or from_time");
  if (kind === "event" && input.from_updated_idx !== undefined)
    invalid("from_updated_idx", "is for record consumers; use from_seq or from_time");
  const stream = ctx.store.streams.get(state.consumer.stream_id);
  if (stream && kind === "event") {
    pruneEvents(ctx, stream);
    for (const event of eventsFrom(stream.events, input)) {
      if (!matchesFilters(state.consumer.filters, event)) continue;
      drop(state, eventRowKey(event.id));
      addEventRow(state, event);
    }
  } else if (stream) {
    const records = [...stream.records.values()].sort((a, b) => a.updated_idx - b.updated_idx);
    for (const record of records) {
      if (!recordFrom(record, input) || !matchesFilters(state.consumer.filters, record)) continue;
      drop(state, recordRowKey(record.id));
      addRecordRow(state, record);
    }
  }
  ctx.waker.notify(state.consumer.id);
  return {
    info: { ...consumerInfo(ctx, state), num_dead_letters: state.deadLetters.size },
  };
}

// from_time: from the first event stored at or after it (none: nothing); neither: all retained.
function eventsFrom(events: readonly WireEvent[], input: RewindRequest): readonly WireEvent[] {
  if (input.from_seq !== undefined) {
    const from = input.from_seq;
    return events.filter((event) => event.seq >= from);
  }
  if (input.from_time !== undefined) {
    const from = Date.parse(input.from_time);
    const first = events.findIndex((event) => Date.parse(event.inserted_at) >= from);
    return first === -1 ? [] : events.slice(first);
  }
  return events;
}

// from_time: records changed upstream at or after it; one without upstream_updated_at counts.
function recordFrom(record: WireRecord, input: RewindRequest): boolean {
  if (input.from_updated_idx !== undefined) return record.updated_idx >= input.from_updated_idx;
  if (input.from_time !== undefined) {
    return (
      record.upstream_updated_at === null ||
      Date.parse(record.upstream_updated_at) >= Date.parse(input.from_time)
    );
  }
  return true;
}

function drop(state: ConsumerState, key: string): void {
  const row = state.rows.get(key);
  if (!row) return;
  if (row.ackToken !== null) state.tokens.delete(row.ackToken);
  state.rows.delete(key);
}
