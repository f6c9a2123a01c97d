// A soak: workers lease and ack for `minutes` while a producer keeps the backlog topped up by
// rewriting existing records (updates of records seeded before), and, when `held`, one
// REPEATABLE READ transaction that has run a query (so its snapshot is taken) stays open the
// whole time: vacuum can remove no row version that snapshot may see, the way a long report or
// a stuck client holds it back in production. Each minute: acked msg/s, records written/s,
// pending at the end, and the dead tuples and size of every table the hot path writes. Before
// the first minute and after the last, the workers drain 20k pending messages with no writes
// beside them: the queue's own speed at the start and at the end.
import pg from "pg";
import { percentile, progress } from "../lib/measure.js";
import { type HotPathTable, hotPathStats, type TableStats } from "./hot-path-tables.js";

/** The producer tops the backlog up whenever it is at or below this many pending messages. */
const BACKLOG = 20_000;

export interface SoakResult {
  /** Whether a REPEATABLE READ transaction with its snapshot taken was held for the whole soak. */
  held: boolean;
  /** How many records the producer rewrites in turn. */
  records: number;
  /** Messages acked per second, each minute. */
  minutes: number[];
  /** Records written per second by the producer, each minute. */
  written: number[];
  /** `next` answers with no message, each minute. */
  empty: number[];
  /**
   * Messages pending at the end of each minute, as the workers' last answer gave them: about
   * the producer's threshold (20k) when the workers set the pace, near 0 when the producer did.
   */
  pending: number[];
  /** The median time of one 1,000-record upsert of the producer, in ms, each minute. */
  writeMs: number[];
  /** Dead tuples and total size of each hot-path table at the end of each minute. */
  tables: Record<HotPathTable, TableStats>[];
  /** Msg/s of the workers draining 20k pending messages with no writes, before minute 1 and after the last. */
  queueAlone: { start: number; end: number; ratio: number };
  firstPerSecond: number;
  lastPerSecond: number;
  ratio: number;
  /** Records written per second, last minute / first. */
  writtenRatio: number;
}

export interface SoakRun {
  databaseUrl: string;
  /** Base URL of the server. */
  url: string;
  token: string;
  streamId: string;
  consumer: string;
  records: number;
  minutes: number;
  held: boolean;
}

export async function soak(run: SoakRun): Promise<SoakResult> {
  const { databaseUrl, url, token, streamId, consumer, records, minutes, held } = run;
  const holder = new pg.Client({ connectionString: databaseUrl });
  await holder.connect();
  if (held) {
    // The snapshot is taken by the first query of the transaction, not by BEGIN.
    await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await holder.query("SELECT count(*) FROM consumers");
  }
  // Its own connection: statistics read inside a transaction stay as they were at its first read.
  const stats = new pg.Client({ connectionString: databaseUrl });
  await stats.connect();
  // The producer's view of the backlog: num_pending as the workers' last answer gave it (a count
  // of the table from here would itself slow down as the open transaction keeps dead rows).
  let pending = Number.POSITIVE_INFINITY;
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const base = `${url}/v1/http-consumers/${encodeURIComponent(consumer)}`;

  /** One lease and ack of up to 100; how many were acked. */
  const leaseAndAck = async (waitFor = 1000): Promise<number> => {
    const res = await fetch(`${base}/next?batch_size=100&wait_for=${waitFor}`, { headers });
    const body = (await res.json()) as {
      data: { ack_token: string }[];
      info: { num_pending: number };
    };
    pending = body.info.num_pending;
    if (body.data.length === 0) return 0;
    await fetch(`${base}/ack`, {
      method: "POST",
      headers,
      body: JSON.stringify({ ack_tokens: body.data.map((m) => m.ack_token) }),
    }).then((r) => r.arrayBuffer());
    return body.data.length;
  };

  // Warm-up, not counted: the seeded backlog is drained down to the level the producer keeps.
  // Otherwise the first minute would be partly consumption with no writes beside it, faster than
  // any later minute for that reason alone, and the ratio would not measure the open transaction.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (pending > BACKLOG) await leaseAndAck();
    }),
  );
  /** The 4 workers drain what is pending, with no writes beside them; msg/s. */
  const drainAlone = async (): Promise<number> => {
    const started = performance.now();
    let drained = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (;;) {
          const n = await leaseAndAck(0);
          if (n === 0) return;
          drained += n;
        }
      }),
    );
    return drained / ((performance.now() - started) / 1000);
  };

  let writtenRecords = 0;
  let round = 0;
  let next = 0;
  let writes: number[] = [];
  /** The producer's unit: ten upserts of 1,000 records each, the next keys in turn. */
  const writeTenBatches = async () => {
    round++;
    for (let i = 0; i < 10; i++) {
      const batch = rewriteBatch(next, records, round);
      next = (next + 1000) % records;
      const started = performance.now();
      await fetch(`${url}/v1/streams/${streamId}/records`, {
        method: "POST",
        headers,
        body: JSON.stringify({ records: batch }),
      }).then((r) => r.arrayBuffer());
      writes.push(performance.now() - started);
      writtenRecords += batch.length;
    }
  };

  const aloneStart = await drainAlone();
  progress(
    `soak: the queue alone drained the last ${BACKLOG} pending at ${Math.round(aloneStart)} msg/s; the clock starts`,
  );
  const end = Date.now() + minutes * 60_000;
  let acked = 0;
  let empty = 0;
  const perMinute: number[] = [];
  const writtenPerMinute: number[] = [];
  const emptyPerMinute: number[] = [];
  const pendingPerMinute: number[] = [];
  const writeMsPerMinute: number[] = [];
  const tablesPerMinute: Record<HotPathTable, TableStats>[] = [];
  const holding = held ? "snapshot held" : "no transaction held";

  const producer = (async () => {
    while (Date.now() < end) {
      if (pending > BACKLOG) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      await writeTenBatches();
    }
  })();

  const workers = Array.from({ length: 4 }, async () => {
    while (Date.now() < end) {
      const n = await leaseAndAck();
      if (n === 0) empty++;
      acked += n;
    }
  });

  let last = 0;
  let lastWritten = 0;
  let lastEmpty = 0;
  let statsRead: Promise<void> = Promise.resolve();
  let lastClose = performance.now();
  /** Closes a minute: its rates, pending at its end, and the tables' dead tuples and size. */
  const closeMinute = () => {
    const minute = perMinute.length;
    statsRead = statsRead.then(async () => {
      const t = await hotPathStats(stats);
      tablesPerMinute[minute] = t;
      const dead = Object.values(t).reduce((sum, x) => sum + x.deadTuples, 0);
      const mb = Object.values(t).reduce((sum, x) => sum + x.totalBytes, 0) / 2 ** 20;
      progress(
        `soak minute ${minute + 1}: hot-path tables ${dead} dead tuples, ${mb.toFixed(0)} MB`,
      );
    });
    const now = performance.now();
    // Rates over the time since the last close: a minute, or a moment less for the last one.
    const seconds = (now - lastClose) / 1000;
    lastClose = now;
    const count = acked - last;
    last = acked;
    perMinute.push(count / seconds);
    writtenPerMinute.push((writtenRecords - lastWritten) / seconds);
    emptyPerMinute.push(empty - lastEmpty);
    pendingPerMinute.push(pending);
    writeMsPerMinute.push(percentile(writes, 50));
    writes = [];
    // Whether the workers or the producer set the pace: with the backlog near 0 the workers
    // were waiting for writes.
    progress(
      `soak minute ${perMinute.length}: ${Math.round(count / seconds)} msg/s (${holding}; ` +
        `${Math.round((writtenRecords - lastWritten) / seconds)} records/s written, ${empty - lastEmpty} empty answers, ${pending} pending; ` +
        `1,000-record upsert p50 ${writeMsPerMinute.at(-1)?.toFixed(0)} ms)`,
    );
    lastWritten = writtenRecords;
    lastEmpty = empty;
  };
  const ticker = setInterval(closeMinute, 60_000);
  await Promise.all([producer, ...workers]);
  clearInterval(ticker);
  // The workers stop at the deadline, which can come a moment before the last tick.
  if (perMinute.length < minutes) closeMinute();
  await statsRead;
  // The same drain as before minute 1 (in the held soak, the snapshot still held): 20k updates, then the
  // workers alone.
  await writeTenBatches();
  await writeTenBatches();
  const aloneEnd = await drainAlone();
  progress(
    `soak: the queue alone drained ${2 * 10 * 1000} pending at ${Math.round(aloneEnd)} msg/s (${Math.round(aloneStart)} before minute 1)`,
  );
  if (held) await holder.query("ROLLBACK");
  await holder.end();
  await stats.end();
  const first = perMinute[0] ?? 0;
  const lastMinute = perMinute[perMinute.length - 1] ?? 0;
  return {
    held,
    records,
    minutes: perMinute,
    written: writtenPerMinute,
    empty: emptyPerMinute,
    pending: pendingPerMinute,
    writeMs: writeMsPerMinute,
    tables: tablesPerMinute,
    queueAlone: { start: aloneStart, end: aloneEnd, ratio: aloneEnd / aloneStart },
    firstPerSecond: first,
    lastPerSecond: lastMinute,
    ratio: lastMinute / first,
    writtenRatio: (writtenPerMinute.at(-1) ?? 0) / (writtenPerMinute[0] ?? 0),
  };
}

/**
 * The producer's upsert: 1,000 of the `records` seeded records from `from` on (wrapping), each
 * with data that differs from what `round - 1` wrote, so every one is a real change.
 */
export function rewriteBatch(from: number, records: number, round: number) {
  return Array.from({ length: 1000 }, (_, k) => {
    const n = (from + k) % records;
    return {
      collection_id: "salesforce:contact",
      upstream_id: `c${n}`,
      data: { FirstName: "Paul", LastName: "Atreides", n, round },
    };
  });
}
