import type { SequinRecord } from "../api-types.js";

/** A validated mutation, as handed to the upstream API. */
export interface UpstreamMutation {
  kind: "create" | "update" | "delete";
  collectionId: string;
  streamId: string;
  /** Set on created records; updates and deletes only touch records of this sync. */
  syncId: string | undefined;
  /** create: the data of each new object. */
  creates: Record<string, unknown>[];
  /** update: the upstream id and the fields to change. */
  updates: { upstreamId: string; data: Record<string, unknown> }[];
  /** delete: upstream ids. */
  deletes: string[];
  /** The stream's current version of each record updated or deleted, by upstream id. */
  current: ReadonlyMap<string, SequinRecord>;
  /** Aborted when the client went away or the server is closing. */
  signal: AbortSignal;
  /**
   * Set when the request carried an `Idempotency-Key`: derived from it (see
   * upstreamIdempotencyKey in mutation-claims.ts), the same for every retry of that request, so an upstream
   * that deduplicates by it applies the mutation once even if this server died mid-call.
   */
  idempotencyKey?: string | undefined;
}

/** One object as the upstream has it after the mutation, in request order. */
export interface UpstreamRecord {
  upstream_id: string;
  /** The whole object, or (with `merge`) the fields to change. */
  data: Record<string, unknown>;
  /** `data` is partial: merged onto the stored object under the row lock. */
  merge?: boolean;
  deleted?: boolean;
  upstream_created_at?: string | null;
  /** Left out: the write time, later than the stored one. */
  upstream_updated_at?: string | null;
}

/** Where mutations are applied before they are written to the stream. */
export interface Upstream {
  apply(mutation: UpstreamMutation): Promise<UpstreamRecord[]>;
}

/** The upstream refused or failed; mapped to a 4xx, 502 or 504 with its message. */
export class UpstreamError extends Error {
  constructor(
    /** The HTTP status to answer with. */
    readonly status: number,
    /** `upstream_error` or `upstream_timeout`. */
    readonly code: "upstream_error" | "upstream_timeout",
    message: string,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}
