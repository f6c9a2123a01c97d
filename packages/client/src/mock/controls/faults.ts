/** A failure to inject: an HTTP error answer, or a connection that fails (fetch rejects). */
export type MockFault = { status: 500 | 429 | 503; retryAfter?: number } | "network";

/** Which requests a fault applies to. */
export interface MockFaultScope {
  /** Path after `baseUrl`, e.g. `/v1/http-consumers/:consumer/next` (`:param` = one segment, `*` = anything), or a RegExp. Default: every path. */
  path?: string | RegExp;
  /** HTTP method, e.g. `"POST"`. Default: every method. */
  method?: string;
  /** `"before"`: the request fails without reaching the mock. `"after"`: the mock handles it (writes happen), then the answer is lost. Default `"before"`. */
  when?: "before" | "after";
}

interface Armed {
  remaining: number;
  fault: MockFault;
  method: string | undefined;
  path: RegExp | undefined;
  when: "before" | "after";
}

/** Queued fault injections, consumed in the order they were added. */
export class Faults {
  #armed: Armed[] = [];

  add(count: number, fault: MockFault, scope: MockFaultScope = {}): void {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError("failNext(n) needs an integer n >= 1");
    this.#armed.push({
      remaining: count,
      fault,
      method: scope.method?.toUpperCase(),
      path: typeof scope.path === "string" ? patternToRegExp(scope.path) : scope.path,
      when: scope.when ?? "before",
    });
  }

  /** The fault for this request, if one is armed for it; counts it as used. */
  take(method: string, path: string): { fault: MockFault; when: "before" | "after" } | undefined {
    const index = this.#armed.findIndex(
      (a) =>
        (a.method === undefined || a.method === method.toUpperCase()) &&
        (a.path === undefined || a.path.test(path)),
    );
    const armed = this.#armed[index];
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining === 0) this.#armed.splice(index, 1);
    return { fault: armed.fault, when: armed.when };
  }

  /** How many injected failures are still to come. */
  get pending(): number {
    return this.#armed.reduce((sum, a) => sum + a.remaining, 0);
  }

  clear(): void {
    this.#armed = [];
  }
}

function patternToRegExp(pattern: string): RegExp {
  const source = pattern
    .split(/(:[A-Za-z_]\w*|\*)/)
    .map((part) =>
      part === "*"
        ? ".*"
        : part.startsWith(":")
          ? "[^/]+"
          : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${source}/?$`);
}
