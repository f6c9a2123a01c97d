// A soak: workers lease and ack for `minutes` while a producer keeps the backlog topped up with
// record updates, and one transaction stays open the whole time (it holds back vacuum, the way a
// long report or a stuck client would). Prints the throughput of each minute.
import pg from "pg";
import { progress } from "../lib/measure.js";

export interface SoakResult {
  minutes: number[];
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
  const end = Date.now() + minutes * 60_000;
  let acked = 0;
  let round = 0;
  const perMinute: number[] = [];

  const producer = (async () => {
    let next = 0;
    while (Date.now() < end) {
      if (pending > 20_000) {
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
      }
    }
  })();

  const workers = Array.from({ length: 4 }, async () => {
    while (Date.now() < end) {
      const res = await fetch(`${base}/next?batch_size=100&wait_for=1000`, { headers });
      const body = (await res.json()) as {
        data: { ack_token: string }[];
        info: { num_pending: number };
      };
      pending = body.info.num_pending;
      if (body.data.length === 0) continue;
      await fetch(`${base}/ack`, {
        method: "POST",
        headers,
        body: JSON.stringify({ ack_tokens: body.data.map((m) => m.ack_token) }),
      }).then((r) => r.arrayBuffer());
      acked += body.data.length;
    }
  });

  let last = 0;
  const ticker = setInterval(() => {
    const count = acked - last;
    last = acked;
    perMinute.push(count / 60);
    progress(
      `soak minute ${perMinute.length}: ${Math.round(count / 60)} msg/s (open transaction held)`,
    );
  }, 60_000);
  await Promise.all([producer, ...workers]);
  clearInterval(ticker);
  await holder.query("ROLLBACK");
  await holder.end();
  const first = perMinute[0] ?? 0;
  const lastMinute = perMinute[perMinute.length - 1] ?? 0;
  return {
    minutes: perMinute,
    firstPerSecond: first,
    lastPerSecond: lastMinute,
    ratio: lastMinute / first,
  };
}
