import type { components } from "../../generated/openapi.gen.js";
import { fanOutRecord } from "../consumers/fan-out.js";
import { type Page, paginate } from "../http/pagination.js";
import { toIso } from "../http/timestamps.js";
import type { MockContext } from "../state/context.js";
import { recordKey, type StreamState, type WireEvent, type WireRecord } from "../state/store.js";
import { appendRecordEvent } from "./events.js";
import { changedFields, cloneJson, jsonEqual } from "./json.js";

type RecordInput = components["schemas"]["RecordInput"];
type UpsertResult = components["schemas"]["RecordUpsertResult"];

export interface UpsertOutcome {
  result: UpsertResult;
  record: WireRecord;
  /** The event of a real change; none for `unchanged` and `stale`. */
  event?: WireEvent;
}

/**
 * Upserts one version, identified by (stream, collection_id, upstream_id). Same `data` and
 * `deleted` is a no-op; an older `upstream_updated_at` is ignored; every real change gets the
 * next `updated_idx` of this mock, an event, and is handed to the consumers that want it.
 */
export function upsertRecord(
  ctx: MockContext,
  stream: StreamState,
  input: RecordInput,
): UpsertOutcome {
  const key = recordKey(input.collection_id, input.upstream_id);
  const existing = stream.records.get(key);
  const deleted = input.deleted ?? false;
  const upstreamUpdatedAt = toIso(input.upstream_updated_at);

  if (existing) {
    const stale =
      upstreamUpdatedAt !== null &&
      existing.upstream_updated_at !== null &&
      Date.parse(upstreamUpdatedAt) < Date.parse(existing.upstream_updated_at);
    if (stale) return { result: resultOf(existing, "stale"), record: existing };
    if (existing.deleted === deleted && jsonEqual(existing.data, input.data)) {
      // No new version; only upstream_updated_at moves forward, so the stale check stays sharp.
      const newer =
        upstreamUpdatedAt !== null &&
        (existing.upstream_updated_at === null ||
          Date.parse(upstreamUpdatedAt) > Date.parse(existing.upstream_updated_at));
      const kept = newer ? { ...existing, upstream_updated_at: upstreamUpdatedAt } : existing;
      if (newer) save(ctx, stream, key, kept);
      return { result: resultOf(kept, "unchanged"), record: kept };
    }
  }

  // Fields left out of the input keep their stored value; an explicit null clears them, except
  // upstream_updated_at, which only ever moves forward.
  const keep = <T>(sent: T | undefined, stored: T): T => (sent === undefined ? stored : sent);
  const record: WireRecord = {
    id: existing?.id ?? globalThis.crypto.randomUUID(),
    stream_id: stream.stream.id,
    collection_id: input.collection_id,
    resource_id: keep(input.resource_id, existing?.resource_id ?? null),
    provider: keep(input.provider, existing?.provider ?? null),
    upstream_id: input.upstream_id,
    upstream_created_at: keep(
      input.upstream_created_at === undefined ? undefined : toIso(input.upstream_created_at),
      existing?.upstream_created_at ?? null,
    ),
    upstream_updated_at: upstreamUpdatedAt ?? existing?.upstream_updated_at ?? null,
    updated_idx: ctx.store.nextUpdatedIdx(),
    deleted,
    data: cloneJson(input.data),
    inserted_at: existing?.inserted_at ?? ctx.clock.iso(),
    sync: input.sync === undefined ? (existing?.sync ?? null) : cloneJson(input.sync ?? null),
  };
  save(ctx, stream, key, record);

  const action = deleted && !existing?.deleted ? "deleted" : existing ? "updated" : "created";
  const changes =
    action === "updated" && existing ? changedFields(existing.data, record.data) : null;
  const event = appendRecordEvent(ctx, stream, record, action, changes);
  fanOutRecord(ctx, stream, record);
  return { result: resultOf(record, existing ? "updated" : "inserted"), record, event };
}

export function listRecords(
  stream: StreamState,
  query: { cursor?: string | undefined; limit: number; collection_id?: string | undefined },
): Page<WireRecord> {
  const records = [...stream.records.values()]
    .filter((r) => query.collection_id === undefined || r.collection_id === query.collection_id)
    .sort((a, b) => a.updated_idx - b.updated_idx);
  return paginate(records, (r) => r.updated_idx, query);
}

function save(ctx: MockContext, stream: StreamState, key: string, record: WireRecord): void {
  stream.records.set(key, record);
  ctx.store.recordsById.set(record.id, record);
}

function resultOf(record: WireRecord, result: UpsertResult["result"]): UpsertResult {
  return {
    id: record.id,
    collection_id: record.collection_id,
    upstream_id: record.upstream_id,
    updated_idx: record.updated_idx,
    result,
  };
}
