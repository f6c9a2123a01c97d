// pg-boss 10 (the newest major that runs on Node 20): fetch + complete, same batches and workers.
import PgBoss from "pg-boss";
import { runWorkers, type Throughput } from "../lib/measure.js";

export interface PeerRun {
  databaseUrl: string;
  batchSize: number;
  workers: number;
  durationMs: number;
  messages: number;
}

export async function pgBossThroughput(run: PeerRun): Promise<Throughput> {
  const schema = `bench_pgboss_${process.pid}`;
  const boss = new PgBoss({ connectionString: run.databaseUrl, schema, max: run.workers + 2 });
  boss.on("error", () => {});
  await boss.start();
  const queue = "bench";
  try {
    await boss.createQueue(queue);
    const payload = { FirstName: "Paul", LastName: "Atreides", Email: "paul@arrakis.org", n: 0 };
    for (let offset = 0; offset < run.messages; offset += 1000) {
      const count = Math.min(1000, run.messages - offset);
      await boss.insert(
        Array.from({ length: count }, (_, i) => ({
          name: queue,
          data: { ...payload, n: offset + i },
        })),
      );
    }
    return await runWorkers(run.workers, run.durationMs, async () => {
      const jobs = await boss.fetch(queue, { batchSize: run.batchSize });
      if (jobs.length === 0) return 0;
      await boss.complete(
        queue,
        jobs.map((j) => j.id),
      );
      return jobs.length;
    });
  } finally {
    await boss.stop({ graceful: false, wait: true });
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: run.databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}
