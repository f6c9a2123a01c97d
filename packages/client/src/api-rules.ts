import type { z } from "zod";
import type { components } from "./generated/openapi.gen.js";

type ConsumerCreate = components["schemas"]["ConsumerCreate"];
type Consumer = components["schemas"]["Consumer"];
type ErrorDetail = components["schemas"]["ErrorDetail"];

/** One field that breaks a rule the spec's schemas cannot express. */
export interface RuleProblem {
  path: string;
  message: string;
}

/**
 * A new consumer's `ordering` and `key_path`, as the server decides them: record consumers are
 * per-key by construction (one message per record) and take no other setting; event consumers
 * default to `per_key`; a key path only means something with `per_key`. `problems` lists what
 * the input got wrong (a 422 naming those fields); the server and the mock both use this.
 */
export function consumerOrdering(
  kind: "record" | "event",
  input: Pick<ConsumerCreate, "ordering" | "key_path">,
): Pick<Consumer, "ordering" | "key_path"> & { problems: RuleProblem[] } {
  const keyPath = input.key_path ?? null;
  const problems: RuleProblem[] = [];
  if (kind === "record") {
    if (input.ordering === "none") {
      problems.push({
        path: "ordering",
        message: "record consumers deliver one message per record: ordering is always per_key",
      });
    }
    if (keyPath !== null) {
      problems.push({
        path: "key_path",
        message: "record consumers are keyed by the record: key_path is for event consumers",
      });
    }
    return { ordering: "per_key", key_path: null, problems };
  }
  const ordering = input.ordering ?? "per_key";
  if (ordering === "none" && keyPath !== null) {
    problems.push({ path: "key_path", message: "a key path needs ordering: per_key" });
  }
  return { ordering, key_path: keyPath, problems };
}

/** The deepest nesting of a JSON body the server stores (Postgres' jsonb has its own limits). */
export const MAX_JSON_DEPTH = 100;

/** A UTF-16 surrogate without its pair: JSON.parse accepts one, Postgres' jsonb does not. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What in a string Postgres' text cannot hold (NUL, a lone surrogate); undefined when nothing. */
export function badText(text: string): string | undefined {
  if (text.includes("\u0000")) return "NUL characters";
  if (LONE_SURROGATE.test(text)) return "unpaired UTF-16 surrogates (\\ud800-\\udfff)";
  return undefined;
}

/**
 * What in a parsed JSON body Postgres could not store: NUL characters and unpaired surrogates in
 * strings or field names, nesting deeper than {@link MAX_JSON_DEPTH}. At most 10 problems; the
 * server and the mock answer them with the same 422.
 */
export function storableJsonProblems(body: unknown): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const scan = (value: unknown, path: string[], depth: number): void => {
    if (problems.length >= 10) return;
    const where = path.join(".") || "body";
    if (typeof value === "string") {
      const bad = badText(value);
      if (bad) problems.push({ path: where, message: `must not contain ${bad}` });
      return;
    }
    if (value === null || typeof value !== "object") return;
    if (depth > MAX_JSON_DEPTH) {
      problems.push({ path: where, message: `is nested deeper than ${MAX_JSON_DEPTH} levels` });
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const bad = badText(key);
      if (bad) {
        problems.push({
          path: [...path, key].join("."),
          message: `field names must not contain ${bad}`,
        });
      }
      scan(child, [...path, key], depth + 1);
    }
  };
  scan(body, [], 0);
  return problems;
}

/**
 * The `provider` of a record a `create` mutation makes: the part of `collection_id` before its
 * first `:` (`salesforce` for `salesforce:contact`), the way Sequin names collections; null when
 * there is none. A create carries no provider of its own, and a consumer filtered on a provider
 * must still receive what was created in its collections.
 */
export function createdRecordProvider(collectionId: string): string | null {
  const colon = collectionId.indexOf(":");
  return colon > 0 ? collectionId.slice(0, colon) : null;
}

/**
 * The 404 detail for the `index`th upstream id of an update or delete that names no record of
 * the stream (of `syncId`, when the mutation names one): the field is `upstream_ids.N` for a
 * delete, `records.N.upstream_id` for an update.
 */
export function unknownUpstreamRecord(
  kind: "update" | "delete",
  index: number,
  ref: { collectionId: string; upstreamId: string; syncId?: string | undefined },
): RuleProblem {
  const sync = ref.syncId ? ` in sync ${ref.syncId}` : "";
  return {
    path: kind === "delete" ? `upstream_ids.${index}` : `records.${index}.upstream_id`,
    message: `no ${ref.collectionId} record with upstream id ${ref.upstreamId}${sync}`,
  };
}

/** The 404 detail for the `index`th entry of `await_consumer_ids` when it names no consumer. */
export function unknownAwaitedConsumer(index: number, ref: string): RuleProblem {
  return { path: `await_consumer_ids.${index}`, message: `no consumer ${ref}` };
}

/**
 * The `error` and `docs` of a mutation's `consumers_timeout` (the 500 also carries the records
 * written). Sequin's wording, kept for wire compatibility: it names each consumer that did not
 * ack by its id, whether the request named it by id or by name, in the request's order.
 */
export function consumersTimeout(consumerIds: string[]): { error: string; docs: string[] } {
  return {
    error: `Error: Timed out waiting for consumers: ${consumerIds.join(", ")}`,
    docs: ["/docs#tag/Mutations"],
  };
}

/**
 * The Content-Type of every JSON answer. Express's `res.json` writes exactly this; JSON is UTF-8
 * anyway, but a client that compares the header must see the same on the server and the mock.
 */
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/**
 * The `details` of a 400 or 422 built from zod's issues, one entry per field. Each unknown field
 * is named on its own ("Unknown field") so a caller can see every stray key at once; a missing
 * field says "Required" as the spec's examples do, where zod 4 words it "expected X, received
 * undefined"; an issue about the whole value is put at `root` ("body", "query" or "path").
 * The reference server and the mock both answer with this, so their details cannot drift.
 */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[], root = "body"): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        details.push({ path: path ? `${path}.${key}` : key, message: "Unknown field" });
      }
      continue;
    }
    const missing = issue.code === "invalid_type" && issue.message.endsWith("received undefined");
    details.push({ path: path || root, message: missing ? "Required" : issue.message });
  }
  return details;
}

/** The type under `optional`, `default`, `nullable` and `prefault` wrappers of a zod schema. */
function baseType(schema: z.ZodType): string {
  let def = schema._zod.def as { type: string; innerType?: z.ZodType };
  while (def.innerType && ["optional", "default", "nullable", "prefault"].includes(def.type)) {
    def = def.innerType._zod.def as { type: string; innerType?: z.ZodType };
  }
  return def.type;
}

/**
 * Query values arrive as text: those of `schema`'s integer parameters (a generated query schema)
 * become numbers before it validates them; text that is not a whole number of at most 15 digits
 * is a problem naming the parameter. Everything else is returned as it came.
 */
export function queryIntegers(
  schema: z.ZodObject,
  query: Readonly<Record<string, unknown>>,
): { query: Record<string, unknown>; problems: RuleProblem[] } {
  const converted: Record<string, unknown> = { ...query };
  const problems: RuleProblem[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    const value = converted[key];
    if (typeof value !== "string" || baseType(field as z.ZodType) !== "number") continue;
    if (/^-?\d{1,15}$/.test(value.trim())) converted[key] = Number(value);
    else problems.push({ path: key, message: "must be an integer" });
  }
  return { query: converted, problems };
}

/**
 * The `error` message of an answer that has field `details`: the first three as
 * `path: message`, then how many more, so a log line names the fields without growing unbounded.
 */
export function summarizeDetails(details: readonly ErrorDetail[]): string {
  const shown = details.slice(0, 3).map((d) => `${d.path}: ${d.message}`);
  if (details.length > 3) shown.push(`and ${details.length - 3} more`);
  return shown.join("; ");
}

/**
 * A caller's `X-Request-Id` that is echoed as it is: printable, no spaces, at most 128 characters,
 * so it is safe to put in logs and headers. Anything else is replaced by a fresh id.
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of a request, sent back as `X-Request-Id` and in every error's `request_id`: the
 * caller's own when it matches {@link REQUEST_ID_PATTERN}, else `req_` and 12 random base64url
 * characters. The reference server and the mock both decide it here.
 */
export function requestIdFor(incoming: string | null | undefined): string {
  return incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : newRequestId();
}

// Web Crypto and btoa, not node:crypto: the mock also runs in a browser under MSW's worker.
function newRequestId(): string {
  // 9 bytes are 12 base64 characters exactly, so there is no padding to strip.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(9));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `req_${base64.replace(/\+/g, "-").replace(/\//g, "_")}`;
}

/** base64url without padding, as tokens and cursors use it; undefined when `text` is not that. */
export function base64UrlToBytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

export function bytesToBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * An ack token: base64url(the delivery's position as 8 bytes || 16 bytes that bind it to one
 * delivery || the end of the lease it was issued with, ms since the epoch, 8 bytes || the first
 * 4 bytes of its consumer's id), 48 characters. The server's 16 bytes are the lease id; the
 * mock's are random. Tokens of 32 characters (position and binding only) were issued before the
 * lease end was added, and still settle.
 */
export function encodeAckToken(
  position: bigint,
  binding: Uint8Array,
  leaseEndMs: number,
  consumerId: string,
): string {
  const bytes = new Uint8Array(36);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, position);
  bytes.set(binding.subarray(0, 16), 8);
  view.setBigInt64(24, BigInt(Math.round(leaseEndMs)));
  view.setUint32(32, consumerTag(consumerId));
  return bytesToBase64Url(bytes);
}

/** The first 4 bytes of a consumer's id (a UUID), as the token carries them. */
function consumerTag(consumerId: string): number {
  return Number.parseInt(consumerId.slice(0, 8), 16) >>> 0;
}

/** The parts of a token that could have been issued (position >= 1); undefined for any other. */
export function decodeAckToken(token: string):
  | {
      position: bigint;
      binding: Uint8Array;
      /** Absent from tokens of the earlier format. */
      lease?: { endMs: number; consumerTag: number };
    }
  | undefined {
  if (!/^(?:[A-Za-z0-9_-]{32}|[A-Za-z0-9_-]{48})$/.test(token)) return undefined;
  const bytes = base64UrlToBytes(token);
  if (!bytes || (bytes.length !== 24 && bytes.length !== 36) || bytesToBase64Url(bytes) !== token)
    return undefined;
  const view = new DataView(bytes.buffer);
  const position = view.getBigInt64(0);
  if (position <= 0n) return undefined;
  const binding = bytes.slice(8, 24);
  if (bytes.length === 24) return { position, binding };
  return {
    position,
    binding,
    lease: { endMs: Number(view.getBigInt64(24)), consumerTag: view.getUint32(32) },
  };
}

/**
 * Splits the tokens that named no current delivery of consumer `consumerId`: one of that
 * consumer whose lease (as the token says) still runs at `nowMs` is no longer held although its
 * lease was not over, so it was settled already (an ack, nack or term; or a rewind dropped it);
 * the rest are `unknown`.
 */
export function unmatchedAckTokens(
  tokens: readonly string[],
  nowMs: number,
  consumerId: string,
): { unknown: string[]; settled: string[] } {
  const unknown: string[] = [];
  const settled: string[] = [];
  const tag = consumerTag(consumerId);
  for (const token of tokens) {
    const lease = decodeAckToken(token)?.lease;
    (lease && lease.endMs > nowMs && lease.consumerTag === tag ? settled : unknown).push(token);
  }
  return { unknown, settled };
}

/**
 * The tokens of a request that could not have been issued, each named (a 400). A well-formed
 * token that names no current delivery is not a problem: the answer lists it as unknown.
 */
export function ackTokenProblems(tokens: readonly string[]): RuleProblem[] {
  return tokens.flatMap((token, i) =>
    decodeAckToken(token)
      ? []
      : [{ path: `ack_tokens.${i}`, message: "is not an ack token issued by this server" }],
  );
}
