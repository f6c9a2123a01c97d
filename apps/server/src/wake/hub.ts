/** A subscription: call to stop it. */
export type Unsubscribe = () => void;

/**
 * In-process wake-ups of long-polls. Keys: `s:<stream_id>` (new messages in a stream),
 * `c:<consumer_id>` (messages of one consumer available again: nack, redrive, config change),
 * `a:<consumer_id>` (acks freed lease capacity).
 */
export class WakeHub {
  readonly #listeners = new Map<string, Set<() => void>>();
  readonly #parkedWatchers = new Set<() => void>();
  #parked = 0;
  #closed = false;

  /** Calls `fn` on the next wake of any of `keys` (and on close). */
  subscribe(keys: string[], fn: () => void): Unsubscribe {
    if (this.#closed) {
      queueMicrotask(fn);
      return () => {};
    }
    for (const key of keys) {
      let set = this.#listeners.get(key);
      if (!set) {
        set = new Set();
        this.#listeners.set(key, set);
      }
      set.add(fn);
    }
    return () => {
      for (const key of keys) {
        const set = this.#listeners.get(key);
        set?.delete(fn);
        if (set?.size === 0) this.#listeners.delete(key);
      }
    };
  }

  /** Wakes the subscribers of `key` in this process. */
  wake(key: string): void {
    const set = this.#listeners.get(key);
    if (!set) return;
    for (const fn of [...set]) fn();
  }

  /** Wakes everybody: after a lost LISTEN connection, notifications may have been missed. */
  wakeAll(): void {
    for (const set of [...this.#listeners.values()]) for (const fn of [...set]) fn();
  }

  /**
   * Counts a request as parked (a long-poll or a mutation await, subscribed and waiting) until
   * `waiting` settles, and returns it. Only bookkeeping: tests wait on it instead of sleeping.
   */
  async park<T>(waiting: Promise<T>): Promise<T> {
    this.#parked++;
    for (const watcher of [...this.#parkedWatchers]) watcher();
    try {
      return await waiting;
    } finally {
      this.#parked--;
    }
  }

  /** How many requests are parked in this process right now. */
  get parked(): number {
    return this.#parked;
  }

  /** Resolves once at least `count` requests are parked in this process. */
  whenParked(count: number): Promise<void> {
    if (this.#parked >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const watcher = () => {
        if (this.#parked < count) return;
        this.#parkedWatchers.delete(watcher);
        resolve();
      };
      this.#parkedWatchers.add(watcher);
    });
  }

  /** True after close(). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Wakes everybody one last time; later subscriptions fire at once. */
  close(): void {
    this.#closed = true;
    this.wakeAll();
    this.#listeners.clear();
  }
}
