// Prototype measurements of the "log + window" consume core against a plain SKIP LOCKED queue,
// in one process on one database (bench/src/designs/README.md). Not part of `pnpm bench`.
//
//   npx tsx src/designs/window-proto.ts --url postgres://postgres@127.0.0.1:PORT/postgres \
//     [--throughput] [--soak-minutes=N] [--held]
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createDatabase, withClient } from "@sequin/test-db";
import pg from "pg";
import { runWorkers } from "../lib/measure.js";

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const value = (name: string, fallback: string) => flag(name)?.split("=")[1] ?? fallback;
const url = args[args.indexOf("--url") + 1] ?? "postgres://postgres@127.0.0.1:5432/postgres";

const ACCOUNT = randomUUID();
const STREAM = randomUUID();
const PAYLOAD = { FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", n: 0 };

async function setupDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  return createDatabase({
    adminUrl: url,
    prefix: "proto",
    setup: (dbUrl) =>
      withClient(dbUrl, async (c) => {
        await c.query(readFileSync(new URL("./window-schema.sql", import.meta.url), "utf8"));
        await c.query(`CREATE TABLE plain_queue (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload jsonb NOT NULL, locked_until timestamptz)`);
      }),
  });
}

async function seedRecords(pool: pg.Pool, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `u${i}`);
  for (let i = 0; i < n; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    await pool.query(
      `INSERT INTO records (account_id, id, stream_id, upstream_id)
       SELECT $1, gen_random_uuid(), $2, u FROM unnest($3::text[]) u`,
      [ACCOUNT, STREAM, chunk],
    );
    await pool.query("SELECT proto_write($1, $2, $3, $4)", [
      ACCOUNT,
      STREAM,
      chunk,
      chunk.map((u) => JSON.stringify({ ...PAYLOAD, u, n: 0 })),
    ]);
  }
  await pool.query("ANALYZE");
  return ids;
}

async function windowRound(pool: pg.Pool, consumer: string, batch: number): Promise<number> {
  const { rows } = await pool.query<{ seq: string; lease_id: string }>(
    "SELECT seq, lease_id FROM proto_lease($1, $2, $3, $4, 30000)",
    [ACCOUNT, consumer, STREAM, batch],
  );
  if (rows.length === 0) return 0;
  await pool.query("SELECT proto_ack($1, $2, $3, $4)", [
    ACCOUNT,
    consumer,
    rows.map((r) => r.seq),
    rows.map((r) => r.lease_id),
  ]);
  return rows.length;
}

async function plainRound(pool: pg.Pool, batch: number): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    `UPDATE plain_queue SET locked_until = now() + interval '30 seconds'
     WHERE id IN (SELECT id FROM plain_queue WHERE locked_until IS NULL OR locked_until < now()
                  ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, payload`,
    [batch],
  );
  if (rows.length === 0) return 0;
  await pool.query("DELETE FROM plain_queue WHERE id = ANY($1)", [rows.map((r) => r.id)]);
  return rows.length;
}

async function throughput(pool: pg.Pool): Promise<void> {
  const n = Number(value("records", "200000"));
  await seedRecords(pool, n);
  for (let i = 0; i < n; i += 10000) {
    await pool.query(
      `INSERT INTO plain_queue (payload) SELECT jsonb_build_object('FirstName','Ada','LastName','Lovelace',
         'Email','ada@example.com','u','u' || g, 'n', 0) FROM generate_series($1::int, $2::int) g`,
      [i, Math.min(n, i + 10000) - 1],
    );
  }
  await pool.query("VACUUM ANALYZE");
  const seconds = Number(value("seconds", "10"));
  for (const batch of [1, 10, 100]) {
    for (let run = 0; run < 2; run++) {
      await pool.query("CHECKPOINT");
      const plain = await runWorkers(4, seconds * 1000, () => plainRound(pool, batch));
      await pool.query("CHECKPOINT");
      // A fresh consumer per run, so each starts at the log's beginning.
      const consumer = randomUUID();
      const win = await runWorkers(4, seconds * 1000, () => windowRound(pool, consumer, batch));
      console.log(
        `batch ${batch} run ${run + 1}: plain ${Math.round(plain.perSecond)} msg/s, window ${Math.round(win.perSecond)} msg/s (${Math.round((100 * win.perSecond) / plain.perSecond)} %)`,
      );
    }
  }
}

const HOT_TABLES = [
  "deliveries",
  "record_versions",
  "consumer_cursors",
  "consumer_floors",
  "records",
];

async function tableStats(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ relname: string; dead: string; mb: string }>(
    `SELECT relname, n_dead_tup AS dead, round(pg_total_relation_size(relid) / 1048576.0, 1) AS mb
     FROM pg_stat_user_tables WHERE relname = ANY($1) ORDER BY relname`,
    [HOT_TABLES],
  );
  const tables = rows.map((r) => `${r.relname} dead=${r.dead} ${r.mb}MB`).join(", ");
  // Where the time went this minute, when pg_stat_statements is loaded (then reset).
  const top = await pool
    .query<{ q: string; calls: string; ms: string }>(
      `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS q, calls,
              round((total_exec_time / calls)::numeric, 3) AS ms
       FROM pg_stat_statements WHERE calls > 0 ORDER BY total_exec_time DESC LIMIT 8`,
    )
    .then(async (r) => {
      await pool.query("SELECT pg_stat_statements_reset()");
      return r.rows.map((x) => `\n    ${x.ms} ms x ${x.calls}: ${x.q}`).join("");
    })
    .catch(() => "");
  return tables + top;
}

async function soak(pool: pg.Pool, dbUrl: string): Promise<void> {
  const minutes = Number(value("soak-minutes", "3"));
  const ids = await seedRecords(pool, 50_000);
  const consumer = randomUUID();
  // Drain the seeded versions first, so minute 1 starts like the others.
  while ((await windowRound(pool, consumer, 100)) > 0) {}
  let holder: pg.Client | undefined;
  if (flag("held")) {
    holder = new pg.Client({ connectionString: dbUrl });
    await holder.connect();
    await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await holder.query("SELECT count(*) FROM records");
  }
  let written = 0;
  let acked = 0;
  let stop = false;
  let version = 1;
  const producer = (async () => {
    let offset = 0;
    while (!stop) {
      if (written - acked > 20_000) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const chunk = ids.slice(offset, offset + 1000);
      offset = (offset + 1000) % ids.length;
      if (offset === 0) version++;
      const { rows } = await pool.query<{ n: number }>("SELECT proto_write($1, $2, $3, $4) AS n", [
        ACCOUNT,
        STREAM,
        chunk,
        chunk.map((u) => JSON.stringify({ ...PAYLOAD, u, n: version })),
      ]);
      written += rows[0]?.n ?? 0;
    }
  })();
  const floors = setInterval(() => {
    pool.query("SELECT proto_advance_floor($1, $2)", [ACCOUNT, consumer]).catch(() => {});
  }, 1000);
  const workers = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const n = await windowRound(pool, consumer, 100);
      if (n === 0) await new Promise((r) => setTimeout(r, 5));
      acked += n;
    }
  });
  for (let m = 1; m <= minutes; m++) {
    const a0 = acked;
    const w0 = written;
    await new Promise((r) => setTimeout(r, 60_000));
    console.log(
      `minute ${m}: acked ${Math.round((acked - a0) / 60)}/s, written ${Math.round((written - w0) / 60)}/s, ${await tableStats(pool)}`,
    );
  }
  stop = true;
  clearInterval(floors);
  await Promise.all([producer, ...workers]);
  await holder?.end();
}

const db = await setupDatabase();
const pool = new pg.Pool({ connectionString: db.url, max: 8 });
try {
  if (flag("throughput")) await throughput(pool);
  if (flag("soak-minutes")) await soak(pool, db.url);
} finally {
  await pool.end();
  await db.drop();
}
