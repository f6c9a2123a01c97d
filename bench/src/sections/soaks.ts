// The soaks: first with a REPEATABLE READ snapshot held, then with no transaction held, each on
// a fresh database, so that the difference is what the held snapshot costs.
import { dropDatabase, freshDatabase } from "../lib/database.js";
import { progress } from "../lib/measure.js";
import { createBenchConsumer, seedRecords } from "../project/seed.js";
import { startServerProcess } from "../project/server-process.js";
import { type SoakResult, soak } from "../project/soak.js";

export async function soakSection(
  /** Names of the databases made start with this. */
  prefix: string,
  soakMinutes: number,
  freeSoakMinutes: number,
  soakRecords: number,
): Promise<SoakResult[]> {
  // The held-snapshot soak, then the same with no transaction held, each on a fresh database:
  // the difference is what the held snapshot costs.
  const soaks: SoakResult[] = [];
  for (const [held, minutes] of [
    [true, soakMinutes],
    [false, freeSoakMinutes],
  ] as const) {
    const name = `${prefix}_soak_${held ? "held" : "free"}`;
    const fresh = await freshDatabase(name, 6);
    try {
      const records = soakRecords;
      const s = await seedRecords(fresh.db, records);
      const consumer = await createBenchConsumer(fresh.db, s, "soak", { ackWaitMs: 60_000 });
      const server = await startServerProcess(fresh.url);
      try {
        progress(
          `soak: ${minutes} min, ${held ? "a REPEATABLE READ snapshot held" : "no transaction held"}`,
        );
        soaks.push(
          await soak({
            databaseUrl: fresh.url,
            url: server.url,
            token: s.token,
            streamId: s.streamId,
            consumer,
            records,
            minutes,
            held,
          }),
        );
      } finally {
        await server.stop();
      }
    } finally {
      await fresh.db.close();
      await dropDatabase(name);
    }
  }
  return soaks;
}
