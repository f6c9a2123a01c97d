// Which consume core the bench's own consumers and server processes use (`pnpm bench --core=fanout`;
// default: the server's default, the log + window core). The throughput table also has rows for
// the fan-out core (the one the window core replaced) whatever this says.
export type ConsumeCore = "fanout" | "window";

/** The core given with --core=, read from BENCH_CONSUME_CORE (run.ts sets it). */
export function benchCore(): ConsumeCore {
  return process.env.BENCH_CONSUME_CORE === "fanout" ? "fanout" : "window";
}
