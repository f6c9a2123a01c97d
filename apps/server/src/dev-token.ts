import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createAccount } from "./accounts/accounts.js";
import { accountOfToken, createToken } from "./accounts/tokens.js";
import type { Db } from "./db/db.js";

/** The embedded mode's usable token and where it is kept. */
export interface DevToken {
  token: string;
  accountId: string;
  /** True when it was created just now. */
  created: boolean;
  /** The file that keeps it (undefined in memory). */
  file: string | undefined;
}

const DEV_ACCOUNT = "dev";

/**
 * Embedded mode: makes sure there is a dev account and a live token for it, kept in
 * `<dataDir>/dev-token`, so every start can print a token that works. A revoked or lost token is
 * replaced by a new one.
 */
export async function ensureDevToken(db: Db, dataDir: string | undefined): Promise<DevToken> {
  const file = dataDir ? join(resolve(dataDir), "dev-token") : undefined;
  if (file) {
    const kept = (await readFile(file, "utf8").catch(() => "")).trim();
    const accountId = kept ? await accountOfToken(db, kept) : undefined;
    if (accountId) return { token: kept, accountId, created: false, file };
  }
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM accounts WHERE name = $1 ORDER BY created_at LIMIT 1",
    [DEV_ACCOUNT],
  );
  const token = rows[0]
    ? await createToken(db, rows[0].id, DEV_ACCOUNT)
    : (await createAccount(db, DEV_ACCOUNT)).token;
  if (file) await writeFile(file, `${token.token}\n`, { mode: 0o600 });
  return { token: token.token, accountId: token.accountId, created: true, file };
}
