import type { ConsumerInfo } from "../api-types.js";
import type { Queryable } from "../db/db.js";

/**
 * A consumer's `num_pending` counts its log exactly up to this many messages; above, it
 * is an estimate (sequin_window_state_v2, migration 0019).
 */
export const EXACT_PENDING_UP_TO = 100;

/** The consumer's counts, plus what a long-poll needs to know when to look again. */
export interface ConsumerState extends ConsumerInfo {
  /** The earliest running lease's end, when a message becomes deliverable again by expiry. */
  nextExpiry: Date | null;
  /** True when max_ack_pending leases are out: only an ack, nack or expiry frees a place. */
  atCapacity: boolean;
}

/** The raw counts of a consumer (sequin_window_state_v2): what {@link toConsumerState} reads. */
export interface ConsumerStateRow {
  live: number | string;
  leased: number | string;
  next_expiry: Date | string | null;
  max_ack_pending: number;
}

export function toConsumerState(row: ConsumerStateRow | undefined): ConsumerState {
  if (!row) return { num_pending: 0, num_ack_pending: 0, nextExpiry: null, atCapacity: false };
  const leased = Number(row.leased);
  return {
    num_pending: Math.max(Number(row.live) - leased, 0),
    num_ack_pending: leased,
    nextExpiry: row.next_expiry === null ? null : new Date(row.next_expiry),
    atCapacity: leased >= row.max_ack_pending,
  };
}

/**
 * The consumer's counts now (the lease returns them too, without a round trip), from
 * sequin_window_state_v2 (migration 0019): exact up to `cap` pending messages in its log.
 */
export async function consumerState(
  q: Queryable,
  accountId: string,
  consumerId: string,
  cap = EXACT_PENDING_UP_TO,
): Promise<ConsumerState> {
  const { rows } = await q.query<ConsumerStateRow>(
    `SELECT w.live, w.leased, w.next_expiry, w.max_ack_pending
     FROM consumers c, sequin_window_state_v2(c.account_id, c.id, $3::int) w
     WHERE c.account_id = $1 AND c.id = $2`,
    [accountId, consumerId, cap],
  );
  return toConsumerState(rows[0]);
}
