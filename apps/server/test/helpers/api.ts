import { zError } from "@sequin/client/schemas";
import { expect } from "vitest";
import { findOperation, operations } from "./spec.js";

/** A JSON body as tests read it: loosely typed, because its shape is checked against the spec. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
export type Loose = any;

/** An answer of the server, already checked against the spec. */
export interface ApiResponse<T = Loose> {
  status: number;
  body: T;
  headers: Headers;
}

/** Extra options of one call. */
export interface CallOptions {
  headers?: Record<string, string>;
  /** Sent as is instead of JSON-encoding `body`. */
  raw?: string | Buffer;
  /** Leave out the bearer token. */
  noAuth?: boolean;
  /** Aborts the request. */
  signal?: AbortSignal;
}

/**
 * Checks an answer against openapi.yaml: the status is one the operation declares, a 2xx body
 * matches z<OperationId>Response, an error body matches zError and carries the X-Request-Id.
 */
export function checkAgainstSpec(
  method: string,
  pathname: string,
  status: number,
  body: unknown,
  headers: Headers,
) {
  const op = findOperation(method, pathname);
  const where = `${method} ${pathname} -> ${status}: ${JSON.stringify(body)?.slice(0, 500)}`;
  if (!op) {
    // A path of the spec without this method is a 405; a path the spec does not have, a 404.
    const known = operations.some((o) => o.pattern.test(pathname));
    expect(status, `no such operation in the spec: ${where}`).toBe(known ? 405 : 404);
  } else {
    // 503 (database unreachable) can happen on any route; the spec declares it only on getHealth
    // and next so far (a spec change is proposed).
    const declared = op.statuses.has(status) || status === 503;
    expect(declared, `status not declared by ${op.operationId}: ${where}`).toBe(true);
  }
  if (status >= 200 && status < 300) {
    const result = op!.response.safeParse(body);
    expect(
      result.success,
      `${op!.operationId} response does not match the spec: ${result.error?.message} ${where}`,
    ).toBe(true);
  } else {
    const result = zError.safeParse(body);
    expect(
      result.success,
      `error does not match the Error shape: ${result.error?.message} ${where}`,
    ).toBe(true);
    expect((body as { request_id?: string }).request_id, where).toBe(headers.get("x-request-id"));
  }
  expect(headers.get("x-request-id"), `X-Request-Id missing: ${where}`).toBeTruthy();
}

/** A tiny HTTP client for tests; every answer is checked against the spec. */
export class Api {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  /** The same server with another token. */
  as(token: string | undefined): Api {
    return new Api(this.baseUrl, token);
  }

  async call<T = Loose>(
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.token && !options.noAuth) headers.authorization = `Bearer ${this.token}`;
    let payload: string | Buffer | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(payload !== undefined ? { body: payload as BodyInit } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new Error(
        `${method} ${path} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`,
      );
    }
    checkAgainstSpec(
      method,
      new URL(`${this.baseUrl}${path}`).pathname,
      res.status,
      parsed,
      res.headers,
    );
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = Loose>(path: string, options?: CallOptions) {
    return this.call<T>("GET", path, undefined, options);
  }
  post<T = Loose>(path: string, body?: unknown, options?: CallOptions) {
    return this.call<T>("POST", path, body, options);
  }
  patch<T = Loose>(path: string, body?: unknown, options?: CallOptions) {
    return this.call<T>("PATCH", path, body, options);
  }
  delete<T = Loose>(path: string, options?: CallOptions) {
    return this.call<T>("DELETE", path, undefined, options);
  }
}
