// Backlogs for the benchmarks, written straight into the server's tables: setting up a
// million records through the API would take longer than the benchmark itself. What is measured
// afterwards (lease, ack) always goes through the server's own code.

import { createAccount, createConsumer, type Db } from "@sequin/server/source";

export interface Seeded {
  accountId: string;
  streamId: string;
  token: string;
}

/** The payload of every seeded record and queued message (about 200 bytes as jsonb with `n`). */
export const PAYLOAD = {
  FirstName: "Paul",
  LastName: "Atreides",
  Email: "paul@arrakis.org",
  Title: "Duke",
  AccountId: "0011U00000AbCdEf",
  Phone: "+1 555 0100",
};

/** An account with `count` records of `salesforce:contact` in its default stream (~200-byte payloads). */
export async function seedRecords(db: Db, count: number): Promise<Seeded> {
  const account = await createAccount(db, "bench");
  for (let from = 0; from < count; from += 100_000) {
    const to = Math.min(count, from + 100_000);
    // A key and a version per record (migration 0031), as the write stores a new one.
    await db.query(
      `WITH k AS (
         INSERT INTO record_keys (account_id, id, stream_id, collection_id, upstream_id)
         SELECT $1, gen_random_uuid(), $2, 'salesforce:contact', 'c' || g
         FROM generate_series($4::int, $5::int - 1) g
         RETURNING account_id, id, stream_id, collection_id, upstream_id
       )
       INSERT INTO record_versions (account_id, id, vid, stream_id, collection_id, upstream_id, provider,
                                    upstream_updated_at, updated_idx, deleted, data)
       SELECT x.account_id, x.id, x.idx, x.stream_id, x.collection_id, x.upstream_id, 'salesforce', now(), x.idx,
              false, $3::jsonb || jsonb_build_object('n', substr(x.upstream_id, 2)::int)
       FROM (SELECT k.*, nextval('record_version_seq') AS idx FROM k) x`,
      [account.accountId, account.defaultStreamId, JSON.stringify(PAYLOAD), from, to],
    );
  }
  await db.query("ANALYZE record_keys, record_versions");
  return {
    accountId: account.accountId,
    streamId: account.defaultStreamId,
    token: account.token.token,
  };
}

/** A record consumer over every record seeded (deliver_policy all: its cursor starts at 0). */
export async function createBenchConsumer(
  db: Db,
  seeded: Seeded,
  name: string,
  options: { ackWaitMs?: number; maxAckPending?: number } = {},
): Promise<string> {
  const consumer = await db.transaction((tx) =>
    createConsumer(tx, seeded.accountId, {
      name,
      kind: "record",
      deliver_policy: "all",
      ack_wait_ms: options.ackWaitMs ?? 60_000,
      max_ack_pending: options.maxAckPending ?? 100_000,
    }),
  );
  await db.query("ANALYZE deliveries");
  return consumer.id;
}

export async function dropConsumer(db: Db, seeded: Seeded, consumerId: string): Promise<void> {
  await db.query("DELETE FROM consumers WHERE account_id = $1 AND id = $2", [
    seeded.accountId,
    consumerId,
  ]);
}
