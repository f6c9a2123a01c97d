import type { Logger } from "pino";
import type { Db } from "../db/db.js";
import { advanceScanFrom } from "./advance-scan-from.js";
import { foldCounters } from "./fold-counters.js";
import { expireIdempotencyKeys, sweepRetention } from "./sweep-retention.js";

/** How often each background task runs. */
export interface BackgroundOptions {
  /** Fold counter deltas, ms. Default 1000. */
  foldIntervalMs?: number;
  /** Raise consumers' scan_from_seq past finished rows, ms. Default 1000. */
  scanFromIntervalMs?: number;
  /** Delete expired events, ms. Default 60000. */
  retentionIntervalMs?: number;
  /** Delete expired idempotency keys, ms. Default 600000. */
  idempotencyIntervalMs?: number;
}

/** The running background tasks; each can also be run by hand (tests, operators). */
export interface BackgroundTasks {
  foldCounters(): Promise<number>;
  advanceScanFrom(): Promise<number>;
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

  const fold = () => foldCounters(db);
  const scanFrom = () => advanceScanFrom(db);
  const retention = () => sweepRetention(db);
  const idempotency = () => expireIdempotencyKeys(db);
  schedule("fold-counters", options.foldIntervalMs ?? 1000, fold);
  schedule("scan-from", options.scanFromIntervalMs ?? 1000, scanFrom);
  schedule("retention", options.retentionIntervalMs ?? 60_000, retention);
  schedule("idempotency-keys", options.idempotencyIntervalMs ?? 600_000, idempotency);

  return {
    foldCounters: fold,
    advanceScanFrom: scanFrom,
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
