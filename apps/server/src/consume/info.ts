import type { ConsumerInfo } from "../api-types.js";
import type { Queryable } from "../db/db.js";

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
 * Counts without count(*) over the backlog (ADR 0002): live rows as in liveCountSql; leased rows
 * are counted on the partial index of leased rows, which max_ack_pending bounds. `account` and
 * `consumer` are SQL expressions.
 */
export function consumerStateSql(account: string, consumer: string): string {
  return `SELECT ${liveCountSql("c")} AS live,
            l.leased, l.next_expiry, c.max_ack_pending
     FROM consumers c,
     LATERAL (SELECT count(*)::int AS leased, min(m.leased_until) AS next_expiry
              FROM consumer_messages m
              WHERE m.account_id = c.account_id AND m.consumer_id = c.id
                AND m.leased_until > statement_timestamp()) l
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

/** The consumer's counts now (the lease function returns them too, without a round trip). */
export async function consumerState(
  q: Queryable,
  accountId: string,
  consumerId: string,
): Promise<ConsumerState> {
  const { rows } = await q.query<ConsumerStateRow>(consumerStateSql("$1", "$2"), [
    accountId,
    consumerId,
  ]);
  return toConsumerState(rows[0]);
}
