/** A scripted `fetch` for unit tests: records every request and answers from a queue. */

export interface SeenRequest {
  /** The Request object the fake received (one per attempt). */
  request: Request;
  method: string;
  url: URL;
  headers: Headers;
  /** The body parsed as JSON (undefined without a body). */
  body: unknown;
}

export type Responder = (seen: SeenRequest) => Response | Promise<Response>;

export interface FakeFetch {
  fetch: (request: Request) => Promise<Response>;
  requests: SeenRequest[];
  /** Queues answers, used one per request in order; the last one repeats when the queue runs dry. */
  reply(...responders: Responder[]): FakeFetch;
}

export function fakeFetch(...initial: Responder[]): FakeFetch {
  const queue: Responder[] = [...initial];
  let last: Responder = () => json(500, { error: "no scripted answer", code: "internal" });
  const fake: FakeFetch = {
    requests: [],
    reply(...responders) {
      queue.push(...responders);
      return fake;
    },
    async fetch(request) {
      const text = request.body === null ? "" : await request.text();
      const seen: SeenRequest = {
        request,
        method: request.method,
        url: new URL(request.url),
        headers: new Headers(request.headers),
        body: text === "" ? undefined : JSON.parse(text),
      };
      fake.requests.push(seen);
      const responder = queue.shift() ?? last;
      last = responder;
      return responder(seen);
    },
  };
  return fake;
}

/** A JSON answer. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

/** An answer in the spec's Error shape. */
export function apiError(
  status: number,
  code: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return json(
    status,
    { error: `failed: ${code}`, code, request_id: "req_test", ...extra },
    headers,
  );
}

/** A responder that throws like fetch does when the connection fails. */
export function connectionRefused(): Responder {
  return () => {
    throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:1") });
  };
}

/** A responder that never answers unless the request is aborted (honours the signal). */
export function hang(): Responder {
  return ({ request }) =>
    new Promise<Response>((_, reject) => {
      request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true });
    });
}

/** A responder that never answers and ignores the signal, like a broken fetch polyfill. */
export function hangIgnoringSignal(): Responder {
  return () => new Promise<Response>(() => {});
}
