import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One call the fake upstream received. */
export interface UpstreamCall {
  /** Its Idempotency-Key header. */
  key: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the body is checked by the tests that read it.
  body: any;
}

/**
 * An HTTP upstream for the mutation tests, standing in for a real API: it keeps objects, gives
 * created ones new ids (obj-1, obj-2...), answers whole objects, and deduplicates by the
 * Idempotency-Key header as Stripe does: a call with a key it has seen gets the first answer
 * again and changes nothing.
 */
export interface FakeUpstream {
  url: string;
  calls: UpstreamCall[];
  objects: Map<string, Record<string, unknown>>;
  /** Objects created so far. */
  created(): number;
  /** Resolves once the next call has arrived and been applied. */
  nextCall(): Promise<void>;
  /** Until the returned function is called, answers are held back (calls are applied at once). */
  hold(): () => void;
  close(): Promise<void>;
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const calls: UpstreamCall[] = [];
  const objects = new Map<string, Record<string, unknown>>();
  const answers = new Map<string, string>();
  let created = 0;
  let arrived: (() => void) | undefined;
  let held: Promise<void> | undefined;

  function apply(body: UpstreamCall["body"]): string {
    const records = (body.kind === "delete" ? body.upstream_ids : body.records).map(
      (r: { upstream_id?: string; data?: Record<string, unknown> } | string) => {
        if (typeof r === "string") {
          objects.delete(r);
          return { upstream_id: r, data: {} };
        }
        const id = r.upstream_id ?? `obj-${++created}`;
        const data = { ...(objects.get(id) ?? {}), ...r.data, Id: id };
        objects.set(id, data);
        return { upstream_id: id, data };
      },
    );
    return JSON.stringify({ records });
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    req.on("data", (c) => {
      text += c;
    });
    req.on("end", async () => {
      const key = req.headers["idempotency-key"] as string | undefined;
      const body = JSON.parse(text);
      calls.push({ key, body });
      let answer = key ? answers.get(key) : undefined;
      if (answer === undefined) {
        answer = apply(body);
        if (key) answers.set(key, answer);
      }
      arrived?.();
      arrived = undefined;
      await held;
      if (!res.destroyed) res.writeHead(200, { "content-type": "application/json" }).end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/apply`,
    calls,
    objects,
    created: () => created,
    nextCall: () =>
      new Promise<void>((resolve) => {
        arrived = resolve;
      }),
    hold() {
      let release = () => {};
      held = new Promise<void>((r) => {
        release = r;
      });
      return () => {
        held = undefined;
        release();
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
