import { describe, expect, it } from "vitest";
import { apiError, fakeFetch, json } from "../../test/support/fake-fetch.js";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConsumersTimeoutError,
  NotFoundError,
  RateLimitError,
  SequinError,
  ServerError,
  TimeoutError,
  ValidationError,
} from "../errors.js";
import { createClient } from "./create-client.js";

function failWith(response: () => Response) {
  const fake = fakeFetch(response);
  const client = createClient({
    baseUrl: "http://sequin.test",
    token: "t",
    fetch: fake.fetch,
    maxRetries: 0,
  });
  return client.consumers.get("c").then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e as SequinError,
  );
}

describe("errors are mapped from the answer", () => {
  it.each([
    [400, "bad_request", BadRequestError],
    [401, "unauthorized", AuthenticationError],
    [403, "forbidden", AuthenticationError],
    [404, "not_found", NotFoundError],
    [408, "internal", TimeoutError],
    [409, "conflict", ConflictError],
    [409, "idempotency_key_reused", ConflictError],
    [413, "payload_too_large", BadRequestError],
    [415, "unsupported_media_type", BadRequestError],
    [422, "validation_failed", ValidationError],
    [429, "rate_limited", RateLimitError],
    [500, "internal", ServerError],
    [502, "upstream_error", ServerError],
    [503, "unavailable", ServerError],
    [504, "upstream_timeout", ServerError],
  ])("%i %s -> %o", async (status, code, type) => {
    const error = await failWith(() => apiError(status, code));
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(SequinError);
    expect(error.name).toBe(type.name);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.requestId).toBe("req_test");
    expect(error.body).toMatchObject({ code, error: `failed: ${code}` });
    expect(error.message).toBe(`${status} failed: ${code}`);
  });

  it("carries the details of a validation error", async () => {
    const details = [{ path: "name", message: "Required" }];
    const error = await failWith(() => apiError(422, "validation_failed", { details }));
    expect((error as ValidationError).details).toEqual(details);
  });

  it("carries Retry-After of a rate limit in ms", async () => {
    const error = await failWith(() => apiError(429, "rate_limited", {}, { "Retry-After": "7" }));
    expect((error as RateLimitError).retryAfterMs).toBe(7_000);
  });

  it("carries the written records of a consumers timeout", async () => {
    const records = [{ id: "r1", data: { a: 1 } }];
    const error = await failWith(() => apiError(500, "consumers_timeout", { records }));
    expect(error).toBeInstanceOf(ConsumersTimeoutError);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ConsumersTimeoutError).records).toEqual(records);
  });

  it("takes the request id from X-Request-Id when the body has none", async () => {
    const error = await failWith(() =>
      json(404, { error: "gone", code: "not_found" }, { "X-Request-Id": "req_header" }),
    );
    expect(error.requestId).toBe("req_header");
  });

  it("keeps a body that is not JSON as text", async () => {
    const error = await failWith(
      () => new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error.code).toBeUndefined();
    expect(error.body).toBe("<html>Bad Gateway</html>");
    expect(error.message).toBe("502 Bad Gateway");
  });

  it("handles an empty error body", async () => {
    const error = await failWith(() => new Response(null, { status: 404 }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.body).toBeUndefined();
  });
});
