import type { SequinRecord } from "../api-types.js";
import { iso, isoOrNull } from "../db/rows.js";

/** A row of `records` as the driver returns it. */
export interface RecordRow {
  id: string;
  stream_id: string;
  collection_id: string;
  upstream_id: string;
  resource_id: string | null;
  provider: string | null;
  upstream_created_at: Date | string | null;
  upstream_updated_at: Date | string | null;
  updated_idx: number;
  deleted: boolean;
  data: Record<string, unknown>;
  sync: SequinRecord["sync"];
  inserted_at: Date | string;
}

/** The columns of a RecordRow, for SELECT lists; `prefix` qualifies them (`r.`). */
export function recordColumns(prefix = ""): string {
  return [
    "id",
    "stream_id",
    "collection_id",
    "upstream_id",
    "resource_id",
    "provider",
    "upstream_created_at",
    "upstream_updated_at",
    "updated_idx",
    "deleted",
    "data",
    "sync",
    "inserted_at",
  ]
    .map((c) => `${prefix}${c}`)
    .join(", ");
}

export function toRecord(row: RecordRow): SequinRecord {
  return {
    id: row.id,
    stream_id: row.stream_id,
    collection_id: row.collection_id,
    resource_id: row.resource_id,
    provider: row.provider,
    upstream_id: row.upstream_id,
    upstream_created_at: isoOrNull(row.upstream_created_at),
    upstream_updated_at: isoOrNull(row.upstream_updated_at),
    updated_idx: Number(row.updated_idx),
    deleted: row.deleted,
    data: row.data,
    inserted_at: iso(row.inserted_at),
    sync: row.sync ?? null,
  };
}
