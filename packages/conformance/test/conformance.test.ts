import { defineConformance, type TargetFactory } from "../src/define-conformance.js";
import { scenarios } from "../src/scenarios/index.js";
import { createMockTarget } from "../src/targets/mock-target.js";
import { createPgliteTarget } from "../src/targets/pglite-target.js";
import { createPostgresTarget } from "../src/targets/postgres-target.js";

const all: TargetFactory[] = [
  { name: "postgres", create: createPostgresTarget },
  { name: "pglite", create: createPgliteTarget },
  { name: "mock", create: createMockTarget },
];

// CONFORMANCE_TARGETS=mock,pglite runs a subset (all of them by default).
const wanted = process.env.CONFORMANCE_TARGETS?.split(",").map((name) => name.trim());
defineConformance(wanted ? all.filter((factory) => wanted.includes(factory.name)) : all, scenarios);
