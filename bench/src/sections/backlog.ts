// Backlog scaling: the cost of one `/next?batch_size=100` + `/ack` round at 10k and at 1M
// pending (quick: 200k), one worker, the sizes taking turns.
import type { Db } from "@sequin/server/source";
import { dropDatabase, freshDatabase } from "../lib/database.js";
import { progress } from "../lib/measure.js";
import type { BenchResults } from "../lib/results.js";
import { nextAckCost } from "../project/backlog.js";
import { createBenchConsumer, dropConsumer, type Seeded, seedRecords } from "../project/seed.js";
import { type ServerProcess, startServerProcess } from "../project/server-process.js";

export async function backlogSection(
  /** Names of the databases made start with this. */
  prefix: string,
  quick: boolean,
): Promise<NonNullable<BenchResults["backlog"]>> {
  const backlog: NonNullable<BenchResults["backlog"]> = {};
  // Three runs of 80 rounds per size, the sizes taking turns and every run after a CHECKPOINT:
  // runs of 40 rounds, one size after the other, varied by ±25 % between whole bench runs, more
  // than the difference being measured. A 10k backlog holds 100 rounds, so there every run gets
  // a consumer of its own (the dropped one's rows are vacuumed away); at 1M the runs follow each
  // other on one consumer.
  const BACKLOG_RUNS = 3;
  // --quick checks that the part runs: half the rounds.
  const CYCLES = quick ? 40 : 80;
  const sizes = [10_000, quick ? 200_000 : 1_000_000];
  interface BacklogSetup {
    size: number;
    name: string;
    db: Db;
    seeded: Seeded;
    server: ServerProcess;
    consumer: string;
  }
  const setups: BacklogSetup[] = [];
  const opened: Array<{ name: string; db: Db }> = [];
  /** A fresh consumer over the whole backlog, unless the backlog holds every run (1M). */
  const prepare = async (setup: BacklogSetup, run: number) => {
    if (run > 0 && setup.size >= (BACKLOG_RUNS + 1) * CYCLES * 100) return;
    if (setup.consumer) await dropConsumer(setup.db, setup.seeded, setup.consumer);
    setup.consumer = await createBenchConsumer(setup.db, setup.seeded, `backlog-${run}`);
    await setup.db.query("VACUUM ANALYZE deliveries");
  };
  try {
    for (const size of sizes) {
      const name = `${prefix}_backlog_${size}`;
      const { db, url } = await freshDatabase(name, 4);
      opened.push({ name, db });
      progress(`backlog ${size}: seeding`);
      const seeded = await seedRecords(db, size);
      const server = await startServerProcess(url);
      setups.push({ size, name, db, seeded, server, consumer: "" });
    }
    for (let i = 0; i < BACKLOG_RUNS; i++) {
      for (const setup of setups) {
        await prepare(setup, i);
        // Dirty pages of the seed or of the other size are written now, not by measured rounds.
        await setup.db.query("CHECKPOINT").catch(() => undefined);
        const { url } = setup.server;
        const { token } = setup.seeded;
        // Warm-up, not measured: the server's connections, plans and caches for this consumer.
        await nextAckCost(url, token, setup.consumer, 10);
        const c = await nextAckCost(url, token, setup.consumer, CYCLES);
        progress(
          `backlog ${setup.size} run ${i + 1}: mean ${c.meanMs.toFixed(2)} ms per next(100) + ack`,
        );
        backlog[setup.size] = [...(backlog[setup.size] ?? []), c];
      }
    }
  } finally {
    for (const setup of setups) await setup.server.stop();
    for (const { name, db } of opened) {
      await db.close();
      await dropDatabase(name);
    }
  }
  return backlog;
}
