import { requestIdFor } from "@sequin/client/schemas";
import type { NextFunction, Request, Response } from "express";

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
  req.requestId = requestIdFor(req.get("x-request-id"));
  res.setHeader("X-Request-Id", req.requestId);
  next();
}
