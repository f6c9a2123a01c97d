// Turns the results of one `pnpm bench` run into bench/RESULTS.md.

import { type LatencyResult, spacing } from "../ours/latency.js";
import type { LeaseCost } from "../ours/ordering.js";
import type { SoakResult } from "../ours/soak.js";
import type { MachineFacts } from "./machine.js";
import type { summarize } from "./measure.js";

type Figure = ReturnType<typeof summarize>;

export interface BenchResults {
  command: string;
  date: string;
  machine: MachineFacts;
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
  soak?: SoakResult;
}

const n = (v: number | undefined, digits = 0) =>
  v === undefined || Number.isNaN(v)
    ? "–"
    : v.toLocaleString("en-US", { maximumFractionDigits: digits });
const met = (ok: boolean | undefined) =>
  ok === undefined ? "not measured" : ok ? "**met**" : "**not met**";
const median = (xs: number[]): number | undefined => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return undefined;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export function renderResults(r: BenchResults): string {
  const out: string[] = [];
  out.push("# Benchmark results", "");
  out.push(`Command: \`${r.command}\` (from the repository root) — ${r.date}`, "");
  const m = r.machine;
  out.push(
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres} ` +
      `(${Object.entries(m.postgresSettings)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")}).`,
    "",
    "Every figure ran at least twice (throughput: three times, the contenders taking turns, each run after a CHECKPOINT); tables show the median, with the minimum in brackets.",
    "",
  );
  const targets: string[] = [];
  const t = r.throughput;
  if (t) {
    out.push("## Throughput (messages leased, handled and acked per second; 4 workers)", "");
    out.push("| | batch 1 | batch 10 | batch 100 |", "|---|---:|---:|---:|");
    const names: Record<string, string> = {
      floor: "Floor: the server's lease + ack SQL from Node, no HTTP",
      sdk: "This project end to end: server + `runConsumer`",
      rawHttp: "This project, raw HTTP `/next` + `/ack` (no SDK)",
      pgBoss: "pg-boss 10 fetch + complete",
      nats: "NATS JetStream pull fetch + ack",
    };
    for (const [key, label] of Object.entries(names)) {
      const row = t[key];
      if (!row) continue;
      out.push(
        `| ${label} | ${[1, 10, 100].map((b) => (row[b] ? `${n(row[b].median)} (${n(row[b].min)})` : "–")).join(" | ")} |`,
      );
    }
    out.push("");
    const ratio = (a?: Figure, b?: Figure) => (a && b ? a.median / b.median : undefined);
    const r100 = ratio(t.sdk?.[100], t.floor?.[100]);
    const r10 = ratio(t.sdk?.[10], t.floor?.[10]);
    out.push(
      `Ratios (median): end to end / floor = ${n((ratio(t.sdk?.[1], t.floor?.[1]) ?? Number.NaN) * 100)} % at batch 1, ` +
        `${n((r10 ?? Number.NaN) * 100)} % at batch 10, ${n((r100 ?? Number.NaN) * 100)} % at batch 100; ` +
        `end to end / pg-boss = ${[1, 10, 100].map((b) => `${n(ratio(t.sdk?.[b], t.pgBoss?.[b]), 1)}×`).join(", ")}.`,
      "",
    );
    targets.push(
      `| End to end ≥ 70 % of the floor at batch 100 | ${n((r100 ?? Number.NaN) * 100)} % | ${met(r100 === undefined ? undefined : r100 >= 0.7)} |`,
    );
    targets.push(
      `| End to end ≥ 50 % of the floor at batch 10 | ${n((r10 ?? Number.NaN) * 100)} % | ${met(r10 === undefined ? undefined : r10 >= 0.5)} |`,
    );
    for (const b of [1, 10, 100]) {
      const x = ratio(t.sdk?.[b], t.pgBoss?.[b]);
      targets.push(
        `| ≥ 5× pg-boss at batch ${b} | ${n(x, 1)}× | ${met(x === undefined ? undefined : x >= 5)} |`,
      );
    }
  }
  if (r.latency) {
    out.push(
      "## Latency: record upsert (HTTP) → handler start, long-polling worker, light load",
      "",
      "One record at a time. Back to back, each upsert starts when the previous handler starts, so it runs beside the worker's ack and its next long-poll (the target is judged on these runs). Paced, the next upsert waits a while after the handler's start, and the worker is waiting in its long-poll when the record arrives.",
      "",
    );
    out.push(
      "| run | records | samples | p50 ms | p99 ms | max ms | upsert alone p50 / p99 ms | upsert answer → handler p50 / p99 ms |",
      "|---|---|---:|---:|---:|---:|---:|---:|",
    );
    const runOf = new Map<number, number>();
    for (const l of r.latency) {
      const gap = l.gapMs ?? 0;
      runOf.set(gap, (runOf.get(gap) ?? 0) + 1);
      out.push(
        `| ${runOf.get(gap)} | ${spacing(gap)} | ${l.samples} | ${n(l.p50, 2)} | ${n(l.p99, 2)} | ${n(l.max, 2)} | ` +
          `${n(l.upsert?.p50, 2)} / ${n(l.upsert?.p99, 2)} | ${n(l.delivery?.p50, 2)} / ${n(l.delivery?.p99, 2)} |`,
      );
    }
    out.push(
      "",
      "The first figure includes the upsert's own transaction (see docs/decisions/0005); the last is the delivery leg.",
      "",
    );
    const backToBack = r.latency.filter((l) => !l.gapMs);
    const paced = r.latency.filter((l) => l.gapMs);
    const p50 = median(backToBack.map((l) => l.p50));
    const p99 = median(backToBack.map((l) => l.p99));
    targets.push(
      `| Latency p50 ≤ 5 ms | ${n(p50, 2)} ms | ${met(p50 === undefined ? undefined : p50 <= 5)} |`,
    );
    targets.push(
      `| Latency p99 ≤ 25 ms | ${n(p99, 2)} ms | ${met(p99 === undefined ? undefined : p99 <= 25)} |`,
    );
    if (paced.length > 0) {
      const pacedP50 = median(paced.map((l) => l.p50));
      targets.push(
        `| (not a target) Latency p50, records ${paced[0]!.gapMs} ms apart | ${n(pacedP50, 2)} ms | – |`,
      );
    }
  }
  if (r.mutations) {
    out.push("## Mutation with `await_consumer_ids`, one worker running", "");
    out.push("| run | samples | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|");
    for (const [i, l] of r.mutations.entries())
      out.push(`| ${i + 1} | ${l.samples} | ${n(l.p50, 2)} | ${n(l.p99, 2)} | ${n(l.max, 2)} |`);
    out.push("");
    const p50 = median(r.mutations.map((l) => l.p50));
    targets.push(
      `| Mutation await p50 ≤ 50 ms | ${n(p50, 2)} ms | ${met(p50 === undefined ? undefined : p50 <= 50)} |`,
    );
  }
  if (r.serverRssMaxMb !== undefined) {
    out.push(
      `## Memory`,
      "",
      `Server RSS, highest sample (every 250 ms) during the throughput and latency runs: ${n(r.serverRssMaxMb, 1)} MB.`,
      "",
    );
    targets.push(
      `| Server RSS ≤ 150 MB | ${n(r.serverRssMaxMb, 1)} MB | ${met(r.serverRssMaxMb <= 150)} |`,
    );
  }
  if (r.backlog) {
    out.push("## Backlog scaling: one `/next?batch_size=100` + `/ack` round, one worker", "");
    out.push("| pending | run | mean ms | p50 ms | p99 ms |", "|---:|---:|---:|---:|---:|");
    for (const [size, runs] of Object.entries(r.backlog)) {
      for (const [i, c] of runs.entries())
        out.push(
          `| ${n(Number(size))} | ${i + 1} | ${n(c.meanMs, 2)} | ${n(c.p50Ms, 2)} | ${n(c.p99Ms, 2)} |`,
        );
    }
    out.push("");
    const sizes = Object.keys(r.backlog)
      .map(Number)
      .sort((a, b) => a - b);
    const small = median(r.backlog[String(sizes[0])]!.map((c) => c.meanMs));
    const large = median(r.backlog[String(sizes[sizes.length - 1])]!.map((c) => c.meanMs));
    const x = large !== undefined && small !== undefined ? large / small : undefined;
    targets.push(
      `| ${n(sizes[sizes.length - 1])}-backlog cost ≤ 1.2× the ${n(sizes[0])} cost | ${n(x, 2)}× | ${met(x === undefined ? undefined : x <= 1.2)} |`,
    );
  }
  if (r.ordering) {
    const o = r.ordering;
    out.push(
      `## Ordering: lease(100) + ack at ${n(o.events)} pending events over ${n(o.keys)} keys, one worker, no HTTP`,
      "",
    );
    out.push(
      "| ordering | run | lease mean ms | lease p50 ms | lease p99 ms | lease + ack mean ms |",
      "|---|---:|---:|---:|---:|---:|",
    );
    for (const ordering of ["none", "per_key"] as const) {
      for (const [i, c] of o.runs[ordering].entries())
        out.push(
          `| ${ordering} | ${i + 1} | ${n(c.leaseMeanMs, 2)} | ${n(c.leaseP50Ms, 2)} | ${n(c.leaseP99Ms, 2)} | ${n(c.cycleMeanMs, 2)} |`,
        );
    }
    out.push("");
    const none = median(o.runs.none.map((c) => c.leaseMeanMs));
    const perKey = median(o.runs.per_key.map((c) => c.leaseMeanMs));
    const x = none !== undefined && perKey !== undefined ? perKey / none : undefined;
    targets.push(
      `| per_key lease ≤ 1.5× none at ${n(o.events)} pending / ${n(o.keys)} keys | ${n(x, 2)}× | ${met(x === undefined ? undefined : x <= 1.5)} |`,
    );
  }
  if (r.soak) {
    out.push(
      "## Soak with one transaction held open",
      "",
      `4 workers lease 100 and ack over HTTP; a producer upserts 1,000-record batches over ${n(r.soak.records ?? 50_000)} records, in turn, ` +
        "whenever 20k or fewer are pending. The seeded backlog is first drained to 20k, then those 20k " +
        "with no writes beside them (the queue alone, below the table), so minute 1 starts from an " +
        "empty backlog like the others. Pending at a minute's end near 20k: the workers set the pace; " +
        "near 0: the producer did, and the workers waited for its writes. The last column is the " +
        "median time of one of the producer's 1,000-record upserts in that minute.",
      "",
    );
    out.push(
      "| minute | acked msg/s | records written/s | pending at the end | empty answers | 1,000-record upsert ms |",
      "|---:|---:|---:|---:|---:|---:|",
    );
    for (const [i, v] of r.soak.minutes.entries())
      out.push(
        `| ${i + 1} | ${n(v)} | ${n(r.soak.written?.[i])} | ${n(r.soak.pending?.[i])} | ${n(r.soak.empty?.[i])} | ${n(r.soak.writeMs?.[i])} |`,
      );
    out.push("");
    if (r.soak.queueAlone) {
      const q = r.soak.queueAlone;
      out.push(
        `The queue alone (the 4 workers drain 20k pending messages with no writes beside them, the ` +
          `transaction open): ${n(q.start)} msg/s before minute 1, ${n(q.end)} msg/s after minute ` +
          `${r.soak.minutes.length} (${n(q.ratio * 100)} %).`,
        "",
      );
    }
    targets.push(
      `| Soak: last minute ≥ 80 % of the first | ${n(r.soak.ratio * 100)} % over ${r.soak.minutes.length} min | ${met(r.soak.ratio >= 0.8)} |`,
    );
    if (r.soak.queueAlone)
      targets.push(
        `| (not a target) Soak, the queue alone: drain after the last minute vs before the first | ${n(r.soak.queueAlone.ratio * 100)} % | – |`,
      );
  }
  if (targets.length > 0) {
    out.push("## Targets", "", "| target | measured | |", "|---|---:|---|", ...targets, "");
  }
  return `${out.join("\n")}\n`;
}
