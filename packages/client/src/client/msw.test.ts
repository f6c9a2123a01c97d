import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ServerError } from "../errors.js";
import { createClient } from "./create-client.js";

let calls = 0;
const server = setupServer(
  http.get("http://sequin.test/v1/http-consumers/:consumer", ({ params, request }) => {
    calls++;
    if (calls === 1)
      return HttpResponse.json({ error: "down", code: "unavailable" }, { status: 503 });
    return HttpResponse.json({
      id: "c1",
      name: params.consumer,
      auth: request.headers.get("authorization"),
    });
  }),
  http.get("http://sequin.test/v1/streams/:id", () =>
    HttpResponse.json({ error: "boom", code: "internal" }, { status: 500 }),
  ),
);

// Created before msw patches fetch: the client looks the global fetch up per request.
const client = createClient({
  baseUrl: "http://sequin.test",
  token: "secret",
  retryBackoff: { initialDelayMs: 1, maxDelayMs: 1 },
});

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

it("goes through msw's interception, with retries", async () => {
  const consumer = await client.consumers.get("contacts");
  expect(consumer).toMatchObject({ name: "contacts", auth: "Bearer secret" });
  expect(calls).toBe(2);
});

it("maps msw error answers to typed errors", async () => {
  await expect(client.streams.get("s1", { maxRetries: 0 })).rejects.toBeInstanceOf(ServerError);
});
