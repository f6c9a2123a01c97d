import { z } from "zod";
import type { Upstream, UpstreamMutation, UpstreamRecord } from "./upstream.js";
import { UpstreamError } from "./upstream.js";

/** Options of the HTTP upstream. */
export interface HttpUpstreamOptions {
  /** Where mutations are POSTed. Required. */
  url: string;
  /** Sent as `Authorization: Bearer`. Default none. */
  token?: string | undefined;
  /** Give up after this many ms (answered 504). Default 10000. */
  timeoutMs?: number;
  /** The fetch to use. Default the global one. */
  fetch?: typeof fetch;
}

const zAnswer = z.object({
  records: z.array(
    z.object({
      upstream_id: z.string().min(1),
      data: z.record(z.string(), z.unknown()),
      deleted: z.boolean().optional(),
      upstream_created_at: z.string().nullish(),
      upstream_updated_at: z.string().nullish(),
    }),
  ),
});

/** The upstream's own words, shortened: passed through to the caller. */
function upstreamMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = body.error ?? body.message;
    if (typeof message === "string") return message.slice(0, 500);
  } catch {
    // not JSON
  }
  return text.slice(0, 500) || "no message";
}

/**
 * Forwards each mutation to an HTTP endpoint that applies it to the real API (Salesforce,
 * Stripe...) and answers `{ records: [{ upstream_id, data, deleted?, upstream_updated_at? }] }`
 * with the objects as they now are, in request order. A request that carried an Idempotency-Key
 * is forwarded with an `Idempotency-Key` header derived from it, the same for every retry (see
 * upstreamIdempotencyKey): an upstream that deduplicates by it creates each object once, even
 * when this server died while the call was in flight. Its 4xx answers are passed through with
 * their status; 5xx, unreadable answers and connection failures become 502; a timeout 504.
 */
export function httpUpstream(options: HttpUpstreamOptions): Upstream {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  return {
    async apply(m: UpstreamMutation): Promise<UpstreamRecord[]> {
      const body = {
        kind: m.kind,
        collection_id: m.collectionId,
        ...(m.syncId ? { sync_id: m.syncId } : {}),
        ...(m.kind === "create" ? { records: m.creates.map((data) => ({ data })) } : {}),
        ...(m.kind === "update"
          ? {
              records: m.updates.map((u) => ({
                upstream_id: u.upstreamId,
                data: u.data,
                current: m.current.get(u.upstreamId)?.data ?? null,
              })),
            }
          : {}),
        ...(m.kind === "delete" ? { upstream_ids: m.deletes } : {}),
      };
      const signal = AbortSignal.any([m.signal, AbortSignal.timeout(timeoutMs)]);
      let res: Response;
      let text: string;
      try {
        res = await doFetch(options.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...(m.idempotencyKey ? { "idempotency-key": m.idempotencyKey } : {}),
          },
          body: JSON.stringify(body),
          signal,
        });
        text = await res.text();
      } catch (err) {
        if (signal.aborted && !m.signal.aborted) {
          throw new UpstreamError(
            504,
            "upstream_timeout",
            `Upstream did not answer within ${timeoutMs} ms`,
          );
        }
        throw new UpstreamError(
          502,
          "upstream_error",
          `Upstream unreachable: ${(err as Error).message}`,
        );
      }
      if (res.status >= 400 && res.status < 500) {
        const status = [400, 404, 409, 422].includes(res.status) ? res.status : 400;
        throw new UpstreamError(
          status,
          "upstream_error",
          `Upstream rejected the mutation: ${upstreamMessage(text)}`,
        );
      }
      if (!res.ok) {
        throw new UpstreamError(
          502,
          "upstream_error",
          `Upstream error (HTTP ${res.status}): ${upstreamMessage(text)}`,
        );
      }
      let parsed: z.infer<typeof zAnswer>;
      try {
        parsed = zAnswer.parse(JSON.parse(text));
      } catch {
        throw new UpstreamError(502, "upstream_error", "Upstream answered with an unreadable body");
      }
      const expected =
        m.kind === "create"
          ? m.creates.length
          : m.kind === "update"
            ? m.updates.length
            : m.deletes.length;
      if (parsed.records.length !== expected) {
        throw new UpstreamError(
          502,
          "upstream_error",
          `Upstream answered ${parsed.records.length} records for ${expected} in the request`,
        );
      }
      return parsed.records.map((r) => (m.kind === "delete" ? { ...r, deleted: true } : r));
    },
  };
}
