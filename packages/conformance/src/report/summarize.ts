/** One scenario's outcome on one target. */
export interface Outcome {
  target: string;
  scenario: string;
  state: "passed" | "failed" | "skipped" | "pending";
  knownDifference?: string | undefined;
  clock?: string | undefined;
  /** Set when the scenario is not meant to run on this target: why (its notOn entry). */
  notRun?: string | undefined;
}

/** Counts of one target. */
export interface TargetSummary {
  target: string;
  scenarios: number;
  passed: number;
  failed: number;
  skipped: number;
}

/** What the report says. */
export interface ConformanceSummary {
  targets: TargetSummary[];
  /** Scenarios whose state is not the same on every target, with the state per target. */
  differing: Array<{ scenario: string; states: Record<string, string> }>;
  /** Scenarios carrying a knownDifference note. */
  knownDifferences: Array<{ scenario: string; note: string; states: Record<string, string> }>;
  /** Scenarios a target does not run by design (notOn), with why. */
  notRun: Array<{ scenario: string; target: string; reason: string }>;
  /** How many scenarios move time with the target's clock control. */
  clockScenarios: number;
  /** True when every target ran the same scenarios with the same outcomes. */
  sameOutcomes: boolean;
}

/** Groups outcomes by target and finds scenarios whose outcome differs between targets. */
export function summarize(outcomes: Outcome[]): ConformanceSummary {
  const targetNames = [...new Set(outcomes.map((o) => o.target))];
  const byScenario = new Map<string, Outcome[]>();
  for (const outcome of outcomes) {
    const list = byScenario.get(outcome.scenario) ?? [];
    list.push(outcome);
    byScenario.set(outcome.scenario, list);
  }
  const targets = targetNames.map((target) => {
    const mine = outcomes.filter((o) => o.target === target);
    const count = (state: Outcome["state"]) => mine.filter((o) => o.state === state).length;
    return {
      target,
      scenarios: mine.length,
      passed: count("passed"),
      failed: count("failed"),
      skipped: count("skipped") + count("pending"),
    };
  });
  const statesOf = (list: Outcome[]) => {
    const states: Record<string, string> = {};
    for (const target of targetNames) {
      states[target] = list.find((o) => o.target === target)?.state ?? "missing";
    }
    return states;
  };
  const differing = [];
  const knownDifferences = [];
  const notRun = [];
  let clockScenarios = 0;
  for (const [scenario, list] of byScenario) {
    const states = statesOf(list);
    // A target that does not run the scenario by design neither agrees nor differs.
    const compared = Object.entries(states).filter(
      ([target]) => !list.some((o) => o.target === target && o.notRun),
    );
    if (new Set(compared.map(([, state]) => state)).size > 1) differing.push({ scenario, states });
    for (const o of list) {
      if (o.notRun) notRun.push({ scenario, target: o.target, reason: o.notRun });
    }
    const note = list.find((o) => o.knownDifference)?.knownDifference;
    if (note) knownDifferences.push({ scenario, note, states });
    if (list.some((o) => o.clock)) clockScenarios++;
  }
  return {
    targets,
    differing,
    knownDifferences,
    notRun,
    clockScenarios,
    sameOutcomes: differing.length === 0,
  };
}

/** The report as plain text. */
export function formatSummary(summary: ConformanceSummary): string {
  const lines = ["", "Conformance report", ""];
  const header = ["target", "scenarios", "passed", "failed", "skipped"];
  const rows = summary.targets.map((t) =>
    [t.target, t.scenarios, t.passed, t.failed, t.skipped].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  for (const row of [header, ...rows]) {
    lines.push(`  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`);
  }
  lines.push("");
  lines.push(
    `  Same outcome of every scenario on every target: ${summary.sameOutcomes ? "yes" : "NO"}`,
  );
  lines.push(
    `  Scenarios that move time (servers wait for real, the mock advances its manual clock): ${summary.clockScenarios}`,
  );
  for (const d of summary.differing) {
    lines.push(`  differs: ${d.scenario} (${formatStates(d.states)})`);
  }
  if (summary.knownDifferences.length > 0) {
    lines.push("", "  Known differences (the scenario asserts the spec; see its note):");
    for (const k of summary.knownDifferences) {
      lines.push(`  - ${k.scenario} (${formatStates(k.states)})`, `      ${k.note}`);
    }
  }
  if (summary.notRun.length > 0) {
    lines.push("", "  Not run by design (the target cannot show the behaviour):");
    for (const n of summary.notRun) {
      lines.push(`  - ${n.scenario} on ${n.target}`, `      ${n.reason}`);
    }
  }
  lines.push("");
  return lines.join("\n");
}

const formatStates = (states: Record<string, string>) =>
  Object.entries(states)
    .map(([target, state]) => `${target}: ${state}`)
    .join(", ");
