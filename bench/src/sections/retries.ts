// Retries: a message whose handler always throws, consumed by runConsumer over HTTP with the
// defaults (max_deliver -1), on a consumer with the default backoff_ms and on one with
// backoff_ms [0] (every retry at once, as every consumer did before backoff existed). Counts how
// often the handler ran: the tight loop this replaces delivered one such message 244 times in 5 s.
import { createClient, runConsumer } from "@sequin/client";
import { createAccount, createConsumer } from "@sequin/server/source";
import { dropDatabase, freshDatabase } from "../lib/database.js";
import { progress } from "../lib/measure.js";
import type { BenchResults } from "../lib/results.js";
import { startServerProcess } from "../project/server-process.js";

export async function retriesSection(
  /** Names of the databases made start with this. */
  prefix: string,
  seconds: number,
): Promise<NonNullable<BenchResults["retries"]>> {
  const name = `${prefix}_retries`;
  const fresh = await freshDatabase(name, 4);
  const server = await startServerProcess(fresh.url);
  try {
    const account = await createAccount(fresh.db, "bench");
    const client = createClient({ baseUrl: server.url, token: account.token.token });
    const consumers = {
      defaultBackoff: {},
      noBackoff: { backoff_ms: [0] },
    } as const;
    const handlerRuns: Record<keyof typeof consumers, number[]> = {
      defaultBackoff: [],
      noBackoff: [],
    };
    const controller = new AbortController();
    const workers = [];
    const start = performance.now();
    for (const [key, settings] of Object.entries(consumers) as [keyof typeof consumers, object][]) {
      const collection = `retries:${key}`;
      const consumer = await fresh.db.transaction((tx) =>
        createConsumer(tx, account.accountId, {
          name: `retries-${key}`,
          filters: { collection_id: collection },
          ...settings,
        }),
      );
      await client.records.upsert(account.defaultStreamId, [
        { collection_id: collection, upstream_id: "poison", data: {} },
      ]);
      workers.push(
        runConsumer({
          client,
          consumer: consumer.id,
          waitFor: 1_000,
          signal: controller.signal,
          onError: () => {},
          handler: async () => {
            handlerRuns[key].push(performance.now() - start);
            throw new Error("always fails");
          },
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    controller.abort();
    await Promise.all(workers.map((w) => w.done));
    const result: NonNullable<BenchResults["retries"]> = {
      seconds,
      deliveries: {
        defaultBackoff: handlerRuns.defaultBackoff.length,
        noBackoff: handlerRuns.noBackoff.length,
      },
      firstDeliveriesAtMs: handlerRuns.defaultBackoff.slice(0, 8).map(Math.round),
    };
    progress(
      `retries: in ${seconds} s the always-failing message ran ${result.deliveries.defaultBackoff} times ` +
        `with the default backoff, ${result.deliveries.noBackoff} times with backoff_ms [0]`,
    );
    return result;
  } finally {
    await server.stop();
    await fresh.db.close();
    await dropDatabase(name);
  }
}
