// The record write alone under a held snapshot: the soak's producer (1,000-record upserts over
// 50,000 seeded records, in turn, each a real change) with no consumer and no HTTP, on the
// bench's own stock cluster, so what the writer costs is not mixed with what the workers cost.
// A development aid, not part of `pnpm bench`:
//   npx tsx src/designs/writer-held.ts [--minutes=3] [--free]   (--free: no snapshot held)
// Prints, per minute, the upserts done and their p50 / p90 ms, and the dead tuples and size of
// the tables the write touches. Works with either record write routine (v1: records updated in
// place; v2: keys and versions, migration 0031), so one file measures both builds.

import { migrate, openDatabase } from "@sequin/server/source";
import pg from "pg";
import { startCluster } from "../lib/cluster.js";
import { installTeardown, teardown } from "../lib/teardown.js";
import { seedRecords } from "../project/seed.js";
import { rewriteBatch } from "../project/soak.js";

const arg = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const minutes = Number(arg("minutes") ?? 3);
const held = !process.argv.includes("--free");
const RECORDS = 50_000;

installTeardown();
const cluster = await startCluster();
const db = await openDatabase({ databaseUrl: cluster.url, poolMax: 2 });
const holder = new pg.Client({ connectionString: cluster.url });
try {
  await migrate(db);
  const seeded = await seedRecords(db, RECORDS);
  const { rows: fn } = await db.query<{ v2: boolean }>(
    "SELECT to_regproc('sequin_record_write_v2') IS NOT NULL AS v2",
  );
  const routine = fn[0]?.v2 ? "sequin_record_write_v2" : "sequin_record_write_v1";
  const tables = fn[0]?.v2 ? ["record_keys", "record_versions", "events"] : ["records", "events"];
  await holder.connect();
  if (held) {
    await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await holder.query("SELECT count(*) FROM consumers");
  }
  console.log(`${routine}, ${held ? "a REPEATABLE READ snapshot held" : "no transaction held"}`);
  let next = 0;
  let round = 0;
  for (let minute = 1; minute <= minutes; minute++) {
    const times: number[] = [];
    const end = performance.now() + 60_000;
    while (performance.now() < end) {
      round++;
      const batch = rewriteBatch(next, RECORDS, round);
      next = (next + 1000) % RECORDS;
      const started = performance.now();
      await db.query(`SELECT count(*) FROM ${routine}($1, $2, $3, NULL, false)`, [
        seeded.accountId,
        seeded.streamId,
        JSON.stringify(batch),
      ]);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    const { rows } = await db.query<{ relname: string; dead: string; mb: number }>(
      `SELECT relname, n_dead_tup AS dead, round(pg_total_relation_size(relid) / 1048576.0, 1)::float8 AS mb
       FROM pg_stat_user_tables WHERE relname = ANY($1) ORDER BY relname`,
      [tables],
    );
    console.log(
      `minute ${minute}: ${times.length} upserts (${times.length * 1000} records), p50 ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms; ` +
        rows.map((r) => `${r.relname} ${r.dead} dead / ${r.mb} MB`).join(", "),
    );
  }
} finally {
  if (held) await holder.query("ROLLBACK").catch(() => {});
  await holder.end().catch(() => {});
  await db.close();
  teardown();
}
