import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, expectRawError } from "./helpers.js";

/** What every operation says of a request before it runs: its parameters, its methods. */
export const requestScenarios: Scenario[] = [
  {
    area: "requests",
    name: "an unknown query parameter is a 400 naming it, and the request does nothing",
    async run({ fetch, consumer, upsert, client }) {
      const c = await consumer();
      await upsert([contact("a")]);
      const misspelled = await expectRawError(
        await fetch(`/v1/http-consumers/${c.id}/next?batchsize=5`),
        400,
        "bad_request",
      );
      expect(misspelled.details).toEqual([{ path: "batchsize", message: "Unknown parameter" }]);
      expect(misspelled.error).toContain("batchsize");
      // Nothing was leased: the message is still there for the next call.
      expect((await client.next(c.id)).data).toHaveLength(1);
      // Also where the operation takes no query parameter at all.
      const ack = await expectRawError(
        await fetch(`/v1/http-consumers/${c.id}/ack?force=true`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ack_tokens: ["MTYyeJ7abUjl1pOMTYyeJ7abUjl1pOx"] }),
        }),
        400,
        "bad_request",
      );
      expect(ack.details).toEqual([{ path: "force", message: "Unknown parameter" }]);
    },
  },
  {
    area: "requests",
    name: "a NUL character in a query or path parameter is a 400 naming it",
    async run({ fetch, streamId, consumer }) {
      const c = await consumer();
      for (const path of [
        `/v1/streams/${streamId}/records?collection_id=a%00b`,
        `/v1/streams/${streamId}/events?collection_id=a%00b`,
        `/v1/streams?cursor=%00`,
        `/v1/http-consumers/${c.id}/dead-letters?cursor=x%00`,
      ]) {
        const body = await expectRawError(await fetch(path), 400, "bad_request");
        expect(body.details, path).toEqual([
          {
            path: expect.stringMatching(/^(collection_id|cursor)$/),
            message: "must not contain NUL characters",
          },
        ]);
      }
      const ref = await expectRawError(await fetch("/v1/http-consumers/a%00b"), 400, "bad_request");
      expect(ref.details).toEqual([
        { path: "consumer", message: "must not contain NUL characters" },
      ]);
    },
  },
  {
    area: "requests",
    name: "batch_size over the limit is the same 400 on GET and POST next, in the query or the body",
    async run({ fetch, consumer }) {
      const c = await consumer();
      const next = `/v1/http-consumers/${c.id}/next`;
      const post = (query: string, body?: unknown) =>
        fetch(`${next}${query}`, {
          method: "POST",
          ...(body === undefined
            ? {}
            : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
        });
      for (const response of [
        await fetch(`${next}?batch_size=1001`),
        await post("?batch_size=1001"),
        await post("", { batch_size: 1001 }),
      ]) {
        const body = await expectRawError(response, 400, "bad_request");
        expect(body.details?.map((d) => d.path)).toEqual(["batch_size"]);
      }
      const unknown = await expectRawError(await post("", { batchsize: 5 }), 400, "bad_request");
      expect(unknown.details?.map((d) => d.path)).toEqual(["batchsize"]);
    },
  },
  {
    area: "requests",
    name: "a known path with a method it does not have is a 405 with Allow",
    async run({ fetch, consumer }) {
      const c = await consumer();
      const streams = await fetch("/v1/streams", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "x" }),
      });
      expect(streams.headers.get("allow")).toBe("GET, POST");
      await expectRawError(streams, 405, "method_not_allowed");
      const ack = await fetch(`/v1/http-consumers/${c.id}/ack`);
      expect(ack.headers.get("allow")).toBe("POST");
      await expectRawError(ack, 405, "method_not_allowed");
      await expectRawError(await fetch("/v1/no-such-thing", { method: "PUT" }), 404, "not_found");
    },
  },
  {
    area: "requests",
    name: "every JSON answer, success or error, says Content-Type: application/json; charset=utf-8",
    async run({ fetch, streamId }) {
      const json = { "content-type": "application/json" };
      const create = (key: string) =>
        fetch("/v1/streams", {
          method: "POST",
          headers: { ...json, "idempotency-key": key },
          body: JSON.stringify({ name: `typed-${key}` }),
        });
      const key = `content-type-${streamId}`;
      const answers: Array<[string, Response]> = [
        ["index", await fetch("/", { auth: false })],
        ["list", await fetch("/v1/streams")],
        ["created", await create(key)],
        ["replayed", await create(key)],
        ["401", await fetch("/v1/streams", { auth: false })],
        ["404", await fetch(`/v1/streams/${streamId}/no-such-thing`)],
        ["405", await fetch("/v1/streams", { method: "PUT", headers: json, body: "{}" })],
        ["422", await fetch("/v1/streams", { method: "POST", headers: json, body: "{}" })],
      ];
      for (const [what, response] of answers) {
        await response.arrayBuffer();
        expect(response.headers.get("content-type"), what).toBe("application/json; charset=utf-8");
      }
      expect(answers.map(([, r]) => r.status)).toEqual([200, 200, 201, 201, 401, 404, 405, 422]);
    },
  },
  {
    area: "requests",
    name: "GET / answers the index without a token",
    async run({ fetch }) {
      const response = await fetch("/", { auth: false });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        name: expect.any(String),
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        links: { docs: "/docs", console: "/console" },
      });
    },
  },
];
