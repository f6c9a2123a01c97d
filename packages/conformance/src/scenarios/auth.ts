import { AuthenticationError } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, expectError, expectRawError, tokensOf } from "./helpers.js";

export const authScenarios: Scenario[] = [
  {
    area: "auth",
    name: "a second account gets 404 for the first account's consumer, stream and messages",
    async run({ client, consumer, upsert, target, clientFor, streamId }) {
      const c = await consumer();
      await upsert([contact("secret")]);
      const tokens = tokensOf(await client.next(c.id));
      const other = clientFor(await target.newAccount());

      await expectError(other.consumers.get(c.id), 404, "not_found");
      await expectError(other.consumers.get(c.name), 404, "not_found");
      await expectError(other.next(c.id), 404, "not_found");
      await expectError(other.ack(c.id, tokens), 404, "not_found");
      await expectError(other.consumers.update(c.id, { max_deliver: 3 }), 404, "not_found");
      await expectError(other.consumers.delete(c.id), 404, "not_found");
      await expectError(other.deadLetters.list(c.id).firstPage(), 404, "not_found");
      await expectError(other.streams.get(streamId), 404, "not_found");
      await expectError(other.records.list(streamId).firstPage(), 404, "not_found");
      await expectError(other.records.upsert(streamId, [contact("x")]), 404, "not_found");
      await expectError(
        other.consumers.create({ name: "steal", stream_id: streamId }),
        404,
        "not_found",
      );
      expect(await other.consumers.list().toArray()).toEqual([]);
      expect((await other.streams.list().toArray()).map((s) => s.name)).toEqual(["default"]);
      // Nothing the other account tried touched the first one's state.
      expect(await client.ack(c.id, tokens)).toMatchObject({ count: 1 });
    },
  },
  {
    area: "auth",
    name: "no token or an unknown token is a 401 in the Error shape",
    async run({ fetch, clientFor, consumer }) {
      const c = await consumer();
      await expectRawError(await fetch("/v1/http-consumers", { auth: false }), 401, "unauthorized");
      await expectRawError(
        await fetch(`/v1/http-consumers/${c.id}/next`, { auth: false }),
        401,
        "unauthorized",
      );
      const stranger = clientFor("not-a-real-token");
      const error = await expectError(stranger.consumers.list().firstPage(), 401, "unauthorized");
      expect(error).toBeInstanceOf(AuthenticationError);
      await expectError(stranger.next(c.id), 401, "unauthorized");
    },
  },
  {
    area: "auth",
    name: "two accounts may use the same consumer name without seeing each other",
    async run({ client, consumer, target, clientFor, upsert }) {
      const mine = await consumer();
      const other = clientFor(await target.newAccount());
      const theirs = await other.consumers.create({ name: mine.name });
      expect(theirs.id).not.toBe(mine.id);
      await upsert([contact("mine")]);
      expect((await other.next(mine.name)).data).toEqual([]);
      expect((await client.next(mine.name)).data).toHaveLength(1);
    },
  },
];
