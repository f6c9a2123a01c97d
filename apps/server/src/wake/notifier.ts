import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Db } from "../db/db.js";
import type { WakeHub } from "./hub.js";

/** The one NOTIFY channel of the server. Payload: `<instance id>|<wake key>`. */
export const WAKE_CHANNEL = "sequin_wake";

/** Keys of this kind are sent to other servers at most this often (ms): acks are frequent. */
const THROTTLED_PREFIX = "a:";
const THROTTLE_MS = 25;

/**
 * Wakes long-polls after a commit: at once in this process, and through Postgres NOTIFY in every
 * other server. NOTIFY is sent after commit, outside the write transaction (it would hold a
 * global lock through commit), coalesced: while one NOTIFY round trip is in flight, further keys
 * are collected and sent together in the next one.
 */
export class WakeNotifier {
  readonly instanceId = randomUUID();
  readonly #pending = new Set<string>();
  readonly #lastSent = new Map<string, number>();
  readonly #trailing = new Map<string, NodeJS.Timeout>();
  #flushing: Promise<void> | undefined;
  #stopListening: (() => Promise<void>) | undefined;
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly hub: WakeHub,
    private readonly logger: Logger,
  ) {}

  /** Starts receiving other servers' wake-ups (Postgres only; PGlite is one process). */
  async start(): Promise<void> {
    if (this.db.kind !== "pg") return;
    this.#stopListening = await this.db.listen(
      WAKE_CHANNEL,
      (payload) => {
        const bar = payload.indexOf("|");
        if (bar < 0 || payload.slice(0, bar) === this.instanceId) return;
        this.hub.wake(payload.slice(bar + 1));
      },
      () => this.hub.wakeAll(),
    );
  }

  /** Wakes `keys` here and everywhere; call after the change is committed. */
  publish(...keys: string[]): void {
    if (this.#closed) return;
    for (const key of keys) this.hub.wake(key);
    if (this.db.kind !== "pg") return;
    const now = Date.now();
    for (const key of keys) {
      if (key.startsWith(THROTTLED_PREFIX)) {
        const wait = (this.#lastSent.get(key) ?? 0) + THROTTLE_MS - now;
        if (wait > 0) {
          // Trailing edge: the last ack of a burst is always announced.
          if (!this.#trailing.has(key)) {
            const timer = setTimeout(() => {
              this.#trailing.delete(key);
              this.#lastSent.set(key, Date.now());
              this.#enqueue(key);
            }, wait);
            timer.unref();
            this.#trailing.set(key, timer);
          }
          continue;
        }
        this.#lastSent.set(key, now);
        if (this.#lastSent.size > 10_000) this.#lastSent.clear();
      }
      this.#enqueue(key);
    }
  }

  #enqueue(key: string): void {
    if (this.#closed) return;
    this.#pending.add(key);
    if (!this.#flushing) this.#flushing = this.#flush();
  }

  async #flush(): Promise<void> {
    while (this.#pending.size > 0 && !this.#closed) {
      const payloads = [...this.#pending].map((key) => `${this.instanceId}|${key}`);
      this.#pending.clear();
      try {
        await this.db.query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", [
          WAKE_CHANNEL,
          payloads,
        ]);
      } catch (err) {
        // Remote long-polls then wake at their deadline instead: late, never wrong.
        this.logger.warn({ err }, "NOTIFY failed");
      }
    }
    this.#flushing = undefined;
  }

  /** Stops listening and waits for the last NOTIFY. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#trailing.values()) clearTimeout(timer);
    this.#trailing.clear();
    await this.#flushing;
    await this.#stopListening?.();
  }
}
