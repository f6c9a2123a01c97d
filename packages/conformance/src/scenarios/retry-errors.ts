import type { ConsumerCreate, ConsumerUpdate } from "@sequin/client";
import { expect } from "vitest";
import type { Scenario } from "../scenario.js";
import { contact, detailPaths, expectError, tokensOf } from "./helpers.js";

/** Bodies the typed client would refuse to compile; the API must refuse them at run time. */
const untyped = <T>(value: unknown) => value as T;

export const retryErrorScenarios: Scenario[] = [
  {
    area: "errors",
    name: "nack and term refuse a delay_ms out of 0..43200000 and a reason over 1000 characters (422); nothing is settled",
    async run({ client, consumer, upsert }) {
      const c = await consumer();
      await upsert([contact("a")]);
      const tokens = tokensOf(await client.next(c.id));
      const refusals = [
        [() => client.nack(c.id, tokens, { delay_ms: 43_200_001 }), "delay_ms"],
        [() => client.nack(c.id, tokens, { delay_ms: -1 }), "delay_ms"],
        [() => client.nack(c.id, tokens, { reason: "x".repeat(1001) }), "reason"],
        [() => client.term(c.id, tokens, { reason: "x".repeat(1001) }), "reason"],
      ] as const;
      for (const [call, path] of refusals) {
        const error = await expectError(call(), 422, "validation_failed");
        expect(detailPaths(error)).toEqual([path]);
      }
      // 1000 characters and 12 hours are allowed; the delivery was still running.
      expect(
        await client.nack(c.id, tokens, { delay_ms: 43_200_000, reason: "x".repeat(1000) }),
      ).toMatchObject({ count: 1 });
      expect((await client.consumers.peek(c.id)).data[0]?.last_error).toBe("x".repeat(1000));
    },
  },
  {
    area: "errors",
    name: "consumers refuse a backoff_ms that is empty, longer than 50 or has a value out of range (422)",
    async run({ client, consumer }) {
      const cases: Array<[number[], string]> = [
        [[], "backoff_ms"],
        [Array.from({ length: 51 }, () => 0), "backoff_ms"],
        [[0, -1], "backoff_ms.1"],
        [[43_200_001], "backoff_ms.0"],
      ];
      for (const [backoff_ms, path] of cases) {
        const error = await expectError(consumer({ backoff_ms }), 422, "validation_failed");
        expect(detailPaths(error), JSON.stringify(backoff_ms)).toEqual([path]);
      }
      const c = await consumer({ backoff_ms: Array.from({ length: 50 }, () => 43_200_000) });
      const patch = await expectError(
        client.consumers.update(c.id, { backoff_ms: [] }),
        422,
        "validation_failed",
      );
      expect(detailPaths(patch)).toEqual(["backoff_ms"]);
      expect((await client.consumers.get(c.id)).backoff_ms).toHaveLength(50);
    },
  },
  {
    area: "errors",
    name: "paused false with a future paused_until is a 422, and paused cannot be set at create",
    async run({ client, consumer, target }) {
      const c = await consumer();
      const future = new Date(target.now() + 3_600_000).toISOString();
      const contradiction = await expectError(
        client.consumers.update(c.id, { paused: false, paused_until: future }),
        422,
        "validation_failed",
      );
      expect(detailPaths(contradiction).length).toBeGreaterThan(0);
      expect(
        detailPaths(contradiction).every((path) => ["paused", "paused_until"].includes(path)),
      ).toBe(true);
      expect(await client.consumers.get(c.id)).toMatchObject({ paused: false, paused_until: null });
      const wrongType = await expectError(
        client.consumers.update(c.id, untyped<ConsumerUpdate>({ paused: "yes" })),
        422,
        "validation_failed",
      );
      expect(detailPaths(wrongType)).toEqual(["paused"]);
      const atCreate = await expectError(
        consumer(untyped<Partial<ConsumerCreate>>({ paused: true })),
        422,
        "validation_failed",
      );
      expect(detailPaths(atCreate)).toEqual(["paused"]);
    },
  },
];
