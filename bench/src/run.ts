// `pnpm bench`: every benchmark in one run against the local Postgres; writes bench/RESULTS.md
// and bench/results.json. Progress goes to stderr. Options: --quick (shorter runs),
// --only=a,b (sections: throughput, latency, backlog).
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { dropDatabase, freshDatabase } from "./lib/database.js";
import { machineFacts } from "./lib/machine.js";
import { progress, summarize, type Throughput } from "./lib/measure.js";
import { nextAckCost } from "./ours/backlog.js";
import { rawHttpThroughput, sdkThroughput } from "./ours/e2e.js";
import { floorThroughput } from "./ours/floor.js";
import { upsertToHandlerLatency } from "./ours/latency.js";
import { createBenchConsumer, dropConsumer, seedRecords } from "./ours/seed.js";
import { startServerProcess } from "./ours/server-process.js";
import { natsThroughput } from "./peers/nats.js";
import { pgBossThroughput } from "./peers/pg-boss.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const wants = (section: string) => !only || only.includes(section);
const RUNS = 2;
const WORKERS = 4;
const DURATION_MS = quick ? 2000 : 5000;
const BATCHES = [1, 10, 100];
const DB = "sequin_bench";
const outDir = join(dirname(fileURLToPath(import.meta.url)), "..");

type Figure = ReturnType<typeof summarize>;
const results: Record<string, unknown> = {};
const throughput: Record<string, Record<number, Figure>> = {};

async function repeat(label: string, fn: () => Promise<Throughput>): Promise<Figure> {
  const values: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await fn();
    progress(
      `${label} run ${i + 1}: ${Math.round(r.perSecond)} msg/s (${r.messages} in ${r.seconds.toFixed(1)} s)`,
    );
    values.push(r.perSecond);
  }
  const s = summarize(values);
  progress(`${label}: min ${Math.round(s.min)} median ${Math.round(s.median)} msg/s`);
  return s;
}

const facts = await machineFacts(
  process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
);
progress(`machine: ${facts.cpus} cores, Node ${facts.node}, Postgres ${facts.postgres}`);
const { db, url } = await freshDatabase(DB, WORKERS + 4);
let rssMax = 0;
try {
  // Enough pending messages that no run drains its consumer before its time is up.
  const backlog = quick ? 60_000 : 150_000;
  progress(`seeding ${backlog} records`);
  const seeded = await seedRecords(db, backlog);
  const server = await startServerProcess(url);
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, server.rssMb());
  }, 250);
  try {
    if (wants("throughput")) {
      let n = 0;
      const withConsumer = async (fn: (consumer: string) => Promise<Throughput>) => {
        const consumer = await createBenchConsumer(db, seeded, `bench-${n++}`);
        try {
          return await fn(consumer);
        } finally {
          await dropConsumer(db, seeded, consumer);
        }
      };
      const runs: Record<string, (b: number) => Promise<Throughput>> = {
        floor: (b) =>
          withConsumer((c) => floorThroughput(db, seeded.accountId, c, b, WORKERS, DURATION_MS)),
        sdk: (b) =>
          withConsumer((c) =>
            sdkThroughput({
              url: server.url,
              token: seeded.token,
              consumer: c,
              batchSize: b,
              workers: WORKERS,
              durationMs: DURATION_MS,
              total: backlog,
            }),
          ),
        rawHttp: (b) =>
          withConsumer((c) =>
            rawHttpThroughput({
              url: server.url,
              token: seeded.token,
              consumer: c,
              batchSize: b,
              workers: WORKERS,
              durationMs: DURATION_MS,
              total: backlog,
            }),
          ),
        pgBoss: (b) =>
          pgBossThroughput({
            databaseUrl: url,
            batchSize: b,
            workers: WORKERS,
            durationMs: DURATION_MS,
            messages: Math.min(backlog, b * 2000),
          }),
        nats: (b) =>
          natsThroughput({
            servers: "127.0.0.1:4222",
            batchSize: b,
            workers: WORKERS,
            durationMs: DURATION_MS,
            messages: Math.min(backlog, b * 2000 + 5000),
          }),
      };
      for (const [name, run] of Object.entries(runs)) {
        throughput[name] = {};
        for (const b of BATCHES)
          throughput[name]![b] = await repeat(`${name} batch ${b}`, () => run(b));
      }
      results.throughput = throughput;
    }
    if (wants("latency")) {
      const consumer = await createBenchConsumerNew(db, seeded);
      const samples = quick ? 300 : 1000;
      const lat = [] as Awaited<ReturnType<typeof upsertToHandlerLatency>>[];
      for (let i = 0; i < RUNS; i++) {
        const r = await upsertToHandlerLatency(
          server.url,
          seeded.token,
          seeded.streamId,
          consumer,
          samples,
        );
        progress(
          `latency run ${i + 1}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms`,
        );
        lat.push(r);
      }
      results.latency = lat;
    }
    results.serverRssMaxMb = rssMax;
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
  if (wants("backlog")) {
    results.backlog = await backlogScaling(quick);
  }
} finally {
  await db.close();
  await dropDatabase(DB);
}

async function createBenchConsumerNew(
  dbh: typeof db,
  seededAcct: Awaited<ReturnType<typeof seedRecords>>,
) {
  const { createConsumer } = await import("../../apps/server/src/consumers/service.js");
  const c = await dbh.transaction((tx) =>
    createConsumer(tx, seededAcct.accountId, {
      name: "latency",
      deliver_policy: "new",
      filters: { collection_id: "bench:latency" },
    }),
  );
  return c.id;
}

async function backlogScaling(short: boolean) {
  const out: Record<string, unknown> = {};
  for (const size of [10_000, short ? 200_000 : 1_000_000]) {
    const name = `${DB}_backlog`;
    const fresh = await freshDatabase(name, 4);
    try {
      progress(`backlog ${size}: seeding`);
      const s = await seedRecords(fresh.db, size);
      const consumer = await createBenchConsumer(fresh.db, s, "backlog");
      await fresh.db.query("VACUUM ANALYZE consumer_messages");
      const server = await startServerProcess(fresh.url);
      try {
        const costs = [];
        for (let i = 0; i < RUNS; i++) {
          const c = await nextAckCost(server.url, s.token, consumer, 40);
          progress(
            `backlog ${size} run ${i + 1}: mean ${c.meanMs.toFixed(2)} ms per next(100)+ack`,
          );
          costs.push(c);
        }
        out[size] = costs;
      } finally {
        await server.stop();
      }
    } finally {
      await fresh.db.close();
      await dropDatabase(name);
    }
  }
  return out;
}

writeFileSync(
  join(outDir, "results.json"),
  `${JSON.stringify({ command: `pnpm bench ${args.join(" ")}`.trim(), date: new Date().toISOString(), machine: facts, results }, null, 2)}\n`,
);
progress("wrote bench/results.json");
