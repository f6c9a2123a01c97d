import { writeFileSync } from "node:fs";
import type { Reporter, TestCase, TestModule } from "vitest/node";
import { formatSummary, type Outcome, summarize } from "./summarize.js";

/** The name of the top-level describe block of a test: its target. */
function targetOf(test: TestCase): string | undefined {
  let suite = test.parent;
  let name: string | undefined;
  while (suite.type === "suite") {
    name = suite.name;
    suite = suite.parent;
  }
  return name;
}

/**
 * Prints the scenario count and pass/fail per target after the run, and which scenarios did not
 * end the same on every target. With CONFORMANCE_REPORT=<file>, also writes it as JSON.
 */
export default class ConformanceReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const outcomes: Outcome[] = [];
    for (const module of testModules) {
      if (!module.moduleId.endsWith("conformance.test.ts")) continue;
      for (const test of module.children.allTests()) {
        const target = targetOf(test);
        if (!target) continue;
        const meta = test.meta();
        outcomes.push({
          target,
          scenario: test.name,
          state: test.result().state,
          knownDifference: meta.knownDifference,
          clock: meta.clock,
          notRun: meta.notRun,
        });
      }
    }
    if (outcomes.length === 0) return;
    const summary = summarize(outcomes);
    process.stdout.write(formatSummary(summary));
    const file = process.env.CONFORMANCE_REPORT;
    if (file) writeFileSync(file, `${JSON.stringify({ summary, outcomes }, null, 2)}\n`);
  }
}
