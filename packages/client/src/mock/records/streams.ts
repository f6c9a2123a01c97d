import type { components } from "../../generated/openapi.gen.js";
import { conflict, MockHttpError, notFound } from "../http/errors.js";
import { type Page, paginate } from "../http/pagination.js";
import type { MockContext } from "../state/context.js";
import { uuid } from "../state/ids.js";
import type { StreamState, WireStream } from "../state/store.js";
import { pruneEvents } from "./events.js";

/** Every account has a stream of this name; consumers and mutations without `stream_id` use it. */
export const DEFAULT_STREAM_NAME = "default";
const DEFAULT_EVENT_RETENTION_MS = 604_800_000;

export function createStream(
  ctx: MockContext,
  accountId: string,
  input: components["schemas"]["StreamCreate"],
): WireStream {
  for (const state of ctx.store.streams.values()) {
    if (state.accountId === accountId && state.stream.name === input.name) {
      throw conflict(`A stream named ${input.name} already exists`);
    }
  }
  const now = ctx.clock.iso();
  const stream: WireStream = {
    id: uuid(),
    name: input.name,
    event_retention_ms: input.event_retention_ms ?? DEFAULT_EVENT_RETENTION_MS,
    created_at: now,
    updated_at: now,
  };
  ctx.store.streams.set(stream.id, {
    accountId,
    stream,
    order: ctx.store.nextOrder(),
    records: new Map(),
    events: [],
  });
  return stream;
}

/** The stream with this id in this account; another account's stream is a 404 like a missing one. */
export function getStream(ctx: MockContext, accountId: string, streamId: string): StreamState {
  const state = ctx.store.streams.get(streamId);
  if (!state || state.accountId !== accountId) throw notFound("Stream", streamId);
  return state;
}

/** The given stream, or the account's default stream when `streamId` is left out. */
export function resolveStream(
  ctx: MockContext,
  accountId: string,
  streamId: string | undefined,
): StreamState {
  if (streamId !== undefined) return getStream(ctx, accountId, streamId);
  for (const state of ctx.store.streams.values()) {
    if (state.accountId === accountId && state.stream.name === DEFAULT_STREAM_NAME) return state;
  }
  throw new MockHttpError(404, "not_found", "This account has no default stream; pass stream_id");
}

export function listStreams(
  ctx: MockContext,
  accountId: string,
  query: { cursor?: string | undefined; limit: number },
): Page<WireStream> {
  const mine = [...ctx.store.streams.values()].filter((s) => s.accountId === accountId);
  const page = paginate(mine, (s) => s.order, query);
  return { data: page.data.map((s) => s.stream), next_cursor: page.next_cursor };
}

/** Refuses while consumers read the stream, so no worker loses its source silently; the default stream stays. */
export function deleteStream(
  ctx: MockContext,
  accountId: string,
  streamId: string,
): { id: string; deleted: true } {
  const state = getStream(ctx, accountId, streamId);
  if (state.stream.name === DEFAULT_STREAM_NAME)
    throw conflict("The default stream cannot be deleted");
  const consumers = [...ctx.store.consumers.values()].filter(
    (c) => c.consumer.stream_id === streamId,
  );
  if (consumers.length > 0) {
    throw conflict(
      `Stream ${streamId} still has ${consumers.length} consumer(s); delete them first`,
    );
  }
  for (const record of state.records.values()) ctx.store.recordsById.delete(record.id);
  ctx.store.streams.delete(streamId);
  return { id: streamId, deleted: true };
}

/** Records (latest versions, deleted ones included) and retained events of a stream. */
export function streamStats(
  ctx: MockContext,
  state: StreamState,
): components["schemas"]["StreamStats"] {
  pruneEvents(ctx, state);
  return {
    stream_id: state.stream.id,
    record_count: state.records.size,
    event_count: state.events.length,
  };
}
