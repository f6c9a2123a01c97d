import { createClient, type SequinClient } from "@sequin/client";
import { createSequinMock, type SequinMock, type SequinMockOptions } from "@sequin/client/mock";
import { setupServer } from "msw/node";

export const MOCK_URL = "http://sequin.test";

/** A mock Sequin behind MSW, and a client of it. Call `listen()` in beforeAll, `close()` in afterAll. */
export function mockSequin(clock: SequinMockOptions["clock"] = "real") {
  const mock: SequinMock = createSequinMock({ baseUrl: MOCK_URL, clock });
  const server = setupServer(...mock.handlers);
  /** A client of the mock. `maxRetries: 0` lets fault-injection tests count requests exactly. */
  const client = (options: { maxRetries?: number } = {}): SequinClient =>
    createClient({ baseUrl: MOCK_URL, token: mock.token, ...options });
  return {
    mock,
    client,
    listen: () => server.listen({ onUnhandledRequest: "error" }),
    close: () => server.close(),
  };
}

/** Worker settings for tests: quick retries, errors collected instead of printed. */
export function testTuning(errors: unknown[]) {
  return {
    backoff: { initialDelayMs: 5, maxDelayMs: 20 },
    onError: (error: unknown) => {
      errors.push(error);
    },
  };
}
