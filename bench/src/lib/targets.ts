// The targets of issue 20, each judged met / not met against figures of the same run. A target
// whose figures this run did not measure (a section left out with --only, a soak too short to
// compare minutes) says so instead of a verdict.
import { peakDeadTuples } from "./report-soak.js";
import { type BenchResults, type Figure, fmt, median } from "./results.js";

/** Dead tuples summed over the hot-path tables may not exceed this many records' worth. */
export function deadTupleBound(records: number): number {
  return records;
}

export function renderTargets(r: BenchResults): string[] {
  const rows: string[] = [];
  const section = (name: string) =>
    r.only && !r.only.includes(name) ? `not measured (--only=${r.only.join(",")})` : "not measured";
  const row = (target: string, measured: string, ok: boolean | undefined, missing: string) =>
    rows.push(
      `| ${target} | ${ok === undefined ? "–" : measured} | ${ok === undefined ? missing : ok ? "**met**" : "**not met**"} |`,
    );
  const t = r.throughput;
  const med = (key: string, b: number): number | undefined =>
    (t?.[key]?.[b] as Figure | undefined)?.median;
  const ratio = (a: string, b: string, batch: number) => {
    const x = med(a, batch);
    const y = med(b, batch);
    return x !== undefined && y !== undefined ? x / y : undefined;
  };
  const pct = (x: number | undefined) => `${fmt(x === undefined ? undefined : x * 100)} %`;
  const missingT = section("throughput");

  for (const b of [1, 10, 100]) {
    const x = ratio("floor", "plainQueue", b);
    row(
      `Our lease + ack SQL ≥ 70 % of the plain queue at batch ${b}`,
      pct(x),
      x === undefined ? undefined : x >= 0.7,
      missingT,
    );
  }
  {
    const x = ratio("sdk", "pgBoss", 1);
    row(
      "End to end ≥ 2× pg-boss at batch 1",
      `${fmt(x, 2)}×`,
      x === undefined ? undefined : x >= 2,
      missingT,
    );
  }
  for (const b of [10, 100]) {
    // How many times slower than JetStream: its rate over ours.
    const x = ratio("nats", "sdk", b);
    row(
      `End to end no more than 1.5× slower than NATS JetStream at batch ${b}`,
      `${fmt(x, 2)}× slower`,
      x === undefined ? undefined : x <= 1.5,
      missingT,
    );
  }
  for (const [b, floor] of [
    [10, 0.3],
    [100, 0.5],
  ] as const) {
    const x = ratio("sdk", "plainQueue", b);
    row(
      `End to end ≥ ${floor * 100} % of the plain queue at batch ${b}`,
      pct(x),
      x === undefined ? undefined : x >= floor,
      missingT,
    );
  }
  for (const b of [1, 10, 100]) {
    const x = ratio("sdk", "graphileWorker", b);
    row(
      `End to end ahead of graphile-worker at batch ${b}`,
      `${fmt(x, 2)}×`,
      x === undefined ? undefined : x > 1,
      missingT,
    );
  }

  const held = r.soaks?.find((s) => s.held);
  const free = r.soaks?.find((s) => !s.held);
  const missingS = r.soaks ? "not measured (the held soak ran under 2 minutes)" : section("soak");
  const long = held && held.minutes.length >= 2 ? held : undefined;
  row(
    "Held-snapshot soak: acked msg/s, last minute ≥ 90 % of the first",
    `${pct(long?.ratio)} over ${long?.minutes.length} min`,
    long ? long.ratio >= 0.9 : undefined,
    missingS,
  );
  row(
    "Held-snapshot soak: records written/s, last minute ≥ 90 % of the first",
    `${pct(long?.writtenRatio)} over ${long?.minutes.length} min`,
    long ? long.writtenRatio >= 0.9 : undefined,
    missingS,
  );
  {
    // Measured at every minute's end, so one minute is enough for this one.
    const peak = held ? peakDeadTuples(held) : undefined;
    const bound = deadTupleBound(held?.records ?? 50_000);
    row(
      `Held-snapshot soak: hot-path dead tuples bounded: ≤ ${fmt(bound)} (the records the producer rewrites) at every minute's end`,
      `${fmt(peak)} at most`,
      peak === undefined ? undefined : peak <= bound,
      r.soaks ? "not measured" : section("soak"),
    );
  }
  if (free && free.minutes.length >= 2) {
    rows.push(
      `| (not a target) Soak with no transaction held: acked msg/s last minute / first; hot-path dead tuples at most | ${pct(free.ratio)}; ${fmt(peakDeadTuples(free))} | – |`,
    );
  }

  const backToBack = r.latency?.filter((l) => !l.gapMs) ?? [];
  const p50 = median(backToBack.map((l) => l.p50));
  const p99 = median(backToBack.map((l) => l.p99));
  row(
    "Latency record upsert → handler p50 ≤ 5 ms",
    `${fmt(p50, 2)} ms`,
    p50 === undefined ? undefined : p50 <= 5,
    section("latency"),
  );
  row(
    "Latency record upsert → handler p99 ≤ 25 ms",
    `${fmt(p99, 2)} ms`,
    p99 === undefined ? undefined : p99 <= 25,
    section("latency"),
  );
  const paced = r.latency?.filter((l) => l.gapMs) ?? [];
  if (paced.length > 0) {
    rows.push(
      `| (not a target) Latency p50, records ${paced[0]!.gapMs} ms apart | ${fmt(median(paced.map((l) => l.p50)), 2)} ms | – |`,
    );
  }
  const m50 = median(r.mutations?.map((l) => l.p50) ?? []);
  row(
    "Mutation await p50 ≤ 50 ms",
    `${fmt(m50, 2)} ms`,
    m50 === undefined ? undefined : m50 <= 50,
    section("mutations"),
  );

  let backlogX: number | undefined;
  let sizes: number[] = [];
  if (r.backlog) {
    sizes = Object.keys(r.backlog)
      .map(Number)
      .sort((a, b) => a - b);
    const small = median(r.backlog[String(sizes[0])]!.map((c) => c.meanMs));
    const large = median(r.backlog[String(sizes.at(-1))]!.map((c) => c.meanMs));
    backlogX = large !== undefined && small !== undefined ? large / small : undefined;
  }
  const large = sizes.at(-1);
  row(
    `${large && large !== 1_000_000 ? `${fmt(large)} (not 1M: --quick)` : "1M"}-backlog cost ≤ 1.2× the 10k cost`,
    `${fmt(backlogX, 2)}×`,
    backlogX === undefined ? undefined : backlogX <= 1.2,
    section("backlog"),
  );
  const rss = r.serverRssMaxMb;
  row(
    "Server RSS ≤ 150 MB",
    `${fmt(rss, 1)} MB`,
    rss === undefined ? undefined : rss <= 150,
    r.only && !["throughput", "latency", "mutations"].some((s) => r.only!.includes(s))
      ? `not measured (--only=${r.only.join(",")})`
      : "not measured",
  );
  return ["## Targets", "", "| target | measured | |", "|---|---:|---|", ...rows, ""];
}
