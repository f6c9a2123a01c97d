import { randomUUID } from "node:crypto";
import type { Db } from "../db/db.js";
import { createStreamRow, DEFAULT_STREAM_NAME } from "../streams/service.js";
import { type CreatedToken, createToken } from "./tokens.js";

/** A new account with its default stream and first token. */
export interface CreatedAccount {
  accountId: string;
  defaultStreamId: string;
  token: CreatedToken;
}

/** Creates an account, its `default` stream (used by consumers created without stream_id) and a token. */
export async function createAccount(db: Db, name = "default"): Promise<CreatedAccount> {
  return db.transaction(async (tx) => {
    const accountId = randomUUID();
    await tx.query("INSERT INTO accounts (id, name) VALUES ($1, $2)", [accountId, name]);
    const stream = await createStreamRow(tx, accountId, { name: DEFAULT_STREAM_NAME });
    const token = await createToken(tx, accountId, "initial");
    return { accountId, defaultStreamId: stream.id, token };
  });
}

/** True when an account with this id exists. */
export async function accountExists(db: Db, accountId: string): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM accounts WHERE id = $1", [accountId]);
  return rows.length > 0;
}
