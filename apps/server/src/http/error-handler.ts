import type { ErrorRequestHandler, Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import type { ErrorCode } from "../api-types.js";
import { isDataException, isRetryable, isUnavailable } from "../db/errors.js";
import { MAX_BODY_BYTES } from "./body.js";
import { HttpError } from "./errors.js";

/** Sends an error in the spec's Error shape, with the request id. */
export function sendError(req: Request, res: Response, error: HttpError): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  if (error.status === 401) res.setHeader("WWW-Authenticate", "Bearer");
  const body: { error: string; code: ErrorCode; request_id: string; details?: unknown } = {
    ...error.extra,
    error: error.message,
    code: error.code,
    request_id: req.requestId,
  };
  if (error.details && error.details.length > 0) body.details = error.details;
  res.status(error.status).json(body);
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Maps errors of body-parser (they carry a `type`) to the spec's errors. */
function fromBodyParser(err: BodyParserError): HttpError | undefined {
  switch (err.type) {
    case "entity.too.large":
      return new HttpError(
        413,
        "payload_too_large",
        `Request body is larger than ${MAX_BODY_BYTES} bytes`,
      );
    case "entity.parse.failed":
      return new HttpError(400, "bad_request", "Request body is not valid JSON");
    case "charset.unsupported":
    case "encoding.unsupported":
      return new HttpError(
        415,
        "unsupported_media_type",
        "Content-Type must be application/json (UTF-8)",
      );
    case "request.aborted":
    case "request.size.invalid":
      return new HttpError(400, "bad_request", "Request body was cut short");
    default:
      return undefined;
  }
}

/** Errors Express or Node raise for a malformed request (a bad %-escape in the path). */
function isClientError(err: unknown): boolean {
  const status =
    (err as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}

/** The last middleware: every error becomes an Error-shaped answer; only real bugs are a 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let error: HttpError;
    if (err instanceof HttpError) error = err;
    else if (fromBodyParser(err as BodyParserError))
      error = fromBodyParser(err as BodyParserError)!;
    else if (isClientError(err))
      error = new HttpError(400, "bad_request", `Malformed request: ${(err as Error).message}`);
    else if (isUnavailable(err) || isRetryable(err)) {
      logger.warn({ err, requestId: req.requestId }, "database unavailable");
      error = new HttpError(503, "unavailable", "Database unavailable", undefined, {
        "Retry-After": "1",
      });
    } else if (isDataException(err)) {
      error = new HttpError(422, "validation_failed", `Invalid value: ${(err as Error).message}`);
    } else {
      logger.error(
        { err, requestId: req.requestId, method: req.method, url: req.originalUrl },
        "unhandled error",
      );
      error = new HttpError(500, "internal", "Internal server error");
    }
    sendError(req, res, error);
  };
}

/** Any route the spec does not have. */
export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, "not_found", `No such route: ${req.method} ${req.path}`));
};
