// Where the window core's lease + ack spend their time: 4 workers lease and ack for a while on a
// cluster with pg_stat_statements (track = all), then the statements by total time. A
// development aid, not part of `pnpm bench`:
//   npx tsx src/designs/window-profile.ts --url=postgres://postgres@127.0.0.1:PORT/postgres [--batch=10]
//     [--sql=FILE]  (run after the migrations: to try a change of a routine before writing its migration)
//     [--keep]      (keep the database, to look at its plans afterwards)
import { readFileSync } from "node:fs";
import { ack, decodeAckTokens, lease } from "@sequin/server/direct-consume";
import { migrate, openDatabase } from "@sequin/server/source";
import { runWorkers } from "../lib/measure.js";
import { createBenchConsumer, seedRecords } from "../project/seed.js";

const arg = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const adminUrl = arg("url") ?? "postgres://postgres@127.0.0.1:55432/postgres";
const batch = Number(arg("batch") ?? 10);
const name = `wprof_${process.pid}`;
const admin = await openDatabase({ databaseUrl: adminUrl, poolMax: 1 });
await admin.query(`CREATE DATABASE ${name}`);
const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
const db = await openDatabase({ databaseUrl: url, poolMax: 8 });
try {
  await migrate(db);
  const extra = arg("sql");
  if (extra) await db.query(readFileSync(extra, "utf8"));
  await db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const seeded = await seedRecords(db, 100_000);
  const consumer = await createBenchConsumer(db, seeded, "profile");
  const target = { accountId: seeded.accountId, consumer };
  // Warm up, then count from zero.
  const round = async () => {
    const { messages } = await lease(db, target, batch);
    if (messages.length === 0) return 0;
    await ack(db, target, decodeAckTokens(messages.map((m) => m.ack_token)));
    return messages.length;
  };
  await runWorkers(4, 1000, round);
  await db.query("SELECT pg_stat_statements_reset()");
  const r = await runWorkers(4, 5000, round);
  console.log(`batch ${batch}: ${Math.round(r.perSecond)} msg/s`);
  const { rows } = await db.query<{
    calls: string;
    total: number;
    mean: number;
    plan: number;
    query: string;
  }>(
    // plan: mean planning ms per call (0 unless pg_stat_statements.track_planning is on)
    `SELECT calls, round(total_exec_time::numeric, 1)::float8 AS total, round(mean_exec_time::numeric, 3)::float8 AS mean,
            round((total_plan_time / greatest(calls, 1))::numeric, 3)::float8 AS plan,
            regexp_replace(left(query, 160), '\\s+', ' ', 'g') AS query
     FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
     ORDER BY total_exec_time + total_plan_time DESC LIMIT 30`,
  );
  for (const row of rows)
    console.log(
      `${String(row.total).padStart(9)} ms ${String(row.calls).padStart(7)} × ${String(row.mean).padStart(7)} (plan ${String(row.plan).padStart(6)})  ${row.query}`,
    );
} finally {
  await db.close();
  if (process.argv.includes("--keep")) console.log(`kept database ${name}`);
  else await admin.query(`DROP DATABASE ${name}`);
  await admin.close();
}
