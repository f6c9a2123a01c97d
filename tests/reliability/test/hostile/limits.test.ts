// Body limits the server tests (apps/server/test/bad-input.test.ts) do not cover yet: a chunked
// body with no Content-Length, a gzip bomb, a charset we do not read, a truncated body.
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { problemsOf } from "../../src/check-answer.js";
import { createTestDatabase, type TestDatabase } from "../../src/databases.js";
import { snapshot } from "../../src/db-snapshot.js";
import { accountFixture } from "../../src/fixtures.js";
import { type InProcessServer, startInProcessServer } from "../../src/in-process-server.js";
import { loadOperations } from "../../src/spec.js";

let database: TestDatabase;
let server: InProcessServer;
let token: string;
let streamId: string;
const operations = loadOperations();
const upsertOp = operations.find((o) => o.operationId === "upsertRecords");

beforeAll(async () => {
  database = await createTestDatabase("sqlimits");
  server = await startInProcessServer(database.db);
  const account = await accountFixture(database.db, server.url, "limits");
  token = account.token;
  streamId = account.streamId;
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

async function post(body: BodyInit, headers: Record<string, string>) {
  const res = await fetch(`${server.url}/v1/streams/${streamId}/records`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body,
    // A ReadableStream body is sent chunked, with no Content-Length.
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const answer = { status: res.status, headers: res.headers, text: await res.text() };
  expect(problemsOf(upsertOp, answer)).toEqual([]);
  return { status: answer.status, body: JSON.parse(answer.text) as { code: string } };
}

const records = (blob: string) =>
  JSON.stringify({ records: [{ collection_id: "c:x", upstream_id: "a", data: { blob } }] });

it("a chunked body over 1 MiB (no Content-Length) is a 413", async () => {
  const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"records":[{"data":{"b":"'));
      if (sent >= 4 * 1024 * 1024) controller.close();
      else controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
  const before = await snapshot(database.db);
  const { status, body } = await post(stream, {});
  expect(status).toBe(413);
  expect(body.code).toBe("payload_too_large");
  expect(await snapshot(database.db)).toEqual(before);
});

it("a gzip bomb (50 MB of JSON in 50 kB) is a 413, not 50 MB of memory", async () => {
  const bomb = gzipSync(Buffer.from(records(" ".repeat(50 * 1024 * 1024))));
  expect(bomb.length).toBeLessThan(100_000);
  const { status, body } = await post(bomb, { "content-encoding": "gzip" });
  expect(status).toBe(413);
  expect(body.code).toBe("payload_too_large");
});

it("a small gzip body is read (Content-Encoding is supported, not a way around the limit)", async () => {
  const { status } = await post(gzipSync(Buffer.from(records("zipped"))), {
    "content-encoding": "gzip",
  });
  expect(status).toBe(200);
});

it("a charset that is not a UTF, or an unknown Content-Encoding, is a 415", async () => {
  const latin1 = await post(Buffer.from(records("x"), "latin1"), {
    "content-type": "application/json; charset=latin1",
  });
  expect(latin1.status).toBe(415);
  const br = await post(records("x"), { "content-encoding": "compress" });
  expect(br.status).toBe(415);
  expect(br.body.code).toBe("unsupported_media_type");
});

it("JSON nested 100,000 levels deep is refused, not a crash", async () => {
  const { status } = await post(`${"[".repeat(100_000)}${"]".repeat(100_000)}`, {});
  expect([400, 422]).toContain(status);
  // The server still answers.
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
});
