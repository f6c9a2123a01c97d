import type { Db } from "../db/db.js";

/**
 * Raises each consumer's scan_from_seq (migration 0005) to the seq of its oldest live row.
 * Returns how many consumers moved. Reads only from the old bound up: each row finished since
 * the last run is walked once here, instead of once per lease.
 *
 * Why this never passes a row that can still be delivered:
 * - Writers draw a consumer's seqs under its stream's write lock and commit in seq order (ADR
 *   0002). A row not yet visible here therefore has a larger seq than every visible one; when
 *   no row is visible, the bound stays.
 * - Rows put back below the bound (a redrive, or any other insert) lower it in their own
 *   transaction (the trigger of migration 0005). This update only moves a bound that still has
 *   the value it read: if such a transaction changed it meanwhile, the re-check after the row
 *   lock sees another value and leaves it alone.
 * - Leased rows, expired or not, are live rows: the bound stays at or below them.
 */
export async function advanceScanFrom(db: Db): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE consumers c SET scan_from_seq = n.seq
     FROM (SELECT c2.account_id, c2.id, c2.scan_from_seq AS read_bound,
                  (SELECT m.seq FROM consumer_messages m
                   WHERE m.account_id = c2.account_id AND m.consumer_id = c2.id
                     AND m.seq >= c2.scan_from_seq
                   ORDER BY m.seq LIMIT 1) AS seq
           FROM consumers c2) n
     WHERE c.account_id = n.account_id AND c.id = n.id
       AND c.scan_from_seq = n.read_bound AND n.seq > n.read_bound`,
  );
  return rowCount ?? 0;
}
