import { createHash } from "node:crypto";
import type { SequinRecord } from "../api-types.js";
import type { Db, Queryable } from "../db/db.js";
import { HttpError } from "../http/errors.js";
import { canonical, IDEMPOTENCY_TTL_MS } from "../http/idempotency.js";
import type { UpstreamRecord } from "./upstream.js";

/** How long one attempt may hold a key before a retry may take over (a crashed server's claim). */
const CLAIM_MS = 60_000;

/**
 * Where an idempotent mutation stands. The stages are stored so that a retry resumes instead of
 * repeating: once the upstream has answered, a retry never calls it again (no second contact is
 * created upstream); once written to the stream, a retry only waits for the consumers again.
 */
export type Claim =
  | { stage: "claimed" }
  | { stage: "upstream_done"; upstream: UpstreamRecord[] }
  | { stage: "completed"; records: SequinRecord[] };

/**
 * What the key protects: the write. The await settings are left out, so a retry after a timeout
 * may wait longer (or for other consumers) without being refused.
 */
export function mutationHash(body: Record<string, unknown>): Buffer {
  const { await_consumer_ids: _ids, await_consumers_timeout: _timeout, ...write } = body;
  return createHash("sha256")
    .update(`POST /v1/mutations/run\n${canonical(write)}`)
    .digest();
}

/**
 * The key forwarded to the upstream (`Idempotency-Key` header) for a request that carried one.
 * A hash of the account, the client's key and the request hash: every retry of one request sends
 * the same value, so an upstream that deduplicates by it creates one object even when a server
 * died while the first call was in flight (its claim expires and a retry calls again). Another
 * account, or the same key reused with another body after it expired, sends another value; the
 * client's key itself is not disclosed.
 */
export function upstreamIdempotencyKey(accountId: string, key: string, hash: Buffer): string {
  const digest = createHash("sha256")
    .update(`sequin-upstream\n${accountId}\n${key}\n`)
    .update(hash)
    .digest("hex");
  return `sqn_idem_${digest}`;
}

/**
 * Takes the key for this attempt, or tells where an earlier attempt with the same key and body
 * got to. Same key, other body: 409 `idempotency_key_reused`. Same key while another attempt is
 * running: 409 `conflict` with Retry-After (retry later).
 */
export async function claimMutation(
  db: Db,
  accountId: string,
  key: string,
  hash: Buffer,
): Promise<Claim> {
  return db.transaction(async (tx) => {
    const taken = await tx.query(
      `INSERT INTO idempotency_keys (account_id, key, request_hash, expires_at, stage, locked_until)
       VALUES ($1, $2, $3, now() + $4::float8 * interval '1 millisecond', 'claimed',
               now() + $5::float8 * interval '1 millisecond')
       ON CONFLICT (account_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, status = NULL, body = NULL, stage = 'claimed',
             upstream_result = NULL, created_at = now(), expires_at = EXCLUDED.expires_at,
             locked_until = EXCLUDED.locked_until
         WHERE idempotency_keys.expires_at <= now()
       RETURNING 1`,
      [accountId, key, hash, IDEMPOTENCY_TTL_MS, CLAIM_MS],
    );
    if (taken.rows.length > 0) return { stage: "claimed" };
    const { rows } = await tx.query<{
      request_hash: Uint8Array;
      stage: string | null;
      body: string | null;
      upstream_result: UpstreamRecord[] | null;
      busy: boolean;
    }>(
      `SELECT request_hash, stage, body, upstream_result, coalesce(locked_until > now(), false) AS busy
       FROM idempotency_keys WHERE account_id = $1 AND key = $2 FOR UPDATE`,
      [accountId, key],
    );
    const row = rows[0];
    if (!row || row.stage === null || !Buffer.from(row.request_hash).equals(hash)) {
      throw new HttpError(
        409,
        "idempotency_key_reused",
        "This Idempotency-Key was used with a different request; use a new key",
      );
    }
    if (row.stage === "completed") {
      return {
        stage: "completed",
        records: (JSON.parse(row.body ?? "{}") as { records: SequinRecord[] }).records,
      };
    }
    // The one 409 a retry can change: Retry-After tells clients (the SDK) to retry this one.
    if (row.busy) {
      throw new HttpError(
        409,
        "conflict",
        "A request with this Idempotency-Key is still in progress; retry later",
        undefined,
        { "Retry-After": "1" },
      );
    }
    await tx.query(
      "UPDATE idempotency_keys SET locked_until = now() + $3::float8 * interval '1 millisecond' WHERE account_id = $1 AND key = $2",
      [accountId, key, CLAIM_MS],
    );
    return row.stage === "upstream_done" && row.upstream_result
      ? { stage: "upstream_done", upstream: row.upstream_result }
      : { stage: "claimed" };
  });
}

/** Remembers the upstream's answer before anything is written to the stream. */
export async function saveUpstreamResult(
  db: Db,
  accountId: string,
  key: string,
  upstream: UpstreamRecord[],
) {
  await db.query(
    "UPDATE idempotency_keys SET stage = 'upstream_done', upstream_result = $3::text::jsonb WHERE account_id = $1 AND key = $2",
    [accountId, key, JSON.stringify(upstream)],
  );
}

/** Marks the key completed with the records written, in the writing transaction. */
export async function completeClaim(
  tx: Queryable,
  accountId: string,
  key: string,
  records: SequinRecord[],
) {
  await tx.query(
    `UPDATE idempotency_keys SET stage = 'completed', status = 200, body = $3, upstream_result = NULL,
            locked_until = NULL
     WHERE account_id = $1 AND key = $2`,
    [accountId, key, JSON.stringify({ records })],
  );
}

/** Frees the key after a failure before the upstream answered: a retry starts over. */
export async function releaseClaim(db: Db, accountId: string, key: string) {
  await db.query(
    "DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND stage = 'claimed'",
    [accountId, key],
  );
}
