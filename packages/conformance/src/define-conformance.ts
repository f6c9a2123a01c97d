import { afterAll, beforeAll, describe, it } from "vitest";
import { createScenarioContext } from "./context.js";
import type { Scenario } from "./scenario.js";
import type { Target } from "./targets/target.js";

declare module "vitest" {
  interface TaskMeta {
    /** The scenario's knownDifference note, for the report. */
    knownDifference?: string;
    /** The scenario's clock note, for the report. */
    clock?: string;
    /** Why the scenario does not run on this target (its notOn entry), for the report. */
    notRun?: string;
  }
}

/** One target of the suite: its name and how to start it. */
export interface TargetFactory {
  name: string;
  create(): Promise<Target>;
}

/** The scenario's title in the test tree: `<area>: <name>` (unique, checked at start). */
export const scenarioTitle = (scenario: Scenario) => `${scenario.area}: ${scenario.name}`;

/**
 * Registers every scenario under one describe block per target. Each scenario gets a fresh
 * account and stream, so none depends on another or on their order.
 */
export function defineConformance(factories: TargetFactory[], scenarios: Scenario[]) {
  const titles = scenarios.map(scenarioTitle);
  const duplicate = titles.find((title, i) => titles.indexOf(title) !== i);
  if (duplicate) throw new Error(`Two scenarios are called "${duplicate}"`);

  const rows = factories.map((factory) => [factory.name, factory] as const);
  describe.each(rows)("%s", (_name, factory) => {
    let target: Target | undefined;
    let failed = false;
    beforeAll(async () => {
      target = await factory.create();
    });
    afterAll(async () => {
      await target?.close({ keep: failed });
    });

    for (const scenario of scenarios) {
      it(scenarioTitle(scenario), async ({ task, onTestFailed, skip }) => {
        const notRun = scenario.notOn?.[factory.name];
        if (notRun) {
          // Skipped while running, not at collection, so the report gets the reason with it.
          task.meta.notRun = notRun;
          skip(notRun);
        }
        if (scenario.knownDifference) task.meta.knownDifference = scenario.knownDifference;
        if (scenario.clock) task.meta.clock = scenario.clock;
        onTestFailed(() => {
          failed = true;
        });
        if (!target) throw new Error(`target ${factory.name} did not start`);
        const ctx = await createScenarioContext(target, scenario);
        try {
          await scenario.run(ctx);
        } finally {
          await target.afterScenario();
        }
      });
    }
  });
}
