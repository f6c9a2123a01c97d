import { type BackoffOptions, backoffDelay, sleep } from "../client/backoff.js";
import { LeaseLostError } from "../errors.js";
import { isFinalError } from "./final-errors.js";
import type { Held } from "./held.js";
import type { Reporter } from "./reporter.js";
import type { ConsumerClient } from "./types.js";

type Kind = "ack" | "nack";

interface Entry<Data extends object> {
  held: Held<Data>;
  attempts: number;
}

export interface SettlerOptions<Data extends object> {
  client: ConsumerClient;
  consumer: string;
  /** How long outcomes are gathered before a request sends them. */
  delayMs: number;
  backoff: BackoffOptions;
  reporter: Reporter<Data>;
  /** Attempts per token before it is given up (its lease then expires and it is redelivered). */
  maxAttempts?: number;
}

/** The API takes at most this many tokens per request. */
const MAX_TOKENS = 1000;

/**
 * Sends acks and nacks in batches: tokens are gathered for `delayMs` (or until 1000 are
 * waiting), one request per kind is in flight at a time, and failed requests are retried with
 * backoff. `close()` sends everything that is left and resolves when nothing is pending.
 */
export class Settler<Data extends object> {
  readonly #options: SettlerOptions<Data>;
  readonly #maxAttempts: number;
  readonly #queues: Record<Kind, Entry<Data>[]> = { ack: [], nack: [] };
  readonly #pumps: Partial<Record<Kind, Promise<void>>> = {};
  /** Ends the current gathering pause of a kind early (queue full, or closing). */
  readonly #kicks: Partial<Record<Kind, () => void>> = {};
  #closing = false;

  constructor(options: SettlerOptions<Data>) {
    this.#options = options;
    this.#maxAttempts = options.maxAttempts ?? 4;
  }

  /** Queues the outcome of a message. */
  add(kind: Kind, held: Held<Data>): void {
    const queue = this.#queues[kind];
    queue.push({ held, attempts: 0 });
    if (queue.length >= MAX_TOKENS) this.#kicks[kind]?.();
    void this.#pump(kind);
  }

  /** Sends everything queued and waits until every request has settled. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#kicks.ack?.();
    this.#kicks.nack?.();
    while (this.#queues.ack.length > 0 || this.#queues.nack.length > 0 || this.#busy()) {
      await Promise.all([this.#pump("ack"), this.#pump("nack")]);
    }
  }

  #busy(): boolean {
    return this.#pumps.ack !== undefined || this.#pumps.nack !== undefined;
  }

  #pump(kind: Kind): Promise<void> {
    const running = this.#pumps[kind];
    if (running) return running;
    if (this.#queues[kind].length === 0) return Promise.resolve();
    const pump = this.#drain(kind).finally(() => {
      this.#pumps[kind] = undefined;
      // An outcome added after the drain's last look at the queue but before this line found the
      // pump still running and relied on it: start again, or it would wait for the next add.
      if (this.#queues[kind].length > 0) void this.#pump(kind);
    });
    this.#pumps[kind] = pump;
    return pump;
  }

  /**
   * One request at a time per kind, each after a pause of `delayMs` that gathers more tokens.
   * The pause also bounds how fast a message that fails every time can cycle through
   * nack and redelivery.
   */
  async #drain(kind: Kind): Promise<void> {
    const queue = this.#queues[kind];
    let failures = 0;
    while (queue.length > 0) {
      if (!this.#closing && queue.length < MAX_TOKENS) await this.#gather(kind);
      const batch = queue.splice(0, MAX_TOKENS);
      if (await this.#send(kind, batch)) {
        failures = 0;
        continue;
      }
      const retry = batch.filter((entry) => ++entry.attempts < this.#maxAttempts);
      queue.unshift(...retry);
      // Given-up tokens are redelivered once their lease expires: at-least-once holds.
      if (retry.length > 0) await sleep(backoffDelay(failures++, this.#options.backoff));
    }
  }

  #gather(kind: Kind): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#kicks[kind] = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.#options.delayMs);
      this.#kicks[kind] = done;
    });
  }

  /** Sends one batch; false when it should be tried again. */
  async #send(kind: Kind, batch: Entry<Data>[]): Promise<boolean> {
    const { client, consumer, reporter } = this.#options;
    const tokens = batch.map((entry) => entry.held.token);
    try {
      const answer =
        kind === "ack" ? await client.ack(consumer, tokens) : await client.nack(consumer, tokens);
      const unknown = new Set(answer.unknown_ack_tokens);
      for (const { held } of batch) {
        if (unknown.has(held.token)) {
          const lost = new LeaseLostError(`The lease was over before the ${kind} was sent`, {
            ackToken: held.token,
          });
          reporter.leaseLost(held.message, kind, lost);
        } else if (kind === "ack") reporter.acked(held.message);
        else reporter.nacked(held.message);
      }
      return true;
    } catch (error) {
      reporter.error(error, { during: kind });
      return isFinalError(error);
    }
  }
}
