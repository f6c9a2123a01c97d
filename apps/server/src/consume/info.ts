import type { ConsumerInfo } from "../api-types.js";
import type { Queryable } from "../db/db.js";

/**
 * A 'window' consumer's `num_pending` counts its log exactly up to this many messages; above, it
 * is an estimate (sequin_window_state_v1, migration 0008).
 */
export const EXACT_PENDING_UP_TO = 100;

/** The consumer's counts, plus what a long-poll needs to know when to look again. */
export interface ConsumerState extends ConsumerInfo {
  /** The earliest running lease's end, when a message becomes deliverable again by expiry. */
  nextExpiry: Date | null;
  /** True when max_ack_pending leases are out: only an ack, nack or expiry frees a place. */
  atCapacity: boolean;
}

/** The raw counts of a consumer: what {@link toConsumerState} reads. */
export interface ConsumerStateRow {
  live: number | string;
  leased: number | string;
  next_expiry: Date | string | null;
  max_ack_pending: number;
}

/** Live rows of consumer row `c` without count(*) over the backlog: the folded counter plus the deltas not folded yet (a handful of rows). */
export const liveCountSql = (c: string) => `${c}.message_count + coalesce((
              SELECT sum(d.delta) FROM consumer_counter_deltas d
              WHERE d.account_id = ${c}.account_id AND d.consumer_id = ${c}.id), 0)::bigint`;

/**
 * The consumer's leases running now: the sum of its lease deltas of later expiry (migration
 * 0006). `account` and `consumer` are SQL expressions.
 */
export const runningLeasesSql = (account: string, consumer: string) => `(
  SELECT coalesce(sum(d.delta), 0)::int FROM consumer_lease_deltas d
  WHERE d.account_id = ${account} AND d.consumer_id = ${consumer}
    AND d.leased_until > statement_timestamp())`;

/** When the first running lease of the consumer runs out (null: none is running). */
const nextExpirySql = (account: string, consumer: string) => `(
  SELECT min(e.leased_until) FROM (
    SELECT d.leased_until FROM consumer_lease_deltas d
    WHERE d.account_id = ${account} AND d.consumer_id = ${consumer}
      AND d.leased_until > statement_timestamp()
    GROUP BY d.leased_until HAVING sum(d.delta) > 0) e)`;

/**
 * Counts without count(*) over the backlog (ADR 0002): live rows as in liveCountSql; running
 * leases from their deltas (migration 0006). `account` and `consumer` are SQL expressions.
 */
export function consumerStateSql(account: string, consumer: string): string {
  return `SELECT ${liveCountSql("c")} AS live,
            ${runningLeasesSql("c.account_id", "c.id")} AS leased,
            ${nextExpirySql("c.account_id", "c.id")} AS next_expiry, c.max_ack_pending
     FROM consumers c
     WHERE c.account_id = ${account} AND c.id = ${consumer}`;
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
 * The consumer's counts now (the lease functions return them too, without a round trip), from
 * the core that serves it: a 'window' consumer's from sequin_window_state_v1 (migration 0008),
 * exact up to `cap` pending messages in its log.
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
     WHERE c.account_id = $1 AND c.id = $2 AND c.core = 'window'
     UNION ALL
     ${consumerStateSql("$1", "$2")} AND c.core = 'fanout'`,
    [accountId, consumerId, cap],
  );
  return toConsumerState(rows[0]);
}
