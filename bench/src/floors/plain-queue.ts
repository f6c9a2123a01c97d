// First floor: the simplest Postgres queue a user could write instead of using this project. One
// table; a lease marks up to n of the oldest visible rows invisible for 30 s with SKIP LOCKED, an
// ack deletes them. 4 connections, the same ~200-byte payload as the seeded records. The
// throughput targets are judged against this row.
import pg from "pg";
import { runWorkers, type Throughput } from "../lib/measure.js";
import { PAYLOAD } from "../project/seed.js";

const TABLE = "bench_plain_queue";

const LEASE = `UPDATE ${TABLE} SET visible_at = now() + interval '30 seconds'
  WHERE id IN (SELECT id FROM ${TABLE} WHERE visible_at <= now()
               ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING id, payload`;
const ACK = `DELETE FROM ${TABLE} WHERE id = ANY($1)`;

export interface PlainQueueRun {
  databaseUrl: string;
  batchSize: number;
  workers: number;
  durationMs: number;
  /** Messages queued before the run (more than it can drain). */
  messages: number;
}

export async function plainQueueThroughput(run: PlainQueueRun): Promise<Throughput> {
  const admin = new pg.Client({ connectionString: run.databaseUrl });
  await admin.connect();
  const clients = Array.from(
    { length: run.workers },
    () => new pg.Client({ connectionString: run.databaseUrl }),
  );
  try {
    // A fresh table every run, so that no run pays for the dead rows of the one before.
    await admin.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await admin.query(
      `CREATE TABLE ${TABLE} (
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         visible_at timestamptz NOT NULL DEFAULT now(),
         payload jsonb NOT NULL)`,
    );
    await admin.query(
      `INSERT INTO ${TABLE} (payload)
       SELECT $1::jsonb || jsonb_build_object('n', g) FROM generate_series(1, $2::int) g`,
      [JSON.stringify(PAYLOAD), run.messages],
    );
    await admin.query(`VACUUM ANALYZE ${TABLE}`);
    await Promise.all(clients.map((c) => c.connect()));
    return await runWorkers(run.workers, run.durationMs, async (w) => {
      const client = clients[w]!;
      const { rows } = await client.query<{ id: string; payload: unknown }>(LEASE, [run.batchSize]);
      if (rows.length === 0) return 0;
      await client.query(ACK, [rows.map((r) => r.id)]);
      return rows.length;
    });
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await admin.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
    await admin.end();
  }
}
