import { storableJsonProblems } from "@sequin/client/schemas";
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import { HttpError, validationFailed } from "./errors.js";

/** Largest accepted body, in bytes (1 MiB). */
export const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPES = ["application/json", "application/*+json"];

/** Parses JSON bodies up to 1 MiB; other content types are left unparsed. */
export const jsonParser: RequestHandler = express.json({
  limit: MAX_BODY_BYTES,
  type: JSON_TYPES,
  strict: true,
});

function hasBody(req: Request): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = Number(req.headers["content-length"] ?? 0);
  return Number.isFinite(length) && length > 0;
}

/** For routes that take a body: anything but JSON is a 415. */
export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (hasBody(req) && !req.is(JSON_TYPES)) {
    next(new HttpError(415, "unsupported_media_type", "Content-Type must be application/json"));
    return;
  }
  next();
}

/** Refuses JSON that Postgres cannot store (NUL characters, lone surrogates, extreme nesting) with a 422. */
export function storableJson(req: Request, _res: Response, next: NextFunction): void {
  const problems = storableJsonProblems(req.body);
  next(problems.length > 0 ? validationFailed(problems) : undefined);
}
