import type { Logger } from "pino";
import type { Db } from "../db/db.js";
import { expireIdempotencyKeys, sweepRetention } from "./sweep-retention.js";

/** How often each background task runs. */
export interface BackgroundOptions {
  /** Delete expired events, ms. Default 60000. */
  retentionIntervalMs?: number;
  /** Delete expired idempotency keys, ms. Default 600000. */
  idempotencyIntervalMs?: number;
}

/** The running background tasks; each can also be run by hand (tests, operators). */
export interface BackgroundTasks {
  sweepRetention(): Promise<number>;
  expireIdempotencyKeys(): Promise<number>;
  /** Stops the timers and waits for a task in flight. */
  stop(): Promise<void>;
}

/**
 * Starts the periodic tasks on timers that do not keep the process alive. Each run is scheduled
 * after the previous one ends, so runs never overlap. Every server runs them; the tasks take a
 * try-lock so only one server does the work at a time.
 */
export function startBackgroundTasks(
  db: Db,
  logger: Logger,
  options: BackgroundOptions = {},
  enabled = true,
): BackgroundTasks {
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;

  const schedule = (name: string, every: number, task: () => Promise<number>) => {
    if (!enabled) return;
    const timer = setTimeout(async () => {
      timers.delete(timer);
      if (stopped) return;
      const run = task().catch((err) => logger.warn({ err, task: name }, "background task failed"));
      running.add(run);
      await run;
      running.delete(run);
      schedule(name, every, task);
    }, every);
    timer.unref();
    timers.add(timer);
  };

  const retention = () => sweepRetention(db);
  const idempotency = () => expireIdempotencyKeys(db);
  schedule("retention", options.retentionIntervalMs ?? 60_000, retention);
  schedule("idempotency-keys", options.idempotencyIntervalMs ?? 600_000, idempotency);

  return {
    sweepRetention: retention,
    expireIdempotencyKeys: idempotency,
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(running);
    },
  };
}
