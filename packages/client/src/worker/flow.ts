/** What the poll loop knows when it decides whether (and how much) to lease. */
export interface FlowState {
  /** Units leased and not started (messages, or batches with a batch handler). */
  buffered: number;
  /** Units in a handler. */
  running: number;
  concurrency: number;
  prefetch: number;
  batchSize: number;
  /** A batch handler takes one `next` answer as one unit. */
  batches: boolean;
}

/** Most units leased at once: every slot busy and `prefetch` waiting. */
export function maxUnits(state: FlowState): number {
  return state.concurrency + state.prefetch;
}

/**
 * Whether to lease more now. With a single-message handler, wait until half of the room is
 * free, so that requests carry several messages, unless a slot is idle with nothing buffered.
 */
export function canPoll(state: FlowState): boolean {
  const free = maxUnits(state) - state.buffered - state.running;
  if (free <= 0) return false;
  if (state.batches) return true;
  const threshold = Math.min(state.batchSize, Math.ceil(maxUnits(state) / 2));
  return free >= threshold || (state.buffered === 0 && state.running < state.concurrency);
}

/** The `batch_size` of the next request: the free room, capped by `batchSize`. */
export function pollSize(state: FlowState): number {
  if (state.batches) return state.batchSize;
  const free = maxUnits(state) - state.buffered - state.running;
  return Math.max(1, Math.min(state.batchSize, free));
}
