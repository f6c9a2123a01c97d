import type { components } from "../../generated/openapi.gen.js";
import { invalid } from "../http/validation.js";
import type { MockContext } from "../state/context.js";
import type { ConsumerState, WireConsumer } from "../state/store.js";

type ConsumerUpdate = components["schemas"]["ConsumerUpdate"];
type Pause = Pick<WireConsumer, "paused" | "paused_until">;

export const RUNNING: Pause = { paused: false, paused_until: null };

/**
 * The pause an update asks for, or undefined when it names neither field. `paused: true` pauses
 * until resumed (with a future `paused_until`, until then); a future `paused_until` alone pauses
 * until then; `paused: false`, a null or a past `paused_until` resume. `paused: false` with a
 * future `paused_until` contradicts itself: 422.
 */
export function pauseOf(ctx: MockContext, input: ConsumerUpdate): Pause | undefined {
  const { paused, paused_until: until } = input;
  if (paused === undefined && until === undefined) return undefined;
  const end = until === undefined || until === null ? null : Date.parse(until);
  const future = end !== null && end > ctx.clock.nowMs();
  if (paused === false) {
    if (future) invalid("paused_until", "must not be in the future when paused is false");
    return RUNNING;
  }
  if (future) return { paused: true, paused_until: new Date(end).toISOString() };
  // paused: true with no end (or an explicit null) waits for a resume; a past end is over.
  if (paused === true && end === null) return { paused: true, paused_until: null };
  return RUNNING;
}

/** Ends a timed pause whose time has come, so the consumer shows `paused: false` from then on. */
export function refreshPause(ctx: MockContext, state: ConsumerState): WireConsumer {
  const until = state.consumer.paused_until;
  if (until !== null && Date.parse(until) <= ctx.clock.nowMs()) {
    state.consumer = { ...state.consumer, ...RUNNING };
  }
  return state.consumer;
}

/** Whether `next` hands out nothing right now. */
export function isPaused(ctx: MockContext, state: ConsumerState): boolean {
  return refreshPause(ctx, state).paused;
}
