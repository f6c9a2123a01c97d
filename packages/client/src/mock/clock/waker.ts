import type { Clock } from "./clock.js";

/**
 * In-memory wake-ups for long-polls and mutation awaits: a waiter parks on keys (consumer ids)
 * and is woken by `notify(key)` when something changes there, or by the mock clock at its
 * deadline. No polling loop anywhere.
 */
export class Waker {
  readonly #clock: Clock;
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #parkedWatchers = new Set<() => void>();
  #parked = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Wakes every waiter parked on `key`. */
  notify(key: string): void {
    const waiters = this.#waiters.get(key);
    if (!waiters) return;
    this.#waiters.delete(key);
    for (const wake of waiters) wake();
  }

  /** Wakes every waiter (used by reset()). */
  notifyAll(): void {
    for (const key of [...this.#waiters.keys()]) this.notify(key);
  }

  /** Resolves on the next notify of one of `keys`, when the clock reaches `until`, or on abort. */
  wait(keys: readonly string[], until: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      let cancelTimer = (): void => {};
      let woken = false;
      const wake = (): void => {
        if (woken) return;
        woken = true;
        for (const key of keys) {
          const set = this.#waiters.get(key);
          set?.delete(wake);
          if (set?.size === 0) this.#waiters.delete(key);
        }
        cancelTimer();
        signal?.removeEventListener("abort", wake);
        this.#parked--;
        resolve();
      };
      for (const key of keys) {
        let set = this.#waiters.get(key);
        if (!set) {
          set = new Set();
          this.#waiters.set(key, set);
        }
        set.add(wake);
      }
      this.#parked++;
      signal?.addEventListener("abort", wake, { once: true });
      cancelTimer = this.#clock.at(until, wake);
      for (const watcher of [...this.#parkedWatchers]) watcher();
    });
  }

  /** How many requests are parked right now (long-polls and mutation awaits). */
  get parked(): number {
    return this.#parked;
  }

  /** Resolves once at least `count` requests are parked. */
  whenParked(count: number): Promise<void> {
    if (this.#parked >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const watcher = (): void => {
        if (this.#parked < count) return;
        this.#parkedWatchers.delete(watcher);
        resolve();
      };
      this.#parkedWatchers.add(watcher);
    });
  }
}
