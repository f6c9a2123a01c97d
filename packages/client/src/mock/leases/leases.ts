import { unmatchedAckTokens } from "../../api-rules.js";
import type { components } from "../../generated/openapi.gen.js";
import { addRecordRow } from "../consumers/fan-out.js";
import { pruneEvents } from "../records/events.js";
import type { MockContext } from "../state/context.js";
import type {
  ConsumerState,
  MessageRow,
  MockDelivery,
  WireEvent,
  WireRecord,
} from "../state/store.js";
import { newAckToken } from "./ack-tokens.js";
import { backoffAfter, isAvailable, isDead, isLeased, recordOf } from "./availability.js";
import { deadLetter } from "./dead-letters.js";

type Schemas = components["schemas"];
type Message = Schemas["Message"];
type AckResponse = Schemas["AckResponse"];

/** Counts at this instant: expired leases count as pending again. */
export function consumerInfo(ctx: MockContext, state: ConsumerState): Schemas["ConsumerInfo"] {
  const now = ctx.clock.nowMs();
  let leased = 0;
  for (const row of state.rows.values()) if (isLeased(row, now)) leased++;
  return { num_pending: state.rows.size - leased, num_ack_pending: leased };
}

export interface LeaseResult {
  messages: Message[];
  /** Rows moved to dead letters instead of being leased; they took places in the batch. */
  deadLettered: number;
}

/**
 * Leases up to `batchSize` visible messages, oldest first, never more than `max_ack_pending`
 * outstanding (the server's single lease statement). A message waiting out a delay or backoff is
 * not visible yet (per_key: it still holds its key). A candidate already delivered `max_deliver`
 * times in its current version becomes a dead letter instead, and still takes its place in the
 * batch. A record's delivery count counts deliveries of its current version.
 */
export function leaseMessages(
  ctx: MockContext,
  state: ConsumerState,
  batchSize: number,
): LeaseResult {
  const consumer = state.consumer;
  const stream = ctx.store.streams.get(consumer.stream_id);
  if (stream && consumer.kind === "event") pruneEvents(ctx, stream);
  const now = ctx.clock.nowMs();
  const room = Math.max(
    0,
    Math.min(batchSize, consumer.max_ack_pending - consumerInfo(ctx, state).num_ack_pending),
  );
  const candidates = [...state.rows.values()]
    .sort((a, b) => a.seq - b.seq)
    .filter(headOfItsKey())
    .filter((row) => isAvailable(ctx, state, row, now))
    .slice(0, room);
  const messages: Message[] = [];
  let deadLettered = 0;
  for (const row of candidates) {
    const record = recordOf(ctx, row);
    const payload = record ?? row.event;
    if (!payload) {
      state.rows.delete(row.key);
      continue;
    }
    if (isDead(consumer, row, record)) {
      deadLetter(ctx, state, row, "max_deliver", row.lastError);
      deadLettered++;
      continue;
    }
    if (row.ackToken !== null) state.tokens.delete(row.ackToken);
    row.deliverCount = record && row.deliveredIdx !== record.updated_idx ? 1 : row.deliverCount + 1;
    row.deliveredIdx = record ? record.updated_idx : null;
    row.leasedUntil = now + consumer.ack_wait_ms;
    row.ackToken = newAckToken(ctx.store.nextDelivery(), row.leasedUntil, consumer.id);
    row.retryAt = null;
    row.delivered = payload;
    state.tokens.set(row.ackToken, row.key);
    const lease = {
      ack_token: row.ackToken,
      deliver_count: row.deliverCount,
      lease_expires_at: new Date(row.leasedUntil).toISOString(),
    };
    messages.push(record ? { ...lease, record } : { ...lease, event: payload as WireEvent });
  }
  return { messages, deadLettered };
}

/**
 * ordering per_key: a row may be leased only while no older row of its key is live (pending or
 * leased). Filters rows visited in `seq` order.
 */
function headOfItsKey(): (row: MessageRow) => boolean {
  const seen = new Set<string>();
  return (row) => {
    if (row.orderKey === undefined) return true;
    if (seen.has(row.orderKey)) return false;
    seen.add(row.orderKey);
    return true;
  };
}

/**
 * Finishes the deliveries named by the tokens. A record that changed since the delivered version
 * stays, pending again, so its newer version is delivered next.
 */
export function ackMessages(
  ctx: MockContext,
  state: ConsumerState,
  tokens: readonly string[],
): AckResponse {
  return settle(ctx, state, tokens, (row, token) => {
    state.acked.push(logEntry(ctx, row, token));
    const current =
      row.recordId === undefined ? undefined : ctx.store.recordsById.get(row.recordId);
    if (current && row.deliveredIdx !== null && current.updated_idx > row.deliveredIdx)
      release(row);
    else state.rows.delete(row.key);
  });
}

/** What a nack may say besides its tokens. */
export interface NackOptions {
  /** Deliver again after this long (0: at once). Default the consumer's `backoff_ms`. */
  delay_ms?: number | undefined;
  /** Kept as the message's last error; without it the previous one stays. */
  reason?: string | undefined;
}

/**
 * Makes the messages available again after `delay_ms`, else after the consumer's backoff for the
 * delivery count reached, or dead letters once `max_deliver` is reached.
 */
export function nackMessages(
  ctx: MockContext,
  state: ConsumerState,
  tokens: readonly string[],
  options: NackOptions = {},
): AckResponse {
  const now = ctx.clock.nowMs();
  return settle(ctx, state, tokens, (row, token) => {
    state.nacked.push(logEntry(ctx, row, token));
    if (options.reason !== undefined) row.lastError = options.reason;
    if (isDead(state.consumer, row, recordOf(ctx, row))) {
      deadLetter(ctx, state, row, "max_deliver", row.lastError);
      return;
    }
    release(row);
    row.retryAt = now + (options.delay_ms ?? backoffAfter(state.consumer, row.deliverCount));
  });
}

/**
 * Gives up on the deliveries at once: each becomes a dead letter (`terminated`), whatever
 * `max_deliver` says. A record written again while leased is pending again in its newer version
 * with a fresh count; only the failed version is given up. A per_key event frees its key.
 */
export function terminateMessages(
  ctx: MockContext,
  state: ConsumerState,
  tokens: readonly string[],
  reason: string | undefined,
): AckResponse {
  return settle(ctx, state, tokens, (row) => {
    const record = recordOf(ctx, row);
    deadLetter(ctx, state, row, "terminated", reason ?? row.lastError);
    if (record && row.deliveredIdx !== null && record.updated_idx > row.deliveredIdx)
      addRecordRow(state, record);
  });
}

/**
 * Gives each running delivery a lease ending `extendMs` (default `ack_wait_ms`) from now. An
 * expired lease is not revived: the message may already be on its way to another worker.
 */
export function extendLeases(
  ctx: MockContext,
  state: ConsumerState,
  tokens: readonly string[],
  extendMs: number | undefined,
): AckResponse {
  const now = ctx.clock.nowMs();
  const until = now + (extendMs ?? state.consumer.ack_wait_ms);
  return forCurrent(state, tokens, now, true, (row) => {
    row.leasedUntil = until;
  });
}

function settle(
  ctx: MockContext,
  state: ConsumerState,
  tokens: readonly string[],
  finish: (row: MessageRow, token: string) => void,
): AckResponse {
  const answer = forCurrent(state, tokens, ctx.clock.nowMs(), false, (row, token) => {
    state.tokens.delete(token);
    finish(row, token);
  });
  // Wakes long-polls (room under max_ack_pending, a record to redeliver) and mutation awaits.
  if (answer.count > 0) ctx.waker.notify(state.consumer.id);
  return answer;
}

// A token counts only while it names the row's current delivery: after a re-lease it is unknown.
// With `onlyRunning`, only leases still running at `nowMs` count. A token that counts for none is
// settled already when its own lease still runs at `nowMs` (api-rules.ts), else unknown.
function forCurrent(
  state: ConsumerState,
  tokens: readonly string[],
  nowMs: number,
  onlyRunning: boolean,
  act: (row: MessageRow, token: string) => void,
): AckResponse {
  let count = 0;
  const unmatched: string[] = [];
  for (const token of new Set(tokens)) {
    const key = state.tokens.get(token);
    const row = key === undefined ? undefined : state.rows.get(key);
    if (!row || row.ackToken !== token || (onlyRunning && !isLeased(row, nowMs))) {
      unmatched.push(token);
      continue;
    }
    act(row, token);
    count++;
  }
  const { unknown, settled } = unmatchedAckTokens(unmatched, nowMs, state.consumer.id);
  return {
    success: true,
    count,
    unknown_ack_tokens: unknown,
    ...(settled.length > 0 ? { settled_ack_tokens: settled } : {}),
  };
}

function release(row: MessageRow): void {
  row.ackToken = null;
  row.leasedUntil = null;
  row.retryAt = null;
}

function logEntry(ctx: MockContext, row: MessageRow, token: string): MockDelivery {
  const entry: MockDelivery = {
    ack_token: token,
    deliver_count: row.deliverCount,
    at: ctx.clock.iso(),
  };
  if (row.recordId !== undefined) entry.record = row.delivered as WireRecord;
  else if (row.event) entry.event = row.event;
  return entry;
}
