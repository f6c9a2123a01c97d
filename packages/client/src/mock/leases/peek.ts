import type { components } from "../../generated/openapi.gen.js";
import { pruneEvents } from "../records/events.js";
import type { MockContext } from "../state/context.js";
import type { ConsumerState } from "../state/store.js";
import { isDead, isLeased, recordOf, retryTime } from "./availability.js";
import { consumerInfo } from "./leases.js";

type Schemas = components["schemas"];

/**
 * `GET .../messages`: the consumer's first live messages in `seq` order, changing nothing (the
 * server's peek). A pending record that changed since its last delivery shows 0 deliveries, as
 * its next lease counts from 1 again. `retry_at` says when a message waiting out a nack's delay
 * or the backoff can be leased; `last_error` is the reason of its last nack that gave one.
 */
export function peekMessages(
  ctx: MockContext,
  state: ConsumerState,
  limit: number,
): Schemas["PeekResponse"] {
  const stream = ctx.store.streams.get(state.consumer.stream_id);
  if (stream && state.consumer.kind === "event") pruneEvents(ctx, stream);
  const now = ctx.clock.nowMs();
  const data: Schemas["PeekedMessage"][] = [];
  for (const row of [...state.rows.values()].sort((a, b) => a.seq - b.seq)) {
    if (data.length >= limit) break;
    const record = recordOf(ctx, row);
    if (!record && !row.event) continue;
    const leased = isLeased(row, now);
    const stale = record !== undefined && row.deliveredIdx !== record.updated_idx;
    // A message bound for dead letters does not wait: it goes at the next lease.
    const retry =
      leased || isDead(state.consumer, row, record) ? 0 : retryTime(state.consumer, row, record);
    const message: Schemas["PeekedMessage"] = {
      id: String(row.seq),
      state: leased ? "leased" : "pending",
      deliver_count: !leased && stale ? 0 : row.deliverCount,
      lease_expires_at: leased ? new Date(row.leasedUntil!).toISOString() : null,
      retry_at: retry > now ? new Date(retry).toISOString() : null,
      last_error: row.lastError,
    };
    if (record) message.record = record;
    else if (row.event) message.event = row.event;
    data.push(message);
  }
  return { data, info: { ...consumerInfo(ctx, state), num_dead_letters: state.deadLetters.size } };
}
