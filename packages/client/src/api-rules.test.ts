import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ackTokenProblems,
  decodeAckToken,
  encodeAckToken,
  issuesToDetails,
  queryIntegers,
  requestIdFor,
  summarizeDetails,
  unmatchedAckTokens,
} from "./api-rules.js";
import { zListStreamsQuery, zReceiveMessagesQuery } from "./generated/zod.gen.js";

function issuesOf(schema: z.ZodType, value: unknown) {
  const result = schema.safeParse(value);
  if (result.success) throw new Error("expected the value not to fit the schema");
  return result.error.issues;
}

describe("issuesToDetails", () => {
  const consumer = z.strictObject({
    name: z.string(),
    filters: z.strictObject({ collection_id: z.string().min(1) }).optional(),
  });

  it("names each unknown field on its own, under its parent", () => {
    const issues = issuesOf(consumer, {
      name: "a",
      extra: 1,
      more: 2,
      filters: { collection_id: "c", x: 3 },
    });
    const details = issuesToDetails(issues).sort((a, b) => a.path.localeCompare(b.path));
    expect(details).toEqual([
      { path: "extra", message: "Unknown field" },
      { path: "filters.x", message: "Unknown field" },
      { path: "more", message: "Unknown field" },
    ]);
  });

  it('says "Required" for a missing field, where zod says "received undefined"', () => {
    expect(issuesToDetails(issuesOf(consumer, {}))).toEqual([
      { path: "name", message: "Required" },
    ]);
  });

  it("keeps zod's message for a field of the wrong type or out of range", () => {
    const details = issuesToDetails(
      issuesOf(consumer, { name: 5, filters: { collection_id: "" } }),
    );
    expect(details.map((d) => d.path)).toEqual(["name", "filters.collection_id"]);
    expect(details[0]?.message).not.toBe("Required");
    expect(details[0]?.message).toMatch(/string/);
  });

  it("puts an issue about the whole value at the root it is given (body by default)", () => {
    const issues = issuesOf(consumer, "not an object");
    expect(issuesToDetails(issues).map((d) => d.path)).toEqual(["body"]);
    expect(issuesToDetails(issues, "query").map((d) => d.path)).toEqual(["query"]);
    expect(issuesToDetails(issuesOf(consumer, undefined), "path")).toEqual([
      { path: "path", message: "Required" },
    ]);
  });
});

describe("queryIntegers", () => {
  it("turns the integer parameters' text into numbers and leaves the rest as it came", () => {
    expect(queryIntegers(zReceiveMessagesQuery, { batch_size: " 10", wait_for: "-5" })).toEqual({
      query: { batch_size: 10, wait_for: -5 },
      problems: [],
    });
    expect(queryIntegers(zListStreamsQuery, { cursor: "12", limit: "7", other: "x" })).toEqual({
      query: { cursor: "12", limit: 7, other: "x" },
      problems: [],
    });
  });

  it("names each integer parameter that is not a whole number of at most 15 digits", () => {
    const { problems } = queryIntegers(zReceiveMessagesQuery, {
      batch_size: "1.5",
      wait_for: "1234567890123456",
    });
    expect(problems).toEqual([
      { path: "batch_size", message: "must be an integer" },
      { path: "wait_for", message: "must be an integer" },
    ]);
  });

  it("leaves values that are not text to the schema (a repeated parameter is an array)", () => {
    expect(queryIntegers(zReceiveMessagesQuery, { batch_size: ["1", "2"] }).query).toEqual({
      batch_size: ["1", "2"],
    });
  });
});

describe("summarizeDetails", () => {
  const detail = (n: number) => ({ path: `f${n}`, message: `bad ${n}` });

  it("joins up to three details as path: message", () => {
    expect(summarizeDetails([detail(1)])).toBe("f1: bad 1");
    expect(summarizeDetails([1, 2, 3].map(detail))).toBe("f1: bad 1; f2: bad 2; f3: bad 3");
  });

  it("names the first three and counts the rest", () => {
    expect(summarizeDetails([1, 2, 3, 4, 5].map(detail))).toBe(
      "f1: bad 1; f2: bad 2; f3: bad 3; and 2 more",
    );
  });
});

const FRESH = /^req_[A-Za-z0-9_-]{12}$/;

describe("requestIdFor", () => {
  it("echoes a caller's id made of letters, digits and . _ : -", () => {
    expect(requestIdFor("trace-1.2:3_AbC")).toBe("trace-1.2:3_AbC");
    expect(requestIdFor("x".repeat(128))).toBe("x".repeat(128));
  });

  it("makes a fresh req_ id when there is none or it is not safe to echo", () => {
    for (const incoming of [null, undefined, "", "has space", "new\nline", "é", "x".repeat(129)]) {
      expect(requestIdFor(incoming)).toMatch(FRESH);
    }
  });

  it("makes a different id each time", () => {
    expect(requestIdFor(null)).not.toBe(requestIdFor(null));
  });
});

describe("ack tokens", () => {
  const binding = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const consumer = "3f1d6a52-7c4e-4b8a-9d2f-1e0c5b6a7d8e";
  const other = "5b0f7c1e-3f5a-4d8e-9a57-0c1d2e3f4a5b";

  it("round-trips a delivery's position, binding, lease end and consumer in 48 characters", () => {
    const token = encodeAckToken(4711n, binding, 1_700_000_000_123, consumer);
    expect(token).toMatch(/^[A-Za-z0-9_-]{48}$/);
    expect(decodeAckToken(token)).toEqual({
      position: 4711n,
      binding,
      lease: { endMs: 1_700_000_000_123, consumerTag: 0x3f1d6a52 },
    });
    // A token of the earlier format (position and binding only) still decodes.
    expect(decodeAckToken(token.slice(0, 32))).toEqual({ position: 4711n, binding });
  });

  it("refuses what could not have been issued, naming each by its index", () => {
    const good = encodeAckToken(1n, binding, 0, consumer);
    const zero = encodeAckToken(0n, binding, 0, consumer);
    const negative = encodeAckToken(-5n, binding, 0, consumer);
    const short = good.slice(0, 40);
    const notBase64 = `${good.slice(0, 47)}=`;
    expect(decodeAckToken(zero)).toBeUndefined();
    expect(decodeAckToken(negative)).toBeUndefined();
    expect(ackTokenProblems([good, zero, short, notBase64, negative])).toEqual(
      [1, 2, 3, 4].map((i) => ({
        path: `ack_tokens.${i}`,
        message: "is not an ack token issued by this server",
      })),
    );
  });

  it("tells a token of this consumer whose lease still runs (settled already) from the rest", () => {
    const running = encodeAckToken(1n, binding, 2_000, consumer);
    const ended = encodeAckToken(2n, binding, 1_000, consumer);
    const elsewhere = encodeAckToken(3n, binding, 2_000, other);
    const legacy = running.slice(0, 32);
    expect(unmatchedAckTokens([running, ended, elsewhere, legacy], 1_500, consumer)).toEqual({
      settled: [running],
      unknown: [ended, elsewhere, legacy],
    });
  });
});
