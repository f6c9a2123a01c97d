import { randomBytes } from "node:crypto";
import type { NextFunction, Request, Response } from "express";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare global {
  namespace Express {
    interface Request {
      /** This request's id, also sent as `X-Request-Id`. */
      requestId: string;
    }
  }
}

/** Gives every request an id (the caller's `X-Request-Id` when it is sane) and echoes it. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.get("x-request-id");
  req.requestId =
    incoming && SAFE_ID.test(incoming) ? incoming : `req_${randomBytes(9).toString("base64url")}`;
  res.setHeader("X-Request-Id", req.requestId);
  next();
}
