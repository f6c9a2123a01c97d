import type { MockContext } from "../state/context.js";
import { MockHttpError } from "./errors.js";

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * `Idempotency-Key`: the first request with a key runs; a repeat with the same request gets the
 * first answer back (a concurrent repeat waits for it) and writes nothing; the same key with
 * another request is a 409 `idempotency_key_reused`. Answers that wrote nothing (4xx) are not
 * kept, so a corrected retry can run. Keys live 24 hours on the mock clock.
 */
export async function withIdempotency(
  ctx: MockContext,
  accountId: string,
  key: string | null,
  fingerprint: string,
  requestId: string,
  run: () => Promise<Answer>,
): Promise<Answer> {
  if (key === null) return run();
  const mapKey = `${accountId} ${key}`;
  const existing = ctx.store.idempotency.get(mapKey);
  if (existing && existing.expiresAt > ctx.clock.nowMs()) {
    if (existing.fingerprint !== fingerprint) {
      throw new MockHttpError(
        409,
        "idempotency_key_reused",
        "This Idempotency-Key was used with a different request; use a new key",
      );
    }
    try {
      const first = await existing.answer;
      return { ...first, headers: { ...first.headers, "Idempotent-Replayed": "true" } };
    } catch {
      // The first attempt wrote nothing and was forgotten: run this one as a first attempt.
      return withIdempotency(ctx, accountId, key, fingerprint, requestId, run);
    }
  }

  let settle!: { resolve: (a: Answer) => void; reject: (e: unknown) => void };
  const answer = new Promise<Answer>((resolve, reject) => {
    settle = { resolve, reject };
  });
  answer.catch(() => {});
  ctx.store.idempotency.set(mapKey, {
    fingerprint,
    expiresAt: ctx.clock.nowMs() + KEEP_MS,
    answer,
  });
  try {
    const result = await run();
    settle.resolve(result);
    return result;
  } catch (error) {
    if (ctx.store.idempotency.get(mapKey)?.answer === answer) ctx.store.idempotency.delete(mapKey);
    settle.reject(error);
    throw error;
  }
}

/** Same method, path and JSON body (key order ignored) means the same request. */
export function fingerprintOf(method: string, path: string, body: unknown): string {
  return `${method.toUpperCase()} ${path} ${canonicalJson(body)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
