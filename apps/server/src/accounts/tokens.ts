import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Queryable } from "../db/db.js";

const TOKEN_PREFIX = "sqn_";

/** sha256 of a token: only the hash is stored, so a leaked database leaks no usable token. */
export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** A new random token: `sqn_` + 32 random bytes in base64url. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** A token as created: the secret is shown once and never stored. */
export interface CreatedToken {
  id: string;
  accountId: string;
  token: string;
}

/** Creates an API token for an account. */
export async function createToken(
  db: Queryable,
  accountId: string,
  name?: string,
): Promise<CreatedToken> {
  const token = generateToken();
  const id = randomUUID();
  await db.query(
    "INSERT INTO api_tokens (account_id, id, token_hash, name) VALUES ($1, $2, $3, $4)",
    [accountId, id, hashToken(token), name ?? null],
  );
  return { id, accountId, token };
}

/** The account a token belongs to, or undefined when it is unknown or revoked. */
export async function accountOfToken(db: Queryable, token: string): Promise<string | undefined> {
  return accountOfTokenHash(db, hashToken(token));
}

/** As accountOfToken, given the token's hash. */
export async function accountOfTokenHash(db: Queryable, hash: Buffer): Promise<string | undefined> {
  const { rows } = await db.query<{ account_id: string }>(
    "SELECT account_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    [hash],
  );
  return rows[0]?.account_id;
}

/** Revokes a token given by its secret or its id. Returns whether a live token was revoked. */
export async function revokeToken(db: Queryable, tokenOrId: string): Promise<boolean> {
  const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tokenOrId);
  const { rowCount } = await db.query(
    byId
      ? "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
      : "UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
    [byId ? tokenOrId : hashToken(tokenOrId)],
  );
  return rowCount > 0;
}
