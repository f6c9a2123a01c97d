// Ack tokens are bound to one delivery of one message in one consumer of one account: forged,
// altered, expired, reused and foreign tokens settle nothing, and the database shows it.
import { createClient, type SequinClient } from "@sequin/client";
import { createAccount } from "@sequin/server/source";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../src/databases.js";
import { decoyAckTokens } from "../../src/fixtures.js";
import { type InProcessServer, startInProcessServer } from "../../src/in-process-server.js";

let database: TestDatabase;
let server: InProcessServer;
let alice: SequinClient;
let bob: SequinClient;

beforeAll(async () => {
  database = await createTestDatabase("sqtok");
  server = await startInProcessServer(database.db);
  const a = await createAccount(database.db, "alice");
  const b = await createAccount(database.db, "bob");
  alice = createClient({ baseUrl: server.url, token: a.token.token, maxRetries: 0 });
  bob = createClient({ baseUrl: server.url, token: b.token.token, maxRetries: 0 });
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;

/** A consumer of a new stream of `client`'s account, with `count` records, all leased. */
async function leased(client: SequinClient, count: number, ackWaitMs = 60_000) {
  const name = `c${++n}`;
  const streamId = (await client.streams.create({ name })).id;
  const consumer = await client.consumers.create({
    name,
    stream_id: streamId,
    ack_wait_ms: ackWaitMs,
  });
  await client.records.upsert(
    streamId,
    Array.from({ length: count }, (_, i) => ({
      collection_id: "salesforce:contact",
      upstream_id: `${name}-${i}`,
      data: { i },
    })),
  );
  const { data } = await client.next(consumer.id, { batch_size: count });
  expect(data).toHaveLength(count);
  return { consumer: consumer.id, streamId, tokens: data.map((m) => m.ack_token) };
}

/**
 * The consumer's deliveries as the database has them (the truth about what was settled).
 */
async function rows(consumerId: string) {
  const { rows } = await database.db.query<Record<string, unknown>>(
    `SELECT seq, lease_id, leased_until, deliver_count FROM deliveries WHERE consumer_id = $1
     ORDER BY seq`,
    [consumerId],
  );
  return rows;
}

/** Flips one bit of a token's seq part or lease part, keeping it well-formed base64url. */
function alter(token: string, byte: number): string {
  const buf = Buffer.from(token, "base64url");
  buf[byte] = buf[byte]! ^ 0x01;
  return buf.toString("base64url");
}

type Settle = "ack" | "nack" | "extendLeases";
const settle = (client: SequinClient, how: Settle, consumer: string, tokens: string[]) =>
  how === "extendLeases" ? client.extendLeases(consumer, tokens) : client[how](consumer, tokens);

describe.each<Settle>(["ack", "nack", "extendLeases"])("%s", (how) => {
  it("forged tokens (right format, never issued) settle nothing", async () => {
    const { consumer } = await leased(alice, 3);
    const before = await rows(consumer);
    const forged = decoyAckTokens(5);
    const answer = await settle(alice, how, consumer, forged);
    expect(answer.count).toBe(0);
    expect([...answer.unknown_ack_tokens].sort()).toEqual([...forged].sort());
    expect(await rows(consumer)).toEqual(before);
  });

  it("altered tokens (one bit of the message or of the lease) settle nothing", async () => {
    const { consumer, tokens } = await leased(alice, 2);
    const before = await rows(consumer);
    for (const altered of tokens.flatMap((t) => [alter(t, 7), alter(t, 8), alter(t, 23)])) {
      // Refused as malformed (a seq of 0) or unknown; either way nothing is settled.
      const answer = await settle(alice, how, consumer, [altered]).catch(
        (error: { status?: number }) => {
          expect(error.status).toBe(400);
          return { count: 0 };
        },
      );
      expect(answer.count).toBe(0);
    }
    expect(await rows(consumer)).toEqual(before);
  });

  it("another account's tokens settle nothing, on its consumer or ours", async () => {
    const theirs = await leased(bob, 2);
    const ours = await leased(alice, 2);
    const before = { theirs: await rows(theirs.consumer), ours: await rows(ours.consumer) };
    const onOurs = await settle(alice, how, ours.consumer, theirs.tokens);
    expect(onOurs.count).toBe(0);
    await expect(settle(alice, how, theirs.consumer, theirs.tokens)).rejects.toMatchObject({
      status: 404,
    });
    expect(await rows(theirs.consumer)).toEqual(before.theirs);
    expect(await rows(ours.consumer)).toEqual(before.ours);
  });

  it("a token of another consumer of the same stream settles nothing", async () => {
    const one = await leased(alice, 2);
    const two = await alice.consumers.create({ name: `c${++n}`, stream_id: one.streamId });
    await alice.next(two.id, { batch_size: 1000 });
    const before = { one: await rows(one.consumer), two: await rows(two.id) };
    expect((await settle(alice, how, two.id, one.tokens)).count).toBe(0);
    expect(await rows(one.consumer)).toEqual(before.one);
    expect(await rows(two.id)).toEqual(before.two);
  });
});

it("an expired token extends nothing, and never settles the newer delivery of the same message", async () => {
  const { consumer, tokens } = await leased(alice, 1, 100);
  await sleep(250);
  // Expired, not leased again: too late to extend. (An ack or nack still settles it, as the
  // spec says: no one else holds the message, so the work is not done twice.)
  expect((await alice.extendLeases(consumer, tokens)).count).toBe(0);
  expect(await rows(consumer)).toHaveLength(1);
  // Leased again: the old token must not touch the new delivery.
  const { data } = await alice.next(consumer, { batch_size: 1 });
  expect(data[0]!.ack_token).not.toBe(tokens[0]);
  const before = await rows(consumer);
  for (const how of ["ack", "nack", "extendLeases"] as const) {
    const answer = await settle(alice, how, consumer, tokens);
    expect(answer.count).toBe(0);
    expect(answer.unknown_ack_tokens).toEqual(tokens);
  }
  expect(await rows(consumer)).toEqual(before);
  // The new token still works.
  expect((await alice.ack(consumer, [data[0]!.ack_token])).count).toBe(1);
  expect(await rows(consumer)).toEqual([]);
});

it("a token used once is spent: a second ack or nack settles nothing", async () => {
  const { consumer, tokens } = await leased(alice, 2);
  expect((await alice.ack(consumer, [tokens[0]!])).count).toBe(1);
  expect((await alice.nack(consumer, [tokens[1]!])).count).toBe(1);
  const { data } = await alice.next(consumer, { batch_size: 10 });
  expect(data).toHaveLength(1);
  const before = await rows(consumer);
  expect((await alice.ack(consumer, tokens)).count).toBe(0);
  expect((await alice.nack(consumer, tokens)).count).toBe(0);
  expect(await rows(consumer)).toEqual(before);
});

it("malformed tokens are refused by name, and nothing of the batch is settled", async () => {
  const { consumer, tokens } = await leased(alice, 1);
  const before = await rows(consumer);
  for (const bad of [
    "",
    "x",
    `${tokens[0]}=`,
    tokens[0]!.slice(1),
    "A".repeat(32),
    "!".repeat(32),
  ]) {
    const refused = await alice.ack(consumer, [tokens[0]!, bad]).then(
      () => undefined,
      (error: { status?: number; message?: string }) => error,
    );
    // 422 where the schema already refuses it (empty), 400 where only the decoder can.
    expect([400, 422]).toContain(refused?.status);
    expect(refused?.message).toContain("ack_tokens.1");
  }
  expect(await rows(consumer)).toEqual(before);
});
