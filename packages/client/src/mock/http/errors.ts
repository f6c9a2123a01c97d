import { summarizeDetails } from "../../api-rules.js";
import type { components } from "../../generated/openapi.gen.js";

type ErrorBody = components["schemas"]["Error"];
type ErrorCode = components["schemas"]["ErrorCode"];
type ErrorDetail = components["schemas"]["ErrorDetail"];

/** A failure the mock answers with the spec's `Error` shape, as the real server does. */
export class MockHttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  readonly records: ErrorBody["records"];
  readonly docs: ErrorBody["docs"];
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    extra: {
      details?: ErrorDetail[];
      records?: ErrorBody["records"];
      docs?: ErrorBody["docs"];
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = "MockHttpError";
    this.status = status;
    this.code = code;
    this.details = extra.details;
    this.records = extra.records;
    this.docs = extra.docs;
    this.headers = extra.headers ?? {};
  }

  toBody(requestId: string): ErrorBody {
    const body: ErrorBody = { error: this.message, code: this.code, request_id: requestId };
    if (this.details) body.details = this.details;
    if (this.docs) body.docs = this.docs;
    if (this.records) body.records = this.records;
    return body;
  }
}

export function notFound(what: string, ref: string): MockHttpError {
  return new MockHttpError(404, "not_found", `${what} not found: ${ref}`);
}

/** 404 naming each field that refers to nothing (a mutation's upstream ids, awaited consumers). */
export function notFoundFields(details: ErrorDetail[]): MockHttpError {
  return new MockHttpError(404, "not_found", summarizeDetails(details), { details });
}

export function conflict(message: string): MockHttpError {
  return new MockHttpError(409, "conflict", message);
}

/** 400 for a bad query or path parameter, naming each. */
export function badRequest(details: ErrorDetail[]): MockHttpError {
  return new MockHttpError(400, "bad_request", summarizeDetails(details), { details });
}

/** 422 for a well-formed body that does not match the schema. */
export function validationFailed(details: ErrorDetail[]): MockHttpError {
  return new MockHttpError(422, "validation_failed", summarizeDetails(details), { details });
}
