// graphile-worker 0.17 (the newest release whose engines allow Node 20; 0.18 needs Node 22): a
// runner with 4 concurrent jobs on a pool of 6 connections, like the other contenders. Batch 1 is
// its default, one job fetched and completed per round trip. Batch 10 and 100 use its batching:
// the local queue fetches (and locks) that many jobs at once, and completions are batched too
// (completeJobBatchDelay 0: the completions of one tick of the event loop go in one statement).
import { Logger, makeWorkerUtils, run } from "graphile-worker";
import pg from "pg";
import type { Throughput } from "../lib/measure.js";
import { progress } from "../lib/measure.js";
import { PAYLOAD } from "../project/seed.js";
import type { PeerRun } from "./pg-boss.js";

/** Only its errors reach the bench's progress; its info lines would drown the progress lines. */
const logger = new Logger(() => (level, message) => {
  if (level === "error") progress(`graphile-worker: ${message}`);
});

export async function graphileWorkerThroughput(run_: PeerRun): Promise<Throughput> {
  const schema = `bench_graphile_${process.pid}`;
  const shared = { connectionString: run_.databaseUrl, schema, logger };
  const utils = await makeWorkerUtils(shared);
  const admin = new pg.Client({ connectionString: run_.databaseUrl });
  await admin.connect();
  try {
    await utils.migrate();
    for (let offset = 0; offset < run_.messages; offset += 1000) {
      const count = Math.min(1000, run_.messages - offset);
      await utils.addJobs(
        Array.from({ length: count }, (_, i) => ({
          identifier: "bench",
          payload: { ...PAYLOAD, n: offset + i },
        })),
      );
    }
    await admin.query(`VACUUM ANALYZE ${schema}._private_jobs`);
    const batching =
      run_.batchSize > 1 ? { localQueue: { size: run_.batchSize }, completeJobBatchDelay: 0 } : {};
    // If the jobs run out before the time is up, the rate counts up to the last one only.
    let handled = 0;
    let drainedAt = Number.POSITIVE_INFINITY;
    const start = performance.now();
    const runner = await run({
      ...shared,
      concurrency: run_.workers,
      maxPoolSize: run_.workers + 2,
      noHandleSignals: true,
      pollInterval: 1000,
      taskList: {
        bench: async () => {
          handled++;
          if (handled === run_.messages) drainedAt = performance.now();
        },
      },
      preset: { worker: batching },
    });
    await new Promise((r) =>
      setTimeout(r, Math.max(0, start + run_.durationMs - performance.now())),
    );
    const seconds = (Math.min(performance.now(), drainedAt) - start) / 1000;
    // stop() writes the completions still batched and hands the local queue's unstarted jobs
    // back, so counting what is left counts exactly the jobs completed.
    await runner.stop();
    const left = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}._private_jobs`,
    );
    const messages = run_.messages - Number(left.rows[0]!.n);
    return { messages, seconds, perSecond: messages / seconds };
  } finally {
    await utils.release();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}
