import { defineConformance, type TargetFactory } from "../src/define-conformance.js";
import { scenarios } from "../src/scenarios/index.js";
import { createMockTarget } from "../src/targets/mock-target.js";
import { createPgliteTarget } from "../src/targets/pglite-target.js";
import { createPostgresTarget } from "../src/targets/postgres-target.js";

const all: TargetFactory[] = [
  { name: "postgres", create: () => createPostgresTarget() },
  { name: "pglite", create: () => createPgliteTarget() },
  { name: "mock", create: createMockTarget },
];
/**
 * Run only when named: the server with its consumers on the fan-out consume core, the one the
 * log + window core (docs/decisions/0008) replaced, until it is deleted.
 */
const optIn: TargetFactory[] = [
  { name: "postgres-fanout", create: () => createPostgresTarget("fanout") },
];

// CONFORMANCE_TARGETS=mock,pglite runs a subset (the first three by default).
const wanted = process.env.CONFORMANCE_TARGETS?.split(",").map((name) => name.trim());
defineConformance(
  wanted ? [...all, ...optIn].filter((factory) => wanted.includes(factory.name)) : all,
  scenarios,
);
