import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance } from "../../test/support/worker-setup.js";
import { ServerError, ValidationError } from "../errors.js";
import type { AckResponse, Message } from "../types.js";
import { type Held, hold } from "./held.js";
import { createReporter } from "./reporter.js";
import { Settler } from "./settler.js";
import type { ConsumerClient } from "./types.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function message(token: string): Message {
  return { ack_token: token, record: { id: token } } as unknown as Message;
}

function setup(answer: (tokens: readonly string[]) => Promise<AckResponse> | AckResponse) {
  const sent: { kind: string; tokens: string[] }[] = [];
  const respond = (kind: string) => async (_: string, tokens: readonly string[]) => {
    sent.push({ kind, tokens: [...tokens] });
    return answer(tokens);
  };
  const client = {
    ack: vi.fn(respond("ack")),
    nack: vi.fn(respond("nack")),
  } as unknown as ConsumerClient;
  const events: string[] = [];
  const onError = vi.fn();
  const reporter = createReporter(
    {
      onAcked: (m) => events.push(`acked:${m.ack_token}`),
      onNacked: (m) => events.push(`nacked:${m.ack_token}`),
      onLeaseLost: (m, info) => events.push(`lost:${m.ack_token}:${info.during}`),
    },
    onError,
  );
  const settler = new Settler({
    client,
    consumer: "c",
    delayMs: 5,
    backoff: { initialDelayMs: 100, maxDelayMs: 100 },
    reporter,
  });
  const held = (token: string): Held<Record<string, unknown>> => hold(message(token), 0);
  return { settler, sent, events, onError, held };
}

const ok = (): AckResponse => ({ success: true, count: 1, unknown_ack_tokens: [] });

describe("Settler", () => {
  it("sends an outcome added just as a request finishes, without waiting for another add", async () => {
    // Found with per-key ordering: the last ack of a key sat in the queue until stop(), so the
    // key's next message was never leased. Adding at every microtask depth after the answer
    // hits the moment between the drain's last look at the queue and the end of the pump.
    for (let depth = 0; depth < 12; depth++) {
      let answer: (value: AckResponse) => void = () => {};
      const { settler, sent, held } = setup(
        () =>
          new Promise<AckResponse>((resolve) => {
            answer = resolve;
          }),
      );
      settler.add("ack", held("first"));
      await advance(5);
      expect(sent).toHaveLength(1);
      answer(ok());
      let chain: Promise<unknown> = Promise.resolve();
      for (let i = 0; i < depth; i++) chain = chain.then(() => undefined);
      await chain.then(() => settler.add("ack", held(`late-${depth}`)));
      await advance(20);
      answer(ok());
      await advance(1);
      expect({ depth, sent: sent.map((s) => s.tokens) }).toEqual({
        depth,
        sent: [["first"], [`late-${depth}`]],
      });
    }
  });

  it("gathers outcomes for a few ms into one request per kind", async () => {
    const { settler, sent, held } = setup(ok);
    for (const t of ["a", "b", "c"]) settler.add("ack", held(t));
    settler.add("nack", held("d"));
    expect(sent).toEqual([]);
    await advance(5);
    expect(sent).toEqual([
      { kind: "ack", tokens: ["a", "b", "c"] },
      { kind: "nack", tokens: ["d"] },
    ]);
  });

  it("sends at once when 1000 are waiting, and never more than 1000 per request", async () => {
    const { settler, sent, held } = setup(ok);
    for (let i = 0; i < 2_500; i++) settler.add("ack", held(`t${i}`));
    await advance(0);
    // Full batches go at once; the remaining 500 wait for the pause.
    expect(sent.map((s) => s.tokens.length)).toEqual([1_000, 1_000]);
    await settler.close();
    expect(sent.map((s) => s.tokens.length)).toEqual([1_000, 1_000, 500]);
  });

  it("close() sends what is queued without waiting for the pause", async () => {
    const { settler, sent, held } = setup(ok);
    settler.add("ack", held("a"));
    await settler.close();
    expect(sent).toEqual([{ kind: "ack", tokens: ["a"] }]);
  });

  it("reports acks and nacks the server confirmed, and tokens it did not know as lost", async () => {
    const { settler, events, held } = setup((tokens) => ({
      success: true,
      count: tokens.length - 1,
      unknown_ack_tokens: tokens.filter((t) => t === "old"),
    }));
    settler.add("ack", held("a"));
    settler.add("ack", held("old"));
    settler.add("nack", held("b"));
    await settler.close();
    expect(events.sort()).toEqual(["acked:a", "lost:old:ack", "nacked:b"]);
  });

  it("retries a failed ack with backoff and reports the failure", async () => {
    let calls = 0;
    const { settler, sent, events, onError, held } = setup(() => {
      if (calls++ === 0) throw new ServerError("503 down", { status: 503 });
      return ok();
    });
    settler.add("ack", held("a"));
    await advance(5);
    expect(sent).toHaveLength(1);
    expect(onError).toHaveBeenCalledWith(expect.any(ServerError), { during: "ack" });
    // Backoff 75-100 ms (jitter), then the 5 ms pause.
    await advance(70);
    expect(sent).toHaveLength(1);
    await advance(40);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.tokens).toEqual(["a"]);
    expect(events).toEqual(["acked:a"]);
  });

  it("gives up after 4 attempts so that close() cannot hang on a dead server", async () => {
    const { settler, sent, onError, held } = setup(() => {
      throw new ServerError("503 down", { status: 503 });
    });
    settler.add("ack", held("a"));
    const closed = settler.close();
    await advance(1_000);
    await closed;
    expect(sent).toHaveLength(4);
    expect(onError).toHaveBeenCalledTimes(4);
  });

  it("does not retry a final error", async () => {
    const { settler, sent, held } = setup(() => {
      throw new ValidationError("422 bad token", { status: 422 });
    });
    settler.add("nack", held("a"));
    await settler.close();
    expect(sent).toHaveLength(1);
  });
});
