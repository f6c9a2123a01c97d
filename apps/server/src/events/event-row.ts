import type { SequinEvent } from "../api-types.js";
import { iso, isoOrNull } from "../db/rows.js";

/** A row of `events` as the driver returns it. */
export interface EventRow {
  seq: number;
  stream_id: string;
  record_id: string | null;
  collection_id: string;
  resource_id: string | null;
  provider: string | null;
  upstream_id: string | null;
  action: string;
  changes: Record<string, unknown> | null;
  data: Record<string, unknown>;
  updated_idx: number | null;
  upstream_updated_at: Date | string | null;
  sync: SequinEvent["sync"];
  inserted_at: Date | string;
}

/** The columns of an EventRow, for SELECT lists; `prefix` qualifies them (`e.`). */
export function eventColumns(prefix = ""): string {
  return [
    "seq",
    "stream_id",
    "record_id",
    "collection_id",
    "resource_id",
    "provider",
    "upstream_id",
    "action",
    "changes",
    "data",
    "updated_idx",
    "upstream_updated_at",
    "sync",
    "inserted_at",
  ]
    .map((c) => `${prefix}${c}`)
    .join(", ");
}

/** The event id is its position: unique across streams, as the spec asks. */
export function toEvent(row: EventRow): SequinEvent {
  return {
    id: String(row.seq),
    seq: Number(row.seq),
    stream_id: row.stream_id,
    record_id: row.record_id,
    collection_id: row.collection_id,
    resource_id: row.resource_id,
    provider: row.provider,
    upstream_id: row.upstream_id,
    action: row.action,
    changes: row.changes,
    data: row.data,
    updated_idx: row.updated_idx === null ? null : Number(row.updated_idx),
    upstream_updated_at: isoOrNull(row.upstream_updated_at),
    inserted_at: iso(row.inserted_at),
    sync: row.sync ?? null,
  };
}
