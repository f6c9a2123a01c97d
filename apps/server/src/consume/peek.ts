import type { components } from "@sequin/client";
import type { Queryable } from "../db/db.js";
import { isoOrNull, prefixed, unprefix } from "../db/rows.js";
import { type EventRow, eventColumns, toEvent } from "../events/event-row.js";
import { type RecordRow, recordColumns, toRecord } from "../records/record-row.js";
import { consumerState } from "./info.js";

type PeekedMessage = components["schemas"]["PeekedMessage"];
type PeekInfo = components["schemas"]["PeekInfo"];

type PeekRow = {
  seq: number;
  deliver_count: number;
  leased_until: Date | null;
  leased: boolean;
} & Record<string, unknown>;

/**
 * The consumer's first live messages in seq order (the order a lease takes them), read-only: no
 * row is locked or changed, so a peek never delays or alters a delivery. A pending record that
 * changed since its last delivery shows 0 deliveries, as its next lease will count from 1.
 */
export async function peekMessages(
  q: Queryable,
  accountId: string,
  consumerId: string,
  limit: number,
): Promise<PeekedMessage[]> {
  const { rows } = await q.query<PeekRow>(
    `WITH m AS MATERIALIZED (
       SELECT account_id, seq, record_id, event_seq, deliver_count, delivered_idx, leased_until
       FROM consumer_messages
       WHERE account_id = $1 AND consumer_id = $2
       ORDER BY seq LIMIT $3
     )
     SELECT m.seq, m.leased_until,
            coalesce(m.leased_until > statement_timestamp(), false) AS leased,
            CASE WHEN coalesce(m.leased_until > statement_timestamp(), false) THEN m.deliver_count
                 WHEN m.record_id IS NOT NULL AND m.delivered_idx IS DISTINCT FROM r.updated_idx THEN 0
                 ELSE m.deliver_count END AS deliver_count,
            ${prefixed(recordColumns(), "r.", "r_")}, ${prefixed(eventColumns(), "e.", "e_")}
     FROM m
     LEFT JOIN records r ON r.account_id = m.account_id AND r.id = m.record_id
     LEFT JOIN events e ON e.account_id = m.account_id AND e.seq = m.event_seq
     WHERE r.id IS NOT NULL OR e.seq IS NOT NULL
     ORDER BY m.seq`,
    [accountId, consumerId, limit],
  );
  return rows.map((row) => {
    const message: PeekedMessage = {
      id: String(row.seq),
      state: row.leased ? "leased" : "pending",
      deliver_count: row.deliver_count,
      lease_expires_at: row.leased ? isoOrNull(row.leased_until) : null,
    };
    if (row.r_id != null) message.record = toRecord(unprefix<RecordRow>(row, "r_"));
    else if (row.e_seq != null) message.event = toEvent(unprefix<EventRow>(row, "e_"));
    return message;
  });
}

/** The consumer's counts (ADR 0002's cheap ones) plus its dead letters. */
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
