import type { AckResponse } from "../api-types.js";
import type { ConsumeCore } from "../config.js";
import type { Db } from "../db/db.js";
import { retryOnDeadlock } from "../db/errors.js";
import { UUID_RE } from "../db/rows.js";
import { notFound, unauthorized } from "../http/errors.js";
import type { Delivery } from "./ack-token.js";
import { DEAD_CONDITION, type LeaseTarget } from "./lease.js";
import { OtherCore, type SettleArgs, type SettleRow, windowSettle } from "./window.js";

// Ack, nack and extend: one statement each. Each first locks the named deliveries in seq order
// (writers lock in that order too, so they can wait on each other but never deadlock) and reads
// their latest version; the data-modifying parts then act on exactly those rows. Rows are only
// reached through the full key of a materialised CTE, so the plan is a primary-key lookup per
// token whatever the statistics say.

// The consumer is named by id ($2, null when the reference is no uuid) or by name ($5), as in
// resolveConsumer, so a settle call needs no separate round trip to find it. The bearer token's
// hash ($6, null: checked already) must still be live, or nothing is touched (the 401 is read
// from the authorized column).
const LIVE_TOKEN = `($6::bytea IS NULL OR EXISTS (
  SELECT 1 FROM api_tokens WHERE token_hash = $6::bytea AND account_id = $1 AND revoked_at IS NULL))`;
const TOKENS = `auth AS MATERIALIZED (
  SELECT ${LIVE_TOKEN} AS authorized
), c AS MATERIALIZED (
  SELECT id, core FROM consumers WHERE account_id = $1 AND (id = $2::uuid OR name = $5::text)
    AND (SELECT authorized FROM auth)
  ORDER BY (id = $2::uuid) DESC NULLS LAST LIMIT 1
), t AS MATERIALIZED (
  SELECT $1::uuid AS account_id, c.id AS consumer_id, t.seq, t.lease_id
  FROM c, unnest($3::bigint[], $4::uuid[]) AS t(seq, lease_id)
)`;

/** One row even when nothing matched: the consumer's id (null: no such consumer) and the rows. */
const withConsumer = (rows: string) =>
  `SELECT (SELECT authorized FROM auth) AS authorized, (SELECT id FROM c) AS consumer_id,
  (SELECT core FROM c) AS core, x.seq, x.lease_id, x.wakes
FROM (SELECT 1) AS one LEFT JOIN (${rows}) x ON true`;
const BY_KEY = (a: string, b: string) =>
  `${a}.account_id = ${b}.account_id AND ${a}.consumer_id = ${b}.consumer_id AND ${a}.seq = ${b}.seq`;

/**
 * Finishes deliveries. A record row whose record changed since the delivered version is not
 * deleted: its lease is cleared so the newer version is delivered again.
 */
const ACK_SQL = `
WITH ${TOKENS}, locked AS MATERIALIZED (
  SELECT m.account_id, m.consumer_id, m.seq, t.lease_id,
         (m.record_id IS NULL OR coalesce(m.delivered_idx >= m.record_idx, true)) AS done
  FROM t JOIN consumer_messages m ON ${BY_KEY("m", "t")} AND m.lease_id = t.lease_id
  ORDER BY m.seq
  FOR UPDATE OF m
), del AS (
  DELETE FROM consumer_messages m USING locked l
  WHERE ${BY_KEY("m", "l")} AND l.done
  RETURNING m.seq, l.lease_id, m.order_key
), again AS (
  -- acked_idx: an awaited mutation is done with the version acked here (migration 0002).
  UPDATE consumer_messages m SET leased_until = NULL, lease_id = NULL, acked_idx = m.delivered_idx
  FROM locked l
  WHERE ${BY_KEY("m", "l")} AND NOT l.done
  RETURNING m.seq, l.lease_id
)
-- Deleting the head of a key lets the key's next message be leased.
${withConsumer(`SELECT seq, lease_id, order_key IS NOT NULL AS wakes FROM del
UNION ALL SELECT seq, lease_id, true FROM again`)}`;

/** Ends deliveries and makes them available at once, or dead letters once max_deliver is reached. */
const NACK_SQL = `
WITH ${TOKENS}, cfg AS (
  SELECT max_deliver FROM consumers WHERE account_id = $1 AND id = (SELECT id FROM c)
), locked AS MATERIALIZED (
  SELECT m.account_id, m.consumer_id, m.seq, t.lease_id, ${DEAD_CONDITION} AS dead
  FROM t JOIN consumer_messages m ON ${BY_KEY("m", "t")} AND m.lease_id = t.lease_id CROSS JOIN cfg
  ORDER BY m.seq
  FOR UPDATE OF m
), dead AS (
  DELETE FROM consumer_messages m USING locked l
  WHERE ${BY_KEY("m", "l")} AND l.dead
  RETURNING m.account_id, m.consumer_id, m.seq, m.record_id, m.event_seq, m.deliver_count, l.lease_id,
            m.order_key
), dl AS (
  INSERT INTO dead_letters (account_id, consumer_id, seq, record_id, event_seq, deliver_count, dead_at)
  SELECT account_id, consumer_id, seq, record_id, event_seq, deliver_count, statement_timestamp() FROM dead
), again AS (
  UPDATE consumer_messages m SET leased_until = NULL, lease_id = NULL
  FROM locked l
  WHERE ${BY_KEY("m", "l")} AND NOT l.dead
  RETURNING m.seq, l.lease_id
)
-- A dead letter unblocks its key.
${withConsumer(`SELECT seq, lease_id, order_key IS NOT NULL AS wakes FROM dead
UNION ALL SELECT seq, lease_id, true FROM again`)}`;

/** Extends leases still running; an expired one may already belong to someone else's future. */
const EXTEND_SQL = `
WITH ${TOKENS}, locked AS MATERIALIZED (
  SELECT m.account_id, m.consumer_id, m.seq, t.lease_id
  FROM t JOIN consumer_messages m ON ${BY_KEY("m", "t")} AND m.lease_id = t.lease_id
  -- coalesce() keeps the planner from reading this as a reason to use the partial index of
  -- leased rows (a scan of every lease of the consumer per token).
  WHERE coalesce(m.leased_until > statement_timestamp(), false)
  ORDER BY m.seq
  FOR UPDATE OF m
), extended AS (
  -- Default extension: the consumer's ack_wait_ms.
  UPDATE consumer_messages m SET leased_until = statement_timestamp()
    + coalesce($7::float8, cfg.ack_wait_ms) * interval '1 millisecond'
  FROM locked l, (SELECT ack_wait_ms FROM consumers WHERE account_id = $1 AND id = (SELECT id FROM c)) cfg
  WHERE ${BY_KEY("m", "l")}
  RETURNING m.seq, l.lease_id, false AS wakes
)
${withConsumer("SELECT seq, lease_id, wakes FROM extended")}`;

/** What a settle call did. */
export interface SettleResult extends AckResponse {
  /** The consumer's id. */
  consumerId: string;
  /**
   * Some messages may be deliverable now: pending again (nack, or a record acked in an older
   * version), or next in line after the head of their key was acked or dead-lettered.
   */
  madeAvailable: boolean;
}

type Verb = "ack" | "nack" | "extend";
const FANOUT_SQL: Record<Verb, string> = { ack: ACK_SQL, nack: NACK_SQL, extend: EXTEND_SQL };

/** Settles deliveries of a 'fanout' consumer; {@link OtherCore} for a 'window' one. */
async function fanoutSettle(
  db: Db,
  verb: Verb,
  target: LeaseTarget,
  tokens: Map<string, Delivery>,
  extendMs: number | null,
): Promise<SettleRow[]> {
  const { accountId, consumer } = target;
  const deliveries = [...tokens.values()];
  const { rows } = await retryOnDeadlock(() =>
    db.query<SettleRow & { core: ConsumeCore | null }>(FANOUT_SQL[verb], [
      accountId,
      UUID_RE.test(consumer) ? consumer : null,
      deliveries.map((d) => d.seq),
      deliveries.map((d) => d.leaseId),
      consumer,
      target.tokenHash ?? null,
      ...(verb === "extend" ? [extendMs] : []),
    ]),
  );
  if (rows[0]?.core === "window") throw new OtherCore();
  return rows;
}

/**
 * Settles deliveries of the target's consumer, asking the core `core` first (the consumer may
 * be served by the other); 401 for a token no longer live, 404 for no such consumer.
 */
async function settle<V extends keyof SettleArgs>(
  db: Db,
  verb: V,
  target: LeaseTarget,
  tokens: Map<string, Delivery>,
  core: ConsumeCore,
  ...args: SettleArgs[V]
): Promise<SettleResult> {
  const run = (c: ConsumeCore) =>
    c === "window" || verb === "term"
      ? windowSettle(db, verb, target, tokens, ...args)
      : fanoutSettle(
          db,
          verb as Verb,
          target,
          tokens,
          verb === "extend" ? (args[0] as number | null) : null,
        );
  let rows: SettleRow[];
  try {
    rows = await run(core);
  } catch (err) {
    if (!(err instanceof OtherCore)) throw err;
    rows = await run(core === "window" ? "fanout" : "window");
  }
  if (rows[0]?.authorized === false) throw unauthorized();
  const consumerId = rows[0]?.consumer_id;
  if (!consumerId) throw notFound(`Consumer not found: ${target.consumer}`);
  const key = (seq: string | number, leaseId: string) => `${seq}/${leaseId.toLowerCase()}`;
  const matched = new Set<string>();
  for (const r of rows)
    if (r.seq !== null && r.lease_id !== null) matched.add(key(r.seq, r.lease_id));
  const unknown = [...tokens]
    .filter(([, d]) => !matched.has(key(d.seq, d.leaseId)))
    .map(([token]) => token);
  return {
    consumerId,
    success: true,
    count: matched.size,
    unknown_ack_tokens: unknown,
    madeAvailable: rows.some((r) => r.wakes === true),
  };
}

export const ack = (
  db: Db,
  target: LeaseTarget,
  tokens: Map<string, Delivery>,
  core: ConsumeCore = "window",
) => settle(db, "ack", target, tokens, core);

/** How a nack retries: after `delayMs` (default the consumer's backoff), noting `reason`. */
export interface NackOptions {
  delayMs?: number;
  reason?: string;
}

export const nack = (
  db: Db,
  target: LeaseTarget,
  tokens: Map<string, Delivery>,
  options: NackOptions = {},
  core: ConsumeCore = "window",
) => settle(db, "nack", target, tokens, core, options.delayMs ?? null, options.reason ?? null);

/** Makes the deliveries dead letters at once, with `reason` as their last error. */
export const term = (
  db: Db,
  target: LeaseTarget,
  tokens: Map<string, Delivery>,
  reason?: string,
  core: ConsumeCore = "window",
) => settle(db, "term", target, tokens, core, reason ?? null);

export const extend = (
  db: Db,
  target: LeaseTarget,
  tokens: Map<string, Delivery>,
  /** Default: the consumer's ack_wait_ms. */
  ms: number | undefined,
  core: ConsumeCore = "window",
) => settle(db, "extend", target, tokens, core, ms ?? null);
