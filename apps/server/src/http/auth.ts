import type { NextFunction, Request, Response } from "express";
import { accountOfToken } from "../accounts/tokens.js";
import type { Db } from "../db/db.js";
import { HttpError } from "./errors.js";

declare global {
  namespace Express {
    interface Request {
      /** The account of the bearer token; every query of the request is scoped by it. */
      accountId: string;
    }
  }
}

/**
 * Requires `Authorization: Bearer <token>`. No cache: a revoked token stops working at once, on
 * every server sharing the database.
 */
export function authenticate(db: Db) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(req.get("authorization") ?? "");
    const accountId = match?.[1] ? await accountOfToken(db, match[1]) : undefined;
    if (!accountId) throw new HttpError(401, "unauthorized", "Missing or invalid bearer token");
    req.accountId = accountId;
    next();
  };
}
