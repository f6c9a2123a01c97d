// Property-based fuzzing of every operation of openapi.yaml against the real server on a real
// Postgres: valid requests and mutations of them (wrong types, missing and extra fields, huge
// numbers, odd unicode, NUL characters, SQL and JSON-path fragments, absurd batch_size and
// wait_for, broken bodies, content types and tokens), sent one at a time. Every answer must be
// spec-shaped and never a 5xx, a NUL in a path or query parameter must be a 400, and a rejected
// request must leave every table of the database as it was.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { problemsOf, undeclaredStatus } from "../../src/check-answer.js";
import { createTestDatabase, type TestDatabase } from "../../src/databases.js";
import { changedTables, type Snapshot, snapshot } from "../../src/db-snapshot.js";
import { accountFixture, decoyAckTokens } from "../../src/fixtures.js";
import { type FuzzContext, type FuzzRequest, requestsOf } from "../../src/fuzz/requests.js";
import { type InProcessServer, startInProcessServer } from "../../src/in-process-server.js";
import { loadOperations } from "../../src/spec.js";

/** Requests per run: at least 10,000 in CI. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const operations = loadOperations();
let database: TestDatabase;
let server: InProcessServer;
let context: FuzzContext;

beforeAll(async () => {
  database = await createTestDatabase("sqfuzz");
  server = await startInProcessServer(database.db);
  const own = await accountFixture(database.db, server.url, "fuzzed");
  const other = await accountFixture(database.db, server.url, "other");
  context = {
    token: own.token,
    otherToken: other.token,
    streams: { own: own.streamId, other: other.streamId },
    consumers: {
      own: [...own.consumerIds, ...own.consumerNames],
      other: [...other.consumerIds, ...other.consumerNames],
    },
    ackTokens: [...own.liveTokens, ...own.expiredTokens, ...other.liveTokens, ...decoyAckTokens(3)],
    upstreamIds: own.upstreamIds,
    deadLetterIds: [...own.deadLetterIds, ...other.deadLetterIds],
  };
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

async function send(request: FuzzRequest) {
  const res = await fetch(`${server.url}${request.url}`, {
    method: request.method,
    headers: request.headers,
    body: request.body as BodyInit | undefined,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

it(`${RUNS} requests derived from openapi.yaml: no 5xx, spec-shaped answers, rejected requests change nothing`, async () => {
  const statuses = new Map<number, number>();
  const byOperation = new Map<string, { sent: number; ok: number }>();
  const undeclared = new Map<string, string>();
  let rejected = 0;
  let before: Snapshot = await snapshot(database.db);
  const started = Date.now();

  const request = fc
    .constantFrom(...operations)
    .chain((op) => requestsOf(op, context).map((r) => ({ op, r })));
  await fc.assert(
    fc.asyncProperty(request, async ({ op, r }) => {
      const answer = await send(r);
      const after = await snapshot(database.db);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const counts = byOperation.get(op.operationId) ?? { sent: 0, ok: 0 };
      counts.sent++;
      if (answer.status < 300) counts.ok++;
      byOperation.set(op.operationId, counts);
      // fetch resolves dot segments (`/v1/http-consumers/.` is the list): a request that landed
      // on another path is judged without this operation's schema and statuses.
      const landed = op.pattern.test(new URL(r.url, server.url).pathname) ? op : undefined;
      const problems = problemsOf(landed, answer);
      const odd = landed && undeclaredStatus(landed, answer.status);
      if (odd && !undeclared.has(odd)) undeclared.set(odd, `${r.method} ${r.url.slice(0, 120)}`);
      // Bad input before anything else, in any route and parameter: never a 401, a lookup's
      // 404 or a database error that let the NUL through.
      if (landed && r.carriesNul && answer.status !== 400) {
        problems.push(`a NUL in a parameter answered ${answer.status}, not 400`);
      }
      if (answer.status >= 400) {
        rejected++;
        const changed = changedTables(before, after);
        if (changed.length > 0) problems.push(`rejected, yet changed ${changed.join(", ")}`);
      }
      before = after;
      if (problems.length > 0) {
        throw new Error(
          `${r.method} ${r.url.slice(0, 300)} (${r.note}) -> ${answer.status} ${answer.text.slice(0, 300)}\n  ${problems.join("\n  ")}\n  body: ${String(r.body).slice(0, 500)}`,
        );
      }
    }),
    { numRuns: RUNS, endOnFailure: true },
  );

  const seconds = (Date.now() - started) / 1000;
  console.log(
    `[fuzz] ${RUNS} requests in ${seconds.toFixed(1)} s over ${byOperation.size} operations; rejected ${rejected}, 5xx 0; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
  );
  console.log(
    `[fuzz] per operation (sent/2xx): ${[...byOperation].map(([id, c]) => `${id} ${c.sent}/${c.ok}`).join(", ")}`,
  );
  // Reported, not failed: the spec's gaps, for the lead to decide (see docs/security.md).
  console.log(
    `[fuzz] statuses the spec does not declare: ${[...undeclared].map(([k, v]) => `${k} (e.g. ${v})`).join("; ") || "none"}`,
  );
  expect(byOperation.size).toBe(operations.length);
  expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
});
