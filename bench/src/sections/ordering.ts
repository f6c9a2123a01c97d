// Ordering: lease(100) + ack with per_key against none at a large backlog, no HTTP.
import { createAccount } from "@sequin/server/source";
import { dropDatabase, freshDatabase } from "../lib/database.js";
import { progress } from "../lib/measure.js";
import type { BenchResults } from "../lib/results.js";
import { createOrderingConsumer, leaseCost, seedKeyedEvents } from "../project/ordering.js";
import type { Seeded } from "../project/seed.js";

export async function orderingSection(
  /** Names of the databases made start with this. */
  prefix: string,
  quick: boolean,
  runs: number,
): Promise<NonNullable<BenchResults["ordering"]>> {
  // per_key vs none at a large backlog: 1M events over 10k keys (quick: 200k over 2k).
  const name = `${prefix}_ordering`;
  const fresh = await freshDatabase(name, 4);
  const [events, keys] = quick ? [200_000, 2_000] : [1_000_000, 10_000];
  try {
    progress(`ordering: seeding ${events} events over ${keys} keys`);
    const account = await createAccount(fresh.db, "bench");
    const s: Seeded = {
      accountId: account.accountId,
      streamId: account.defaultStreamId,
      token: account.token.token,
    };
    await seedKeyedEvents(fresh.db, s, events, keys);
    const consumers = {
      none: await createOrderingConsumer(fresh.db, s, "none"),
      per_key: await createOrderingConsumer(fresh.db, s, "per_key"),
    };
    await fresh.db.query("VACUUM ANALYZE deliveries");
    const result: NonNullable<BenchResults["ordering"]> = {
      events,
      keys,
      runs: { none: [], per_key: [] },
    };
    for (let i = 0; i < runs; i++) {
      for (const ordering of ["none", "per_key"] as const) {
        const c = await leaseCost(fresh.db, s.accountId, consumers[ordering], 100, 60);
        progress(
          `ordering ${ordering} run ${i + 1}: lease(100) mean ${c.leaseMeanMs.toFixed(2)} ms, ` +
            `p99 ${c.leaseP99Ms.toFixed(2)} ms; lease + ack ${c.cycleMeanMs.toFixed(2)} ms`,
        );
        result.runs[ordering].push(c);
      }
    }
    return result;
  } finally {
    await fresh.db.close();
    await dropDatabase(name);
  }
}
