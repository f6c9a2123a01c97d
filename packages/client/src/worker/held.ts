import type { Message } from "../types.js";

/** A message this worker holds a lease on, from `next` until its outcome is queued. */
export interface Held<Data extends object> {
  readonly message: Message<Data>;
  readonly token: string;
  readonly receivedAt: number;
  /** `buffered`: leased, not started; `running`: in a handler; `done`: outcome decided. */
  state: "buffered" | "running" | "done";
  /** The server said the lease is over: the outcome of this message is not sent. */
  leaseLost: boolean;
  /** When the lease keeper extends this lease next (epoch ms). */
  extendAt: number;
  /** Aborts the handler working on this message. */
  controller?: AbortController;
}

export function hold<Data extends object>(message: Message<Data>, now: number): Held<Data> {
  return {
    message,
    token: message.ack_token,
    receivedAt: now,
    state: "buffered",
    leaseLost: false,
    extendAt: Number.POSITIVE_INFINITY,
  };
}
