import { describe, expect, it } from "vitest";
import { Clock } from "./clock.js";

describe("Clock", () => {
  it("manual: stands still until advanced, and starts where asked", () => {
    const clock = new Clock({ mode: "manual", start: "2024-03-01T12:00:00Z" });
    expect(clock.iso()).toBe("2024-03-01T12:00:00.000Z");
    clock.advance(1500);
    expect(clock.now().toISOString()).toBe("2024-03-01T12:00:01.500Z");
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it("manual: advance fires due timers in time order, and only those", () => {
    const clock = new Clock("manual");
    const start = clock.nowMs();
    const fired: string[] = [];
    clock.at(start + 300, () => fired.push("c"));
    clock.at(start + 100, () => fired.push("a"));
    const cancel = clock.at(start + 200, () => fired.push("cancelled"));
    clock.at(start + 1000, () => fired.push("later"));
    cancel();
    clock.advance(500);
    expect(fired).toEqual(["a", "c"]);
    clock.advance(500);
    expect(fired).toEqual(["a", "c", "later"]);
  });

  it("real: follows wall-clock time plus what advance() added, and fires wall-clock timers", async () => {
    const clock = new Clock();
    expect(Math.abs(clock.nowMs() - Date.now())).toBeLessThan(50);
    clock.advance(60_000);
    expect(clock.nowMs() - Date.now()).toBeGreaterThanOrEqual(59_950);
    const fired = await new Promise<boolean>((resolve) => {
      clock.at(clock.nowMs() + 20, () => resolve(true));
    });
    expect(fired).toBe(true);
  });

  it("reset drops timers and goes back to the start", () => {
    const clock = new Clock({ mode: "manual", start: 0 });
    let fired = false;
    clock.at(10, () => {
      fired = true;
    });
    clock.reset(0);
    clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.nowMs()).toBe(100);
  });
});
