// A soak: workers lease and ack for `minutes` while a producer keeps the backlog topped up with
// record updates, and one transaction stays open the whole time (it holds back vacuum, the way a
// long report or a stuck client would). Prints the throughput of each minute.
import pg from "pg";
import { progress } from "../lib/measure.js";

/** The producer tops the backlog up whenever it is at or below this many pending messages. */
const BACKLOG = 20_000;

export interface SoakResult {
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
  firstPerSecond: number;
  lastPerSecond: number;
  ratio: number;
}

export async function soak(
  databaseUrl: string,
  url: string,
  token: string,
  streamId: string,
  consumer: string,
  records: number,
  minutes: number,
): Promise<SoakResult> {
  const holder = new pg.Client({ connectionString: databaseUrl });
  await holder.connect();
  await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
  await holder.query("SELECT count(*) FROM consumer_messages");
  // The producer's view of the backlog: num_pending as the workers' last answer gave it (a count
  // of the table from here would itself slow down as the open transaction keeps dead rows).
  let pending = Number.POSITIVE_INFINITY;
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const base = `${url}/v1/http-consumers/${encodeURIComponent(consumer)}`;

  /** One lease and ack of up to 100; how many were acked. */
  const leaseAndAck = async (): Promise<number> => {
    const res = await fetch(`${base}/next?batch_size=100&wait_for=1000`, { headers });
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
  progress(`soak: backlog drained to ${pending} pending; the clock starts`);
  const end = Date.now() + minutes * 60_000;
  let acked = 0;
  let empty = 0;
  let writtenRecords = 0;
  let round = 0;
  const perMinute: number[] = [];
  const writtenPerMinute: number[] = [];
  const emptyPerMinute: number[] = [];
  const pendingPerMinute: number[] = [];

  const producer = (async () => {
    let next = 0;
    while (Date.now() < end) {
      if (pending > BACKLOG) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      round++;
      for (let i = 0; i < 10; i++) {
        const batch = Array.from({ length: 1000 }, (_, k) => {
          const n = (next + k) % records;
          return {
            collection_id: "salesforce:contact",
            upstream_id: `c${n}`,
            data: { FirstName: "Paul", LastName: "Atreides", n, round },
          };
        });
        next = (next + 1000) % records;
        await fetch(`${url}/v1/streams/${streamId}/records`, {
          method: "POST",
          headers,
          body: JSON.stringify({ records: batch }),
        }).then((r) => r.arrayBuffer());
        writtenRecords += batch.length;
      }
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
  const ticker = setInterval(() => {
    const count = acked - last;
    last = acked;
    perMinute.push(count / 60);
    writtenPerMinute.push((writtenRecords - lastWritten) / 60);
    emptyPerMinute.push(empty - lastEmpty);
    pendingPerMinute.push(pending);
    // Whether the workers or the producer set the pace: with the backlog near 0 the workers
    // were waiting for writes.
    progress(
      `soak minute ${perMinute.length}: ${Math.round(count / 60)} msg/s (open transaction held; ` +
        `${Math.round((writtenRecords - lastWritten) / 60)} records/s written, ${empty - lastEmpty} empty answers, ${pending} pending)`,
    );
    lastWritten = writtenRecords;
    lastEmpty = empty;
  }, 60_000);
  await Promise.all([producer, ...workers]);
  clearInterval(ticker);
  await holder.query("ROLLBACK");
  await holder.end();
  const first = perMinute[0] ?? 0;
  const lastMinute = perMinute[perMinute.length - 1] ?? 0;
  return {
    minutes: perMinute,
    written: writtenPerMinute,
    empty: emptyPerMinute,
    pending: pendingPerMinute,
    firstPerSecond: first,
    lastPerSecond: lastMinute,
    ratio: lastMinute / first,
  };
}
