import {
  type ErrorCode,
  isEventMessage,
  isRecordMessage,
  type Message,
  type NextResult,
  type RecordInput,
  SequinError,
  type SequinEvent,
  type SequinRecord,
} from "@sequin/client";
import { expect } from "vitest";

/** A `salesforce:contact` record input; `extra` overrides any field. */
export function contact(
  upstreamId: string,
  data: Record<string, unknown> = { Name: upstreamId },
  extra: Partial<RecordInput> = {},
): RecordInput {
  return { collection_id: "salesforce:contact", upstream_id: upstreamId, data, ...extra };
}

/** The records of a `next` answer; fails if one is an event. */
export function recordsOf(result: NextResult | Message[]): SequinRecord[] {
  const messages = Array.isArray(result) ? result : result.data;
  return messages.map((message) => {
    if (!isRecordMessage(message)) throw new Error("expected a record message");
    return message.record;
  });
}

/** The events of a `next` answer; fails if one is a record. */
export function eventsOf(result: NextResult | Message[]): SequinEvent[] {
  const messages = Array.isArray(result) ? result : result.data;
  return messages.map((message) => {
    if (!isEventMessage(message)) throw new Error("expected an event message");
    return message.event;
  });
}

/** The upstream ids of the records of a `next` answer, in order. */
export const upstreamIds = (result: NextResult | Message[]) =>
  recordsOf(result).map((record) => record.upstream_id);

/** The ack tokens of a `next` answer. */
export const tokensOf = (result: NextResult | Message[]) =>
  (Array.isArray(result) ? result : result.data).map((message) => message.ack_token);

/** Checks an error body against the spec's Error shape and the `X-Request-Id` header. */
export function expectErrorShape(body: unknown, headers: Headers | undefined, code: ErrorCode) {
  expect(body).toMatchObject({ error: expect.any(String), code });
  const requestId = (body as { request_id?: unknown }).request_id;
  expect(typeof requestId).toBe("string");
  expect(headers?.get("x-request-id")).toBe(requestId);
}

/**
 * Expects `promise` to reject with a SequinError of this status and code, in the spec's Error
 * shape; returns the error.
 */
export async function expectError(
  promise: Promise<unknown>,
  status: number,
  code: ErrorCode,
): Promise<SequinError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected ${status} ${code}, got success: ${JSON.stringify(value)}`);
    },
    (reason: unknown) => reason,
  );
  if (!(error instanceof SequinError)) throw error;
  expect({ status: error.status, code: error.code }, JSON.stringify(error.body)).toEqual({
    status,
    code,
  });
  expectErrorShape(error.body, error.headers, code);
  return error;
}

/** The `details` paths of a validation or bad-request error. */
export function detailPaths(error: SequinError): string[] {
  const details = (error.body as { details?: Array<{ path: string }> }).details ?? [];
  return details.map((detail) => detail.path);
}

/** Reads a raw response; expects this status and, for errors, the Error shape with this code. */
export async function expectRawError(
  response: Response,
  status: number,
  code: ErrorCode,
): Promise<{ error: string; code: string; details?: Array<{ path: string; message: string }> }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text);
  expectErrorShape(body, response.headers, code);
  return body;
}
