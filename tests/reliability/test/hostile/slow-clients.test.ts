// Slow and stalled clients are cut off by the server's own timeouts (startServer: 10 s for the
// headers, 30 s for the whole request; shortened here), while long-polls, which wait after the
// request is in, are not.
import { connect, type Socket } from "node:net";
import { createAccount, loadConfig, type RunningServer, startServer } from "@sequin/server/source";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../src/databases.js";

let database: TestDatabase;
let running: RunningServer;
let token: string;

beforeAll(async () => {
  database = await createTestDatabase("sqslow");
  const config = loadConfig({ DATABASE_URL: database.url, PORT: "0", LOG_LEVEL: "silent" });
  running = await startServer(config, pino({ level: "silent" }), {
    timeouts: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 },
  });
  token = (await createAccount(database.db, "slow")).token.token;
});
afterAll(async () => {
  await running?.close();
  await database?.drop();
});

/** Opens a raw connection, writes `text`, never writes more; resolves with what came back. */
function stall(text: string): Promise<{ answer: string; closedAfterMs: number }> {
  const { port } = new URL(running.url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = "";
    const socket: Socket = connect(Number(port), "127.0.0.1", () => socket.write(text));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("close", () => resolve({ answer, closedAfterMs: Date.now() - started }));
    socket.on("error", reject);
    // Far longer than the timeouts under test, far shorter than Node's defaults (60 s + 30 s).
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`still connected after 20 s; got: ${answer}`));
    }, 20_000).unref();
  });
}

it("the server defaults: 10 s for the headers, 30 s for the request", async () => {
  const config = loadConfig({ DATABASE_URL: database.url, PORT: "0", LOG_LEVEL: "silent" });
  const other = await startServer(config, pino({ level: "silent" }));
  try {
    expect(other.server.headersTimeout).toBe(10_000);
    expect(other.server.requestTimeout).toBe(30_000);
  } finally {
    await other.close();
  }
});

it("a client that sends part of its headers and stalls is answered 408 and cut off", async () => {
  const { answer, closedAfterMs } = await stall(
    `GET /v1/streams HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n`,
  );
  expect(answer).toMatch(/^HTTP\/1\.1 408/);
  console.log(`[hostile] stalled headers cut off after ${closedAfterMs} ms`);
});

it("a client that sends its headers, then part of its body and stalls, is cut off", async () => {
  const { answer, closedAfterMs } = await stall(
    `POST /v1/streams HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`,
  );
  expect(answer).toMatch(/^HTTP\/1\.1 408/);
  console.log(`[hostile] stalled body cut off after ${closedAfterMs} ms`);
  // Nothing was created from the half body.
  const streams = await fetch(`${running.url}/v1/streams`, {
    headers: { authorization: `Bearer ${token}` },
  }).then((r) => r.json() as Promise<{ data: unknown[] }>);
  expect(streams.data).toHaveLength(1);
});

it("a long-poll longer than the request timeout is answered, not cut off", async () => {
  const consumer = await fetch(`${running.url}/v1/http-consumers`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "slow-poll" }),
  }).then((r) => r.json() as Promise<{ id: string }>);
  const res = await fetch(`${running.url}/v1/http-consumers/${consumer.id}/next?wait_for=3500`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ data: [] });
});
