import type { HttpHandler } from "msw";
import { Clock, type MockClock, type MockClockOptions } from "./clock/clock.js";
import { Waker } from "./clock/waker.js";
import { createControls, type MockInspect, type MockSeed } from "./controls/controls.js";
import { Faults, type MockFault, type MockFaultScope } from "./controls/faults.js";
import { createAccount, newToken } from "./http/auth.js";
import { resolveStream } from "./records/streams.js";
import { consumeHandlers } from "./routes/consume.js";
import { consumerHandlers } from "./routes/consumers.js";
import { mutationHandlers } from "./routes/mutations.js";
import { createRouter } from "./routes/route.js";
import { streamHandlers } from "./routes/streams.js";
import type { MockContext } from "./state/context.js";
import { Store } from "./state/store.js";

/** Options of `createSequinMock`. */
export interface SequinMockOptions {
  /** The base URL your client calls, e.g. `"http://localhost:7376"` (a path prefix is allowed). Required. */
  baseUrl: string;
  /** Bearer tokens of the default account. Default `["sequin-mock-token"]`. */
  tokens?: string[];
  /** The mock clock: `"real"` (default) follows wall-clock time, `"manual"` moves only on `clock.advance()`. */
  clock?: MockClockOptions | "real" | "manual";
}

/** An in-memory Sequin server for MSW, with controls for tests. */
export interface SequinMock extends MockInspect {
  /** Hand these to `setupServer(...handlers)` or `server.use(...handlers)`. */
  readonly handlers: HttpHandler[];
  /** The default account's first token. */
  readonly token: string;
  /** The id of the default account's `default` stream. */
  readonly defaultStreamId: string;
  /** Time as the mock sees it; `advance(ms)` expires leases and ends long-polls without sleeping. */
  readonly clock: MockClock;
  /** Write streams, records, events and consumers directly. */
  readonly seed: MockSeed;
  /** Creates another account (with its own `default` stream) and returns its token. */
  createAccount(options?: { token?: string }): string;
  /** The next `count` matching requests fail with `fault` (HTTP 500/429/503, or a network error). */
  failNext(count: number, fault: MockFault, scope?: MockFaultScope): void;
  /** How many injected failures are still to come. */
  readonly pendingFaults: number;
  /** How many requests are parked right now: long-polls on `next` and mutations awaiting consumers. */
  readonly waiting: number;
  /** Resolves once at least `count` requests are parked; call it before `clock.advance()` to end them. */
  whenWaiting(count?: number): Promise<void>;
  /** Forgets everything: data, accounts other than the default one, faults, logs and the clock offset. */
  reset(): void;
}

const DEFAULT_TOKEN = "sequin-mock-token";

/**
 * Creates a stateful, in-memory mock of the Sequin API for MSW. Each call has its own state:
 * two mocks in one process never share data.
 */
export function createSequinMock(options: SequinMockOptions): SequinMock {
  const tokens = options.tokens ?? [DEFAULT_TOKEN];
  const defaultToken = tokens[0];
  if (defaultToken === undefined) throw new TypeError("createSequinMock: tokens must not be empty");
  const clockOptions =
    typeof options.clock === "string" ? { mode: options.clock } : (options.clock ?? {});
  const clock = new Clock(clockOptions);
  const store = new Store();
  const ctx: MockContext = { store, clock, waker: new Waker(clock) };
  const faults = new Faults();
  let defaultAccountId = createAccount(ctx, tokens);

  const accountOf = (token: string | undefined): string => {
    if (token === undefined) return defaultAccountId;
    const id = store.tokens.get(token);
    if (id === undefined) throw new Error(`Unknown mock token: ${token}`);
    return id;
  };
  const { seed, inspect } = createControls(ctx, accountOf);
  const router = createRouter(ctx, options.baseUrl, faults);
  const handlers = [
    ...streamHandlers(ctx, router),
    ...consumerHandlers(ctx, router),
    ...consumeHandlers(ctx, router),
    ...mutationHandlers(ctx, router),
    router.fallback(),
  ];

  return {
    ...inspect,
    handlers,
    token: defaultToken,
    get defaultStreamId() {
      return resolveStream(ctx, defaultAccountId, undefined).stream.id;
    },
    clock,
    seed,
    createAccount(accountOptions = {}) {
      const token = accountOptions.token ?? newToken();
      createAccount(ctx, [token]);
      return token;
    },
    failNext: (count, fault, scope) => faults.add(count, fault, scope),
    get pendingFaults() {
      return faults.pending;
    },
    get waiting() {
      return ctx.waker.parked;
    },
    whenWaiting: (count = 1) => ctx.waker.whenParked(count),
    reset() {
      store.clear();
      faults.clear();
      clock.reset(clockOptions.start);
      defaultAccountId = createAccount(ctx, tokens);
      // Parked long-polls and awaits wake up and find their consumer gone (404).
      ctx.waker.notifyAll();
    },
  };
}
