import { BACKGROUND_LOCK } from "../db/advisory-locks.js";
import type { Db } from "../db/db.js";

/**
 * Moves the live-row deltas into consumers.message_count in one statement (a read sums counter
 * and deltas in one snapshot, so it sees either both or neither); collapses the lease deltas of
 * each expiry time into one row, or none when they cancel out; and deletes lease deltas that ran
 * out. One server at a time. Returns how many live-row delta rows were folded.
 */
export async function foldCounters(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows: lock } = await tx.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_xact_lock($1, 1) AS ok",
      [BACKGROUND_LOCK],
    );
    if (!lock[0]?.ok) return 0;
    const { rows } = await tx.query<{ folded: number }>(
      `WITH d AS (
         DELETE FROM consumer_counter_deltas RETURNING account_id, consumer_id, delta
       ), s AS (
         SELECT account_id, consumer_id, sum(delta)::bigint AS delta, count(*) AS n FROM d GROUP BY account_id, consumer_id
       ), u AS (
         UPDATE consumers c SET message_count = c.message_count + s.delta
         FROM s WHERE c.account_id = s.account_id AND c.id = s.consumer_id
       )
       SELECT coalesce(sum(n), 0)::int AS folded FROM s`,
    );
    // Every lease statement and every ack, nack or extend writes a lease delta row, and a
    // count of running leases reads all those of later expiry: without this, a consumer acking
    // one message at a time with ack_wait_ms 30 s would sum tens of thousands of rows per lease.
    // A lease and the acks of its messages cancel out, so most groups go. Only groups of several
    // rows or a zero sum are rewritten; a delta written meanwhile is not in this statement's
    // snapshot, so it is neither deleted nor summed, and every sum stays what it was.
    await tx.query(
      `WITH g AS MATERIALIZED (
         SELECT account_id, consumer_id, leased_until FROM consumer_lease_deltas
         WHERE leased_until >= statement_timestamp() - interval '1 minute'
         GROUP BY account_id, consumer_id, leased_until
         HAVING count(*) > 1 OR sum(delta) = 0
       ), gone AS (
         DELETE FROM consumer_lease_deltas d USING g
         WHERE d.account_id = g.account_id AND d.consumer_id = g.consumer_id
           AND d.leased_until = g.leased_until
         RETURNING d.account_id, d.consumer_id, d.leased_until, d.delta
       )
       INSERT INTO consumer_lease_deltas (account_id, consumer_id, leased_until, delta)
       SELECT account_id, consumer_id, leased_until, sum(delta)::int FROM gone
       GROUP BY account_id, consumer_id, leased_until
       HAVING sum(delta) <> 0`,
    );
    // Lease deltas that ran out are outside every range a later count reads (migration 0006).
    await tx.query(
      "DELETE FROM consumer_lease_deltas WHERE leased_until < statement_timestamp() - interval '1 minute'",
    );
    return rows[0]?.folded ?? 0;
  });
}
