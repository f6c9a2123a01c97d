import { describe, expect, it } from "vitest";
import { failureReason, MAX_REASON_LENGTH, truncateReason } from "./failure-reason.js";

/** No lone surrogate: what `String.prototype.isWellFormed` (ES2024) checks. */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text);

describe("truncateReason", () => {
  it("keeps a reason within the bound as it is", () => {
    const text = "x".repeat(MAX_REASON_LENGTH);
    expect(truncateReason(text)).toBe(text);
  });

  it("cuts a longer one to the bound, ending with an ellipsis", () => {
    const cut = truncateReason("y".repeat(5_000));
    expect(cut).toHaveLength(MAX_REASON_LENGTH);
    expect(cut.endsWith("…")).toBe(true);
  });

  it("never splits a surrogate pair", () => {
    // 998 ASCII characters, then emoji (2 UTF-16 units each): the cut falls inside one.
    const text = `${"a".repeat(998)}${"😀".repeat(10)}`;
    const cut = truncateReason(text);
    expect(cut.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    expect(cut).toBe(`${"a".repeat(998)}…`);
    expect(wellFormed(cut)).toBe(true);
    // Shifted by one: the cut falls between two emoji and keeps the whole first one.
    const shifted = truncateReason(`${"a".repeat(997)}${"😀".repeat(10)}`);
    expect(shifted).toBe(`${"a".repeat(997)}😀…`);
    expect(wellFormed(shifted)).toBe(true);
  });
});

describe("failureReason", () => {
  it("is an error's message, its name when the message is empty", () => {
    expect(failureReason(new Error("connect ECONNREFUSED"))).toBe("connect ECONNREFUSED");
    expect(failureReason(new RangeError(""))).toBe("RangeError");
  });

  it("is a thrown string, or other values as JSON", () => {
    expect(failureReason("plain")).toBe("plain");
    expect(failureReason({ status: 503 })).toBe('{"status":503}');
    expect(failureReason(undefined)).toBe("undefined");
  });

  it("is cut to the bound", () => {
    expect(failureReason(new Error("z".repeat(2_000)))).toHaveLength(MAX_REASON_LENGTH);
  });
});
