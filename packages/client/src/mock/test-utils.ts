// Shared set-up of the mock's unit tests (not part of the public API).
import { setupServer } from "msw/node";
import createFetchClient from "openapi-fetch";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type { paths } from "../generated/openapi.gen.js";
import { createSequinMock, type SequinMock, type SequinMockOptions } from "./create-sequin-mock.js";

export const BASE_URL = "http://sequin.test";

// biome-ignore lint/suspicious/noExplicitAny: raw JSON answers; each test asserts the fields it reads.
export type Json = any;

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Json;
}

export interface MockHarness {
  mock: SequinMock;
  /** openapi-fetch client typed from the generated paths, with the default token. */
  api: ReturnType<typeof createFetchClient<paths>>;
  /** A plain fetch with a JSON body (or `raw` text) and the default token unless `token` is given. */
  call(
    method: string,
    path: string,
    init?: {
      body?: unknown;
      raw?: string;
      token?: string | null;
      headers?: Record<string, string>;
    },
  ): Promise<RawAnswer>;
}

/** One msw server for the file, and a fresh mock for every test. */
export function useSequinMock(options: Partial<SequinMockOptions> = {}): MockHarness {
  const server = setupServer();
  const harness = {} as MockHarness;
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  beforeEach(() => {
    const mock = createSequinMock({ baseUrl: BASE_URL, ...options });
    server.resetHandlers(...mock.handlers);
    harness.mock = mock;
    harness.api = createFetchClient<paths>({
      baseUrl: BASE_URL,
      headers: { Authorization: `Bearer ${mock.token}` },
    });
    harness.call = (method, path, init = {}) => rawCall(BASE_URL, mock.token, method, path, init);
  });
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return harness;
}

export async function rawCall(
  baseUrl: string,
  defaultToken: string,
  method: string,
  path: string,
  init: {
    body?: unknown;
    raw?: string;
    token?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? defaultToken : init.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["Content-Type"] ??= "application/json";
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

/** Lets pending promise callbacks and msw's request pipeline run. */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
