import type { components } from "../../generated/openapi.gen.js";
import { addEventRow, addRecordRow } from "../consumers/fan-out.js";
import { eventOrderKey } from "../consumers/ordering.js";
import { type Page, paginate } from "../http/pagination.js";
import type { MockContext } from "../state/context.js";
import type { ConsumerState, DeadLetterCause, DeadLetterRow, MessageRow } from "../state/store.js";

type DeadLetter = components["schemas"]["DeadLetter"];

/**
 * Moves a message out of delivery, where an operator can see it: it reached `max_deliver`, or a
 * worker gave up on it (`term`).
 */
export function deadLetter(
  ctx: MockContext,
  state: ConsumerState,
  row: MessageRow,
  cause: DeadLetterCause,
  lastError: string | null,
): void {
  state.rows.delete(row.key);
  if (row.ackToken !== null) state.tokens.delete(row.ackToken);
  const id = ctx.store.nextDeadLetterId();
  const dead: DeadLetterRow = {
    id,
    key: row.key,
    seq: row.seq,
    deliverCount: row.deliverCount,
    deadAt: ctx.clock.iso(),
    cause,
    lastError,
  };
  if (row.recordId !== undefined) dead.recordId = row.recordId;
  if (row.event !== undefined) dead.event = row.event;
  state.deadLetters.set(id, dead);
}

/** A dead letter as the API shows it; a record in its latest version. */
export function toWireDeadLetter(ctx: MockContext, dead: DeadLetterRow): DeadLetter {
  const wire: DeadLetter = {
    id: dead.id,
    deliver_count: dead.deliverCount,
    dead_at: dead.deadAt,
    cause: dead.cause,
    last_error: dead.lastError,
  };
  const record = dead.recordId === undefined ? undefined : ctx.store.recordsById.get(dead.recordId);
  if (record) wire.record = record;
  if (dead.event) wire.event = dead.event;
  return wire;
}

export function listDeadLetters(
  ctx: MockContext,
  state: ConsumerState,
  query: { cursor?: string | undefined; limit: number },
): Page<DeadLetter> {
  const page = paginate([...state.deadLetters.values()], (d) => Number(d.id), query);
  return { data: page.data.map((d) => toWireDeadLetter(ctx, d)), next_cursor: page.next_cursor };
}

/** Makes dead letters pending again with a fresh delivery count (all of them without `ids`). */
export function redriveDeadLetters(
  ctx: MockContext,
  state: ConsumerState,
  ids: readonly string[] | undefined,
): { count: number } {
  const chosen = (ids === undefined ? [...state.deadLetters.values()] : pick(state, ids)).sort(
    (a, b) => a.seq - b.seq,
  );
  for (const dead of chosen) {
    state.deadLetters.delete(dead.id);
    // A record updated since it died already has a pending row again: that row delivers its latest version.
    const record =
      dead.recordId === undefined ? undefined : ctx.store.recordsById.get(dead.recordId);
    if (record) addRecordRow(state, record, dead.seq);
    // per_key: to the back of its key's line (in its old place it would be the key's head while a
    // later message of the key may be leased).
    if (dead.event) {
      const keyed = eventOrderKey(state.consumer, dead.event) !== undefined;
      addEventRow(state, dead.event, keyed ? ctx.store.nextEventSeq() : dead.seq);
    }
  }
  if (chosen.length > 0) ctx.waker.notify(state.consumer.id);
  return { count: chosen.length };
}

function pick(state: ConsumerState, ids: readonly string[]): DeadLetterRow[] {
  const found = new Map<string, DeadLetterRow>();
  for (const id of ids) {
    const dead = state.deadLetters.get(id);
    if (dead) found.set(id, dead);
  }
  return [...found.values()];
}
