import type { components } from "../../generated/openapi.gen.js";
import { findConsumer } from "../consumers/consumers.js";
import { isPaused } from "../consumers/pause.js";
import type { MockContext } from "../state/context.js";
import { nextChange } from "./availability.js";
import { consumerInfo, leaseMessages } from "./leases.js";

/**
 * `next`: leases at once when anything is visible; otherwise parks until a write, nack, ack,
 * redrive, rewind or resume wakes this consumer, a lease expires, a message is done waiting out
 * its backoff, a timed pause ends, or `wait_for` (mock clock) has passed. A paused consumer hands
 * out nothing. A consumer deleted meanwhile answers at once with nothing.
 */
export async function receiveMessages(
  ctx: MockContext,
  accountId: string,
  ref: string,
  params: { batch_size: number; wait_for: number },
  signal?: AbortSignal,
): Promise<components["schemas"]["NextResponse"]> {
  const state = findConsumer(ctx, accountId, ref);
  const deadline = ctx.clock.nowMs() + params.wait_for;
  for (;;) {
    if (ctx.store.consumers.get(state.consumer.id) !== state) {
      return { data: [], info: { num_pending: 0, num_ack_pending: 0 } };
    }
    const { messages, deadLettered } = isPaused(ctx, state)
      ? { messages: [], deadLettered: 0 }
      : leaseMessages(ctx, state, params.batch_size);
    // Dead letters took the batch's places and nothing was leased: look again at once, before
    // the deadline counts, as the server does (a `next` without wait_for must not answer empty
    // while messages wait behind the ones that just died).
    if (messages.length === 0 && deadLettered > 0 && !signal?.aborted) continue;
    if (messages.length > 0 || ctx.clock.nowMs() >= deadline || signal?.aborted) {
      return { data: messages, info: consumerInfo(ctx, state) };
    }
    const change = nextChange(ctx, state);
    await ctx.waker.wait([state.consumer.id], Math.min(deadline, change ?? deadline), signal);
  }
}
