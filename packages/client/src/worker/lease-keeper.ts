import { LeaseLostError } from "../errors.js";
import type { Held } from "./held.js";
import type { Reporter } from "./reporter.js";
import type { ConsumerClient } from "./types.js";

export interface LeaseKeeperOptions<Data extends object> {
  client: ConsumerClient;
  consumer: string;
  ackWaitMs: number;
  reporter: Reporter<Data>;
  /** Called when the server says a held message's lease is over. */
  onLost(held: Held<Data>): void;
}

const MAX_TOKENS = 1000;

/**
 * Keeps the leases of held messages alive: each is extended by `ackWaitMs` once half of its
 * lease has passed, so a slow handler's message is not redelivered to another worker behind its
 * back. One timer checks four times per `ackWaitMs`; due tokens go out in one request.
 */
export class LeaseKeeper<Data extends object> {
  readonly #options: LeaseKeeperOptions<Data>;
  readonly #held = new Set<Held<Data>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticking = false;

  constructor(options: LeaseKeeperOptions<Data>) {
    this.#options = options;
  }

  start(): void {
    const interval = Math.max(10, Math.floor(this.#options.ackWaitMs / 4));
    this.#timer = setInterval(() => void this.#tick(), interval);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  track(held: Held<Data>): void {
    // The lease began before the answer arrived, so counting from receipt errs on the early side.
    held.extendAt = held.receivedAt + this.#options.ackWaitMs / 2;
    this.#held.add(held);
  }

  release(held: Held<Data>): void {
    this.#held.delete(held);
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return;
    const now = Date.now();
    const due = [...this.#held].filter((held) => held.extendAt <= now);
    if (due.length === 0) return;
    this.#ticking = true;
    try {
      for (let i = 0; i < due.length; i += MAX_TOKENS)
        await this.#extend(due.slice(i, i + MAX_TOKENS));
    } finally {
      this.#ticking = false;
    }
  }

  async #extend(batch: Held<Data>[]): Promise<void> {
    const { client, consumer, ackWaitMs, reporter, onLost } = this.#options;
    const sentAt = Date.now();
    try {
      // An extension that arrives after the lease ended is useless: fail fast, retry next tick.
      const answer = await client.extendLeases(
        consumer,
        batch.map((held) => held.token),
        { extend_ms: ackWaitMs },
        { timeout: Math.max(1_000, Math.floor(ackWaitMs / 2)), maxRetries: 0 },
      );
      const unknown = new Set(answer.unknown_ack_tokens);
      for (const held of batch) {
        // Finished meanwhile: its ack or nack reports the state of the lease.
        if (!this.#held.has(held)) continue;
        if (unknown.has(held.token)) {
          held.leaseLost = true;
          this.#held.delete(held);
          const error = new LeaseLostError("The lease was lost while the message was held", {
            ackToken: held.token,
          });
          held.controller?.abort(error);
          reporter.leaseLost(held.message, "extend", error);
          onLost(held);
        } else {
          held.extendAt = sentAt + ackWaitMs / 2;
        }
      }
    } catch (error) {
      // Left due: the next tick tries again while the lease still runs.
      reporter.error(error, { during: "extend" });
    }
  }
}
