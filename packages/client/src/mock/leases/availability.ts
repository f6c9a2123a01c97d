import type { MockContext } from "../state/context.js";
import type { ConsumerState, MessageRow, WireConsumer, WireRecord } from "../state/store.js";

// When a message of a consumer may be leased (openapi.yaml: `BackoffMs`, `NackRequest`). A failed
// delivery waits before the next: a nack's `delay_ms`, else the consumer's `backoff_ms` for the
// delivery count it reached, counted from the nack or from the end of the lease that ran out.

export function isLeased(row: MessageRow, now: number): boolean {
  return row.leasedUntil !== null && row.leasedUntil > now;
}

/** The wait after the n-th delivery failed: `backoff_ms[min(n, len) - 1]`. */
export function backoffAfter(consumer: WireConsumer, deliverCount: number): number {
  const schedule = consumer.backoff_ms;
  if (deliverCount < 1 || schedule.length === 0) return 0;
  return schedule[Math.min(deliverCount, schedule.length) - 1] ?? 0;
}

/** The row's record in its latest version, for record consumers. */
export function recordOf(ctx: MockContext, row: MessageRow): WireRecord | undefined {
  return row.recordId === undefined ? undefined : ctx.store.recordsById.get(row.recordId);
}

/**
 * When a row that is not leased may be leased (a time at or before now: at once). A record
 * written again since its last delivery is a new version with a fresh count: at once.
 */
export function retryTime(
  consumer: WireConsumer,
  row: MessageRow,
  record: WireRecord | undefined,
): number {
  if (record !== undefined && row.deliveredIdx !== record.updated_idx) return 0;
  if (row.retryAt !== null) return row.retryAt;
  // A lease that ran out: its end plus the backoff.
  if (row.leasedUntil !== null) return row.leasedUntil + backoffAfter(consumer, row.deliverCount);
  return 0;
}

/**
 * `max_deliver` deliveries of the current version: the row becomes a dead letter when it is next
 * considered for a lease, without waiting out a backoff (it would never be delivered again). A
 * record that changed since deserves a delivery.
 */
export function isDead(
  consumer: WireConsumer,
  row: MessageRow,
  record: WireRecord | undefined,
): boolean {
  const max = consumer.max_deliver;
  if (max <= 0 || row.deliverCount < max) return false;
  return (
    record === undefined || (row.deliveredIdx !== null && record.updated_idx <= row.deliveredIdx)
  );
}

/** Whether the row is up for a lease now: not leased, and done waiting (or bound for dead letters). */
export function isAvailable(ctx: MockContext, state: ConsumerState, row: MessageRow, now: number) {
  if (isLeased(row, now)) return false;
  const record = recordOf(ctx, row);
  return retryTime(state.consumer, row, record) <= now || isDead(state.consumer, row, record);
}

/**
 * Fixes the wait of leases that already ran out under the current `backoff_ms`, before it
 * changes: a new schedule applies to nacks and expiries after the change.
 */
export function settleExpiredLeases(ctx: MockContext, state: ConsumerState): void {
  const now = ctx.clock.nowMs();
  for (const row of state.rows.values()) {
    if (row.leasedUntil === null || row.leasedUntil > now || row.retryAt !== null) continue;
    row.retryAt = row.leasedUntil + backoffAfter(state.consumer, row.deliverCount);
  }
}

/**
 * The next time something changes for a parked `next` without anyone calling: a lease ends, a
 * message is done waiting, a timed pause ends. Undefined when nothing is due.
 */
export function nextChange(ctx: MockContext, state: ConsumerState): number | undefined {
  const now = ctx.clock.nowMs();
  let earliest: number | undefined;
  const consider = (at: number) => {
    if (at > now && (earliest === undefined || at < earliest)) earliest = at;
  };
  for (const row of state.rows.values()) {
    if (row.leasedUntil !== null && row.leasedUntil > now) consider(row.leasedUntil);
    else consider(retryTime(state.consumer, row, recordOf(ctx, row)));
  }
  const until = state.consumer.paused_until;
  if (until !== null) consider(Date.parse(until));
  return earliest;
}
