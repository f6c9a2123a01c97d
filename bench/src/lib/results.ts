// What one `pnpm bench` run measured: written to bench/results.json, rendered into RESULTS.md.
import type { LatencyResult } from "../project/latency.js";
import type { LeaseCost } from "../project/ordering.js";
import type { SoakResult } from "../project/soak.js";
import type { MachineFacts } from "./machine.js";
import type { summarize } from "./measure.js";

export type Figure = ReturnType<typeof summarize>;

export interface BenchResults {
  command: string;
  date: string;
  machine: MachineFacts;
  /** Whether the run had a throwaway cluster of its own (false: BENCH_DATABASE_URL). */
  ownCluster?: boolean;
  /** The sections asked for with --only, if any. */
  only?: string[];
  /** Seconds each part of the run took, and the whole run (from the process's start; the cluster's stop aside). */
  seconds?: Record<string, number>;
  /** Runs per contender and batch size in the throughput table. */
  throughputRuns?: number;
  /** The lengths the soaks were asked to run, in minutes. */
  soakMinutes?: { held: number; free: number };
  /** Per contender (plainQueue, floor, sdk, rawHttp, pgBoss, graphileWorker, nats), per batch size. */
  throughput?: Record<string, Record<number, Figure>>;
  latency?: LatencyResult[];
  mutations?: { p50: number; p99: number; max: number; samples: number }[];
  serverRssMaxMb?: number;
  backlog?: Record<string, { meanMs: number; p50Ms: number; p99Ms: number; cycles: number }[]>;
  ordering?: {
    events: number;
    keys: number;
    runs: Record<"none" | "per_key", LeaseCost[]>;
  };
  /** The held-snapshot soak first, then the one with no transaction held. */
  soaks?: SoakResult[];
  /** How often an always-failing message's handler ran in `seconds` (runConsumer, defaults). */
  retries?: {
    seconds: number;
    deliveries: { defaultBackoff: number; noBackoff: number };
    /** When the handler ran, with the default backoff (ms from the start; the first eight). */
    firstDeliveriesAtMs: number[];
  };
}

/** Median of a list; undefined for none. */
export function median(xs: number[]): number | undefined {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return undefined;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A number for a table: thousands separated, "–" when not measured. */
export function fmt(v: number | undefined, digits = 0): string {
  return v === undefined || Number.isNaN(v)
    ? "–"
    : v.toLocaleString("en-US", { maximumFractionDigits: digits });
}
