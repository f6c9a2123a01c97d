// A 409 tells whether a retry can change it: only the one answered while a request with the
// same Idempotency-Key is still running carries Retry-After (the SDK retries only those).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, expect, it } from "vitest";
import { httpUpstream } from "../src/mutations/http-upstream.js";
import { createConsumer } from "./helpers/fixtures.js";
import { serverTest } from "./helpers/server.js";

/** Requests the upstream holds until the test answers them. */
const held: Array<{ body: { records: Array<{ data: object }> }; res: ServerResponse }> = [];
let arrived: () => void = () => {};

const upstream: Server = createServer((req: IncomingMessage, res) => {
  let text = "";
  req.on("data", (chunk) => {
    text += chunk;
  });
  req.on("end", () => {
    held.push({ body: JSON.parse(text), res });
    arrived();
  });
});
await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});
const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/apply`;
const { api } = await serverTest({ upstream: httpUpstream({ url, timeoutMs: 20_000 }) });

it("a same-key mutation still running is a 409 with Retry-After; the retry after it replays", async () => {
  const body = { kind: "create", collection_id: "c:contact", records: [{ data: { a: 1 } }] };
  const headers = { "Idempotency-Key": `k-${Date.now()}` };
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const first = api.post("/v1/mutations/run", body, { headers });
  await reached;

  const busy = await api.post("/v1/mutations/run", body, { headers });
  expect(busy.status).toBe(409);
  expect(busy.body.code).toBe("conflict");
  expect(busy.headers.get("retry-after")).toBe("1");

  const call = held.shift()!;
  call.res.writeHead(200, { "content-type": "application/json" }).end(
    JSON.stringify({
      records: call.body.records.map((r) => ({ upstream_id: "u-1", data: r.data })),
    }),
  );
  expect((await first).status).toBe(200);
  const replay = await api.post("/v1/mutations/run", body, { headers });
  expect(replay.status).toBe(200);
  expect(replay.body.records[0].upstream_id).toBe("u-1");
});

it("a taken name is a 409 without Retry-After", async () => {
  const consumer = await createConsumer(api);
  const keys: Array<Record<string, string>> = [{}, { "Idempotency-Key": `k2-${Date.now()}` }];
  for (const headers of keys) {
    const taken = await api.post("/v1/http-consumers", { name: consumer.name }, { headers });
    expect(taken.status).toBe(409);
    expect(taken.headers.get("retry-after")).toBeNull();
  }
});
