// NATS JetStream pull consumer: fetch + ack, same batches and workers, against 127.0.0.1:4222.
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { runWorkers, type Throughput } from "../lib/measure.js";
import type { PeerRun } from "./pg-boss.js";

export async function natsThroughput(
  run: Omit<PeerRun, "databaseUrl"> & { servers: string },
): Promise<Throughput> {
  const nc = await connect({ servers: run.servers });
  const stream = `BENCH_${process.pid}`;
  const subject = `bench.${process.pid}`;
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.add({ name: stream, subjects: [subject] });
    await jsm.consumers.add(stream, {
      durable_name: "workers",
      ack_policy: AckPolicy.Explicit,
      ack_wait: 30_000_000_000,
      max_ack_pending: 100_000,
    });
    const js = jetstream(nc);
    const payload = new TextEncoder().encode(
      JSON.stringify({ FirstName: "Paul", LastName: "Atreides", Email: "paul@arrakis.org" }),
    );
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < run.messages; i++) {
      pending.push(js.publish(subject, payload));
      if (pending.length >= 1000) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    // One connection per worker, like the Postgres runs.
    const conns = await Promise.all(
      Array.from({ length: run.workers }, () => connect({ servers: run.servers })),
    );
    try {
      const consumers = await Promise.all(
        conns.map((c) => jetstream(c).consumers.get(stream, "workers")),
      );
      return await runWorkers(run.workers, run.durationMs, async (w) => {
        const batch = await consumers[w]!.fetch({ max_messages: run.batchSize, expires: 1000 });
        let n = 0;
        for await (const m of batch) {
          m.ack();
          n++;
        }
        await conns[w]!.flush();
        return n;
      });
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  } finally {
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  }
}
