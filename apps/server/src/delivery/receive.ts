import type { NextResponse } from "../api-types.js";
import type { Db } from "../db/db.js";
import { HttpError } from "../http/errors.js";
import type { WakeHub } from "../wake/hub.js";
import type { LeaseTarget } from "./types.js";
import { windowLease } from "./window.js";

/** Who is long-polling which consumer in this server, to cap it. */
export class LongPollLimiter {
  readonly #active = new Map<string, number>();
  constructor(
    /** Most concurrent long-polls per consumer in this server. */
    readonly max: number,
  ) {}

  /** Takes a place or throws 429; call the returned function when done. */
  enter(consumerId: string): () => void {
    const n = this.#active.get(consumerId) ?? 0;
    if (n >= this.max) {
      throw new HttpError(
        429,
        "rate_limited",
        "Too many concurrent long-polls on this consumer",
        undefined,
        {
          "Retry-After": "1",
        },
      );
    }
    this.#active.set(consumerId, n + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const now = (this.#active.get(consumerId) ?? 1) - 1;
      if (now <= 0) this.#active.delete(consumerId);
      else this.#active.set(consumerId, now);
    };
  }
}

/** A consumer as the lease found it: its id and its stream (which never changes). */
export interface KnownConsumer {
  id: string;
  streamId: string;
}

/**
 * The consumers this server has leased from, by account and reference (id or name), so that a
 * long-poll can subscribe to their wake-ups before its first lease instead of after it. Only a
 * hint: the first lease still finds the consumer, and when it is another one (deleted and made
 * again under the same name), the long-poll looks once more, subscribed, before it waits.
 */
export class KnownConsumers {
  readonly #byRef = new Map<string, KnownConsumer>();
  constructor(
    /** Entries kept at most; all are dropped when it is reached. */
    readonly max = 10_000,
  ) {}

  get(accountId: string, ref: string): KnownConsumer | undefined {
    return this.#byRef.get(`${accountId}|${ref}`);
  }

  remember(accountId: string, ref: string, consumer: KnownConsumer): void {
    if (this.#byRef.size >= this.max) this.#byRef.clear();
    this.#byRef.set(`${accountId}|${ref}`, consumer);
  }
}

/** One call of `next`. */
export interface ReceiveOptions extends LeaseTarget {
  batchSize: number;
  /** Long-poll for up to this many ms when nothing is available. */
  waitFor: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Long-polls of this server, capped per consumer (taken only when the call is about to wait). */
  limiter: LongPollLimiter;
  /** Consumers seen by earlier calls: a long-poll on one of them waits after a single lease. */
  known: KnownConsumers;
}

/**
 * Leases messages; with `waitFor`, waits for the first available message without polling the
 * database in a loop: it subscribes to wake-ups of the stream and consumer before each attempt
 * that may be followed by a wait (so a write that commits meanwhile is never missed), and sets
 * one timer for the earlier of the deadline and the consumer's next lease expiry. When
 * max_ack_pending leases are out it also listens for acks. The first attempt also finds the
 * consumer (and checks the token). It is subscribed already when this server has leased from the
 * consumer before (`known`) and the lease finds the same one; otherwise an empty answer to it is
 * followed by a subscribed attempt before any wait.
 */
export async function receive(
  db: Db,
  hub: WakeHub,
  options: ReceiveOptions,
): Promise<NextResponse> {
  const { batchSize, signal } = options;
  const deadline = Date.now() + options.waitFor;
  let target: LeaseTarget = options;
  let consumer: KnownConsumer | undefined;
  let atCapacity = false;
  let leave: (() => void) | undefined;
  let info = { num_pending: 0, num_ack_pending: 0 };
  try {
    for (;;) {
      // Shutting down: answer what we know instead of touching a closing database (the first
      // attempt still runs: it answers 401 and 404 as any other time).
      if (hub.closed && consumer) return { data: [], info };
      let woken = false;
      let resolveWake: () => void = () => {};
      const wake = new Promise<void>((resolve) => {
        resolveWake = resolve;
      });
      const onWake = () => {
        woken = true;
        resolveWake();
      };
      const guess = consumer ?? options.known.get(options.accountId, options.consumer);
      const keys = guess ? [`s:${guess.streamId}`, `c:${guess.id}`] : [];
      if (guess && atCapacity) keys.push(`a:${guess.id}`);
      const unsubscribe = hub.subscribe(keys, onWake);
      signal.addEventListener("abort", onWake, { once: true });
      try {
        const result = await windowLease(db, target, batchSize);
        const { messages, deadLettered, state } = result;
        if (!consumer) {
          consumer = result.consumer;
          options.known.remember(options.accountId, options.consumer, consumer);
          // Later attempts name the consumer by id and need no second look at the token.
          target = { accountId: options.accountId, consumer: consumer.id };
        }
        const subscribed = guess?.id === consumer.id && guess.streamId === consumer.streamId;
        info = { num_pending: state.num_pending, num_ack_pending: state.num_ack_pending };
        // Rows that went to dead letters took places in the batch: look again at once.
        if (messages.length === 0 && deadLettered > 0 && !signal.aborted && !hub.closed) continue;
        const remaining = deadline - Date.now();
        if (messages.length > 0 || remaining <= 0 || signal.aborted || hub.closed)
          return { data: messages, info };
        leave ??= options.limiter.enter(consumer.id);
        if (woken || !subscribed) continue;
        if (state.atCapacity && !atCapacity) {
          // Only an ack frees a place now: listen for acks too, then look once more.
          atCapacity = true;
          continue;
        }
        atCapacity = state.atCapacity;
        const untilExpiry = state.nextExpiry
          ? state.nextExpiry.getTime() - Date.now() + 5
          : Number.POSITIVE_INFINITY;
        const timer = setTimeout(resolveWake, Math.max(0, Math.min(remaining, untilExpiry)));
        try {
          await hub.park(wake);
        } finally {
          clearTimeout(timer);
        }
      } finally {
        unsubscribe();
        signal.removeEventListener("abort", onWake);
      }
    }
  } finally {
    leave?.();
  }
}
