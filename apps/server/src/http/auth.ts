import type { NextFunction, Request, Response } from "express";
import { accountOfTokenHash, hashToken } from "../accounts/tokens.js";
import type { Db } from "../db/db.js";
import { unauthorized } from "./errors.js";

declare global {
  namespace Express {
    interface Request {
      /** The account of the bearer token; every query of the request is scoped by it. */
      accountId: string;
      /** sha256 of the bearer token, for statements that check it themselves. */
      tokenHash: Buffer;
    }
  }
}

/**
 * Routes whose work checks the token itself (lease, ack, nack, extend: the calls a worker makes
 * in a loop; and the record upsert, whose first statement checks it). For them a token seen live
 * before needs no query of its own.
 */
const CHECKED_IN_STATEMENT = /^\/v1\/http-consumers\/[^/]+\/(?:next|ack|nack|extend)$/;
const CHECKED_IN_WRITE = /^\/v1\/streams\/[^/]+\/records$/;

/** How long a live token is remembered; a revoked one is refused by the statements meanwhile. */
const REMEMBER_MS = 5 * 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * Tokens that were live when last looked up, and their accounts. Only a hint: the routes that
 * use it check the token again in the statement that does their work.
 */
class LiveTokens {
  readonly #entries = new Map<string, { accountId: string; until: number }>();

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.until > Date.now()) return entry.accountId;
    if (entry) this.#entries.delete(key);
    return undefined;
  }

  set(key: string, accountId: string): void {
    this.#entries.delete(key);
    if (this.#entries.size >= MAX_REMEMBERED) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { accountId, until: Date.now() + REMEMBER_MS });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/**
 * Requires `Authorization: Bearer <token>`. A revoked token stops working at once, on every
 * server sharing the database: each request checks the token in the database, either in a
 * query of its own or, on the routes of CHECKED_IN_STATEMENT and CHECKED_IN_WRITE, in the
 * statement of the route.
 */
export function authenticate(db: Db) {
  const live = new LiveTokens();
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(req.get("authorization") ?? "");
    if (!match?.[1]) throw unauthorized();
    const hash = hashToken(match[1]);
    const key = hash.toString("base64");
    const checkedLater =
      ((req.method === "GET" || req.method === "POST") && CHECKED_IN_STATEMENT.test(req.path)) ||
      (req.method === "POST" && CHECKED_IN_WRITE.test(req.path));
    let accountId = checkedLater ? live.get(key) : undefined;
    if (!accountId) {
      accountId = await accountOfTokenHash(db, hash);
      if (!accountId) {
        live.delete(key);
        throw unauthorized();
      }
      live.set(key, accountId);
    }
    req.accountId = accountId;
    req.tokenHash = hash;
    next();
  };
}
