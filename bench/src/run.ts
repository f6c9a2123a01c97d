// `pnpm bench`: every benchmark in one run, on a throwaway PostgreSQL cluster of its own (stock
// settings, autovacuum on; stopped and deleted at the end, on failure and on Ctrl-C); writes
// bench/RESULTS.md and bench/results.json. Progress goes to stderr.
// Options: --quick (shorter runs, smaller backlogs, 1-minute soaks), --only=a,b (sections:
// throughput, latency, mutations, backlog, ordering, retries, soak), --soak-minutes=N (the soak with a
// snapshot held; default 10), --free-soak-minutes=N (the soak with no transaction held; default
// 3), --soak-records=N (how many records the soaks' producer rewrites in turn; default 50,000).
// BENCH_DATABASE_URL=postgres://… runs on that server instead of a cluster of its own.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createConsumer, type Db } from "@sequin/server/source";
import { ourSqlThroughput } from "./floors/our-sql.js";
import { plainQueueThroughput } from "./floors/plain-queue.js";
import { startCluster } from "./lib/cluster.js";
import { dropDatabase, freshDatabase, useServer } from "./lib/database.js";
import { machineFacts } from "./lib/machine.js";
import { progress, summarize, type Throughput } from "./lib/measure.js";
import { type BenchResults, renderResults } from "./lib/report.js";
import { installTeardown, teardown } from "./lib/teardown.js";
import { graphileWorkerThroughput } from "./peers/graphile-worker.js";
import { natsThroughput } from "./peers/nats.js";
import { pgBossThroughput } from "./peers/pg-boss.js";
import { rawHttpThroughput, sdkThroughput } from "./project/e2e.js";
import { spacing, upsertToHandlerLatency } from "./project/latency.js";
import { mutationAwaitLatency } from "./project/mutation-await.js";
import { createBenchConsumer, dropConsumer, type Seeded, seedRecords } from "./project/seed.js";
import { startServerProcess } from "./project/server-process.js";
import { backlogSection } from "./sections/backlog.js";
import { orderingSection } from "./sections/ordering.js";
import { retriesSection } from "./sections/retries.js";
import { soakSection } from "./sections/soaks.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const soakMinutes = Number(
  args.find((a) => a.startsWith("--soak-minutes="))?.slice(15) ?? (quick ? 1 : 10),
);
// --quick: half a minute with no transaction held, the comparison the held soak is read against
// (rates are per second of the time it ran), so that the whole of --quick stays well under 5 minutes.
const freeSoakMinutes = Number(
  args.find((a) => a.startsWith("--free-soak-minutes="))?.slice(20) ?? (quick ? 0.5 : 3),
);
// --quick: the fewest the soak allows, so its warm-up drains nothing before the 20k drained alone.
const soakRecords = Number(
  args.find((a) => a.startsWith("--soak-records="))?.slice(15) ?? (quick ? 20_000 : 50_000),
);
if (!Number.isInteger(soakRecords) || soakRecords < 20_000) {
  throw new Error(
    "--soak-records must be a whole number of at least 20000 (the soak keeps 20k pending)",
  );
}
const wants = (section: string) => !only || only.includes(section);
// --contenders=floor,windowFloor: only these rows of the throughput table (for an A/B; the
// targets need them all).
const contenders = args
  .find((a) => a.startsWith("--contenders="))
  ?.slice(13)
  .split(",");
const RUNS = 2;
/** The pause between records of the paced latency runs: the worker has acked and polls again. */
const LATENCY_GAP_MS = 20;
/**
 * Throughput runs per contender and batch size: three, so that one disturbed run is not the
 * median; one in --quick, which checks that everything runs rather than measuring.
 */
const THROUGHPUT_RUNS = quick ? 1 : 3;
const WORKERS = 4;
const DURATION_MS = quick ? 2000 : 5000;
const DB = "sequin_bench";
const outDir = join(dirname(fileURLToPath(import.meta.url)), "..");

installTeardown();
let serverUrl = process.env.BENCH_DATABASE_URL;
if (serverUrl === undefined) {
  const cluster = await startCluster();
  serverUrl = cluster.url;
  progress(`own PostgreSQL cluster in ${cluster.dir}, ${cluster.url}`);
}
useServer(serverUrl);

/**
 * Jobs queued for a graphile-worker run, from a rate per second at batch 1 / 10 / 100: well above
 * what it reached on this machine (bench/LOG.md), but no more, as queueing them is not measured
 * and takes a while. Should it finish them all, its rate counts up to the last one.
 */
const jobsFor = (perSecond: [number, number, number], batch: number) =>
  Math.round(
    ((batch === 1 ? perSecond[0] : batch === 10 ? perSecond[1] : perSecond[2]) * DURATION_MS) /
      1000,
  );

const results: BenchResults = {
  command: `pnpm bench${args.length ? ` ${args.join(" ")}` : ""}`,
  date: new Date().toISOString(),
  machine: await machineFacts(serverUrl),
  ownCluster: process.env.BENCH_DATABASE_URL === undefined,
  only,
  throughputRuns: THROUGHPUT_RUNS,
  soakMinutes: { held: soakMinutes, free: freeSoakMinutes },
};
progress(
  `machine: ${results.machine.cpus} cores, Node ${results.machine.node}, Postgres ${results.machine.postgres} ` +
    `(autovacuum=${results.machine.postgresSettings.autovacuum})`,
);

async function namedConsumer(db: Db, seeded: Seeded, name: string, collection: string) {
  const c = await db.transaction((tx) =>
    createConsumer(tx, seeded.accountId, {
      name,
      deliver_policy: "new",
      filters: { collection_id: collection },
    }),
  );
  return c.id;
}

let sectionStarted = performance.now();
/** Records how long the part just finished took, for the report. */
const timed = (part: string) => {
  const now = performance.now();
  results.seconds = { ...results.seconds, [part]: (now - sectionStarted) / 1000 };
  sectionStarted = now;
};

if (wants("throughput") || wants("latency") || wants("mutations")) {
  const { db, url } = await freshDatabase(DB, WORKERS + 4);
  try {
    // Enough pending messages that no run drains its consumer before its time is up.
    const backlog = quick ? 60_000 : 150_000;
    progress(`seeding ${backlog} records`);
    const seeded = await seedRecords(db, backlog);
    const server = await startServerProcess(url);
    let rssMax = 0;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, server.rssMb());
    }, 250);
    try {
      if (wants("throughput")) {
        let count = 0;
        const withConsumer = async (fn: (consumer: string) => Promise<Throughput>) => {
          const consumer = await createBenchConsumer(db, seeded, `bench-${count++}`);
          try {
            return await fn(consumer);
          } finally {
            await dropConsumer(db, seeded, consumer);
            // Every run starts from the same tables: the dropped consumer's rows are vacuumed
            // away rather than left for the next run's scans to wade through.
            await db.query("VACUUM (ANALYZE) deliveries, consumer_cursors, consumer_floors");
          }
        };
        const e2e = (c: string, b: number) => ({
          url: server.url,
          token: seeded.token,
          consumer: c,
          batchSize: b,
          workers: WORKERS,
          durationMs: DURATION_MS,
          total: backlog,
        });
        const peer = (b: number, messages: number) => ({
          databaseUrl: url,
          batchSize: b,
          workers: WORKERS,
          durationMs: DURATION_MS,
          messages,
        });
        const runs: Record<string, (b: number) => Promise<Throughput>> = {
          plainQueue: (b) => plainQueueThroughput(peer(b, backlog)),
          floor: (b) =>
            withConsumer((c) => ourSqlThroughput(db, seeded.accountId, c, b, WORKERS, DURATION_MS)),
          sdk: (b) => withConsumer((c) => sdkThroughput(e2e(c, b))),
          rawHttp: (b) => withConsumer((c) => rawHttpThroughput(e2e(c, b))),
          // As many as before 2026-12-03: pg-boss's fetch slows with the size of its queue, so
          // fewer would change what is measured.
          pgBoss: (b) => pgBossThroughput(peer(b, Math.min(backlog, b * 2000))),
          graphileWorker: (b) =>
            graphileWorkerThroughput(peer(b, jobsFor([3000, 10_000, 15_000], b))),
          nats: (b) =>
            natsThroughput({
              servers: "127.0.0.1:4222",
              batchSize: b,
              workers: WORKERS,
              durationMs: DURATION_MS,
              messages: Math.min(backlog, b * 2000 + 5000),
            }),
        };
        // Interleaved (floors, sdk, raw, peers, then again) so that a drift of the machine over
        // the run weighs on every contender alike.
        results.throughput = {};
        for (const b of [1, 10, 100]) {
          const perSecond: Record<string, number[]> = {};
          for (let i = 0; i < THROUGHPUT_RUNS; i++) {
            for (const [name, run] of Object.entries(runs)) {
              if (contenders && !contenders.includes(name)) continue;
              // Each run starts with no dirty pages or WAL of the previous one left to flush
              // (needs a superuser or pg_checkpoint; without, the runs go on without it).
              await db.query("CHECKPOINT").catch(() => undefined);
              const r = await run(b);
              progress(
                `${name} batch ${b} run ${i + 1}: ${Math.round(r.perSecond)} msg/s (${r.messages} in ${r.seconds.toFixed(1)} s)`,
              );
              perSecond[name] = [...(perSecond[name] ?? []), r.perSecond];
            }
          }
          for (const [name, values] of Object.entries(perSecond)) {
            const s = summarize(values);
            progress(
              `${name} batch ${b}: min ${Math.round(s.min)}, median ${Math.round(s.median)} msg/s`,
            );
            results.throughput[name] = { ...results.throughput[name], [b]: s };
          }
        }
      }
      if (wants("latency")) {
        const consumer = await namedConsumer(db, seeded, "latency", "bench:latency");
        results.latency = [];
        // Back to back (the target), and paced: the worker idle when each record arrives.
        for (let i = 0; i < RUNS; i++) {
          for (const gapMs of [0, LATENCY_GAP_MS]) {
            const l = await upsertToHandlerLatency(
              server.url,
              seeded.token,
              seeded.streamId,
              consumer,
              quick ? 150 : 1000,
              gapMs,
            );
            progress(
              `latency run ${i + 1}, ${spacing(gapMs)}: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(2)} ms ` +
                `(upsert alone p50 ${l.upsert.p50.toFixed(2)} ms; answer → handler p50 ${l.delivery.p50.toFixed(2)} ms, p99 ${l.delivery.p99.toFixed(2)} ms)`,
            );
            results.latency.push(l);
          }
        }
      }
      if (wants("mutations")) {
        const consumer = await namedConsumer(db, seeded, "mutations", "bench:mutation");
        results.mutations = [];
        for (let i = 0; i < RUNS; i++) {
          const l = await mutationAwaitLatency(
            server.url,
            seeded.token,
            consumer,
            "bench:mutation",
            quick ? 60 : 300,
          );
          progress(
            `mutation await run ${i + 1}: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms`,
          );
          results.mutations.push(l);
        }
      }
      results.serverRssMaxMb = rssMax;
    } finally {
      clearInterval(sampler);
      await server.stop();
    }
  } finally {
    await db.close();
    await dropDatabase(DB);
  }
  timed(["throughput", "latency", "mutations"].filter(wants).join(", "));
}

if (wants("backlog")) {
  results.backlog = await backlogSection(DB, quick);
  timed("backlog");
}

if (wants("ordering")) {
  results.ordering = await orderingSection(DB, quick, RUNS);
  timed("ordering");
}

if (wants("retries")) {
  results.retries = await retriesSection(DB, quick ? 15 : 60);
  timed("retries");
}

if (wants("soak")) {
  results.soaks = await soakSection(DB, soakMinutes, freeSoakMinutes, soakRecords);
  timed("soaks");
}
// performance.now() counts from the start of this process, the cluster's start included.
results.seconds = { ...results.seconds, "whole run": performance.now() / 1000 };

writeFileSync(join(outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, "RESULTS.md"), renderResults(results));
progress("wrote bench/RESULTS.md and bench/results.json");
teardown();
