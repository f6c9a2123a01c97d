/** One throughput measurement: messages leased, handled and acked per second. */
export interface Throughput {
  messages: number;
  seconds: number;
  perSecond: number;
}

/**
 * Runs `workers` loops until `durationMs` has passed or a loop reports the queue empty, and
 * turns the number of messages they finished into a rate. Each loop returns how many messages
 * one iteration finished (0 = nothing left).
 */
export async function runWorkers(
  workers: number,
  durationMs: number,
  iteration: (worker: number) => Promise<number>,
): Promise<Throughput> {
  let done = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < deadline) {
        const n = await iteration(w);
        if (n === 0) break;
        done += n;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { messages: done, seconds, perSecond: done / seconds };
}

/** Minimum and median of repeated figures. */
export function summarize(values: number[]): { min: number; median: number; runs: number[] } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, runs: values };
}

/** Percentile (nearest rank) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Progress line on stderr, so stdout stays the report. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
