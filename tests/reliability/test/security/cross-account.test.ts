// Every operation of the spec, called by Bob with Alice's ids (path, query and body): nothing of
// Alice's is found, read, changed or named back.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { problemsOf } from "../../src/check-answer.js";
import { createTestDatabase, type TestDatabase } from "../../src/databases.js";
import { snapshot } from "../../src/db-snapshot.js";
import { type AccountFixture, accountFixture } from "../../src/fixtures.js";
import { validValue } from "../../src/fuzz/schema-arbitrary.js";
import { type InProcessServer, startInProcessServer } from "../../src/in-process-server.js";
import { loadOperations, type Operation } from "../../src/spec.js";

const operations = loadOperations();
let database: TestDatabase;
let server: InProcessServer;
let alice: AccountFixture;
let bob: AccountFixture;

beforeAll(async () => {
  database = await createTestDatabase("sqsec");
  server = await startInProcessServer(database.db);
  alice = await accountFixture(database.db, server.url, "alice");
  bob = await accountFixture(database.db, server.url, "bob");
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

/** Alice's values for every field that names an object, for the probes' bodies. */
function aliceOverrides() {
  return {
    stream_id: fc.constant(alice.streamId),
    ack_tokens: fc.constant(alice.liveTokens),
    ids: fc.constant(alice.deadLetterIds),
    upstream_ids: fc.constant(alice.upstreamIds.slice(0, 2)),
    await_consumer_ids: fc.constant([alice.consumerIds[0]!]),
    await_consumers_timeout: fc.constant(10),
    wait_for: fc.constant(0),
  };
}

/** Requests of `op` that point at Alice's objects in every place they can. */
function probes(op: Operation): Array<{ url: string; body: string | undefined }> {
  const paths = [op.path.replace("{stream_id}", alice.streamId)];
  if (op.path.includes("{consumer}")) {
    paths.splice(0, 1);
    for (const ref of [alice.consumerIds[0]!, alice.consumerNames[0]!]) {
      paths.push(op.path.replace("{consumer}", ref));
    }
  }
  const query = op.parameters.some((p) => p.in === "query" && p.name === "stream_id")
    ? `?stream_id=${alice.streamId}`
    : "";
  const bodies = op.body
    ? fc
        .sample(validValue(op.body, aliceOverrides()), { numRuns: 5, seed: 42 })
        .map((b) => JSON.stringify(b))
    : [undefined];
  return paths.flatMap((path) => bodies.map((body) => ({ url: `${path}${query}`, body })));
}

/** Everything of Alice's that Bob must never see, unless he sent it himself. */
function secretsOf(account: AccountFixture): string[] {
  return [
    account.accountId,
    `${account.consumerNames[0]!.split("-")[0]}-secret`,
    `${account.consumerNames[0]!.split("-")[0]}-event`,
    ...account.consumerIds,
    ...account.consumerNames,
    ...account.upstreamIds,
    account.streamId,
  ];
}

it("every operation with another account's ids: 404 (or an empty list), no data of that account in the answer, nothing changed", async () => {
  const before = await snapshot(database.db, alice.accountId);
  const figures = { operations: 0, requests: 0, notFound: 0, emptyLists: 0, ownAnswers: 0 };
  for (const op of operations) {
    figures.operations++;
    for (const probe of probes(op)) {
      figures.requests++;
      const res = await fetch(`${server.url}${probe.url}`, {
        method: op.method,
        headers: {
          authorization: `Bearer ${bob.token}`,
          ...(probe.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: probe.body,
      });
      const answer = { status: res.status, headers: res.headers, text: await res.text() };
      const where = `${op.operationId} ${op.method} ${probe.url} ${probe.body ?? ""} -> ${answer.status} ${answer.text.slice(0, 300)}`;
      expect(problemsOf(op, answer), where).toEqual([]);
      // Only what Bob sent may come back (a 404 may name the id he asked for).
      const sent = `${probe.url} ${probe.body ?? ""}`;
      for (const secret of secretsOf(alice)) {
        if (!sent.includes(secret))
          expect(answer.text, `${where}: leaks ${secret}`).not.toContain(secret);
      }
      const namesAlice =
        /\{stream_id\}|\{consumer\}/.test(op.path) || sent.includes(alice.streamId);
      if (answer.status === 404) figures.notFound++;
      else if (answer.status === 200 && /"data":\[\]/.test(answer.text)) figures.emptyLists++;
      else if (namesAlice) {
        // A body check (422) may refuse a request before any id is looked up; never a success.
        expect(answer.status, where).not.toBeLessThan(300);
        expect([400, 409, 413, 415, 422], where).toContain(answer.status);
      } else figures.ownAnswers++;
      if (answer.status < 300 && namesAlice && !/"data":\[\]/.test(answer.text)) {
        throw new Error(`${where}: succeeded on another account's object`);
      }
    }
  }
  console.log(`[security] cross-account probes: ${JSON.stringify(figures)}`);
  expect(figures.operations).toBe(operations.length);
  expect(figures.notFound).toBeGreaterThan(operations.length / 2);
  // Alice's rows, every table: not one changed.
  expect(await snapshot(database.db, alice.accountId)).toEqual(before);
});
