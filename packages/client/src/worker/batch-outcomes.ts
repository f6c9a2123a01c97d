import type { Message } from "../types.js";
import type { BatchResult, MessageOutcome } from "./types.js";

/** The outcome of one message: acked, or nacked with a reason. */
export type Outcome = { ok: true } | { ok: false; error: unknown };

/**
 * Turns what a `batchHandler` returned into one outcome per message, in order. A message
 * without a (valid) outcome is nacked: only an explicit "ack" or no result at all acks.
 * `problem` describes a result that did not fit the messages, for `onError`.
 */
export function resolveOutcomes<Data extends object>(
  messages: readonly Message<Data>[],
  result: BatchResult<Data>,
): { outcomes: Outcome[]; problem?: string } {
  if (result === undefined || result === null)
    return { outcomes: messages.map(() => ({ ok: true })) };
  if (Array.isArray(result)) {
    const list = result as readonly MessageOutcome[];
    const outcomes = messages.map((_, i) => toOutcome(list[i]));
    return list.length === messages.length
      ? { outcomes }
      : {
          outcomes,
          problem: `batchHandler returned ${list.length} outcomes for ${messages.length} messages`,
        };
  }
  if (result instanceof Map) {
    const map = result as ReadonlyMap<Message<Data> | string, MessageOutcome>;
    return { outcomes: messages.map((m) => toOutcome(map.get(m) ?? map.get(m.ack_token))) };
  }
  const error = new TypeError("batchHandler must return nothing, an array of outcomes or a Map");
  return { outcomes: messages.map(() => ({ ok: false, error })), problem: error.message };
}

function toOutcome(value: MessageOutcome | undefined): Outcome {
  if (value === "ack") return { ok: true };
  if (value instanceof Error) return { ok: false, error: value };
  if (value === "nack") return { ok: false, error: new Error("Nacked by the batchHandler") };
  return { ok: false, error: new Error("The batchHandler gave this message no outcome") };
}
