import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import { type ErrorDetail, HttpError, validationFailed } from "./errors.js";

/** Largest accepted body, in bytes (1 MiB). */
export const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPES = ["application/json", "application/*+json"];
/** Deeper JSON than this is refused: Postgres' jsonb recursion has a stack limit. */
const MAX_DEPTH = 100;

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

function scan(value: unknown, path: string[], depth: number, out: ErrorDetail[]): void {
  if (out.length >= 10) return;
  if (typeof value === "string") {
    if (value.includes("\u0000"))
      out.push({ path: path.join(".") || "body", message: "must not contain NUL characters" });
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (depth > MAX_DEPTH) {
    out.push({
      path: path.join(".") || "body",
      message: `is nested deeper than ${MAX_DEPTH} levels`,
    });
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if (key.includes("\u0000"))
      out.push({
        path: [...path, key].join("."),
        message: "field names must not contain NUL characters",
      });
    scan(child, [...path, key], depth + 1, out);
  }
}

/** Refuses JSON that Postgres cannot store (NUL characters, extreme nesting) with a 422. */
export function storableJson(req: Request, _res: Response, next: NextFunction): void {
  const details: ErrorDetail[] = [];
  scan(req.body, [], 0, details);
  next(details.length > 0 ? validationFailed(details) : undefined);
}
