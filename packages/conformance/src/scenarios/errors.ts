import { type ConsumerCreate, type RecordInput, ValidationError } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, detailPaths, expectError, expectRawError, tokensOf } from "./helpers.js";

/** Bodies the typed client would refuse to compile; the API must refuse them at run time. */
const untyped = <T>(value: unknown) => value as T;

export const errorScenarios: Scenario[] = [
  {
    area: "errors",
    name: "a record batch that does not match the schema is a 422 naming each field",
    async run({ upsert, client, streamId }) {
      const error = await expectError(
        upsert([untyped<RecordInput>({ collection_id: 5, data: "x" })]),
        422,
        "validation_failed",
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details.map((d) => d.path).sort()).toEqual([
        "records.0.collection_id",
        "records.0.data",
        "records.0.upstream_id",
      ]);
      expect(error.message).toContain("records.0.");
      const empty = await expectError(upsert([]), 422, "validation_failed");
      expect(detailPaths(empty)).toEqual(["records"]);
      const badTime = await expectError(
        upsert([contact("a", {}, { upstream_updated_at: "yesterday" })]),
        422,
        "validation_failed",
      );
      expect(detailPaths(badTime)).toEqual(["records.0.upstream_updated_at"]);
      // Nothing of a refused batch was written.
      expect(await client.records.list(streamId).toArray()).toEqual([]);
    },
  },
  {
    area: "errors",
    name: "consumer bodies out of range, unknown fields and bad names are 422s naming the field",
    async run({ client, name }) {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ name: "bad name!" }, "name"],
        [{ name: name(), ack_wait_ms: 5 }, "ack_wait_ms"],
        [{ name: name(), max_deliver: 0 }, "max_deliver"],
        [{ name: name(), max_ack_pending: 0 }, "max_ack_pending"],
        [{ name: name(), kind: "table" }, "kind"],
        [{ name: name(), filters: { color: "red" } }, "filters.color"],
        [{ name: name(), color: "red" }, "color"],
        [{}, "name"],
      ];
      for (const [body, path] of cases) {
        const error = await expectError(
          client.consumers.create(untyped<ConsumerCreate>(body)),
          422,
          "validation_failed",
        );
        expect(detailPaths(error), JSON.stringify(body)).toEqual([path]);
      }
      expect(await client.consumers.list().toArray()).toEqual([]);
    },
  },
  {
    area: "errors",
    name: "PATCH of a consumer with no fields or a fixed field is a 422",
    async run({ client, consumer }) {
      const c = await consumer();
      await expectError(client.consumers.update(c.id, {}), 422, "validation_failed");
      const fixed = await expectError(
        client.consumers.update(c.id, untyped({ kind: "event" })),
        422,
        "validation_failed",
      );
      expect(detailPaths(fixed)).toEqual(["kind"]);
      expect((await client.consumers.get(c.id)).kind).toBe("record");
    },
  },
  {
    area: "errors",
    name: "bad query parameters are 400s naming the parameter",
    async run({ client, consumer, fetch }) {
      const c = await consumer();
      const wait = await expectError(client.next(c.id, { wait_for: 60_001 }), 400, "bad_request");
      expect(detailPaths(wait)).toEqual(["wait_for"]);
      const words = await expectRawError(
        await fetch(`/v1/http-consumers/${c.id}/next?batch_size=ten`),
        400,
        "bad_request",
      );
      expect(words.details?.map((d) => d.path)).toEqual(["batch_size"]);
      const fraction = await expectRawError(
        await fetch(`/v1/http-consumers/${c.id}/next?batch_size=1.5`),
        400,
        "bad_request",
      );
      expect(fraction.details?.map((d) => d.path)).toEqual(["batch_size"]);
      const limit = await expectError(
        client.consumers.list({ limit: 0 }).firstPage(),
        400,
        "bad_request",
      );
      expect(detailPaths(limit)).toEqual(["limit"]);
      const cursor = await expectError(
        client.consumers.list({ cursor: "not-a-cursor" }).firstPage(),
        400,
        "bad_request",
      );
      expect(cursor.message).toContain("cursor");
      await expectError(client.streams.get("not-a-uuid"), 400, "bad_request");
    },
  },
  {
    area: "errors",
    name: "ack, nack and extend: a token that cannot have been issued is a 400 naming it; no tokens a 422",
    async run({ client, consumer, upsert, fetch }) {
      const c = await consumer();
      await upsert([contact("a")]);
      const [token = ""] = tokensOf(await client.next(c.id));
      const settles = [
        (tokens: string[]) => client.ack(c.id, tokens),
        (tokens: string[]) => client.nack(c.id, tokens),
        (tokens: string[]) => client.extendLeases(c.id, tokens),
      ];
      for (const settle of settles) {
        const error = await expectError(settle([token, "not-a-token"]), 400, "bad_request");
        expect(detailPaths(error)).toEqual(["ack_tokens.1"]);
      }
      // The client answers an empty list itself; the API's own answer is a 422.
      for (const verb of ["ack", "nack", "extend"]) {
        const empty = await expectRawError(
          await fetch(`/v1/http-consumers/${c.id}/${verb}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ ack_tokens: [] }),
          }),
          422,
          "validation_failed",
        );
        expect(empty.details?.map((d) => d.path)).toEqual(["ack_tokens"]);
      }
      // None of the refused calls touched the lease.
      expect((await client.next(c.id)).info).toEqual({ num_pending: 0, num_ack_pending: 1 });
      expect(await client.ack(c.id, [token])).toMatchObject({ count: 1 });
    },
  },
  {
    area: "errors",
    name: "malformed JSON is a 400 and a non-JSON content type a 415",
    async run({ fetch, consumer }) {
      const c = await consumer();
      const malformed = await expectRawError(
        await fetch("/v1/http-consumers", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"name": ',
        }),
        400,
        "bad_request",
      );
      expect(malformed.error).toMatch(/json/i);
      await expectRawError(
        await fetch(`/v1/http-consumers/${c.id}/ack`, {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: "ack_tokens=x",
        }),
        415,
        "unsupported_media_type",
      );
    },
  },
  {
    area: "errors",
    name: "unknown consumers, streams and paths are 404 not_found",
    async run({ client, fetch, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a")]);
      const tokens = tokensOf(await client.next(c.id));
      await expectError(client.consumers.get("no-such-consumer"), 404, "not_found");
      await expectError(client.next("no-such-consumer"), 404, "not_found");
      await expectError(client.ack("no-such-consumer", tokens), 404, "not_found");
      await expectError(
        client.streams.get("3f1d6a52-7c4e-4b8a-9d2f-1e0c5b6a7d8e"),
        404,
        "not_found",
      );
      await expectRawError(await fetch("/v1/no-such-thing"), 404, "not_found");
    },
  },
  {
    area: "errors",
    name: "a taken consumer or stream name is a 409 conflict",
    async run({ client, consumer, streamId }) {
      const c = await consumer();
      await expectError(client.consumers.create({ name: c.name }), 409, "conflict");
      const stream = await client.streams.get(streamId);
      await expectError(client.streams.create({ name: stream.name }), 409, "conflict");
      const other = await consumer();
      await expectError(client.consumers.update(other.id, { name: c.name }), 409, "conflict");
      expect((await client.consumers.get(other.id)).name).toBe(other.name);
    },
  },
  {
    area: "errors",
    name: "a stream with consumers is not deleted (409); without them it is",
    async run({ client, consumer, streamId }) {
      const c = await consumer();
      await expectError(client.streams.delete(streamId), 409, "conflict");
      expect(await client.consumers.delete(c.id)).toEqual({ id: c.id, deleted: true });
      await expectError(client.consumers.get(c.id), 404, "not_found");
      expect(await client.streams.delete(streamId)).toEqual({ id: streamId, deleted: true });
      await expectError(client.streams.get(streamId), 404, "not_found");
    },
  },
];
