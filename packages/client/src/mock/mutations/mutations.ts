import {
  consumersTimeout,
  createdRecordProvider,
  type RuleProblem,
  unknownAwaitedConsumer,
  unknownUpstreamRecord,
} from "../../api-rules.js";
import type { components } from "../../generated/openapi.gen.js";
import { lookupConsumer } from "../consumers/consumers.js";
import { eventRowKey, recordRowKey } from "../consumers/fan-out.js";
import { MockHttpError, notFoundFields, validationFailed } from "../http/errors.js";
import { type UpsertOutcome, upsertRecord } from "../records/records.js";
import { resolveStream } from "../records/streams.js";
import type { MockContext } from "../state/context.js";
import {
  type ConsumerState,
  recordKey,
  type StreamState,
  type WireRecord,
} from "../state/store.js";

type Schemas = components["schemas"];
type MutationRequest = Schemas["MutationRequest"];

/** A checked mutation, ready to write: its stream and awaited consumers. */
export interface PreparedMutation {
  input: MutationRequest;
  stream: StreamState;
  awaited: ConsumerState[];
}

/** What a mutation wrote: kept under the Idempotency-Key, so a retry waits on the same versions. */
export interface WrittenMutation {
  records: WireRecord[];
  /** The record and event ids of each version written (`event` null: nothing changed). */
  versions: { recordId: string; eventId: string | null }[];
}

/**
 * Checks a mutation before its Idempotency-Key is looked at, as the server does: its shape, its
 * stream, its awaited consumers. A rejected mutation changes nothing.
 */
export function prepareMutation(
  ctx: MockContext,
  accountId: string,
  input: MutationRequest,
): PreparedMutation {
  checkShape(input);
  const stream = resolveStream(ctx, accountId, input.stream_id);
  const awaited = findAwaited(ctx, accountId, input.await_consumer_ids ?? []);
  return { input, stream, awaited };
}

/**
 * Applies a create, update or delete to the stream (the mock is its own upstream, as the
 * reference server's default upstream is). The targets are looked up here, under the
 * Idempotency-Key: a replay of a delete answers what it deleted rather than a 404, and a 404
 * writes nothing and keeps no answer.
 */
export function writeMutation(ctx: MockContext, prepared: PreparedMutation): WrittenMutation {
  const { input, stream } = prepared;
  const targets = input.kind === "create" ? [] : findTargets(stream, input);
  const now = ctx.clock.iso();
  const outcomes: UpsertOutcome[] = [];
  if (input.kind === "create") {
    for (const { data } of input.records ?? []) {
      outcomes.push(
        upsertRecord(ctx, stream, {
          collection_id: input.collection_id,
          upstream_id: globalThis.crypto.randomUUID(),
          data,
          deleted: false,
          provider: createdRecordProvider(input.collection_id),
          upstream_created_at: now,
          upstream_updated_at: now,
          sync: input.sync_id === undefined ? null : { id: input.sync_id },
        }),
      );
    }
  } else {
    const patches = input.kind === "update" ? (input.records ?? []) : [];
    targets.forEach((target, i) => {
      // Re-read: an earlier item of the same request may have changed this record already.
      const record =
        stream.records.get(recordKey(target.collection_id, target.upstream_id)) ?? target;
      const patch = patches[i]?.data ?? {};
      outcomes.push(
        upsertRecord(ctx, stream, {
          collection_id: record.collection_id,
          upstream_id: record.upstream_id,
          data: input.kind === "update" ? { ...record.data, ...patch } : record.data,
          deleted: input.kind === "delete",
          upstream_updated_at: laterOf(now, record.upstream_updated_at),
        }),
      );
    });
  }
  return {
    records: outcomes.map((o) => o.record),
    versions: outcomes.map((o) => ({ recordId: o.record.id, eventId: o.event?.id ?? null })),
  };
}

/** Waits for `await_consumer_ids`, if any; a timeout is Sequin's 500 with the records written. */
export async function awaitMutation(
  ctx: MockContext,
  prepared: PreparedMutation,
  written: WrittenMutation,
  signal?: AbortSignal,
): Promise<void> {
  await awaitConsumers(
    ctx,
    prepared.awaited,
    written.versions,
    prepared.input.await_consumers_timeout ?? 30_000,
    written.records,
    signal,
  );
}

// Waits until each consumer has acked the versions this mutation produced (or newer ones).
async function awaitConsumers(
  ctx: MockContext,
  consumers: ConsumerState[],
  versions: WrittenMutation["versions"],
  timeoutMs: number,
  records: WireRecord[],
  signal: AbortSignal | undefined,
): Promise<void> {
  if (consumers.length === 0) return;
  const deadline = ctx.clock.nowMs() + timeoutMs;
  for (;;) {
    const waiting = consumers.filter((c) => !isDone(ctx, c, versions));
    if (waiting.length === 0) return;
    if (ctx.clock.nowMs() >= deadline || signal?.aborted) {
      const { error, docs } = consumersTimeout(waiting.map((c) => c.consumer.id));
      throw new MockHttpError(500, "consumers_timeout", error, { records, docs });
    }
    await ctx.waker.wait(
      waiting.map((c) => c.consumer.id),
      deadline,
      signal,
    );
  }
}

/**
 * A message leaves a consumer's rows only when acked (or dead-lettered), and an ack of an older
 * version keeps the row: so "no row and no dead letter" means the produced version or a newer one
 * was acked, or the consumer's filters never wanted it.
 */
function isDone(
  ctx: MockContext,
  state: ConsumerState,
  versions: WrittenMutation["versions"],
): boolean {
  if (ctx.store.consumers.get(state.consumer.id) !== state) return false;
  for (const { eventId, recordId } of versions) {
    if (eventId === null) continue;
    const key = state.consumer.kind === "record" ? recordRowKey(recordId) : eventRowKey(eventId);
    if (state.rows.has(key)) return false;
    for (const dead of state.deadLetters.values()) if (dead.key === key) return false;
  }
  return true;
}

function checkShape(input: MutationRequest): void {
  const details: Schemas["ErrorDetail"][] = [];
  const required = (field: string): number =>
    details.push({ path: field, message: `Required for kind ${input.kind}` });
  const forbidden = (field: string): number =>
    details.push({ path: field, message: `Not allowed for kind ${input.kind}` });
  if (input.kind === "delete") {
    if (input.upstream_ids === undefined) required("upstream_ids");
    if (input.records !== undefined) forbidden("records");
  } else {
    if (input.records === undefined) required("records");
    if (input.upstream_ids !== undefined) forbidden("upstream_ids");
    (input.records ?? []).forEach((record, i) => {
      const hasId = "upstream_id" in record;
      if (input.kind === "create" && hasId) forbidden(`records.${i}.upstream_id`);
      if (input.kind === "update" && !hasId) required(`records.${i}.upstream_id`);
    });
  }
  if (details.length > 0) throw validationFailed(details);
}

/**
 * Updates and deletes name live records (of `sync_id`, when given): a deleted record is none to
 * change or delete again. A 404 names every upstream id that finds nothing, by its field, as the
 * server's does.
 */
function findTargets(stream: StreamState, input: MutationRequest): WireRecord[] {
  const kind = input.kind === "delete" ? "delete" : "update";
  const ids =
    kind === "delete"
      ? (input.upstream_ids ?? [])
      : (input.records ?? []).map((r) => ("upstream_id" in r ? r.upstream_id : ""));
  const missing: RuleProblem[] = [];
  const found: WireRecord[] = [];
  ids.forEach((upstreamId, i) => {
    const record = stream.records.get(recordKey(input.collection_id, upstreamId));
    const inSync = input.sync_id === undefined || record?.sync?.id === input.sync_id;
    if (record && inSync && !record.deleted) {
      found.push(record);
      return;
    }
    const ref = { collectionId: input.collection_id, upstreamId, syncId: input.sync_id };
    missing.push(unknownUpstreamRecord(kind, i, ref));
  });
  if (missing.length > 0) throw notFoundFields(missing);
  return found;
}

/** The awaited consumers, each once; a 404 names every entry that is no consumer of the account. */
function findAwaited(ctx: MockContext, accountId: string, refs: string[]): ConsumerState[] {
  const missing: RuleProblem[] = [];
  const found: ConsumerState[] = [];
  refs.forEach((ref, i) => {
    const state = lookupConsumer(ctx, accountId, ref);
    if (state) found.push(state);
    else missing.push(unknownAwaitedConsumer(i, ref));
  });
  if (missing.length > 0) throw notFoundFields(missing);
  return dedupe(found);
}

// The new version must not look older than the stored one, or the upsert would call it stale.
function laterOf(now: string, stored: string | null): string {
  return stored !== null && Date.parse(stored) > Date.parse(now) ? stored : now;
}

function dedupe(states: ConsumerState[]): ConsumerState[] {
  return [...new Map(states.map((s) => [s.consumer.id, s])).values()];
}
