// Requests derived from the spec: valid ones, and mutations of them in every part.
import fc from "fast-check";
import type { Operation, Parameter, Schema } from "../spec.js";
import { hostileString, hostileValue, toJsonText } from "./hostile-values.js";
import { mutated } from "./mutate.js";
import { type Overrides, validValue } from "./schema-arbitrary.js";

/** Real objects the requests point at: the fuzzing account's and another account's. */
export interface FuzzContext {
  token: string;
  otherToken: string;
  streams: { own: string; other: string };
  consumers: { own: string[]; other: string[] };
  /** Ack tokens: live and expired ones of the account, another account's, decoys. */
  ackTokens: string[];
  upstreamIds: string[];
  deadLetterIds: string[];
}

/** One request, ready to send. */
export interface FuzzRequest {
  operationId: string;
  method: string;
  /** Path and query string. */
  url: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  /** What was generated, for failure messages. */
  note: string;
  /** A path or query parameter holds a NUL character: the answer must be a 400. */
  carriesNul: boolean;
}

/** Long waits are valid but make a sequential fuzzer crawl: valid ones are cut to 50 ms. */
const CLAMPED: Record<string, number> = { wait_for: 60_000, await_consumers_timeout: 300_000 };

function clampWaits(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const object = value as Record<string, unknown>;
  for (const [name, max] of Object.entries(CLAMPED)) {
    const v = object[name];
    if (typeof v === "number" && v > 50 && v <= max) object[name] = 50;
  }
  return value;
}

function clampQueryWait(name: string, value: string): string {
  const max = CLAMPED[name];
  if (max === undefined || !/^\s*-?\d{1,15}\s*$/.test(value)) return value;
  const n = Number(value);
  return n > 50 && n <= max ? "50" : value;
}

const RAW_BODIES: Array<string | Buffer> = [
  "",
  "{",
  '{"a":',
  "null",
  "[]",
  "1",
  '"text"',
  "NaN",
  "{'single': 'quotes'}",
  '{"name":"a","name":1}',
  "\uFEFF{}",
  `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
  `${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}`,
  Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x7d]),
  Buffer.alloc(1_100_000, 0x20),
  `{"records":[${'{"collection_id":"c","upstream_id":"u","data":{}},'.repeat(30_000)}{}]}`,
];

const CONTENT_TYPES = [
  "application/json; charset=utf-16",
  "application/json; charset=latin1",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/merge-patch+json",
  "application/JSON",
  "json",
];

const printableAscii = (max: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: max,
  });

function pathValue(param: Parameter, op: Operation, ctx: FuzzContext): fc.Arbitrary<string> {
  // Deleting the fuzzing account's own stream or consumer would starve every later request.
  const deleting = op.method === "DELETE";
  const own = param.name === "stream_id" ? [ctx.streams.own] : ctx.consumers.own;
  const other = param.name === "stream_id" ? [ctx.streams.other] : ctx.consumers.other;
  const encoded = fc
    .oneof(
      fc.constantFrom(...other),
      fc.uuid(),
      hostileString.filter((s) => s.length > 0),
      ...(deleting ? [] : [fc.constantFrom(...own), fc.constantFrom(...own)]),
    )
    .map((s) => {
      try {
        return encodeURIComponent(s);
      } catch {
        return "x"; // a lone surrogate cannot be %-encoded
      }
    });
  return fc.oneof(
    { weight: 9, arbitrary: encoded },
    {
      weight: 1,
      arbitrary: fc.constantFrom("%E0%A4%A", "%", "%00", "..", "%2F", "a%20b"),
    },
  );
}

function queryPart(
  params: Parameter[],
  overrides: Overrides,
): fc.Arbitrary<Array<[string, string]>> {
  const one = (p: Parameter) =>
    fc.option(
      fc.oneof(
        {
          weight: 3,
          arbitrary: (overrides[p.name] ?? validValue(p.schema, overrides)).map(String),
        },
        { weight: 2, arbitrary: hostileString },
        // Postgres text cannot hold NUL: a valid value with one spliced in must be refused as
        // bad input before it reaches the database.
        {
          weight: 1,
          arbitrary: fc
            .tuple((overrides[p.name] ?? validValue(p.schema, overrides)).map(String), fc.nat())
            .map(([v, at]) => {
              const cut = v.length === 0 ? 0 : at % (v.length + 1);
              return `${v.slice(0, cut)}\u0000${v.slice(cut)}`;
            }),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            "-1",
            "0",
            "1001",
            "60001",
            "1e3",
            "0x10",
            "1.5",
            "99999999999999999999",
            "NaN",
            "Infinity",
            "",
          ),
        },
      ),
      { freq: 3 },
    );
  return fc
    .tuple(
      fc.tuple(...params.map((p) => one(p))),
      fc.array(
        fc.tuple(fc.constantFrom("foo", "batch_size", "limit", "cursor", "x[y]"), hostileString),
        {
          maxLength: 2,
        },
      ),
    )
    .map(([values, extra]) => {
      const pairs: Array<[string, string]> = [];
      params.forEach((p, i) => {
        const v = values[i];
        if (v !== null && v !== undefined) pairs.push([p.name, clampQueryWait(p.name, v)]);
      });
      return [...pairs, ...extra];
    });
}

function bodyOverrides(ctx: FuzzContext): Overrides {
  const anyId = fc.oneof(fc.constantFrom(ctx.streams.own, ctx.streams.other), fc.uuid());
  return {
    stream_id: anyId,
    ack_tokens: fc.array(
      fc.oneof(fc.constantFrom(...ctx.ackTokens), fc.string({ minLength: 32, maxLength: 32 })),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
    wait_for: fc.integer({ min: 0, max: 50 }),
    await_consumers_timeout: fc.integer({ min: 0, max: 50 }),
    await_consumer_ids: fc.constant([]),
    ids: fc.array(fc.oneof(fc.constantFrom(...ctx.deadLetterIds), fc.string({ maxLength: 20 })), {
      maxLength: 3,
    }),
    upstream_ids: fc.array(
      fc.oneof(fc.constantFrom(...ctx.upstreamIds), fc.string({ minLength: 1, maxLength: 10 })),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  };
}

/**
 * Valid bodies the schema alone rarely produces (rules that live in descriptions: which fields
 * each mutation kind takes; tokens that were really issued): without them the fuzzer would
 * seldom get past validation into the handlers.
 */
function hintedBody(operationId: string, ctx: FuzzContext): fc.Arbitrary<unknown> | undefined {
  const data = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
    maxKeys: 3,
  });
  const own = fc.constantFrom(...ctx.upstreamIds);
  const tokens = fc.uniqueArray(fc.constantFrom(...ctx.ackTokens), { minLength: 1, maxLength: 3 });
  switch (operationId) {
    case "runMutation":
      return fc.oneof(
        fc.record({
          kind: fc.constant("create"),
          collection_id: fc.constant("salesforce:contact"),
          records: fc.array(fc.record({ data }), { minLength: 1, maxLength: 2 }),
        }),
        fc.record({
          kind: fc.constant("update"),
          collection_id: fc.constant("salesforce:contact"),
          records: fc.array(fc.record({ upstream_id: own, data }), { minLength: 1, maxLength: 2 }),
        }),
        fc.record({
          kind: fc.constant("delete"),
          collection_id: fc.constant("salesforce:contact"),
          upstream_ids: fc.array(own, { minLength: 1, maxLength: 2 }),
        }),
      );
    case "ackMessages":
    case "nackMessages":
      return fc.record({ ack_tokens: tokens });
    case "extendLeases":
      return fc.record(
        { ack_tokens: tokens, extend_ms: fc.integer({ min: 100, max: 60_000 }) },
        {
          requiredKeys: ["ack_tokens"],
        },
      );
    default:
      return undefined;
  }
}

function bodyPart(
  op: Operation,
  schema: Schema,
  ctx: FuzzContext,
): fc.Arbitrary<{ body: string | Buffer; kind: string }> {
  const fromSchema = validValue(schema, bodyOverrides(ctx));
  const hint = hintedBody(op.operationId, ctx);
  const valid = hint ? fc.oneof(fromSchema, hint) : fromSchema;
  return fc.oneof(
    {
      weight: 3,
      arbitrary: valid.map((v) => ({ body: toJsonText(clampWaits(v)), kind: "valid" })),
    },
    {
      weight: 6,
      arbitrary: mutated(valid).map((v) => ({ body: toJsonText(clampWaits(v)), kind: "mutated" })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constantFrom(...RAW_BODIES),
          hostileValue.map((v) => toJsonText(v)),
        )
        .map((body) => ({
          body,
          kind: "raw",
        })),
    },
  );
}

function authHeader(ctx: FuzzContext): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 18, arbitrary: fc.constant(`Bearer ${ctx.token}`) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constant(undefined),
        fc.constant(`Bearer ${ctx.otherToken}`),
        fc.constant(`Bearer ${ctx.token}x`),
        fc.constant(`bearer ${ctx.token.slice(0, -1)}`),
        fc.constant(`Basic ${Buffer.from("a:b").toString("base64")}`),
        printableAscii(600).map((s) => `Bearer ${s}`),
      ),
    },
  );
}

/** Requests of one operation: valid and mutated path, query, headers and body. */
export function requestsOf(op: Operation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const queryParams = op.parameters.filter((p) => p.in === "query");
  const idempotent = op.parameters.some((p) => p.in === "header" && p.name === "Idempotency-Key");
  const queryOverrides: Overrides = {
    wait_for: fc.integer({ min: 0, max: 50 }),
    stream_id: fc.oneof(fc.constantFrom(ctx.streams.own, ctx.streams.other), fc.uuid()),
  };
  return fc
    .record({
      path: fc.tuple(...pathParams.map((p) => pathValue(p, op, ctx))),
      query: queryPart(queryParams, queryOverrides),
      auth: authHeader(ctx),
      idempotencyKey: idempotent
        ? fc.option(fc.oneof(fc.uuid(), printableAscii(300)), { freq: 2 })
        : fc.constant(null),
      contentType: fc.oneof(
        { weight: 11, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      ),
      body: op.body ? fc.option(bodyPart(op, op.body, ctx), { freq: 12 }) : fc.constant(null),
    })
    .map(({ path, query, auth, idempotencyKey, contentType, body }) => {
      let i = 0;
      const pathname = op.path.replace(/\{[^}]+\}/g, () => path[i++] ?? "");
      const search = query.length
        ? `?${query
            .map(([k, v]) => {
              try {
                return `${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
              } catch {
                return `${k}=x`;
              }
            })
            .join("&")}`
        : "";
      const headers: Record<string, string> = {};
      if (auth !== undefined) headers.authorization = auth;
      if (idempotencyKey !== null) headers["idempotency-key"] = idempotencyKey;
      if (body) headers["content-type"] = contentType ?? "application/json";
      return {
        operationId: op.operationId,
        method: op.method,
        url: `${pathname}${search}`,
        headers,
        body: body?.body,
        note: `${body?.kind ?? "no body"}${contentType ? `, ${contentType}` : ""}`,
        carriesNul: /%00/i.test(`${pathname}${search}`),
      };
    });
}
