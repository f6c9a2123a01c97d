import { summarizeDetails } from "@sequin/client/schemas";
import type { ErrorCode } from "../api-types.js";

/** One invalid field: `path` is dotted (`records.0.collection_id`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** An error answered in the spec's Error shape. */
export class HttpError extends Error {
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** Machine-readable code of the spec's ErrorCode enum. */
    readonly code: ErrorCode,
    message: string,
    /** One entry per invalid field. */
    readonly details?: ErrorDetail[],
    /** Extra response headers (Retry-After). */
    readonly headers?: Record<string, string>,
    /** Extra fields of the Error body (`records` of a consumers timeout, `docs`). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const badRequest = (message: string, details?: ErrorDetail[]) =>
  new HttpError(400, "bad_request", message, details);

/** 400 naming each field; for query and path parameters and other malformed requests. */
export const badParams = (details: ErrorDetail[]) =>
  new HttpError(400, "bad_request", summarizeDetails(details), details);

/** 422 naming each field; for a well-formed body that does not match the schema. */
export const validationFailed = (details: ErrorDetail[]) =>
  new HttpError(422, "validation_failed", summarizeDetails(details), details);

export const notFound = (message: string) => new HttpError(404, "not_found", message);

/** 401: no bearer token, or one that is unknown or revoked. */
export const unauthorized = () =>
  new HttpError(401, "unauthorized", "Missing or invalid bearer token");

export const conflict = (message: string) => new HttpError(409, "conflict", message);
