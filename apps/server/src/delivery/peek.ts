import type { components } from "@sequin/client";
import type { Queryable } from "../db/db.js";
import { isoOrNull, prefixed, unprefix } from "../db/rows.js";
import { type EventRow, eventColumns, toEvent } from "../events/event-row.js";
import { type RecordRow, recordColumns, toRecord } from "../records/record-row.js";
import { consumerState } from "./counts.js";

type PeekedMessage = components["schemas"]["PeekedMessage"];
type PeekInfo = components["schemas"]["PeekInfo"];

type PeekRow = {
  seq: number;
  deliver_count: number;
  leased_until: Date | null;
  leased: boolean;
  retry_at?: Date | null;
  last_error?: string | null;
} & Record<string, unknown>;

/**
 * The consumer's first live messages in the order a lease takes them, read-only: no row is
 * locked or changed, so a peek never delays or alters a delivery. A pending record that changed
 * since its last delivery shows 0 deliveries, as its next lease will count from 1.
 */
export async function peekMessages(
  q: Queryable,
  accountId: string,
  consumer: { id: string },
  limit: number,
): Promise<PeekedMessage[]> {
  const { rows } = await q.query<PeekRow>(PEEK_SQL, [accountId, consumer.id, limit]);
  return rows.map((row) => {
    const message: PeekedMessage = {
      id: String(row.seq),
      state: row.leased ? "leased" : "pending",
      deliver_count: row.deliver_count,
      lease_expires_at: row.leased ? isoOrNull(row.leased_until) : null,
      retry_at: isoOrNull(row.retry_at ?? null),
      last_error: row.last_error ?? null,
    };
    if (row.r_id != null) message.record = toRecord(unprefix<RecordRow>(row, "r_"));
    else if (row.e_seq != null) message.event = toEvent(unprefix<EventRow>(row, "e_"));
    return message;
  });
}

/**
 * The consumer's window in seq order (the order its leases take deliveries offered again, see
 * migration 0007), then the log above its cursor that it wants, which a lease pulls next. A
 * message not pulled yet has no seq: its id is its log position.
 */
const PEEK_SQL = `WITH w AS MATERIALIZED (
       SELECT d.account_id, d.seq, d.record_id, d.event_seq, d.deliver_count, d.delivered_idx, d.leased_until,
              d.retry_at, d.last_error
       FROM deliveries d
       WHERE d.account_id = $1 AND d.consumer_id = $2
         AND d.seq > coalesce((SELECT f.pos FROM sequin_window_floor_v1($1, $2) f), 0)
       ORDER BY d.seq LIMIT $3
     ), log AS MATERIALIZED (
       SELECT x.* FROM (
         SELECT r.updated_idx AS pos, r.id AS record_id, NULL::bigint AS event_seq FROM record_versions r, consumers c
         WHERE c.account_id = $1 AND c.id = $2 AND c.kind = 'record' AND r.account_id = $1 AND r.stream_id = c.stream_id
           AND r.updated_idx > sequin_window_cursor_v1($1, $2)
           AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)
           AND NOT EXISTS (SELECT 1 FROM deliveries d
                           WHERE d.account_id = $1 AND d.consumer_id = $2 AND d.record_id = r.id)
         ORDER BY r.updated_idx LIMIT $3) x
       UNION ALL
       SELECT y.* FROM (
         SELECT e.seq, NULL::uuid, e.seq FROM events e, consumers c
         WHERE c.account_id = $1 AND c.id = $2 AND c.kind = 'event' AND e.account_id = $1 AND e.stream_id = c.stream_id
           AND e.seq > sequin_window_cursor_v1($1, $2)
           AND sequin_filter_match_v1(c, e.collection_id, e.resource_id, e.provider, e.sync_id)
         ORDER BY e.seq LIMIT $3) y
     ), m AS (
       SELECT 0 AS part, w.seq, w.record_id, w.event_seq, w.deliver_count, w.delivered_idx, w.leased_until,
              w.retry_at, w.last_error FROM w
       UNION ALL
       SELECT 1, log.pos, log.record_id, log.event_seq, 0, NULL::bigint, '-infinity'::timestamptz,
              '-infinity'::timestamptz, NULL FROM log
     )
     SELECT m.seq, m.leased_until,
            m.leased_until > statement_timestamp() AS leased,
            -- Waiting out a nack's delay or the backoff after a lease ran out.
            CASE WHEN m.leased_until <= statement_timestamp() AND m.retry_at > statement_timestamp()
                 THEN m.retry_at END AS retry_at,
            m.last_error,
            CASE WHEN m.leased_until > statement_timestamp() THEN m.deliver_count
                 WHEN m.record_id IS NOT NULL AND m.delivered_idx IS DISTINCT FROM r.updated_idx THEN 0
                 ELSE m.deliver_count END AS deliver_count,
            ${prefixed(recordColumns(), "r.", "r_")}, ${prefixed(eventColumns(), "e.", "e_")}
     FROM m
     LEFT JOIN records r ON r.account_id = $1 AND r.id = m.record_id
     LEFT JOIN events e ON e.account_id = $1 AND e.seq = m.event_seq
     WHERE r.id IS NOT NULL OR e.seq IS NOT NULL
     ORDER BY m.part, m.seq
     LIMIT $3`;

/** The consumer's counts (its window's, ADR 0008) plus its dead letters. */
export async function peekInfo(
  q: Queryable,
  accountId: string,
  consumerId: string,
): Promise<PeekInfo> {
  const [state, dead] = await Promise.all([
    consumerState(q, accountId, consumerId),
    q.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM dead_letters WHERE account_id = $1 AND consumer_id = $2",
      [accountId, consumerId],
    ),
  ]);
  return {
    num_pending: state.num_pending,
    num_ack_pending: state.num_ack_pending,
    num_dead_letters: dead.rows[0]?.n ?? 0,
  };
}
