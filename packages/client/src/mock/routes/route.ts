import { type HttpHandler, HttpResponse, http } from "msw";
import { JSON_CONTENT_TYPE, requestIdFor } from "../../api-rules.js";
import type { paths } from "../../generated/openapi.gen.js";
import { zIdempotencyKey } from "../../generated/zod.gen.js";
import { checkRoute } from "../../route-rules.js";
import type { Faults, MockFault } from "../controls/faults.js";
import { authenticate } from "../http/auth.js";
import { badRequest, MockHttpError } from "../http/errors.js";
import { type Answer, fingerprintOf, withIdempotency } from "../http/idempotency.js";
import { checkStorable } from "../http/validation.js";
import type { MockContext } from "../state/context.js";

type Method = "get" | "post" | "patch" | "delete";
type Operation<P extends keyof paths, M extends Method> = Exclude<paths[P][M], undefined>;
type Responses<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R } ? R : never;
type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : never;
type SuccessStatus<P extends keyof paths, M extends Method> = keyof Responses<P, M> & (200 | 201);

/** A success answer whose body type comes from the generated `paths` of openapi.yaml. */
export type Success<P extends keyof paths, M extends Method> = {
  [S in SuccessStatus<P, M>]: { status: S; body: JsonOf<Responses<P, M>[S]> };
}[SuccessStatus<P, M>];

export interface RouteRequest {
  request: Request;
  url: URL;
  params: Record<string, string>;
  /** The token's account ("" on routes without auth). */
  accountId: string;
  /** The parsed JSON body; undefined when the request had none. */
  body: unknown;
  /** True when the request carried a non-empty body. */
  hasBody: boolean;
  /**
   * Runs a write under the request's `Idempotency-Key` (call it after validation). A replay
   * returns the first answer. `protectedBody` is what the key compares (default the whole body).
   */
  idempotent: <A extends Answer>(run: () => Promise<A>, protectedBody?: unknown) => Promise<A>;
}

export interface RouteOptions {
  /** Whether the route takes a JSON body. Default `"none"`. */
  body?: "none" | "optional" | "required";
  /** Whether a bearer token is needed. Default true. */
  auth?: boolean;
}

export interface Router {
  route<P extends keyof paths, M extends Method>(
    method: M,
    path: P,
    options: RouteOptions,
    handle: (req: RouteRequest) => Promise<Success<P, M>> | Success<P, M>,
  ): HttpHandler;
  /** Answers 404 for any other path under `<baseUrl>/v1`, as the server does. */
  fallback(): HttpHandler;
}

const MAX_BODY_BYTES = 1_048_576;

export function createRouter(ctx: MockContext, baseUrl: string, faults: Faults): Router {
  const base = baseUrl.replace(/\/+$/, "");
  const basePath = new URL(base).pathname.replace(/\/+$/, "");
  const relative = (url: URL): string => url.pathname.slice(basePath.length) || "/";

  // The reference server's order: the spec's paths (405, unknown or NUL parameters), auth, then
  // the body (415, 413, 400, 422 unstorable), then the route.
  function serve(options: RouteOptions, handle: (req: RouteRequest) => Promise<Answer> | Answer) {
    return async (info: {
      request: Request;
      params: Record<string, string | readonly string[] | undefined>;
    }) => {
      const { request } = info;
      const requestId = requestIdFor(request.headers.get("x-request-id"));
      const url = new URL(request.url);
      const injected = faults.take(request.method, relative(url));
      if (injected?.when === "before") return faultResponse(injected.fault, requestId);
      let answer: Answer;
      try {
        checkSpec(request.method, relative(url), url.searchParams);
        const accountId =
          options.auth === false ? "" : authenticate(ctx, request.headers.get("authorization"));
        const { body, hasBody } = await readBody(request, options.body ?? "none");
        const params = Object.fromEntries(
          Object.entries(info.params).map(([k, v]) => [k, String(v)]),
        );
        answer = await handle({
          request,
          url,
          params,
          accountId,
          body,
          hasBody,
          idempotent: <A extends Answer>(run: () => Promise<A>, protectedBody: unknown = body) => {
            const key = idempotencyKey(request);
            const fingerprint = fingerprintOf(request.method, url.pathname, protectedBody);
            return withIdempotency(ctx, accountId, key, fingerprint, requestId, run) as Promise<A>;
          },
        });
      } catch (error) {
        answer = errorAnswer(error, requestId);
      }
      if (injected?.when === "after") return faultResponse(injected.fault, requestId);
      return jsonResponse(answer.body, answer.status, {
        "X-Request-Id": requestId,
        ...answer.headers,
      });
    };
  }

  return {
    route(method, path, options, handle) {
      const pattern = `${base}${String(path).replace(/\{(\w+)\}/g, ":$1")}`;
      return http[method](pattern, serve(options, handle));
    },
    fallback() {
      return http.all(
        `${base}/v1/*`,
        serve({}, ({ request, url }) => {
          throw new MockHttpError(
            404,
            "not_found",
            `No such route: ${request.method} ${relative(url)}`,
          );
        }),
      );
    },
  };
}

/** 405 for a method the path does not have; 400 for unknown query parameters or NUL in any parameter. */
function checkSpec(method: string, pathname: string, query: URLSearchParams): void {
  const verdict = checkRoute(method, pathname, query);
  if (verdict.kind === "method") {
    const allow = verdict.allow.join(", ");
    throw new MockHttpError(
      405,
      "method_not_allowed",
      `${method} is not allowed on ${pathname}; allowed: ${allow}`,
      { headers: { Allow: allow } },
    );
  }
  if (verdict.kind === "params") throw badRequest(verdict.problems);
}

/** 415 unless JSON, 413 past 1 MiB, 400 when it does not parse. An empty body is no body. */
async function readBody(request: Request, mode: "none" | "optional" | "required") {
  if (mode === "none") return { body: undefined, hasBody: false };
  const text = await request.text();
  if (text === "") return { body: undefined, hasBody: false };
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new MockHttpError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  if (new TextEncoder().encode(text).byteLength > MAX_BODY_BYTES) {
    throw new MockHttpError(
      413,
      "payload_too_large",
      `Request body is larger than ${MAX_BODY_BYTES} bytes`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MockHttpError(400, "bad_request", "Request body is not valid JSON");
  }
  checkStorable(body);
  return { body, hasBody: true };
}

function idempotencyKey(request: Request): string | null {
  const key = request.headers.get("idempotency-key");
  if (key === null) return null;
  if (!zIdempotencyKey.safeParse(key).success) {
    throw badRequest([{ path: "Idempotency-Key", message: "must be 1 to 255 characters" }]);
  }
  return key;
}

function errorAnswer(error: unknown, requestId: string): Answer {
  if (error instanceof MockHttpError) {
    return { status: error.status, body: error.toBody(requestId), headers: error.headers };
  }
  // A bug in the mock: answer like the server would, but say what broke.
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 500,
    body: { error: `Internal server error: ${message}`, code: "internal", request_id: requestId },
  };
}

function faultResponse(fault: MockFault, requestId: string): Response {
  if (fault === "network") return HttpResponse.error();
  const body =
    fault.status === 429
      ? { error: "Too many requests", code: "rate_limited" }
      : fault.status === 503
        ? { error: "Database unavailable", code: "unavailable" }
        : { error: "Internal server error", code: "internal" };
  const headers: Record<string, string> = { "X-Request-Id": requestId };
  if (fault.retryAfter !== undefined) headers["Retry-After"] = String(fault.retryAfter);
  return jsonResponse({ ...body, request_id: requestId }, fault.status, headers);
}

/** A JSON answer with the server's Content-Type (HttpResponse.json would say no charset). */
function jsonResponse(body: unknown, status: number, headers: Record<string, string>): Response {
  return new HttpResponse(JSON.stringify(body), {
    status,
    headers: { ...headers, "Content-Type": JSON_CONTENT_TYPE },
  });
}
