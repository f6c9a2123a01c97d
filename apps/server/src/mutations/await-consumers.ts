import type { Db } from "../db/db.js";
import type { WakeHub } from "../wake/hub.js";

/** A record version a mutation wrote. */
export interface WrittenVersion {
  recordId: string;
  updatedIdx: number;
}

/**
 * The awaited consumers that have not yet acked every written version (or a newer one). A
 * record consumer is done with a version when its cursor is past it or the record does not pass
 * its filters (migration 0007), and it has no delivery of the record, or one acked at that
 * version or later (`acked_idx`: the delivery stays when a newer version arrived meanwhile). An
 * event consumer is done with the event of that version when its cursor is past it or the event
 * does not pass its filters, and no delivery of it is in its window. A dead letter is never done.
 */
const PENDING_SQL = `
SELECT c.id FROM consumers c
WHERE c.account_id = $1 AND c.id = ANY($2::uuid[]) AND EXISTS (
  SELECT 1 FROM unnest($3::uuid[], $4::bigint[]) AS w(record_id, idx)
  WHERE (c.kind = 'record' AND (
      EXISTS (
        SELECT 1 FROM deliveries d
        WHERE d.account_id = $1 AND d.consumer_id = c.id AND d.record_id = w.record_id
          AND coalesce(d.acked_idx, 0) < w.idx)
      OR (w.idx > sequin_window_cursor_v1($1, c.id) AND EXISTS (
        SELECT 1 FROM records r
        WHERE r.account_id = $1 AND r.id = w.record_id
          AND sequin_filter_match_v1(c, r.collection_id, r.resource_id, r.provider, r.sync_id)))))
    OR (c.kind = 'event' AND EXISTS (
      SELECT 1 FROM events e
      WHERE e.account_id = $1 AND e.record_id = w.record_id AND e.updated_idx = w.idx
        AND (EXISTS (SELECT 1 FROM deliveries d
                     WHERE d.account_id = $1 AND d.consumer_id = c.id AND d.event_seq = e.seq)
             OR (e.seq > sequin_window_cursor_v1($1, c.id)
                 AND sequin_filter_match_v1(c, e.collection_id, e.resource_id, e.provider, e.sync_id)))))
    OR EXISTS (
      SELECT 1 FROM dead_letters d
      WHERE d.account_id = $1 AND d.consumer_id = c.id
        AND (d.record_id = w.record_id OR d.event_seq IN (
          SELECT e.seq FROM events e WHERE e.account_id = $1 AND e.record_id = w.record_id AND e.updated_idx = w.idx)))
)`;

/**
 * Waits until each consumer has acked the written versions, woken by the ack wake-ups of those
 * consumers (in this process, or relayed by NOTIFY from other servers) — never by a sleep loop.
 * Resolves with the ids of the consumers still pending when `timeoutMs` ran out (empty: all done).
 */
export async function awaitConsumers(
  db: Db,
  hub: WakeHub,
  accountId: string,
  consumerIds: string[],
  written: WrittenVersion[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string[]> {
  if (consumerIds.length === 0 || written.length === 0) return [];
  const deadline = Date.now() + timeoutMs;
  const params = [
    accountId,
    consumerIds,
    written.map((w) => w.recordId),
    written.map((w) => w.updatedIdx),
  ];
  let pending = consumerIds;
  const aborted = new Promise<void>((resolve) =>
    signal?.addEventListener("abort", () => resolve(), { once: true }),
  );
  for (;;) {
    // Subscribe before checking, so an ack between the check and the wait is not missed.
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const unsubscribe = hub.subscribe(
      pending.map((id) => `a:${id}`),
      () => wake(),
    );
    try {
      const { rows } = await db.query<{ id: string }>(PENDING_SQL, params);
      const still = new Set(rows.map((r) => r.id));
      pending = consumerIds.filter((id) => still.has(id));
      const left = deadline - Date.now();
      if (pending.length === 0 || left <= 0 || signal?.aborted || hub.closed) return pending;
      let timer: NodeJS.Timeout | undefined;
      await hub.park(
        Promise.race([
          woken,
          aborted,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, left);
          }),
        ]),
      );
      clearTimeout(timer);
    } finally {
      unsubscribe();
    }
  }
}
