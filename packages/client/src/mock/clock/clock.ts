/** How the mock's clock moves. */
export interface MockClockOptions {
  /** `"real"`: wall-clock time plus whatever `advance()` added. `"manual"`: time moves only through `advance()`. Default `"real"`. */
  mode?: "real" | "manual";
  /** The time the clock starts at. Default: the current wall-clock time. */
  start?: Date | string | number;
}

/** The mock's clock, as a test sees it. */
export interface MockClock {
  /** The mock's current time. */
  now(): Date;
  /** Moves time forward: expires leases and ends long-polls and mutation awaits that are due, without sleeping. */
  advance(ms: number): void;
}

interface Timer {
  at: number;
  fire: () => void;
  handle: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The one source of time of a mock. Leases, long-polls and mutation awaits all read it, so a
 * test can expire a lease or end a 60 s long-poll with `advance()` instead of sleeping.
 */
export class Clock implements MockClock {
  readonly #mode: "real" | "manual";
  #base = 0;
  #offset = 0;
  readonly #timers = new Set<Timer>();

  constructor(options: MockClockOptions | "real" | "manual" = {}) {
    const opts = typeof options === "string" ? { mode: options } : options;
    this.#mode = opts.mode ?? "real";
    this.#reset(opts.start);
  }

  /** Epoch milliseconds. */
  nowMs(): number {
    return this.#mode === "real" ? Date.now() + this.#offset : this.#base + this.#offset;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  iso(): string {
    return this.now().toISOString();
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("advance(ms) needs a finite ms >= 0");
    this.#offset += ms;
    this.#fireDue();
  }

  /** Calls `fire` once the clock reaches `at` (epoch ms). Returns a function that cancels it. */
  at(at: number, fire: () => void): () => void {
    const timer: Timer = { at, fire, handle: undefined };
    this.#timers.add(timer);
    this.#arm(timer);
    return () => this.#cancel(timer);
  }

  /** Back to the start time (manual mode) or to wall-clock time (real mode); drops all timers. */
  reset(start?: Date | string | number): void {
    for (const timer of this.#timers) this.#cancel(timer);
    this.#reset(start);
  }

  #reset(start: Date | string | number | undefined): void {
    const startMs = start === undefined ? Date.now() : new Date(start).getTime();
    if (Number.isNaN(startMs)) throw new RangeError(`Invalid clock start: ${String(start)}`);
    this.#base = startMs;
    this.#offset = this.#mode === "real" ? startMs - Date.now() : 0;
  }

  // In real mode a wall-clock timer backs each mock timer; in manual mode only advance() fires them.
  #arm(timer: Timer): void {
    const delay = timer.at - this.nowMs();
    if (delay <= 0) {
      queueMicrotask(() => this.#fireOne(timer));
      return;
    }
    if (this.#mode === "real") {
      timer.handle = setTimeout(() => this.#fireOne(timer), Math.min(delay, 2 ** 31 - 1));
    }
  }

  #fireOne(timer: Timer): void {
    if (!this.#timers.has(timer)) return;
    if (timer.at > this.nowMs()) {
      this.#arm(timer);
      return;
    }
    this.#cancel(timer);
    timer.fire();
  }

  #fireDue(): void {
    const now = this.nowMs();
    const due = [...this.#timers].filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
    for (const timer of due) this.#fireOne(timer);
  }

  #cancel(timer: Timer): void {
    if (timer.handle !== undefined) clearTimeout(timer.handle);
    this.#timers.delete(timer);
  }
}
