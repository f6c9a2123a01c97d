import type { components } from "../generated/openapi.gen.js";
import { findConsumer } from "./consumers.js";
import type { MockContext } from "./context.js";
import { consumerInfo, leaseMessages, nextLeaseExpiry } from "./leases.js";

/**
 * `next`: leases at once when anything is visible; otherwise parks until a write, nack, ack or
 * redrive wakes this consumer, a lease expires, or `wait_for` (mock clock) has passed. A consumer
 * deleted meanwhile answers at once with nothing.
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
    const { messages, deadLettered } = leaseMessages(ctx, state, params.batch_size);
    if (messages.length > 0 || ctx.clock.nowMs() >= deadline || signal?.aborted) {
      return { data: messages, info: consumerInfo(ctx, state) };
    }
    // Dead letters took the batch's places: look again at once.
    if (deadLettered > 0) continue;
    const expiry = nextLeaseExpiry(ctx, state);
    await ctx.waker.wait([state.consumer.id], Math.min(deadline, expiry ?? deadline), signal);
  }
}
