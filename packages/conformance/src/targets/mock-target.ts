import { createSequinMock } from "@sequin/client/mock";
import { setupServer } from "msw/node";
import type { Target } from "./target.js";

/** No such host exists: every request must be answered by the MSW handlers. */
const BASE_URL = "http://sequin.conformance.test";
/** Longer than any long-poll (60 s) or mutation await (300 s) a scenario can start. */
const FLUSH_MS = 300_001;
const noop = () => {};

/**
 * The MSW mock of @sequin/client/mock behind `setupServer`, on a manual clock: time moves only
 * when a scenario calls `advance`, so lease expiry and long-poll timeouts need no sleeping.
 */
export async function createMockTarget(): Promise<Target> {
  const mock = createSequinMock({ baseUrl: BASE_URL, clock: "manual" });
  const server = setupServer(...mock.handlers);
  server.listen({ onUnhandledRequest: "error" });
  return {
    name: "mock",
    baseUrl: BASE_URL,
    token: mock.token,
    time: "mock-clock",
    newAccount: async () => mock.createAccount(),
    async advance(ms) {
      mock.clock.advance(ms);
      // Let the requests the clock woke up answer before the scenario goes on.
      await new Promise((resolve) => setImmediate(resolve));
    },
    mark() {
      const before = mock.waiting;
      return {
        parked: (...requests) =>
          Promise.race([
            mock.whenWaiting(before + Math.max(1, requests.length)),
            ...requests.map((request) => request.then(noop, noop)),
          ]),
      };
    },
    now: () => mock.clock.now().getTime(),
    async afterScenario() {
      mock.clock.advance(FLUSH_MS);
      await new Promise((resolve) => setImmediate(resolve));
    },
    async close() {
      server.close();
    },
  };
}
