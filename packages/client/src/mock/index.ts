// @sequin/client/mock: an in-memory Sequin server for MSW (needs the peer dependencies msw and zod).

// Test controls
export type { MockClock, MockClockOptions } from "./clock/clock.js";
export type {
  AccountOption,
  MockInspect,
  MockSeed,
  SeedConsumer,
  SeedEvent,
  SeedRecord,
  SeedStream,
  StreamOption,
} from "./controls/controls.js";
export type { MockFault, MockFaultScope } from "./controls/faults.js";
// The mock and its options
export { createSequinMock, type SequinMock, type SequinMockOptions } from "./create-sequin-mock.js";
export type { MockDelivery } from "./state/store.js";
