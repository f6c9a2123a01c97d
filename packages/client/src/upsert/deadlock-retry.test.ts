import { describe, expect, it } from "vitest";
import { isDeadlock, retryOnDeadlock } from "./deadlock-retry.js";

const deadlock = Object.assign(new Error("deadlock detected"), { code: "40P01" });

describe("retryOnDeadlock", () => {
  it("recognizes deadlocks from pg, Prisma, and wrapped in a cause (drizzle)", () => {
    expect(isDeadlock(deadlock)).toBe(true);
    expect(isDeadlock({ code: "P2034" })).toBe(true);
    expect(isDeadlock(new Error("query failed", { cause: deadlock }))).toBe(true);
    expect(isDeadlock(Object.assign(new Error("unique"), { code: "23505" }))).toBe(false);
    expect(isDeadlock(undefined)).toBe(false);
  });

  it("repeats a deadlocked attempt, at most 3 times in all", async () => {
    let calls = 0;
    await expect(
      retryOnDeadlock(async () => {
        calls++;
        if (calls < 3) throw deadlock;
        return "done";
      }),
    ).resolves.toBe("done");
    calls = 0;
    await expect(
      retryOnDeadlock(async () => {
        calls++;
        throw deadlock;
      }),
    ).rejects.toBe(deadlock);
    expect(calls).toBe(3);
  });

  it("does not repeat other errors, or when told it cannot", async () => {
    let calls = 0;
    const other = new Error("other");
    await expect(
      retryOnDeadlock(async () => {
        calls++;
        throw other;
      }),
    ).rejects.toBe(other);
    await expect(
      retryOnDeadlock(
        async () => {
          calls++;
          throw deadlock;
        },
        () => false,
      ),
    ).rejects.toBe(deadlock);
    expect(calls).toBe(2);
  });
});
