import type { zRunMutationBody } from "@sequin/client/schemas";
import type { z } from "zod";
import { type ErrorDetail, validationFailed } from "../http/errors.js";

type Body = z.output<typeof zRunMutationBody>;

/** A mutation whose shape matches its kind. */
export interface NormalizedMutation {
  kind: Body["kind"];
  collectionId: string;
  streamId: string | undefined;
  syncId: string | undefined;
  creates: Record<string, unknown>[];
  updates: { upstreamId: string; data: Record<string, unknown> }[];
  deletes: string[];
  awaitConsumers: string[];
  awaitTimeoutMs: number;
}

/**
 * The schema allows `records` and `upstream_ids` on any kind; this checks what each kind needs:
 * creates `records` of `{data}`, updates `records` of `{upstream_id, data}`, deletes
 * `upstream_ids` — and no upstream id twice. Anything else is a 422 naming the field.
 */
export function normalizeMutation(body: Body): NormalizedMutation {
  const details: ErrorDetail[] = [];
  const records = body.records ?? [];
  const upstreamIds = body.upstream_ids ?? [];
  const creates: NormalizedMutation["creates"] = [];
  const updates: NormalizedMutation["updates"] = [];

  if (body.kind === "delete") {
    if (body.records)
      details.push({ path: "records", message: "not allowed for kind delete; use upstream_ids" });
    if (!body.upstream_ids)
      details.push({ path: "upstream_ids", message: "Required for kind delete" });
  } else {
    if (body.upstream_ids)
      details.push({
        path: "upstream_ids",
        message: `not allowed for kind ${body.kind}; use records`,
      });
    if (!body.records) details.push({ path: "records", message: `Required for kind ${body.kind}` });
  }
  records.forEach((record, i) => {
    const upstreamId = "upstream_id" in record ? record.upstream_id : undefined;
    if (body.kind === "create") {
      if (upstreamId !== undefined) {
        details.push({ path: `records.${i}.upstream_id`, message: "not allowed for kind create" });
      }
      creates.push(record.data);
    } else if (body.kind === "update") {
      if (upstreamId === undefined)
        details.push({ path: `records.${i}.upstream_id`, message: "Required for kind update" });
      else updates.push({ upstreamId, data: record.data });
    }
  });
  const seen = new Set<string>();
  const ids = body.kind === "delete" ? upstreamIds : updates.map((u) => u.upstreamId);
  ids.forEach((id, i) => {
    if (seen.has(id)) {
      const path = body.kind === "delete" ? `upstream_ids.${i}` : `records.${i}.upstream_id`;
      details.push({ path, message: `upstream id ${id} appears more than once` });
    }
    seen.add(id);
  });
  const awaitIds = body.await_consumer_ids ?? [];
  if (new Set(awaitIds).size !== awaitIds.length) {
    details.push({ path: "await_consumer_ids", message: "a consumer appears more than once" });
  }
  if (details.length > 0) throw validationFailed(details);
  return {
    kind: body.kind,
    collectionId: body.collection_id,
    streamId: body.stream_id,
    syncId: body.sync_id,
    creates,
    updates,
    deletes: body.kind === "delete" ? upstreamIds : [],
    awaitConsumers: awaitIds,
    awaitTimeoutMs: body.await_consumers_timeout ?? 30_000,
  };
}
