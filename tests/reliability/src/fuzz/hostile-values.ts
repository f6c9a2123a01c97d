// Values that have broken servers before: SQL and JSON-path fragments, odd unicode, numbers at
// and past every limit, wrong types.
import fc from "fast-check";

/** A number literal that JavaScript cannot hold (1e400, 30 digits): spliced into the JSON text. */
export const RAW = "\u0001RAW:";
export const raw = (literal: string) => `${RAW}${literal}\u0001`;

export const SQL_FRAGMENTS = [
  "' OR '1'='1",
  "'; DROP TABLE records; --",
  '" OR ""="',
  "1; SELECT pg_sleep(5)",
  "$1",
  "$$",
  "E'\\\\x00'",
  "%",
  "_",
  "\\",
  "'",
  "?",
  "::uuid",
  "0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f' --",
];

export const JSON_PATH_FRAGMENTS = [
  "$.data[*]",
  "$..*",
  "@.x",
  "$[0]",
  "{a,b}",
  "->>'x'",
  "#>>'{a,b}'",
  "?|",
  "@>",
  "data->'FirstName'",
  "a.b.c",
  "__proto__",
  "constructor",
];

export const ODD_STRINGS = [
  "",
  " ",
  "\t\n",
  "💥",
  "\u202eevil",
  "\uFEFF",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "\ud800",
  "\udfff",
  "Ω≈ç√∫˜µ≤≥÷",
  "../../etc/passwd",
  "%2e%2e%2f",
  "<script>alert(1)</script>",
  "null",
  "NaN",
  "-0",
  "1e309",
  "0x1F",
  " 5",
  "5 ",
  "x".repeat(201),
  "y".repeat(5_000),
  "\u0000",
  "a\u0000b",
];

export const ODD_NUMBERS: unknown[] = [
  0,
  -1,
  -0,
  1.5,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 53,
  2 ** 63,
  -(2 ** 63),
  1e21,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  raw("1e400"),
  raw("-1e400"),
  raw("123456789012345678901234567890"),
  raw("1.0"),
  raw("1E2"),
];

/** A hostile string: one of the lists, a random unicode string, or a fragment inside text. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SQL_FRAGMENTS, ...JSON_PATH_FRAGMENTS, ...ODD_STRINGS),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc
    .tuple(
      fc.string({ maxLength: 8 }),
      fc.constantFrom(...SQL_FRAGMENTS, ...JSON_PATH_FRAGMENTS),
      fc.string({ maxLength: 8 }),
    )
    .map(([a, b, c]) => a + b + c),
);

/** A value of any JSON type, hostile where it can be. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(...ODD_NUMBERS),
  fc.constantFrom(null, true, false, [], {}, [null], { "": null }, JSON.parse(`{"__proto__": 1}`)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(hostileString, { maxLength: 3 }),
);

/** Serialises a body, splicing raw number literals in. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.replace(/"\\u0001RAW:([^"\\]*)\\u0001"/g, "$1");
}
