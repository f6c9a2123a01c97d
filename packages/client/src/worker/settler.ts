import { type BackoffOptions, backoffDelay, sleep } from "../client/backoff.js";
import { LeaseLostError } from "../errors.js";
import type { AckResponse } from "../types.js";
import { isFinalError } from "./final-errors.js";
import type { Held } from "./held.js";
import type { Reporter } from "./reporter.js";
import type { ConsumerClient } from "./types.js";

export type SettleKind = "ack" | "nack" | "term";

/** What a nack or term says besides its tokens; one request carries one of these for all. */
export interface SettleParams {
  /** Nack only: the `delay_ms` to send; none leaves it to the consumer's `backoff_ms`. */
  delayMs?: number;
  /** Nack and term: the `reason` to send (already within the API's bound). */
  reason?: string;
}

interface Entry<Data extends object> {
  held: Held<Data>;
  attempts: number;
}

/** Outcomes that one request can send together: same kind, same delay, same reason. */
interface Group<Data extends object> {
  kind: SettleKind;
  params: SettleParams;
  entries: Entry<Data>[];
  pump?: Promise<void>;
  /** Ends the current gathering pause early (group full, or closing). */
  kick?: () => void;
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
 * Sends acks, nacks and terms in batches: outcomes that fit one request (same kind, delay and
 * reason) are gathered for `delayMs` (or until 1000 are waiting), one request per group is in
 * flight at a time, and failed requests are retried with backoff. `close()` sends everything
 * that is left and resolves when nothing is pending.
 */
export class Settler<Data extends object> {
  readonly #options: SettlerOptions<Data>;
  readonly #maxAttempts: number;
  readonly #groups = new Map<string, Group<Data>>();
  #closing = false;

  constructor(options: SettlerOptions<Data>) {
    this.#options = options;
    this.#maxAttempts = options.maxAttempts ?? 4;
  }

  /** Queues the outcome of a message. */
  add(kind: SettleKind, held: Held<Data>, params: SettleParams = {}): void {
    const key = JSON.stringify([kind, params.delayMs ?? null, params.reason ?? null]);
    let group = this.#groups.get(key);
    if (!group) {
      group = { kind, params, entries: [] };
      this.#groups.set(key, group);
    }
    group.entries.push({ held, attempts: 0 });
    if (group.entries.length >= MAX_TOKENS) group.kick?.();
    void this.#pump(key, group);
  }

  /** Sends everything queued and waits until every request has settled. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const group of this.#groups.values()) group.kick?.();
    while (this.#groups.size > 0) {
      await Promise.all([...this.#groups].map(([key, group]) => this.#pump(key, group)));
    }
  }

  #pump(key: string, group: Group<Data>): Promise<void> {
    if (group.pump) return group.pump;
    if (group.entries.length === 0) {
      this.#groups.delete(key);
      return Promise.resolve();
    }
    group.pump = this.#drain(group).finally(() => {
      group.pump = undefined;
      // An outcome added after the drain's last look at the queue but before this line found the
      // pump still running and relied on it: start again, or it would wait for the next add.
      if (group.entries.length > 0) void this.#pump(key, group);
      else this.#groups.delete(key);
    });
    return group.pump;
  }

  /** One request at a time per group, each after a pause of `delayMs` that gathers more tokens. */
  async #drain(group: Group<Data>): Promise<void> {
    const queue = group.entries;
    let failures = 0;
    while (queue.length > 0) {
      if (!this.#closing && queue.length < MAX_TOKENS) await this.#gather(group);
      const batch = queue.splice(0, MAX_TOKENS);
      if (await this.#send(group, batch)) {
        failures = 0;
        continue;
      }
      const retry = batch.filter((entry) => ++entry.attempts < this.#maxAttempts);
      queue.unshift(...retry);
      // Given-up tokens are redelivered once their lease expires: at-least-once holds.
      if (retry.length > 0) await sleep(backoffDelay(failures++, this.#options.backoff));
    }
  }

  #gather(group: Group<Data>): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        group.kick = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.#options.delayMs);
      group.kick = done;
    });
  }

  #request(group: Group<Data>, tokens: string[]): Promise<AckResponse> {
    const { client, consumer } = this.#options;
    const { delayMs, reason } = group.params;
    if (group.kind === "ack") return client.ack(consumer, tokens);
    if (group.kind === "term")
      return client.term(consumer, tokens, reason === undefined ? {} : { reason });
    return client.nack(consumer, tokens, {
      ...(delayMs === undefined ? {} : { delay_ms: delayMs }),
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /** Sends one batch; false when it should be tried again. */
  async #send(group: Group<Data>, batch: Entry<Data>[]): Promise<boolean> {
    const { reporter } = this.#options;
    const { kind } = group;
    try {
      const answer = await this.#request(
        group,
        batch.map((entry) => entry.held.token),
      );
      const unknown = new Set(answer.unknown_ack_tokens);
      for (const { held } of batch) {
        if (unknown.has(held.token)) {
          const lost = new LeaseLostError(`The lease was over before the ${kind} was sent`, {
            ackToken: held.token,
          });
          reporter.leaseLost(held.message, kind, lost);
        } else if (kind === "ack") reporter.acked(held.message);
        else if (kind === "term") reporter.deadLettered(held.message);
        else reporter.nacked(held.message, group.params.delayMs);
      }
      return true;
    } catch (error) {
      reporter.error(error, { during: kind });
      return isFinalError(error);
    }
  }
}
