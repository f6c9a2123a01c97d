// Two accounts with streams, records, events, consumers, live and expired leases and dead
// letters: what the fuzzer and the cross-account probes point their requests at.
import { randomBytes } from "node:crypto";
import { createClient, type SequinClient } from "@sequin/client";
import { createAccount, type Db } from "@sequin/server/source";

/** One account's objects. */
export interface AccountFixture {
  accountId: string;
  token: string;
  client: SequinClient;
  streamId: string;
  /** Ids and names of its consumers. */
  consumerIds: string[];
  consumerNames: string[];
  /** Tokens of leases still running (ack_wait_ms 10 minutes). */
  liveTokens: string[];
  /** Tokens of leases that ran out (ack_wait_ms 100 ms). */
  expiredTokens: string[];
  upstreamIds: string[];
  deadLetterIds: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates an account and fills it through the API. */
export async function accountFixture(db: Db, url: string, name: string): Promise<AccountFixture> {
  const account = await createAccount(db, name);
  const token = account.token.token;
  const client = createClient({ baseUrl: url, token });
  const streamId = account.defaultStreamId;
  const upstreamIds = Array.from({ length: 10 }, (_, i) => `${name}-${i}`);
  await client.records.upsert(
    streamId,
    upstreamIds.map((upstream_id, i) => ({
      collection_id: "salesforce:contact",
      upstream_id,
      data: { secret: `${name}-secret-${i}`, Email: `${upstream_id}@example.com` },
    })),
  );
  await client.events.append(streamId, [
    { collection_id: "stripe:charge", action: "captured", data: { secret: `${name}-event` } },
  ]);
  const live = await client.consumers.create({
    name: `${name}-live`,
    stream_id: streamId,
    ack_wait_ms: 600_000,
  });
  const expiring = await client.consumers.create({
    name: `${name}-expiring`,
    stream_id: streamId,
    kind: "event",
    ack_wait_ms: 100,
  });
  const dying = await client.consumers.create({
    name: `${name}-dying`,
    stream_id: streamId,
    ack_wait_ms: 100,
    max_deliver: 1,
  });
  const liveTokens = (await client.next(live.id, { batch_size: 5 })).data.map((m) => m.ack_token);
  const expiredTokens = (await client.next(expiring.id, { batch_size: 5 })).data.map(
    (m) => m.ack_token,
  );
  // Delivered once, expired, then moved to dead letters by the next lease.
  await client.next(dying.id, { batch_size: 3 });
  await sleep(200);
  await client.next(dying.id, { batch_size: 3 });
  const deadLetterIds: string[] = [];
  for await (const letter of client.deadLetters.list(dying.id)) deadLetterIds.push(letter.id);
  return {
    accountId: account.accountId,
    token,
    client,
    streamId,
    consumerIds: [live.id, expiring.id, dying.id],
    consumerNames: [live.name, expiring.name, dying.name],
    liveTokens,
    expiredTokens,
    upstreamIds,
    deadLetterIds,
  };
}

/** Tokens in the right format that no delivery was ever given. */
export function decoyAckTokens(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const buf = randomBytes(24);
    buf.writeBigInt64BE(BigInt(i + 1), 0);
    return buf.toString("base64url");
  });
}
