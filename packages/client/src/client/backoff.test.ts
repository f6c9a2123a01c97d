import { describe, expect, it } from "vitest";
import { backoffDelay, parseRetryAfter } from "./backoff.js";

const options = { initialDelayMs: 100, maxDelayMs: 1_000 };

describe("backoffDelay", () => {
  it("doubles per attempt up to the cap", () => {
    const noJitter = () => 0;
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, options, noJitter))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it("takes off at most 25 % as jitter", () => {
    expect(backoffDelay(2, options, () => 0.999_999)).toBe(300);
    expect(backoffDelay(2, options, () => 0.5)).toBe(350);
  });
});

describe("parseRetryAfter", () => {
  const at = Date.parse("2024-03-01T12:00:00Z");
  const parse = (headers: Record<string, string>) => parseRetryAfter(new Headers(headers), at);

  it("reads delay-seconds", () => {
    expect(parse({ "Retry-After": "2" })).toBe(2_000);
    expect(parse({ "Retry-After": "0.5" })).toBe(500);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    expect(parse({ "Retry-After": "Fri, 01 Mar 2024 12:00:30 GMT" })).toBe(30_000);
    expect(parse({ "Retry-After": "Fri, 01 Mar 2024 11:00:00 GMT" })).toBe(0);
  });

  it("prefers retry-after-ms", () => {
    expect(parse({ "Retry-After": "2", "retry-after-ms": "150" })).toBe(150);
  });

  it("ignores what it cannot read", () => {
    expect(parse({})).toBeUndefined();
    expect(parse({ "Retry-After": "soon" })).toBeUndefined();
  });
});
