import type { Message } from "../api-types.js";
import type { Db, Queryable } from "../db/db.js";
import { retryOnDeadlock } from "../db/errors.js";
import { iso, UUID_RE } from "../db/rows.js";
import type { EventRow } from "../events/event-row.js";
import { toEvent } from "../events/event-row.js";
import { notFound, unauthorized } from "../http/errors.js";
import { type RecordRow, toRecord } from "../records/record-row.js";
import type { Delivery } from "./ack-token.js";
import { encodeAckToken } from "./ack-token.js";
import { type ConsumerStateRow, EXACT_PENDING_UP_TO, toConsumerState } from "./counts.js";
import type { LeaseResult, LeaseTarget } from "./types.js";

// The callers of the consume core's routines (migrations 0007-0026; the design is
// docs/decisions/0008). The SQL lives in those migrations, one routine per file.

/**
 * Batches up to this size get what their messages carry in the lease's own answer (one round
 * trip); larger ones read it in a second call, so that the pull lock, held to the end of the
 * lease, is not held while it is read (bench/LOG.md, 2026-12-03). Records pulled from the log
 * always come in the second call (migration 0030: the pull's kept plans read no contents).
 */
const INLINE_UP_TO = 10;

type MessageRow = {
  m_seq: number;
  lease_id: string;
  leased_until: string;
  deliver_count: number;
  /** With `p_inline`: what it carries. */
  record?: RecordRow | null;
  event?: EventRow | null;
};
/** What a leased delivery carries (sequin_window_messages_v1). */
type ContentRow = { m_seq: number; record: RecordRow | null; event: EventRow | null };
type StateRow = {
  state: ConsumerStateRow;
  consumer_id: string;
  stream_id: string;
  move_floor: boolean;
};
type LeaseRow =
  | MessageRow
  | StateRow
  | { dead_count: number }
  | { unauthorized: true }
  | { not_found: true };

/** Floor moves under way in this process, by consumer: one at a time each. */
const moving = new Map<string, Promise<void>>();

/**
 * Moves the consumer's floor (sequin_window_move_floor_v2) in a transaction of its own, after
 * the lease that asked for it committed (it holds the window lock shared; the move takes it
 * exclusively, for a moment: at most 200 ms of waiting). A lease that asks while a move is under
 * way waits for that one. A failure (the wait ran out) leaves the floor where it was: the next
 * lease asks again.
 */
function moveFloor(db: Db, accountId: string, consumerId: string): Promise<void> {
  let move = moving.get(consumerId);
  if (!move) {
    move = db
      .query("SELECT sequin_window_move_floor_v2($1, $2)", [accountId, consumerId])
      .then(
        () => {},
        () => {},
      )
      .finally(() => moving.delete(consumerId));
    moving.set(consumerId, move);
  }
  return move;
}

/**
 * Leases up to `batchSize` messages in one round trip (sequin_window_lease_v3, migration 0030):
 * 401 when the token is no longer live, 404 when the account has no such consumer.
 */
export async function windowLease(
  db: Db,
  target: LeaseTarget,
  batchSize: number,
): Promise<LeaseResult> {
  const ref = target.consumer;
  const { rows } = await retryOnDeadlock(() =>
    db.query<{ row: LeaseRow }>(
      "SELECT row FROM sequin_window_lease_v3($1, $2, $3, $4, $5, $6, $7) AS row",
      [
        target.accountId,
        UUID_RE.test(ref) ? ref : null,
        ref,
        target.tokenHash ?? null,
        batchSize,
        EXACT_PENDING_UP_TO,
        batchSize <= INLINE_UP_TO,
      ],
    ),
  );
  const leased: MessageRow[] = [];
  let deadLettered = 0;
  let state: StateRow | undefined;
  for (const { row } of rows) {
    if ("unauthorized" in row) throw unauthorized();
    if ("not_found" in row) throw notFound(`Consumer not found: ${ref}`);
    if ("dead_count" in row) deadLettered += row.dead_count;
    else if ("state" in row) state = row;
    else leased.push(row);
  }
  if (!state) throw notFound(`Consumer not found: ${ref}`);
  // Done before the answer, so that what a call changes is done when it answers.
  if (state.move_floor) await moveFloor(db, target.accountId, state.consumer_id);
  const messages: Message[] = [];
  const inline = leased.every((m) => m.record || m.event);
  if (leased.length > 0 && !inline) {
    // A second round trip, after the lease committed: the lease holds the consumer's pull lock
    // to its end, so what the messages carry is read outside it.
    const { rows: contents } = await db.query<{ row: ContentRow }>(
      "SELECT row FROM sequin_window_messages_v1($1, $2, $3, $4) AS row",
      [
        target.accountId,
        state.consumer_id,
        leased.map((m) => m.m_seq),
        leased.map((m) => m.lease_id),
      ],
    );
    const bySeq = new Map(contents.map(({ row }) => [String(row.m_seq), row]));
    for (const m of leased) {
      const content = bySeq.get(String(m.m_seq));
      m.record = content?.record ?? null;
      m.event = content?.event ?? null;
    }
  }
  for (const m of leased) {
    const base = {
      ack_token: encodeAckToken(m.m_seq, m.lease_id, new Date(m.leased_until), state.consumer_id),
      deliver_count: m.deliver_count,
      lease_expires_at: iso(m.leased_until),
    };
    // A delivery whose lease changed between the two calls is left out (it is not this lease's).
    if (m.record) messages.push({ ...base, record: toRecord(m.record) });
    else if (m.event) messages.push({ ...base, event: toEvent(m.event) });
  }
  return {
    consumer: { id: state.consumer_id, streamId: state.stream_id },
    messages,
    deadLettered,
    state: toConsumerState(state.state),
  };
}

/** What a settle routine answered, a row per delivery it matched (settle.ts reads them). */
export type SettleRow = {
  authorized: boolean;
  consumer_id: string | null;
  seq: number | null;
  lease_id: string | null;
  wakes: boolean | null;
};

const SETTLE = {
  ack: "sequin_window_ack_v2($1, $2, $3, $4, $5, $6)",
  nack: "sequin_window_nack_v2($1, $2, $3, $4, $5, $6, $7, $8)",
  extend: "sequin_window_extend_v2($1, $2, $3, $4, $5, $6, $7)",
  term: "sequin_window_term_v1($1, $2, $3, $4, $5, $6, $7)",
} as const;

/** What a settle verb takes beyond the tokens (in the routine's order). */
export type SettleArgs = {
  ack: [];
  /** The delay in ms (null: the consumer's backoff) and the reason (null: keep the last). */
  nack: [delayMs: number | null, reason: string | null];
  /** The new lease length in ms (null: the consumer's ack_wait_ms). */
  extend: [ms: number | null];
  /** The reason (null: keep the last). */
  term: [reason: string | null];
};

/** Acks, nacks, extends or terminates deliveries (migrations 0021-0024). */
export async function windowSettle<V extends keyof typeof SETTLE>(
  db: Queryable,
  verb: V,
  target: LeaseTarget,
  tokens: Map<string, Delivery>,
  ...args: SettleArgs[V]
): Promise<SettleRow[]> {
  const deliveries = [...tokens.values()];
  const { rows } = await retryOnDeadlock(() =>
    db.query<{
      o_authorized: boolean;
      o_consumer_id: string | null;
      o_seq: number | null;
      o_lease_id: string | null;
      o_wakes: boolean | null;
    }>(`SELECT * FROM ${SETTLE[verb]}`, [
      target.accountId,
      UUID_RE.test(target.consumer) ? target.consumer : null,
      target.consumer,
      target.tokenHash ?? null,
      deliveries.map((d) => d.seq),
      deliveries.map((d) => d.leaseId),
      ...args,
    ]),
  );
  return rows.map((r) => ({
    authorized: r.o_authorized,
    consumer_id: r.o_consumer_id,
    seq: r.o_seq,
    lease_id: r.o_lease_id,
    wakes: r.o_wakes,
  }));
}
