import type { Consumer } from "../api-types.js";
import { iso } from "../db/rows.js";

/** A row of `consumers` as the driver returns it. */
export interface ConsumerRow {
  id: string;
  ord: number;
  name: string;
  stream_id: string;
  kind: "record" | "event";
  filter_collection_id: string;
  filter_resource_id: string;
  filter_provider: string;
  filter_sync_id: string;
  deliver_policy: "all" | "new";
  ack_wait_ms: number;
  max_deliver: number;
  max_ack_pending: number;
  ordering: "none" | "per_key";
  /** The key path split into names; null = the record. */
  key_path: string[] | null;
  metadata: Record<string, unknown>;
  backoff_ms: number[];
  /** Whether it is paused now. */
  paused: boolean;
  /** The end of a timed pause running now; null: not paused, or paused until resumed. */
  pause_ends_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const CONSUMER_COLUMNS = `id, ord, name, stream_id, kind, filter_collection_id, filter_resource_id,
  filter_provider, filter_sync_id, deliver_policy, ack_wait_ms, max_deliver, max_ack_pending, ordering, key_path, metadata,
  backoff_ms, coalesce(paused_until > now(), false) AS paused,
  CASE WHEN paused_until > now() AND paused_until < 'infinity' THEN paused_until END AS pause_ends_at,
  created_at, updated_at`;

export function toConsumer(row: ConsumerRow): Consumer {
  return {
    id: row.id,
    name: row.name,
    stream_id: row.stream_id,
    kind: row.kind,
    filters: {
      collection_id: row.filter_collection_id,
      resource_id: row.filter_resource_id,
      provider: row.filter_provider,
      sync_id: row.filter_sync_id,
    },
    deliver_policy: row.deliver_policy,
    ack_wait_ms: row.ack_wait_ms,
    max_deliver: row.max_deliver,
    max_ack_pending: row.max_ack_pending,
    backoff_ms: row.backoff_ms,
    paused: row.paused,
    paused_until: row.pause_ends_at === null ? null : iso(row.pause_ends_at),
    ordering: row.ordering,
    key_path: row.key_path === null ? null : row.key_path.join("."),
    metadata: row.metadata,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
