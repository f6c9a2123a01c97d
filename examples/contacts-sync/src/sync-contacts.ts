import type {
  ConsumerClient,
  ConsumerHandle,
  RunConsumerOptions,
  SequinRecord,
} from "@sequin/client";
import { runConsumer } from "@sequin/client";
import { defaultColumns, type PgQueryable, upsertRecords } from "@sequin/client/pg";
import type { Contact } from "./contact.js";
import { upsertContactsUnguarded } from "./unguarded-upsert.js";

/** The table's columns and where each value comes from (id and updated_idx are implied). */
export const contactColumns = {
  ...defaultColumns,
  email: "data.Email",
  first_name: "data.FirstName",
  last_name: "data.LastName",
} as const;

/** Worker settings a caller may tune; everything else is fixed by this service. */
export type WorkerTuning = Pick<
  RunConsumerOptions<Contact>,
  | "concurrency"
  | "prefetch"
  | "batchSize"
  | "waitFor"
  | "shutdownTimeoutMs"
  | "ackWaitMs"
  | "extendLeases"
  | "backoff"
  | "signal"
  | "onError"
  | "hooks"
>;

/** Options of `startContactSync`. */
export interface ContactSyncOptions extends WorkerTuning {
  /** The Sequin client. Required. */
  client: ConsumerClient;
  /** The app's Postgres (a `pg.Pool`). Required. */
  db: PgQueryable;
  /** The record consumer of `salesforce:contact`. Required. */
  consumer: string;
  /**
   * DEMONSTRATION ONLY: write without the `updated_idx` guard, so that a stale version can
   * overwrite a newer one. Only test/stale-write.test.ts sets it (through
   * `CONTACTS_SYNC_UNGUARDED=1`), to show that test fail. Default false.
   */
  unguardedForDemo?: boolean;
}

/** Writes a batch of contact records; only versions newer than the stored row are written. */
export async function upsertContacts(
  db: PgQueryable,
  records: readonly SequinRecord<Contact>[],
): Promise<void> {
  // The guard: `... ON CONFLICT (id) DO UPDATE ... WHERE contacts.updated_idx < EXCLUDED.updated_idx`.
  // Deleted records are upserted too (deleteMode "soft"): the row stays, with deleted = true.
  await upsertRecords(db, "contacts", records, { columns: contactColumns });
}

/**
 * Runs the worker that keeps the `contacts` table equal to the stream's latest versions. Each
 * `next` answer is one batch and one SQL statement; the batch is acked when it is written and
 * nacked (redelivered) when the write throws.
 */
export function startContactSync(options: ContactSyncOptions): ConsumerHandle {
  const { client, db, consumer, unguardedForDemo, ...tuning } = options;
  const write = unguardedForDemo ? upsertContactsUnguarded : upsertContacts;
  return runConsumer<Contact>({
    batchSize: 100,
    ...tuning,
    client,
    consumer,
    batchHandler: async (messages) => {
      // A record consumer only delivers records; anything else is acked and ignored.
      const records = messages.flatMap((m) => ("record" in m ? [m.record] : []));
      if (records.length > 0) await write(db, records);
    },
  });
}
