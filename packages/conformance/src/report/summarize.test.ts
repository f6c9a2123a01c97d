import { describe, expect, it } from "vitest";
import { formatSummary, type Outcome, summarize } from "./summarize.js";

const outcome = (
  target: string,
  scenario: string,
  state: Outcome["state"],
  extra = {},
): Outcome => ({
  target,
  scenario,
  state,
  ...extra,
});

describe("summarize", () => {
  it("counts per target and finds scenarios whose outcome differs", () => {
    const summary = summarize([
      outcome("pg", "a", "passed", { clock: "waits" }),
      outcome("mock", "a", "passed", { clock: "waits" }),
      outcome("pg", "b", "failed", { knownDifference: "pg says 422" }),
      outcome("mock", "b", "passed", { knownDifference: "pg says 422" }),
      outcome("pg", "c", "skipped"),
    ]);
    expect(summary.targets).toEqual([
      { target: "pg", scenarios: 3, passed: 1, failed: 1, skipped: 1 },
      { target: "mock", scenarios: 2, passed: 2, failed: 0, skipped: 0 },
    ]);
    expect(summary.differing).toEqual([
      { scenario: "b", states: { pg: "failed", mock: "passed" } },
      { scenario: "c", states: { pg: "skipped", mock: "missing" } },
    ]);
    expect(summary.knownDifferences).toEqual([
      { scenario: "b", note: "pg says 422", states: { pg: "failed", mock: "passed" } },
    ]);
    expect(summary.clockScenarios).toBe(1);
    expect(summary.sameOutcomes).toBe(false);
  });

  it("says yes when every target ends every scenario the same way", () => {
    const summary = summarize([outcome("pg", "a", "passed"), outcome("mock", "a", "passed")]);
    expect(summary.sameOutcomes).toBe(true);
    const text = formatSummary(summary);
    expect(text).toContain("Same outcome of every scenario on every target: yes");
    expect(text).toMatch(/pg\s+1\s+1\s+0\s+0/);
  });

  it("leaves a scenario a target does not run by design out of the comparison, and lists it", () => {
    const summary = summarize([
      outcome("pg", "a", "passed"),
      outcome("mock", "a", "skipped", { notRun: "the mock keeps milliseconds" }),
      outcome("pg", "b", "passed"),
      outcome("mock", "b", "skipped"),
    ]);
    // b is skipped on the mock without a reason: that still differs.
    expect(summary.differing).toEqual([
      { scenario: "b", states: { pg: "passed", mock: "skipped" } },
    ]);
    expect(summary.notRun).toEqual([
      { scenario: "a", target: "mock", reason: "the mock keeps milliseconds" },
    ]);
    expect(formatSummary(summary)).toContain("a on mock\n      the mock keeps milliseconds");
  });
});
