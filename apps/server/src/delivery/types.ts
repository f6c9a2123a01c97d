import type { Message } from "../api-types.js";
import type { ConsumerState } from "./counts.js";

// What a lease takes and gives. The lease itself is windowLease (window.ts, migration 0009).

/** What one lease attempt produced. */
export interface LeaseResult {
  /** The consumer the reference named. */
  consumer: { id: string; streamId: string };
  messages: Message[];
  /** Rows moved to dead letters instead of being leased (they took places in the batch). */
  deadLettered: number;
  /** The consumer's counts right after the lease. */
  state: ConsumerState;
}

/** Whose lease: the account, the consumer's id or name, and the bearer token to check. */
export interface LeaseTarget {
  accountId: string;
  /** The consumer's id or name (an id wins over a name, as in resolveConsumer). */
  consumer: string;
  /**
   * sha256 of the request's bearer token: the lease checks that it is still live in the same
   * statement (401 if not). Undefined when the caller has checked it already.
   */
  tokenHash?: Buffer;
}
