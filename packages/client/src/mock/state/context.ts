import type { Clock } from "../clock/clock.js";
import type { Waker } from "../clock/waker.js";
import type { Store } from "./store.js";

/** What every part of one mock shares: its state, its clock and its wake-ups. */
export interface MockContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly waker: Waker;
}
