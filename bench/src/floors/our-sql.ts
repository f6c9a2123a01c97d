// Second floor: the server's own lease and ack statements, called straight from Node (no HTTP),
// with the same batch sizes and worker count as the end-to-end run.
import { ack, decodeAckTokens, lease } from "@sequin/server/direct-consume";
import type { Db } from "@sequin/server/source";
import { runWorkers, type Throughput } from "../lib/measure.js";

export async function ourSqlThroughput(
  db: Db,
  accountId: string,
  consumerId: string,
  batchSize: number,
  workers: number,
  durationMs: number,
): Promise<Throughput> {
  return runWorkers(workers, durationMs, async () => {
    const { messages } = await lease(db, { accountId, consumer: consumerId }, batchSize);
    if (messages.length === 0) return 0;
    await ack(
      db,
      { accountId, consumer: consumerId },
      decodeAckTokens(messages.map((m) => m.ack_token)),
    );
    return messages.length;
  });
}
