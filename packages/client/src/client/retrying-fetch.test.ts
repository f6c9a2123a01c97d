import { afterEach, describe, expect, it, vi } from "vitest";
import {
  apiError,
  connectionRefused,
  fakeFetch,
  hang,
  hangIgnoringSignal,
  json,
} from "../../test/support/fake-fetch.js";
import {
  AbortedError,
  ConflictError,
  ConnectionError,
  ServerError,
  TimeoutError,
} from "../errors.js";
import { createClient } from "./create-client.js";
import type { ClientOptions } from "./options.js";

const STREAM = {
  id: "0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f",
  name: "s",
  event_retention_ms: 1000,
  created_at: "2024-03-01T12:00:00Z",
  updated_at: "2024-03-01T12:00:00Z",
};
const ACKED = { success: true, count: 1, unknown_ack_tokens: [] };

function clientWith(fake: ReturnType<typeof fakeFetch>, options: Partial<ClientOptions> = {}) {
  return createClient({
    baseUrl: "http://sequin.test",
    token: "secret",
    fetch: fake.fetch,
    retryBackoff: { initialDelayMs: 1, maxDelayMs: 1 },
    ...options,
  });
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("retries", () => {
  it("retries a 5xx and returns the later success", async () => {
    const fake = fakeFetch(() => apiError(503, "unavailable"));
    fake.reply(() => json(200, STREAM));
    const client = clientWith(fake);
    await expect(client.streams.get(STREAM.id)).resolves.toEqual(STREAM);
    expect(fake.requests).toHaveLength(2);
  });

  it("gives up after maxRetries and throws the last error", async () => {
    const fake = fakeFetch(() => apiError(500, "internal"));
    const client = clientWith(fake, { maxRetries: 3 });
    await expect(client.streams.get(STREAM.id)).rejects.toBeInstanceOf(ServerError);
    expect(fake.requests).toHaveLength(4);
  });

  it("retries 408 and 429", async () => {
    for (const status of [408, 429]) {
      const fake = fakeFetch(() => apiError(status, "rate_limited"));
      fake.reply(() => json(200, STREAM));
      await clientWith(fake).streams.get(STREAM.id);
      expect(fake.requests, `status ${status}`).toHaveLength(2);
    }
  });

  it("throws a 409 that no retry can change (a taken name) at once, without warnings", async () => {
    const fake = fakeFetch(() => apiError(409, "conflict"));
    const logger = { warn: vi.fn() };
    const error = await clientWith(fake, { logger })
      .streams.create({ name: "s" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(fake.requests).toHaveLength(1);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it("retries a 409 with Retry-After: the same Idempotency-Key still running", async () => {
    vi.useFakeTimers();
    const fake = fakeFetch(() => apiError(409, "conflict", {}, { "Retry-After": "1" }));
    fake.reply(() => json(201, STREAM));
    const created = clientWith(fake).streams.create({ name: "s" });
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(created).resolves.toEqual(STREAM);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]?.headers.get("idempotency-key")).toBe(
      fake.requests[0]?.headers.get("idempotency-key"),
    );
  });

  it("does not retry other 4xx, a reused idempotency key or a consumers timeout", async () => {
    for (const [status, code] of [
      [400, "bad_request"],
      [404, "not_found"],
      [422, "validation_failed"],
      [409, "idempotency_key_reused"],
      [500, "consumers_timeout"],
    ] as const) {
      const fake = fakeFetch(() => apiError(status, code));
      await expect(clientWith(fake).streams.get(STREAM.id)).rejects.toMatchObject({ status, code });
      expect(fake.requests, code).toHaveLength(1);
    }
  });

  it("retries connection errors and then throws ConnectionError", async () => {
    const fake = fakeFetch(connectionRefused());
    const error = await clientWith(fake)
      .streams.get(STREAM.id)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).status).toBeUndefined();
    expect(fake.requests).toHaveLength(3);
  });

  it("waits for Retry-After in seconds before retrying", async () => {
    vi.useFakeTimers();
    const fake = fakeFetch(() => apiError(429, "rate_limited", {}, { "Retry-After": "3" }));
    fake.reply(() => json(200, STREAM));
    const result = clientWith(fake).streams.get(STREAM.id);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(fake.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toEqual(STREAM);
    expect(fake.requests).toHaveLength(2);
  });

  it("waits for Retry-After given as an HTTP date", async () => {
    vi.useFakeTimers({ now: new Date("2024-03-01T12:00:00Z") });
    const fake = fakeFetch(() =>
      apiError(503, "unavailable", {}, { "Retry-After": "Fri, 01 Mar 2024 12:00:05 GMT" }),
    );
    fake.reply(() => json(200, STREAM));
    const result = clientWith(fake).streams.get(STREAM.id);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(fake.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toEqual(STREAM);
  });

  it("backs off exponentially without Retry-After", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0); // no jitter: 1000, 2000, 4000 ms
    const fake = fakeFetch(() => apiError(502, "upstream_error"));
    const client = clientWith(fake, {
      maxRetries: 3,
      retryBackoff: { initialDelayMs: 1_000, maxDelayMs: 60_000 },
    });
    const result = client.streams.get(STREAM.id).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(fake.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(fake.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1 + 3_999);
    expect(fake.requests).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.requests).toHaveLength(4);
    expect(await result).toBeInstanceOf(ServerError);
  });

  it("logs each retry to the logger", async () => {
    const warn = vi.fn();
    const fake = fakeFetch(() => apiError(503, "unavailable"));
    fake.reply(() => json(200, STREAM));
    await clientWith(fake, { logger: { warn } }).streams.get(STREAM.id);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/GET \/v1\/streams\/.* answered 503; retry 1 of 2/);
  });

  it("sends a fresh Request with the full body on every attempt", async () => {
    const fake = fakeFetch(
      () => apiError(500, "internal"),
      () => apiError(500, "internal"),
    );
    fake.reply(() => json(200, ACKED));
    await clientWith(fake).ack("c", ["t1", "t2"]);
    expect(fake.requests).toHaveLength(3);
    const [a, b, c] = fake.requests.map((r) => r.request);
    expect(new Set([a, b, c]).size).toBe(3);
    for (const seen of fake.requests) expect(seen.body).toEqual({ ack_tokens: ["t1", "t2"] });
  });

  it("honours a per-call maxRetries", async () => {
    const fake = fakeFetch(() => apiError(503, "unavailable"));
    await expect(clientWith(fake).streams.get(STREAM.id, { maxRetries: 0 })).rejects.toThrow(
      ServerError,
    );
    expect(fake.requests).toHaveLength(1);
  });
});

describe("non-idempotent POSTs", () => {
  it("are not retried through raw without an Idempotency-Key", async () => {
    const fake = fakeFetch(() => apiError(503, "unavailable"));
    const { error, response } = await clientWith(fake).raw.POST("/v1/streams", {
      body: { name: "s", event_retention_ms: 60_000 },
    });
    expect(response.status).toBe(503);
    expect(error).toMatchObject({ code: "unavailable" });
    expect(fake.requests).toHaveLength(1);
  });

  it("are retried through raw with an Idempotency-Key, which is sent every time", async () => {
    const fake = fakeFetch(() => apiError(503, "unavailable"));
    fake.reply(() => json(201, STREAM));
    const { data } = await clientWith(fake).raw.POST("/v1/streams", {
      body: { name: "s", event_retention_ms: 60_000 },
      params: { header: { "Idempotency-Key": "k-1" } },
    });
    expect(data).toEqual(STREAM);
    expect(fake.requests.map((r) => r.headers.get("idempotency-key"))).toEqual(["k-1", "k-1"]);
  });

  it.each([
    [
      "streams.create",
      (c: ReturnType<typeof clientWith>) =>
        c.streams.create({ name: "s", event_retention_ms: 60_000 }),
    ],
    ["events.append", (c: ReturnType<typeof clientWith>) => c.events.append(STREAM.id, [])],
    ["consumers.create", (c: ReturnType<typeof clientWith>) => c.consumers.create({ name: "c" })],
    [
      "runMutation",
      (c: ReturnType<typeof clientWith>) =>
        c.runMutation({
          kind: "delete",
          collection_id: "x",
          upstream_ids: ["1"],
          await_consumers_timeout: 0,
        }),
    ],
  ])("%s generates one key per call and reuses it on every retry", async (_, call) => {
    const fake = fakeFetch(
      () => apiError(500, "internal"),
      () => apiError(503, "unavailable"),
    );
    fake.reply(() => json(201, { data: [], records: [] }));
    const client = clientWith(fake);
    await call(client);
    await call(client);
    const keys = fake.requests.map((r) => r.headers.get("idempotency-key"));
    expect(keys).toHaveLength(4);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).toBe(keys[0]);
    expect(keys[3]).not.toBe(keys[0]);
  });

  it("takes a caller's idempotencyKey", async () => {
    const fake = fakeFetch(() => json(201, STREAM));
    await clientWith(fake).streams.create(
      { name: "s", event_retention_ms: 60_000 },
      { idempotencyKey: "mine" },
    );
    expect(fake.requests[0]?.headers.get("idempotency-key")).toBe("mine");
  });
});

describe("timeouts", () => {
  it("fails an attempt that takes longer than timeout with TimeoutError", async () => {
    vi.useFakeTimers();
    const fake = fakeFetch(hang());
    const result = clientWith(fake, { timeout: 1_000, maxRetries: 0 })
      .streams.get(STREAM.id)
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(fake.requests[0]?.request.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBeInstanceOf(TimeoutError);
    expect(fake.requests[0]?.request.signal.aborted).toBe(true);
  });

  it("times out even when the fetch ignores its signal, and retries", async () => {
    vi.useFakeTimers();
    const fake = fakeFetch(hangIgnoringSignal());
    fake.reply(() => json(200, STREAM));
    const result = clientWith(fake, { timeout: 500 }).streams.get(STREAM.id);
    await vi.advanceTimersByTimeAsync(501);
    await expect(result).resolves.toEqual(STREAM);
    expect(fake.requests).toHaveLength(2);
  });

  it("gives next its wait_for on top of the timeout", async () => {
    vi.useFakeTimers();
    const fake = fakeFetch(hang());
    const result = clientWith(fake, { timeout: 1_000, maxRetries: 0 })
      .next("c", { wait_for: 5_000 })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_999);
    expect(fake.requests[0]?.request.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBeInstanceOf(TimeoutError);
  });

  it("takes a per-call timeout", async () => {
    vi.useFakeTimers();
    const fake = fakeFetch(hang());
    const result = clientWith(fake, { maxRetries: 0 })
      .streams.get(STREAM.id, { timeout: 100 })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(await result).toBeInstanceOf(TimeoutError);
  });
});

describe("abort", () => {
  it("throws AbortedError when the signal fires mid-request, without retrying", async () => {
    const fake = fakeFetch(hang());
    const controller = new AbortController();
    const result = clientWith(fake)
      .streams.get(STREAM.id, { signal: controller.signal })
      .catch((e: unknown) => e);
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1));
    controller.abort();
    expect(await result).toBeInstanceOf(AbortedError);
    expect(fake.requests).toHaveLength(1);
  });

  it("throws AbortedError when the signal fires during the backoff", async () => {
    vi.useFakeTimers();
    const fake = fakeFetch(() => apiError(503, "unavailable", {}, { "Retry-After": "10" }));
    const controller = new AbortController();
    const result = clientWith(fake)
      .streams.get(STREAM.id, { signal: controller.signal })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    expect(await result).toBeInstanceOf(AbortedError);
    expect(fake.requests).toHaveLength(1);
  });

  it("sends nothing when the signal has already fired", async () => {
    const fake = fakeFetch(() => json(200, STREAM));
    await expect(
      clientWith(fake).streams.get(STREAM.id, { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(fake.requests).toHaveLength(0);
  });
});
