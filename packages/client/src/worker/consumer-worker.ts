import { type BackoffOptions, backoffDelay, sleep } from "../client/backoff.js";
import { RateLimitError, ShutdownTimeoutError } from "../errors.js";
import type { Message } from "../types.js";
import { type Outcome, resolveOutcomes, thrownOutcome } from "./batch-outcomes.js";
import { failureReason, truncateReason } from "./failure-reason.js";
import { isFinalError } from "./final-errors.js";
import { canPoll, type FlowState, pollSize } from "./flow.js";
import { type Held, hold } from "./held.js";
import { LeaseKeeper } from "./lease-keeper.js";
import type { Reporter } from "./reporter.js";
import { type SettleKind, type SettleParams, Settler } from "./settler.js";
import { isTermination } from "./termination.js";
import type { BatchHandler, ConsumerClient, Handler, RetryDelay } from "./types.js";

/** Options after defaults and validation. */
export interface WorkerSettings<Data extends object> {
  client: ConsumerClient;
  consumer: string;
  handler: Handler<Data> | undefined;
  batchHandler: BatchHandler<Data> | undefined;
  concurrency: number;
  batchSize: number;
  prefetch: number;
  waitFor: number;
  shutdownTimeoutMs: number;
  extendLeases: boolean;
  ackWaitMs: number | undefined;
  ackDelayMs: number;
  backoff: BackoffOptions;
  retryDelayMs: RetryDelay<Data> | undefined;
  reporter: Reporter<Data>;
}

/** Work handed to a handler at once: one message, or one batch with `batchHandler`. */
type Unit<Data extends object> = Held<Data>[];

interface Running<Data extends object> {
  unit: Unit<Data>;
  controller: AbortController;
  startedAt: number;
  /** The shutdown timeout nacked it; whatever the handler does later is ignored. */
  abandoned: boolean;
  promise: Promise<void>;
}

/** An empty answer that came back sooner than this is followed by a pause (no busy loop). */
const IDLE_POLL_MS = 1_000;
/** The API's bound on a nack's `delay_ms`. */
const MAX_DELAY_MS = 43_200_000;
/** Messages handed back unstarted (stopping) are free for other workers at once, no backoff. */
const HAND_BACK: SettleParams = { delayMs: 0 };

/**
 * The worker behind `runConsumer`: one poll loop leases messages into a bounded buffer,
 * `concurrency` slots run handlers, a Settler sends outcomes, a LeaseKeeper extends leases.
 */
export class ConsumerWorker<Data extends object> {
  readonly #s: WorkerSettings<Data>;
  readonly #settler: Settler<Data>;
  readonly #stopController = new AbortController();
  readonly #buffer: Unit<Data>[] = [];
  readonly #running = new Set<Running<Data>>();
  #keeper: LeaseKeeper<Data> | undefined;
  #wake: (() => void) | undefined;
  #stopping = false;
  #paused = false;
  /** Cancels the poll loop's current `next` or wait, for `pause()`. */
  #pollController: AbortController | undefined;

  constructor(settings: WorkerSettings<Data>) {
    this.#s = settings;
    this.#settler = new Settler({
      client: settings.client,
      consumer: settings.consumer,
      delayMs: settings.ackDelayMs,
      backoff: settings.backoff,
      reporter: settings.reporter,
    });
  }

  /** Runs until stopped (resolves) or a final error (rejects), always draining first. */
  async run(): Promise<void> {
    let final: { error: unknown } | undefined;
    try {
      const ackWaitMs = await this.#ackWaitMs();
      if (ackWaitMs !== undefined) {
        this.#keeper = new LeaseKeeper({
          client: this.#s.client,
          consumer: this.#s.consumer,
          ackWaitMs,
          reporter: this.#s.reporter,
          onLost: (held) => this.#dropLost(held),
        });
        this.#keeper.start();
      }
      await this.#pollLoop();
    } catch (error) {
      if (!this.#stopping) final = { error };
    }
    await this.#drain();
    if (final) throw final.error;
  }

  /** Stops leasing; `run()` then drains and settles. */
  requestStop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#stopController.abort();
    this.#pollController?.abort();
    this.#notify();
  }

  /** Stops leasing until `resume()`; what is already leased is handled and settled as usual. */
  pause(): void {
    if (this.#paused || this.#stopping) return;
    this.#paused = true;
    // A long-poll in flight would lease after the pause: cancel it. Should the server have
    // leased in that very moment, those messages come back after ack_wait_ms, as after stop().
    this.#pollController?.abort();
  }

  /** Leases again at once. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#notify();
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** ack_wait_ms for lease extension: given, or read from the consumer (retried until stop). */
  async #ackWaitMs(): Promise<number | undefined> {
    if (!this.#s.extendLeases) return undefined;
    if (this.#s.ackWaitMs !== undefined) return this.#s.ackWaitMs;
    for (let failures = 0; ; failures++) {
      try {
        const consumer = await this.#s.client.consumers.get(this.#s.consumer, {
          signal: this.#stopController.signal,
        });
        return consumer.ack_wait_ms;
      } catch (error) {
        if (this.#stopping) return undefined;
        this.#s.reporter.error(error, { during: "consumer" });
        if (isFinalError(error)) throw error;
        await this.#sleep(backoffDelay(failures, this.#s.backoff));
      }
    }
  }

  async #pollLoop(): Promise<void> {
    const { client, consumer, waitFor, reporter } = this.#s;
    let failures = 0;
    while (!this.#stopping) {
      await this.#capacity();
      if (this.#stopping) return;
      // One controller per poll, aborted by stop() and by pause(). (Not AbortSignal.any over the
      // stop signal: a long-lived source signal keeps every composite made from it on Node 20.)
      const controller = new AbortController();
      this.#pollController = controller;
      const { signal } = controller;
      const startedAt = Date.now();
      let messages: Message<Data>[];
      try {
        const answer = await client.next<Data>(
          consumer,
          { batch_size: pollSize(this.#flow()), wait_for: waitFor },
          { signal },
        );
        messages = answer.data;
        failures = 0;
      } catch (error) {
        if (this.#stopping) return;
        if (signal.aborted) continue; // pause(): not an error.
        reporter.error(error, { during: "next" });
        if (isFinalError(error)) throw error;
        const backoff = backoffDelay(failures++, this.#s.backoff);
        const asked = error instanceof RateLimitError ? (error.retryAfterMs ?? 0) : 0;
        await this.#sleep(Math.max(backoff, asked), signal);
        continue;
      }
      // Leased before a pause took effect: these are in flight, handled as usual.
      this.#accept(messages);
      if (messages.length === 0) {
        // A server that ignores wait_for (or waitFor 0) must not turn this into a busy loop.
        const cycle = waitFor > 0 ? Math.min(waitFor, IDLE_POLL_MS) : IDLE_POLL_MS;
        const elapsed = Date.now() - startedAt;
        if (elapsed < cycle) await this.#sleep(cycle - elapsed, signal);
      }
    }
  }

  #flow(): FlowState {
    const { concurrency, prefetch, batchSize, batchHandler } = this.#s;
    return {
      buffered: this.#buffer.length,
      running: this.#running.size,
      concurrency,
      prefetch,
      batchSize,
      batches: batchHandler !== undefined,
    };
  }

  async #capacity(): Promise<void> {
    while (!this.#stopping && (this.#paused || !canPoll(this.#flow()))) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #accept(messages: Message<Data>[]): void {
    if (messages.length === 0) return;
    const now = Date.now();
    const helds = messages.map((message) => hold(message, now));
    for (const held of helds) this.#s.reporter.received(held.message);
    if (this.#stopping) {
      // Leased while stopping: hand it back at once.
      for (const held of helds) this.#settle(held, "nack", HAND_BACK);
      return;
    }
    for (const held of helds) this.#keeper?.track(held);
    if (this.#s.batchHandler) this.#buffer.push(helds);
    else for (const held of helds) this.#buffer.push([held]);
    this.#dispatch();
  }

  /** A buffered message whose lease was lost is not started: another worker may have it. */
  #dropLost(lost: Held<Data>): void {
    if (lost.state !== "buffered") return;
    lost.state = "done";
    for (let i = this.#buffer.length - 1; i >= 0; i--) {
      const unit = this.#buffer[i]?.filter((held) => held !== lost) ?? [];
      if (unit.length === 0) this.#buffer.splice(i, 1);
      else this.#buffer[i] = unit;
    }
    this.#notify();
  }

  #dispatch(): void {
    while (!this.#stopping && this.#running.size < this.#s.concurrency) {
      const next = this.#buffer.shift();
      if (!next) return;
      const unit = next.filter((held) => !held.leaseLost);
      if (unit.length > 0) this.#start(unit);
    }
  }

  #start(unit: Unit<Data>): void {
    const controller = new AbortController();
    const running: Running<Data> = {
      unit,
      controller,
      startedAt: Date.now(),
      abandoned: false,
      promise: Promise.resolve(),
    };
    for (const held of unit) {
      held.state = "running";
      // A lost lease aborts a single-message handler; a batch goes on with its other messages.
      if (!this.#s.batchHandler) held.controller = controller;
    }
    this.#running.add(running);
    running.promise = this.#execute(running).finally(() => {
      this.#running.delete(running);
      this.#notify();
      this.#dispatch();
    });
  }

  async #execute(running: Running<Data>): Promise<void> {
    const context = { signal: running.controller.signal };
    const messages = running.unit.map((held) => held.message);
    let outcomes: Outcome[];
    if (this.#s.handler) {
      try {
        const result = await this.#s.handler(messages[0] as Message<Data>, context);
        outcomes = [
          isTermination(result) ? { kind: "term", termination: result } : { kind: "ack" },
        ];
      } catch (error) {
        outcomes = [thrownOutcome(error)];
      }
    } else {
      try {
        const result = await this.#s.batchHandler?.(messages, context);
        const resolved = resolveOutcomes(messages, result);
        outcomes = resolved.outcomes;
        if (resolved.problem)
          this.#s.reporter.error(new TypeError(resolved.problem), { during: "handler" });
      } catch (error) {
        const outcome = thrownOutcome(error);
        outcomes = messages.map(() => outcome);
      }
    }
    if (running.abandoned) return;
    const durationMs = Date.now() - running.startedAt;
    running.unit.forEach((held, i) => {
      const outcome = outcomes[i] ?? { kind: "nack", error: new Error("No outcome") };
      this.#finish(held, outcome, durationMs);
    });
  }

  /** Reports what the handler decided for a message and queues its ack, nack or term. */
  #finish(held: Held<Data>, outcome: Outcome, durationMs: number): void {
    const { reporter } = this.#s;
    if (outcome.kind === "ack") {
      reporter.processed(held.message, durationMs);
      this.#settle(held, "ack");
    } else if (outcome.kind === "term") {
      reporter.terminated(held.message, outcome.termination, durationMs);
      const { reason } = outcome.termination;
      this.#settle(held, "term", reason === undefined ? {} : { reason: truncateReason(reason) });
    } else {
      reporter.failed(held.message, outcome.error, durationMs);
      this.#settle(held, "nack", {
        delayMs: this.#retryDelay(held, outcome.error),
        reason: failureReason(outcome.error),
      });
    }
  }

  /** The nack's `delay_ms` for a failure: `retryDelayMs`, or none for the consumer's backoff. */
  #retryDelay(held: Held<Data>, error: unknown): number | undefined {
    const { retryDelayMs, reporter } = this.#s;
    if (typeof retryDelayMs !== "function") return retryDelayMs;
    let ms: number | undefined;
    try {
      ms = retryDelayMs(held.message.deliver_count ?? 1, error, held.message);
    } catch (e) {
      reporter.error(e, { during: "hook", message: held.message });
      return undefined;
    }
    if (typeof ms !== "number" || Number.isNaN(ms)) return undefined;
    return Math.min(MAX_DELAY_MS, Math.max(0, Math.round(ms)));
  }

  /** Queues the outcome of a held message; a message whose lease was lost gets none. */
  #settle(held: Held<Data>, kind: SettleKind, params?: SettleParams): void {
    this.#keeper?.release(held);
    held.state = "done";
    if (!held.leaseLost) this.#settler.add(kind, held, params);
  }

  /** Hands back what never started, lets running handlers finish (or nacks them), settles. */
  async #drain(): Promise<void> {
    this.requestStop();
    for (const unit of this.#buffer.splice(0)) {
      for (const held of unit) this.#settle(held, "nack", HAND_BACK);
    }
    if (this.#running.size > 0) {
      const finished = Promise.allSettled([...this.#running].map((r) => r.promise)).then(
        () => true,
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#s.shutdownTimeoutMs);
      });
      const inTime = await Promise.race([finished, timeout]);
      clearTimeout(timer);
      if (!inTime) for (const running of this.#running) this.#abandon(running);
    }
    this.#keeper?.stop();
    await this.#settler.close();
  }

  /** The shutdown timeout ran out: never ack unfinished work, nack it and move on. */
  #abandon(running: Running<Data>): void {
    running.abandoned = true;
    const error = new ShutdownTimeoutError(
      `The handler was still running ${this.#s.shutdownTimeoutMs} ms after stop`,
    );
    running.controller.abort(error);
    const durationMs = Date.now() - running.startedAt;
    for (const held of running.unit) this.#finish(held, { kind: "nack", error }, durationMs);
    this.#running.delete(running);
  }

  /** Sleeps, cut short by stop (and, given the poll's signal, by pause). */
  async #sleep(ms: number, signal = this.#stopController.signal): Promise<void> {
    await sleep(ms, signal).catch(() => {});
  }
}
