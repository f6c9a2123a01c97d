import { createHash } from "node:crypto";
import type { Message } from "../api-types.js";
import type { ConsumeCore } from "../config.js";
import { CONSUMER_LEASE_LOCK } from "../db/advisory-locks.js";
import type { Db } from "../db/db.js";
import { retryOnDeadlock } from "../db/errors.js";
import { KEYED_PLANS, refuseDeadToken } from "../db/routine-sql.js";
import { iso, prefixed, UUID_RE, unprefix } from "../db/rows.js";
import { type EventRow, eventColumns, toEvent } from "../events/event-row.js";
import { notFound, unauthorized } from "../http/errors.js";
import { type RecordRow, recordColumns, toRecord } from "../records/record-row.js";
import { encodeAckToken } from "./ack-token.js";
import {
  type ConsumerState,
  type ConsumerStateRow,
  consumerStateSql,
  liveCountSql,
  runningLeasesSql,
  toConsumerState,
} from "./info.js";
import { OtherCore, windowLease } from "./window.js";

/** A message that would be delivered for the max_deliver-th time without an ack becomes a dead letter. */
export const DEAD_CONDITION = `(cfg.max_deliver > 0 AND m.deliver_count >= cfg.max_deliver
  AND (m.record_id IS NULL OR coalesce(m.record_idx <= m.delivered_idx, false)))`;

/**
 * The lease: one statement (ADR 0002). Picks the oldest deliverable rows of the consumer in
 * primary-key (seq) order, skipping rows other transactions hold, never more than max_ack_pending
 * leased at once; moves rows that reached max_deliver to dead_letters; leases the rest with a
 * fresh lease_id and returns them with the record's current version (or the event), each row as
 * one jsonb value. A record's deliver_count counts deliveries of its current version.
 *
 * The data-modifying parts reach their rows only through the full key of the materialised `cand`
 * rows (no constant condition of their own): whatever the statistics say, the planner can only
 * look them up by primary key instead of walking every row of the consumer.
 *
 * `account`, `consumer` and `batch` are the SQL expressions of the three inputs.
 */
export function leaseSql(
  account: string,
  consumer: string,
  batch: string,
  /** SQL expression of the consumer's scan_from_seq (migration 0005): no live row is below it. */
  scanFrom: string,
  /**
   * Whether to move rows that reached max_deliver to dead letters. Without, such rows are left
   * where they are, unleased (for a consumer whose max_deliver was off when its lease began).
   */
  deadLetters = true,
): string {
  return `
WITH cfg AS (
  SELECT ack_wait_ms, max_deliver, max_ack_pending FROM consumers WHERE account_id = ${account} AND id = ${consumer}
), active AS (
  SELECT ${runningLeasesSql(account, consumer)} AS n
), locked AS MATERIALIZED (
  SELECT m.account_id, m.consumer_id, m.seq, m.record_id FROM consumer_messages m
  WHERE m.account_id = ${account} AND m.consumer_id = ${consumer} AND m.seq >= ${scanFrom}
    AND (m.leased_until IS NULL OR m.leased_until <= statement_timestamp())
    -- ordering per_key: only the oldest live message of its key (ADR 0004).
    AND (m.order_key IS NULL OR NOT EXISTS (
      SELECT 1 FROM consumer_messages o
      WHERE o.account_id = m.account_id AND o.consumer_id = m.consumer_id
        AND o.order_key = m.order_key AND o.seq < m.seq))
  ORDER BY m.seq
  LIMIT ${batch}
  FOR UPDATE OF m SKIP LOCKED
), cand AS MATERIALIZED (
  -- A separate step: with the capacity expression as the LIMIT above, the planner could not
  -- know the row count and would plan the updates below for 10% of the table.
  SELECT * FROM locked ORDER BY seq
  LIMIT coalesce((SELECT GREATEST(cfg.max_ack_pending - active.n, 0) FROM cfg, active), 0)
${
  deadLetters
    ? `), dead AS (
  DELETE FROM consumer_messages m USING cand, cfg
  WHERE m.account_id = cand.account_id AND m.consumer_id = cand.consumer_id AND m.seq = cand.seq
    AND ${DEAD_CONDITION}
  RETURNING m.account_id, m.consumer_id, m.seq, m.record_id, m.event_seq, m.deliver_count
), dl AS (
  INSERT INTO dead_letters (account_id, consumer_id, seq, record_id, event_seq, deliver_count, dead_at)
  SELECT account_id, consumer_id, seq, record_id, event_seq, deliver_count, statement_timestamp() FROM dead
  RETURNING seq`
    : ""
}), leased AS (
  UPDATE consumer_messages m SET
    leased_until = statement_timestamp() + cfg.ack_wait_ms * interval '1 millisecond',
    lease_id = gen_random_uuid(),
    deliver_count = CASE WHEN m.record_id IS NOT NULL AND m.delivered_idx IS DISTINCT FROM r.updated_idx
                         THEN 1 ELSE m.deliver_count + 1 END,
    delivered_idx = r.updated_idx
  FROM cand CROSS JOIN cfg
    LEFT JOIN records r ON r.account_id = cand.account_id AND r.id = cand.record_id
  WHERE m.account_id = cand.account_id AND m.consumer_id = cand.consumer_id AND m.seq = cand.seq
    AND NOT ${DEAD_CONDITION}
  RETURNING m.account_id AS m_account_id, m.seq AS m_seq, m.lease_id, m.leased_until, m.deliver_count,
            m.event_seq, ${prefixed(recordColumns(), "r.", "r_")}
)
SELECT to_jsonb(z) FROM (
  SELECT d.dead_count, (SELECT n FROM active) AS active_before, l.*, ${prefixed(eventColumns(), "e.", "e_")}
  FROM (SELECT ${deadLetters ? "count(*)::int AS dead_count FROM dl" : "0 AS dead_count"}) d
  LEFT JOIN (leased l LEFT JOIN events e ON e.account_id = l.m_account_id AND e.seq = l.event_seq) ON true
  ORDER BY l.m_seq
) z`;
}

/**
 * The lease as one round trip: a function that takes the consumer's lease lock, then runs the
 * lease statement with a snapshot taken after the lock is held (a volatile PL/pgSQL function takes
 * a new snapshot per statement), and commits without waiting for fsync (a lease lost in a crash
 * only makes a message visible early). Serialising the leases of one consumer on the lock makes
 * max_ack_pending exact and spares the leases from fighting over the same rows; the lock is held
 * only while the statement runs, never across a round trip to the server.
 *
 * Its name carries a hash of its text, so servers of different versions sharing a database each
 * call their own; `migrate` installs it (see routines.ts).
 *
 * A custom plan on every call, for the actual batch size and the table as it is now. A generic
 * plan cached per connection saved the ~3 ms of planning, but it is made once, from whatever the
 * statistics said when the connection first leased (often: an empty table, never analysed). In
 * the fault suite's 100k run, a lease call with its cached plan held the consumer's lock for over
 * 10 s, while the same call planned afresh on another connection took 15-35 ms; with custom plans
 * the run went from over 300 s to 74 s. Hash joins, merge joins and sequential scans stay off:
 * every step reaches its rows through a key, and a stale row estimate must not make a scan of
 * whole tables look cheaper. test/plans-with-stale-statistics.test.ts holds both to this.
 */
/** LEASE_BODY's loop over the lease statement: returns each row, counting what it leased. */
const leaseLoop = (deadLetters: boolean) =>
  `FOR v_row IN ${leaseSql("p_account", "v_consumer", "p_batch", "coalesce(v_from, 0)", deadLetters)} LOOP
      v_active := coalesce((v_row->>'active_before')::int, 0);
      IF v_row->>'m_seq' IS NOT NULL THEN v_leased := v_leased + 1; END IF;
      RETURN NEXT v_row;
    END LOOP;`;

const LEASE_BODY = `
CREATE OR REPLACE FUNCTION %NAME%(p_account uuid, p_consumer_id uuid, p_consumer_name text,
                                  p_token bytea, p_batch int, p_check boolean)
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
${KEYED_PLANS}
AS $lease$
DECLARE
  v_consumer uuid;
  v_stream uuid;
  v_from bigint;
  v_any boolean;
  v_max_deliver int;
  v_core text;
  v_row jsonb;
  v_active int := 0;
  v_leased int := 0;
BEGIN
${refuseDeadToken("p_token", "p_account")}
  -- The consumer by id or by name, as resolveConsumer does.
  SELECT id, stream_id, max_deliver, core INTO v_consumer, v_stream, v_max_deliver, v_core FROM consumers
  WHERE account_id = p_account AND (id = p_consumer_id OR name = p_consumer_name)
  ORDER BY (id = p_consumer_id) DESC NULLS LAST LIMIT 1;
  IF v_consumer IS NULL THEN
    RETURN NEXT '{"not_found": true}'::jsonb;
    RETURN;
  END IF;
  -- Served by the log + window core (migration 0007): the caller asks that one.
  IF v_core = 'window' THEN
    RETURN NEXT '{"other_core": true}'::jsonb;
    RETURN;
  END IF;
  PERFORM set_config('synchronous_commit', 'off', true);
  PERFORM pg_advisory_xact_lock(${CONSUMER_LEASE_LOCK}, hashtext(v_consumer::text));
  -- No live row is below scan_from (see background/advance-scan-from.ts). With p_check, when
  -- no row at or above it is pending or has a lease that ran out, the lease statement would find
  -- nothing and is not run: planned afresh on every call, it is the dearest part of an empty
  -- lease (~1.0 against ~0.4 ms). The check walks the same index as the lease, in the same order.
  -- The caller asks for it when it expects nothing (see receive.ts): to a lease that finds
  -- messages, the check would only add its own cost.
  IF p_check THEN
    SELECT c.scan_from_seq, EXISTS (
        SELECT 1 FROM consumer_messages m
        WHERE m.account_id = p_account AND m.consumer_id = v_consumer
          AND m.seq >= coalesce(c.scan_from_seq, 0)
          AND (m.leased_until IS NULL OR m.leased_until <= statement_timestamp())
        ORDER BY m.seq LIMIT 1)
      INTO v_from, v_any
      FROM consumers c WHERE c.account_id = p_account AND c.id = v_consumer;
  ELSE
    SELECT scan_from_seq, true INTO v_from, v_any
    FROM consumers WHERE account_id = p_account AND id = v_consumer;
  END IF;
  -- Without max_deliver (as when the consumer was looked up above), the statement has no
  -- dead-letter steps: less to plan. Should max_deliver be set meanwhile, a row that reached it is
  -- left unleased for the next lease, which moves it.
  IF v_any AND v_max_deliver > 0 THEN
    ${leaseLoop(true)}
  ELSIF v_any THEN
    ${leaseLoop(false)}
  END IF;
  -- The counts after the lease, as a last row. Messages leased: the leases out are those counted
  -- before plus these. None: counted afresh (a new snapshot), with the next expiry, which a
  -- long-poll waits for.
  IF v_leased > 0 THEN
    RETURN QUERY SELECT jsonb_build_object('state', jsonb_build_object(
        'live', ${liveCountSql("c")}, 'leased', v_active + v_leased, 'next_expiry', null,
        'max_ack_pending', c.max_ack_pending), 'consumer_id', v_consumer, 'stream_id', v_stream)
      FROM consumers c WHERE c.account_id = p_account AND c.id = v_consumer;
  ELSE
    RETURN QUERY SELECT jsonb_build_object('state', to_jsonb(s), 'consumer_id', v_consumer,
                                           'stream_id', v_stream)
      FROM (${consumerStateSql("p_account", "v_consumer")}) s;
  END IF;
END
$lease$`;

export const LEASE_FUNCTION = `sequin_lease_${createHash("sha256").update(LEASE_BODY).digest("hex").slice(0, 12)}`;

/** The statement that installs the lease function (idempotent). */
export const LEASE_FUNCTION_SQL = LEASE_BODY.replace("%NAME%", LEASE_FUNCTION);

/**
 * The call of the lease function, one jsonb `row` per result: $1 account, $2 consumer id (null
 * when the reference is a name), $3 consumer name, $4 token hash (null: already checked),
 * $5 batch size, $6 whether to check first that anything is deliverable (see LEASE_BODY).
 */
export const LEASE_CALL = `SELECT row FROM ${LEASE_FUNCTION}($1, $2, $3, $4, $5, $6) AS row`;

type Prefixed<T, P extends string> = { [K in keyof T as `${P}${K & string}`]: T[K] | null };

/** One row of the lease function, as jsonb: timestamps arrive as text (the row types allow it). */
type LeaseRow = {
  dead_count: number;
  m_seq: number | null;
  lease_id: string;
  leased_until: string;
  deliver_count: number;
  event_seq: number | null;
} & Prefixed<RecordRow, "r_"> &
  Prefixed<EventRow, "e_">;

/** What one lease attempt produced. */
export interface LeaseResult {
  /** The consumer the reference named. */
  consumer: { id: string; streamId: string };
  messages: Message[];
  /** Rows moved to dead letters instead of being leased (they took places in the batch). */
  deadLettered: number;
  /** The consumer's counts right after the lease. */
  state: ConsumerState;
}

/** Whose lease: the account, the consumer's id or name, and the bearer token to check. */
export interface LeaseTarget {
  accountId: string;
  /** The consumer's id or name (an id wins over a name, as in resolveConsumer). */
  consumer: string;
  /**
   * sha256 of the request's bearer token: the lease checks that it is still live in the same
   * statement (401 if not). Undefined when the caller has checked it already.
   */
  tokenHash?: Buffer;
}

type StateRow = { state: ConsumerStateRow; consumer_id: string; stream_id: string };
type Outcome = { unauthorized: true } | { not_found: true } | { other_core: true };

/**
 * Leases up to `batchSize` messages, in one round trip (see LEASE_FUNCTION_SQL): 401 when the
 * token is no longer live, 404 when the account has no such consumer. `expectNone`: the caller
 * expects nothing to be deliverable, so the lease checks that cheaply first (the answer is the
 * same either way; only its cost differs).
 */
export async function lease(
  db: Db,
  target: LeaseTarget,
  batchSize: number,
  expectNone = false,
  /** The core to ask first; the consumer may be served by the other. */
  core: ConsumeCore = "window",
): Promise<LeaseResult> {
  const run = (c: ConsumeCore) =>
    c === "window"
      ? windowLease(db, target, batchSize)
      : fanoutLease(db, target, batchSize, expectNone);
  try {
    return await run(core);
  } catch (err) {
    if (!(err instanceof OtherCore)) throw err;
    return run(core === "window" ? "fanout" : "window");
  }
}

/** {@link lease} for a 'fanout' consumer; {@link OtherCore} for a 'window' one. */
async function fanoutLease(
  db: Db,
  target: LeaseTarget,
  batchSize: number,
  expectNone: boolean,
): Promise<LeaseResult> {
  const ref = target.consumer;
  const { rows: wrapped } = await retryOnDeadlock(() =>
    db.query<{ row: LeaseRow | StateRow | Outcome }>(LEASE_CALL, [
      target.accountId,
      UUID_RE.test(ref) ? ref : null,
      ref,
      target.tokenHash ?? null,
      batchSize,
      expectNone,
    ]),
  );
  let state: StateRow | undefined;
  const rows: LeaseRow[] = [];
  for (const { row } of wrapped) {
    if ("unauthorized" in row) throw unauthorized();
    if ("not_found" in row) throw notFound(`Consumer not found: ${ref}`);
    if ("other_core" in row) throw new OtherCore();
    if ("state" in row) state = row;
    else rows.push(row);
  }
  const messages: Message[] = [];
  for (const row of rows) {
    if (row.m_seq === null) continue;
    const base = {
      ack_token: encodeAckToken(row.m_seq, row.lease_id),
      deliver_count: row.deliver_count,
      lease_expires_at: iso(row.leased_until),
    };
    if (row.r_id !== null) {
      messages.push({ ...base, record: toRecord(unprefix<RecordRow>(row, "r_")) });
    } else if (row.e_seq !== null) {
      messages.push({ ...base, event: toEvent(unprefix<EventRow>(row, "e_")) });
    }
  }
  // The consumer was deleted between its lookup and the lease: nothing was leased.
  if (!state) throw notFound(`Consumer not found: ${ref}`);
  return {
    consumer: { id: state.consumer_id, streamId: state.stream_id },
    messages,
    deadLettered: rows[0]?.dead_count ?? 0,
    state: toConsumerState(state.state),
  };
}
