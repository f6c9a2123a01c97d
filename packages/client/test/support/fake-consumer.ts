/**
 * An in-memory consumer behind a fake `fetch`, for unit tests of runConsumer: leases with
 * expiry, long-polling `next` (on whatever timers the test uses), ack/nack/extend by token,
 * and scripted failures per route.
 */

type Route = "consumer" | "next" | "ack" | "nack" | "term" | "extend";

interface Stored {
  id: string;
  data: Record<string, unknown>;
  deliverCount: number;
  token: string | undefined;
  leasedUntil: number;
  /** Pending again from then (a nack's delay_ms; the fake has no backoff of its own). */
  availableAt: number;
  acked: boolean;
  /** Made a dead letter by term. */
  terminated: boolean;
  lastError: string | null;
}

export interface LoggedCall {
  route: Route;
  at: number;
  tokens: string[];
  query: Record<string, string>;
  /** The JSON body (ack_tokens included), for POSTs. */
  body: Record<string, unknown>;
}

export interface FakeConsumerOptions {
  ackWaitMs?: number;
  /** When false, `next` answers at once even when nothing is available (a server ignoring wait_for). */
  honourWaitFor?: boolean;
}

export function createFakeConsumer({
  ackWaitMs = 30_000,
  honourWaitFor = true,
}: FakeConsumerOptions = {}) {
  const messages: Stored[] = [];
  const byToken = new Map<string, Stored>();
  const waiters = new Set<() => void>();
  const failures = new Map<Route, (() => Response)[]>();
  const calls: LoggedCall[] = [];
  // Every token ever issued, to map tokens of past deliveries back to their message.
  const tokenOwner = new Map<string, Stored>();
  let tokenSeq = 0;
  let idSeq = 0;

  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const available = () =>
    messages.filter(
      (m) =>
        !m.acked &&
        !m.terminated &&
        m.availableAt <= Date.now() &&
        (m.token === undefined || m.leasedUntil <= Date.now()),
    );

  const lease = (count: number) =>
    available()
      .slice(0, count)
      .map((m) => {
        if (m.token) byToken.delete(m.token);
        m.token = `tok-${++tokenSeq}`;
        m.deliverCount++;
        m.leasedUntil = Date.now() + ackWaitMs;
        byToken.set(m.token, m);
        tokenOwner.set(m.token, m);
        return {
          ack_token: m.token,
          deliver_count: m.deliverCount,
          lease_expires_at: new Date(m.leasedUntil).toISOString(),
          record: { id: m.id, collection_id: "test:item", upstream_id: m.id, data: m.data },
        };
      });

  /** The stored message a token currently holds a lease on, if that lease is still current. */
  const current = (token: string) => {
    const m = byToken.get(token);
    return m && !m.acked && !m.terminated && m.token === token && m.leasedUntil > Date.now()
      ? m
      : undefined;
  };

  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const match = url.pathname.match(
      /^\/v1\/http-consumers\/([^/]+)(?:\/(next|ack|nack|term|extend))?$/,
    );
    if (!match) return json(404, { error: "no route", code: "not_found" });
    const route = (match[2] ?? "consumer") as Route;
    const body = request.body
      ? ((await request.json()) as { ack_tokens?: string[]; delay_ms?: number; reason?: string })
      : {};
    const tokens = body.ack_tokens ?? [];
    calls.push({
      route,
      at: Date.now(),
      tokens,
      query: Object.fromEntries(url.searchParams),
      body,
    });

    const scripted = failures.get(route)?.shift();
    if (scripted) return scripted();

    if (route === "consumer") {
      return json(200, { id: "c1", name: match[1], ack_wait_ms: ackWaitMs });
    }
    if (route === "next") {
      const batchSize = Number(url.searchParams.get("batch_size") ?? 1);
      const waitFor = Number(url.searchParams.get("wait_for") ?? 0);
      if (available().length === 0 && waitFor > 0 && honourWaitFor) {
        await new Promise<void>((resolve, reject) => {
          const done = () => {
            waiters.delete(done);
            clearTimeout(timer);
            request.signal.removeEventListener("abort", onAbort);
            resolve();
          };
          const onAbort = () => {
            waiters.delete(done);
            clearTimeout(timer);
            reject(request.signal.reason);
          };
          const timer = setTimeout(done, waitFor);
          waiters.add(done);
          request.signal.addEventListener("abort", onAbort, { once: true });
        });
      }
      const data = lease(batchSize);
      return json(200, { data, info: { num_pending: available().length, num_ack_pending: 0 } });
    }
    const unknown: string[] = [];
    let count = 0;
    for (const token of tokens) {
      const m = current(token);
      if (!m) {
        unknown.push(token);
        continue;
      }
      count++;
      if (route === "ack") m.acked = true;
      if (route === "nack") {
        m.leasedUntil = 0;
        m.availableAt = Date.now() + (body.delay_ms ?? 0);
        if (body.reason !== undefined) m.lastError = body.reason;
      }
      if (route === "term") {
        m.terminated = true;
        if (body.reason !== undefined) m.lastError = body.reason;
      }
      if (route === "extend") m.leasedUntil = Date.now() + ackWaitMs;
    }
    if (route === "nack") {
      wake();
      // A delayed message wakes long-polls when its delay is over.
      if (body.delay_ms) setTimeout(wake, body.delay_ms);
    }
    return json(200, { success: true, count, unknown_ack_tokens: unknown });
  }

  const tokensOf = (route: Route) =>
    calls.filter((c) => c.route === route).flatMap((c) => c.tokens);
  const idsOf = (tokens: string[]) => tokens.map((token) => tokenOwner.get(token)?.id ?? token);

  return {
    fetch: handle,
    /** Adds messages (their data) and wakes long-polls. Returns their ids. */
    add(...data: Record<string, unknown>[]): string[] {
      const ids = data.map((d) => {
        const id = `m${++idSeq}`;
        messages.push({
          id,
          data: d,
          deliverCount: 0,
          token: undefined,
          leasedUntil: 0,
          availableAt: 0,
          acked: false,
          terminated: false,
          lastError: null,
        });
        return id;
      });
      wake();
      return ids;
    },
    /** The next `count` calls of `route` get these answers instead. */
    fail(route: Route, ...answers: (() => Response)[]) {
      failures.set(route, [...(failures.get(route) ?? []), ...answers]);
    },
    calls,
    callsOf: (route: Route) => calls.filter((c) => c.route === route),
    /** Ids of messages acked (by request sent, including tokens the server called unknown). */
    ackedIds: () => idsOf(tokensOf("ack")),
    nackedIds: () => idsOf(tokensOf("nack")),
    termedIds: () => idsOf(tokensOf("term")),
    /** Messages a term made dead letters, with their last error. */
    deadLetters: () =>
      messages.filter((m) => m.terminated).map((m) => ({ id: m.id, lastError: m.lastError })),
    lastErrorOf: (id: string) => messages.find((m) => m.id === id)?.lastError ?? null,
    extendedTokens: () => tokensOf("extend"),
    /** Messages whose ack the server accepted. */
    doneIds: () => messages.filter((m) => m.acked).map((m) => m.id),
    pendingIds: () => messages.filter((m) => !m.acked && !m.terminated).map((m) => m.id),
    /** Messages leased right now (not acked, lease not expired). */
    leasedNow: () =>
      messages.filter((m) => !m.acked && m.token && m.leasedUntil > Date.now()).length,
    /** Ends a lease on the server's side, as if it had expired and gone to another worker. */
    expire(id: string) {
      const m = messages.find((x) => x.id === id);
      if (m) m.leasedUntil = 0;
    },
    idOf: (token: string) => tokenOwner.get(token)?.id,
  };
}

export type FakeConsumer = ReturnType<typeof createFakeConsumer>;
