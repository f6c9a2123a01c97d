// Turns the results of one `pnpm bench` run into bench/RESULTS.md.

import { spacing } from "../project/latency.js";
import { renderSoaks } from "./report-soak.js";
import { type BenchResults, type Figure, median, fmt as n } from "./results.js";
import { renderTargets } from "./targets.js";

export type { BenchResults } from "./results.js";

export function renderResults(r: BenchResults): string {
  const out: string[] = [];
  out.push("# Benchmark results", "");
  out.push(`Command: \`${r.command}\` (from the repository root) — ${r.date}`, "");
  const m = r.machine;
  out.push(
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}.`,
    "",
    r.ownCluster === false
      ? `PostgreSQL ${m.postgres}: the server BENCH_DATABASE_URL named (not a cluster of the bench's own).`
      : `PostgreSQL ${m.postgres}: a throwaway cluster of the bench's own (initdb into a temp dir, stock postgresql.conf, ` +
          "port, address and socket dir given on the command line), deleted after the run.",
    "",
    `Settings read from that server: ${Object.entries(m.postgresSettings)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ")}.`,
    "",
    `Every figure ran at least twice (throughput: ${r.throughputRuns === 1 ? "once (--quick)" : `${r.throughputRuns ?? 3} times`}, the contenders taking turns, each run after a CHECKPOINT); tables show the median, with the minimum in brackets.`,
    "",
  );
  const lengths = [
    `throughput runs ${r.command.includes("--quick") ? 2 : 5} s each`,
    ...(r.soakMinutes
      ? [
          `the held-snapshot soak ${r.soakMinutes.held} min and the soak with no transaction held ${r.soakMinutes.free} min, ` +
            "each after its warm-up (seed, drain to 20k, the 20k drained alone) and followed by the same drain",
        ]
      : []),
  ];
  const took = Object.entries(r.seconds ?? {})
    .map(([part, seconds]) => `${part} ${n(seconds / 60, 1)} min`)
    .join("; ");
  out.push(`Lengths: ${lengths.join("; ")}.${took ? ` This run took: ${took}.` : ""}`, "");
  const t = r.throughput;
  if (t) {
    out.push("## Throughput (messages leased, handled and acked per second; 4 workers)", "");
    out.push("| | batch 1 | batch 10 | batch 100 |", "|---|---:|---:|---:|");
    const names: Record<string, string> = {
      plainQueue:
        "Floor: plain SKIP LOCKED queue (one table; lease `UPDATE … WHERE id IN (SELECT … ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED) RETURNING`, ack `DELETE … WHERE id = ANY($1)`)",
      floor: "Floor: this project's lease + ack SQL from Node, no HTTP",
      sdk: "This project end to end: server + `runConsumer`",
      rawHttp: "This project, raw HTTP `/next` + `/ack` (no SDK)",
      pgBoss: "pg-boss 10 fetch + complete",
      graphileWorker:
        "graphile-worker 0.17 (batch 1: one job per fetch; 10 / 100: local queue of that size, batched completion)",
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
    const pct = (a: string, b: string) =>
      [1, 10, 100]
        .map((x) => `${n((ratio(t[a]?.[x], t[b]?.[x]) ?? Number.NaN) * 100)} %`)
        .join(" / ");
    out.push(
      `Ratios (median, batch 1 / 10 / 100): our SQL / plain queue = ${pct("floor", "plainQueue")}; ` +
        `end to end / plain queue = ${pct("sdk", "plainQueue")}; end to end / our SQL = ${pct("sdk", "floor")}; ` +
        `end to end / pg-boss = ${[1, 10, 100].map((b) => `${n(ratio(t.sdk?.[b], t.pgBoss?.[b]), 1)}×`).join(" / ")}; ` +
        `end to end / graphile-worker = ${[1, 10, 100].map((b) => `${n(ratio(t.sdk?.[b], t.graphileWorker?.[b]), 1)}×`).join(" / ")}.`,
      "",
    );
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
      "The first figure includes the upsert's own transaction (see bench/LOG.md); the last is the delivery leg.",
      "",
    );
  }
  if (r.mutations) {
    out.push("## Mutation with `await_consumer_ids`, one worker running", "");
    out.push("| run | samples | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|");
    for (const [i, l] of r.mutations.entries())
      out.push(`| ${i + 1} | ${l.samples} | ${n(l.p50, 2)} | ${n(l.p99, 2)} | ${n(l.max, 2)} |`);
    out.push("");
  }
  if (r.serverRssMaxMb !== undefined) {
    out.push(
      `## Memory`,
      "",
      `Server RSS, highest sample (every 250 ms) during the throughput and latency runs: ${n(r.serverRssMaxMb, 1)} MB.`,
      "",
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
  }
  if (r.retries) {
    const t = r.retries;
    out.push(
      `## Retries: one message whose handler always throws, runConsumer with its defaults, ${n(t.seconds)} s`,
      "",
      "| consumer | handler runs | per minute |",
      "|---|---:|---:|",
      `| default backoff_ms (0, 1 s, 5 s, 30 s) | ${n(t.deliveries.defaultBackoff)} | ${n((t.deliveries.defaultBackoff * 60) / t.seconds, 1)} |`,
      `| backoff_ms [0] (retry at once) | ${n(t.deliveries.noBackoff)} | ${n((t.deliveries.noBackoff * 60) / t.seconds, 1)} |`,
      "",
      `With the default backoff the handler ran at ${t.firstDeliveriesAtMs.map((ms) => n(ms / 1000, 1)).join(", ")} s.`,
      "",
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
    out.push(`per_key lease / none lease (medians of the means): ${n(x, 2)}×.`, "");
  }
  if (r.soaks?.length) out.push(...renderSoaks(r.soaks));
  out.push(...renderTargets(r));
  return `${out.join("\n")}\n`;
}
