// What every answer must be, whatever was asked: never a 5xx; an error in the spec's Error
// shape carrying the request id; a status the operation declares; a 2xx body of its schema.
import { zError } from "@sequin/client/schemas";
import type { Operation } from "./spec.js";

/** An answer as received. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * The problems of one answer (empty when it is fine). A status the operation does not declare
 * is not a problem here (see undeclaredStatus): the spec is not complete about 400 for a
 * malformed %-escape yet.
 */
export function problemsOf(op: Operation | undefined, answer: Answer): string[] {
  const problems: string[] = [];
  const { status } = answer;
  if (status >= 500) problems.push(`status ${status}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    problems.push(`not JSON: ${answer.text.slice(0, 200)}`);
    return problems;
  }
  if (!answer.headers.get("x-request-id")) problems.push("no X-Request-Id");
  if (status >= 400) {
    const parsed = zError.safeParse(body);
    if (!parsed.success) problems.push(`not the Error shape: ${parsed.error.message}`);
    else if (parsed.data.request_id !== answer.headers.get("x-request-id"))
      problems.push("request_id differs from X-Request-Id");
  }
  if (op) {
    if (status >= 200 && status < 300 && op.response) {
      const parsed = op.response.safeParse(body);
      if (!parsed.success) problems.push(`2xx body not of the spec: ${parsed.error.message}`);
    }
  }
  return problems;
}

/** `operationId status` when the operation does not declare the status (404: no route). */
export function undeclaredStatus(op: Operation, status: number): string | undefined {
  return op.statuses.has(status) || status === 404 ? undefined : `${op.operationId} ${status}`;
}
