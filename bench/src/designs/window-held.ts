// The soak without HTTP, statement by statement: on the bench's own stock cluster (with
// pg_stat_statements loaded), 4 workers lease and ack batches of 100 while the soak's producer
// rewrites 50,000 records whenever 20,000 or fewer are pending, with a REPEATABLE READ snapshot
// held (unless --free). Each minute: acked and written msg/s, then the statements by total time
// with their mean ms and buffers touched per call, so that what grows under the held snapshot
// shows by name. A development aid, not part of `pnpm bench`:
//   npx tsx src/designs/window-held.ts [--minutes=3] [--free] [--top=8]
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { ack, decodeAckTokens, lease } from "@sequin/server/direct-consume";
import { migrate, openDatabase } from "@sequin/server/source";
import pg from "pg";
import { startCluster } from "../lib/cluster.js";
import { installTeardown, teardown } from "../lib/teardown.js";
import { createBenchConsumer, seedRecords } from "../project/seed.js";
import { rewriteBatch } from "../project/soak.js";

const arg = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const minutes = Number(arg("minutes") ?? 3);
const top = Number(arg("top") ?? 8);
const held = !process.argv.includes("--free");
const RECORDS = 50_000;
const BACKLOG = 20_000;

installTeardown();
const cluster = await startCluster([
  "shared_preload_libraries=pg_stat_statements,auto_explain",
  "pg_stat_statements.track=all",
  // Plans of statements slower than a second, nested ones included, into the cluster's log,
  // copied to /tmp/window-held-postgres.log at the end.
  "auto_explain.log_min_duration=1000",
  "auto_explain.log_nested_statements=on",
]);
const db = await openDatabase({ databaseUrl: cluster.url, poolMax: 8 });
const holder = new pg.Client({ connectionString: cluster.url });
try {
  await migrate(db);
  await db.query("CREATE EXTENSION pg_stat_statements");
  const seeded = await seedRecords(db, RECORDS);
  const consumer = await createBenchConsumer(db, seeded, "held");
  const target = { accountId: seeded.accountId, consumer };
  let pending = Number.POSITIVE_INFINITY;
  let acked = 0;
  let written = 0;
  const round = async (): Promise<number> => {
    const { messages, state } = await lease(db, target, 100);
    pending = state.num_pending;
    if (messages.length === 0) return 0;
    await ack(db, target, decodeAckTokens(messages.map((m) => m.ack_token)));
    return messages.length;
  };
  // Down to the level the producer keeps, not counted (as the soak's warm-up).
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (pending > BACKLOG) await round();
    }),
  );
  await holder.connect();
  if (held) {
    await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await holder.query("SELECT count(*) FROM consumers");
  }
  console.log(held ? "a REPEATABLE READ snapshot held" : "no transaction held");
  await db.query("SELECT pg_stat_statements_reset()");
  const end = performance.now() + minutes * 60_000;
  let next = 0;
  let turn = 0;
  const producer = (async () => {
    while (performance.now() < end) {
      if (pending > BACKLOG) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      turn++;
      const batch = rewriteBatch(next, RECORDS, turn);
      next = (next + 1000) % RECORDS;
      await db.query("SELECT count(*) FROM sequin_record_write_v2($1, $2, $3, NULL, false)", [
        seeded.accountId,
        seeded.streamId,
        JSON.stringify(batch),
      ]);
      written += batch.length;
    }
  })();
  const workers = Array.from({ length: 4 }, async () => {
    while (performance.now() < end) acked += await round();
  });
  /** Buffers touched so far per table heap and per index (pg_statio_user_*). */
  const touched = async () => {
    const { rows: io } = await db.query<{ name: string; blocks: string }>(
      `SELECT relname || ' (heap)' AS name, heap_blks_hit + heap_blks_read AS blocks FROM pg_statio_user_tables
       UNION ALL
       SELECT indexrelname, idx_blks_hit + idx_blks_read FROM pg_statio_user_indexes`,
    );
    return new Map(io.map((r) => [r.name, Number(r.blocks)]));
  };
  let before = await touched();
  // What the backends are doing, sampled every 50 ms: state, wait event and statement.
  const sampler = new pg.Client({ connectionString: cluster.url });
  await sampler.connect();
  let samples = new Map<string, number>();
  const sampling = setInterval(() => {
    sampler
      .query<{ what: string }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'cpu') || '  ' ||
                regexp_replace(left(query, 70), '\\s+', ' ', 'g') AS what
         FROM pg_stat_activity
         WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
           AND backend_type = 'client backend'`,
      )
      .then(({ rows }) => {
        for (const r of rows) samples.set(r.what, (samples.get(r.what) ?? 0) + 1);
      })
      .catch(() => {});
  }, 50);
  for (let minute = 1; minute <= minutes; minute++) {
    const [a, w] = [acked, written];
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(60_000, end - performance.now()))));
    const { rows } = await db.query<{
      calls: string;
      mean: number;
      blocks: number;
      total: number;
      query: string;
    }>(
      `SELECT calls, round(mean_exec_time::numeric, 3)::float8 AS mean,
              round((shared_blks_hit + shared_blks_read)::numeric / greatest(calls, 1), 1)::float8 AS blocks,
              round(total_exec_time::numeric)::float8 AS total,
              regexp_replace(left(query, 110), '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND toplevel IS FALSE
       ORDER BY total_exec_time DESC LIMIT $1`,
      [top],
    );
    await db.query("SELECT pg_stat_statements_reset()");
    const { rows: dead } = await db.query<{ relname: string; dead: string }>(
      `SELECT relname, n_dead_tup AS dead FROM pg_stat_user_tables
       WHERE n_dead_tup > 10000 ORDER BY n_dead_tup DESC`,
    );
    console.log(
      `minute ${minute}: acked ${Math.round((acked - a) / 60)} msg/s, written ${Math.round((written - w) / 60)} records/s, pending ${pending}; dead: ${dead.map((d) => `${d.relname} ${d.dead}`).join(", ")}`,
    );
    const after = await touched();
    const moved = [...after]
      .map(([name, n]) => [name, n - (before.get(name) ?? 0)] as const)
      .sort((x, y) => y[1] - x[1])
      .slice(0, top);
    before = after;
    const busiest = [...samples].sort((x, y) => y[1] - x[1]).slice(0, top);
    samples = new Map();
    console.log(`  sampled (of ${60_000 / 50} samples, 4 workers + producer):`);
    for (const [what, n] of busiest) console.log(`    ${String(n).padStart(6)}  ${what}`);
    console.log(`  buffers touched: ${moved.map(([n, b]) => `${n} ${b}`).join(", ")}`);
    for (const row of rows)
      console.log(
        `  ${String(row.total).padStart(7)} ms ${String(row.calls).padStart(7)} × ${String(row.mean).padStart(7)} ms ${String(row.blocks).padStart(7)} buf  ${row.query}`,
      );
  }
  await Promise.all([producer, ...workers]);
  clearInterval(sampling);
  await sampler.end();
} finally {
  copyFileSync(join(cluster.dir, "postgres.log"), "/tmp/window-held-postgres.log");
  if (held) await holder.query("ROLLBACK").catch(() => {});
  await holder.end().catch(() => {});
  await db.close();
  teardown();
}
