import { createHash } from "node:crypto";
import { JSON_CONTENT_TYPE, zIdempotencyKey } from "@sequin/client/schemas";
import type { Request, Response } from "express";
import type { Db, Queryable } from "../db/db.js";
import { badParams, HttpError } from "./errors.js";

/** How long a key is remembered: 24 hours. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** What a write produced: the answer, and work to do once it is committed (wake-ups). */
export interface WriteOutcome {
  status: number;
  body: unknown;
  afterCommit?: () => void;
}

/** JSON with sorted keys: two bodies that mean the same hash the same. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function requestHash(req: Request): Buffer {
  return createHash("sha256")
    .update(`${req.method} ${req.originalUrl.split("?")[0]}\n${canonical(req.body ?? null)}`)
    .digest();
}

/**
 * Runs a write in one transaction and answers it. With an `Idempotency-Key` header the key is
 * claimed in the same transaction, before the write: a concurrent request with the same key
 * waits on that row, then replays the stored answer (same body) or gets a 409 (other body).
 * Only successful answers are stored; a failed write leaves the key free.
 */
export async function runWrite(
  db: Db,
  req: Request,
  res: Response,
  write: (tx: Queryable) => Promise<WriteOutcome>,
): Promise<void> {
  const header = req.get("idempotency-key");
  if (header === undefined) {
    const outcome = await db.transaction(write);
    outcome.afterCommit?.();
    res.status(outcome.status).json(outcome.body);
    return;
  }
  const parsed = zIdempotencyKey.safeParse(header);
  if (!parsed.success)
    throw badParams([{ path: "Idempotency-Key", message: "must be 1 to 255 characters" }]);
  const key = parsed.data;
  const hash = requestHash(req);

  type Result =
    | { replay: true; status: number; text: string }
    | { replay: false; outcome: WriteOutcome };
  const result = await db.transaction<Result>(async (tx) => {
    const claimed = await tx.query(
      `INSERT INTO idempotency_keys (account_id, key, request_hash, expires_at)
       VALUES ($1, $2, $3, now() + $4::float8 * interval '1 millisecond')
       ON CONFLICT (account_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, status = NULL, body = NULL,
             created_at = now(), expires_at = EXCLUDED.expires_at
         WHERE idempotency_keys.expires_at <= now()
       RETURNING 1`,
      [req.accountId, key, hash, IDEMPOTENCY_TTL_MS],
    );
    if (claimed.rows.length === 0) {
      const { rows } = await tx.query<{ request_hash: Uint8Array; status: number; body: string }>(
        "SELECT request_hash, status, body FROM idempotency_keys WHERE account_id = $1 AND key = $2",
        [req.accountId, key],
      );
      const stored = rows[0];
      if (!stored || !Buffer.from(stored.request_hash).equals(hash)) {
        throw new HttpError(
          409,
          "idempotency_key_reused",
          "This Idempotency-Key was used with a different request; use a new key",
        );
      }
      return { replay: true, status: stored.status, text: stored.body };
    }
    const outcome = await write(tx);
    await tx.query(
      "UPDATE idempotency_keys SET status = $3, body = $4 WHERE account_id = $1 AND key = $2",
      [req.accountId, key, outcome.status, JSON.stringify(outcome.body)],
    );
    return { replay: false, outcome };
  });

  if (result.replay) {
    res.setHeader("Idempotent-Replayed", "true");
    // The stored text as it was answered, with the header res.json gives every other answer.
    res.status(result.status).setHeader("Content-Type", JSON_CONTENT_TYPE).send(result.text);
    return;
  }
  result.outcome.afterCommit?.();
  res.status(result.outcome.status).json(result.outcome.body);
}
