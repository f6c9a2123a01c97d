import { unmatchedAckTokens } from "@sequin/client/schemas";
import type { AckResponse } from "../api-types.js";
import type { Db } from "../db/db.js";
import { notFound, unauthorized } from "../http/errors.js";
import type { Delivery } from "./ack-token.js";
import type { LeaseTarget } from "./types.js";
import { type SettleArgs, windowSettle } from "./window.js";

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

/**
 * Settles deliveries of the target's consumer (window.ts); 401 for a token no longer live, 404
 * for no such consumer. Tokens that name no current delivery come back as unknown, or as settled
 * already when the lease they were issued with still runs (api-rules.ts, unmatchedAckTokens).
 */
async function settle<V extends keyof SettleArgs>(
  db: Db,
  verb: V,
  target: LeaseTarget,
  tokens: Map<string, Delivery>,
  ...args: SettleArgs[V]
): Promise<SettleResult> {
  const rows = await windowSettle(db, verb, target, tokens, ...args);
  if (rows[0]?.authorized === false) throw unauthorized();
  const consumerId = rows[0]?.consumer_id;
  if (!consumerId) throw notFound(`Consumer not found: ${target.consumer}`);
  const key = (seq: string | number, leaseId: string) => `${seq}/${leaseId.toLowerCase()}`;
  const matched = new Set<string>();
  for (const r of rows)
    if (r.seq !== null && r.lease_id !== null) matched.add(key(r.seq, r.lease_id));
  const { unknown, settled } = unmatchedAckTokens(
    [...tokens].filter(([, d]) => !matched.has(key(d.seq, d.leaseId))).map(([token]) => token),
    Date.now(),
    consumerId,
  );
  return {
    consumerId,
    success: true,
    count: matched.size,
    unknown_ack_tokens: unknown,
    ...(settled.length > 0 ? { settled_ack_tokens: settled } : {}),
    madeAvailable: rows.some((r) => r.wakes === true),
  };
}

export const ack = (db: Db, target: LeaseTarget, tokens: Map<string, Delivery>) =>
  settle(db, "ack", target, tokens);

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
) => settle(db, "nack", target, tokens, options.delayMs ?? null, options.reason ?? null);

/** Makes the deliveries dead letters at once, with `reason` as their last error. */
export const term = (db: Db, target: LeaseTarget, tokens: Map<string, Delivery>, reason?: string) =>
  settle(db, "term", target, tokens, reason ?? null);

export const extend = (
  db: Db,
  target: LeaseTarget,
  tokens: Map<string, Delivery>,
  /** Default: the consumer's ack_wait_ms. */
  ms: number | undefined,
) => settle(db, "extend", target, tokens, ms ?? null);
