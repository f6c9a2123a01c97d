import { describe, expect, it } from "vitest";
import type { SequinRecord } from "../types.js";
import { type PrismaRawClient, upsertRecords } from "./prisma.js";

const record = (id: string, updated_idx: number, deleted = false) =>
  ({ id, updated_idx, deleted, data: {}, sync: null, upstream_id: id }) as unknown as SequinRecord;

/** A stand-in for a PrismaClient (with `$disconnect`) or a transaction client (without). */
function fakePrisma(kind: "client" | "tx") {
  const log: string[] = [];
  const prisma: PrismaRawClient = {
    $queryRawUnsafe: <T>(query: string, ...values: unknown[]) => {
      log.push(`query ${query.slice(0, 6)} (${values.length} values)`);
      return Promise.resolve([] as T);
    },
    $transaction: async (queries) => {
      log.push(`transaction of ${queries.length}`);
      return Promise.all(queries);
    },
  };
  if (kind === "client") prisma.$disconnect = async () => {};
  return { prisma, log };
}

describe("@sequin/client/prisma statements", () => {
  it("sends one bound statement per batch", async () => {
    const { prisma, log } = fakePrisma("client");
    await upsertRecords(prisma, "contacts", [record("a", 1), record("b", 1)]);
    expect(log).toEqual(["query INSERT (1 values)"]);
  });

  it("wraps a hard-delete batch in $transaction([...]) on a client", async () => {
    const { prisma, log } = fakePrisma("client");
    await upsertRecords(prisma, "contacts", [record("a", 1, true)], { deleteMode: "hard" });
    expect(log).toEqual(["query INSERT (1 values)", 'query WITH " (2 values)', "transaction of 2"]);
  });

  it("runs a hard-delete batch in order on a transaction client, inside its transaction", async () => {
    const { prisma, log } = fakePrisma("tx");
    await upsertRecords(prisma, "contacts", [record("a", 1, true)], { deleteMode: "hard" });
    expect(log).toEqual(["query INSERT (1 values)", 'query WITH " (2 values)']);
  });
});
