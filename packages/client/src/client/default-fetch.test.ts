// The client without a `fetch` option sends through the global fetch: checked against a real
// HTTP listener, since a fake fetch would bypass exactly the code under test.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError } from "../errors.js";
import { createClient } from "./create-client.js";

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

type Answer = (req: Received, res: ServerResponse) => void;

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A listener that records every request and answers from a script (the last answer repeats). */
async function listen(...answers: Answer[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  let last = answers[answers.length - 1];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(seen);
      const answer = answers.shift() ?? last;
      last = answer;
      answer?.(seen, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

const ACKED = { success: true, count: 2, unknown_ack_tokens: [] };

describe("the default fetch", () => {
  it("sends the same body, length and Idempotency-Key on every attempt", async () => {
    const { url, received } = await listen(
      (_, res) => sendJson(res, 503, { error: "down", code: "unavailable", request_id: "r1" }),
      (_, res) => sendJson(res, 200, ACKED),
    );
    const client = createClient({
      baseUrl: url,
      token: "secret",
      retryBackoff: { initialDelayMs: 1, maxDelayMs: 1 },
    });
    const tokens = ["tök-1", "tok-2"];
    await expect(client.ack("c1", tokens)).resolves.toEqual(ACKED);

    expect(received).toHaveLength(2);
    for (const seen of received) {
      expect(seen.method).toBe("POST");
      expect(seen.url).toBe("/v1/http-consumers/c1/ack");
      expect(JSON.parse(seen.body)).toEqual({ ack_tokens: tokens });
      // A buffered body goes out with its length, not chunked.
      expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(seen.body)));
      expect(seen.headers["transfer-encoding"]).toBeUndefined();
      expect(seen.headers.authorization).toBe("Bearer secret");
    }
    const runMutation = await listen(
      (_, res) => sendJson(res, 502, { error: "bad gateway", code: "upstream_error" }),
      (_, res) => sendJson(res, 200, { data: [] }),
    );
    const mutations = createClient({
      baseUrl: runMutation.url,
      token: "secret",
      retryBackoff: { initialDelayMs: 1, maxDelayMs: 1 },
    });
    await mutations.runMutation({ kind: "delete", collection_id: "contacts", upstream_ids: ["1"] });
    const keys = runMutation.received.map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it("does not follow a redirect and does not retry it", async () => {
    const target = await listen((_, res) => sendJson(res, 200, ACKED));
    const { url, received } = await listen((_, res) => {
      res.writeHead(307, { location: `${target.url}/v1/http-consumers/c1/ack` });
      res.end();
    });
    const client = createClient({
      baseUrl: url,
      token: "secret",
      retryBackoff: { initialDelayMs: 1, maxDelayMs: 1 },
    });
    const failure = await client.ack("c1", ["t"]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as Error).message).toMatch(/redirect.*baseUrl/);
    expect(received).toHaveLength(1);
    // The bearer token never went to the address the redirect named.
    expect(target.received).toHaveLength(0);
  });

  it("reads a long answer whole and parses it", async () => {
    const data = Array.from({ length: 500 }, (_, i) => ({
      ack_token: `t${i}`,
      payload: "é".repeat(200),
    }));
    const info = { num_pending: 500, num_leased: 500, num_available: 0 };
    const { url } = await listen((_, res) => sendJson(res, 200, { data, info }));
    const client = createClient({ baseUrl: url, token: "secret" });
    const answer = await client.next("c1", { batch_size: 500 });
    expect(answer.data).toHaveLength(500);
    expect(answer.data[499]).toEqual(data[499]);
    expect(answer.info).toEqual(info);
  });
});
