import type { Message } from "../types.js";
import { isTermination, type Termination } from "./termination.js";
import type { BatchResult, MessageOutcome } from "./types.js";

/** The outcome of one message: acked, nacked for an error, or terminated (a dead letter). */
export type Outcome =
  | { kind: "ack" }
  | { kind: "nack"; error: unknown }
  | { kind: "term"; termination: Termination };

/** What a handler's throw means: a Termination gives the message up, anything else nacks it. */
export function thrownOutcome(error: unknown): Outcome {
  return isTermination(error) ? { kind: "term", termination: error } : { kind: "nack", error };
}

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
    return { outcomes: messages.map(() => ({ kind: "ack" })) };
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
  return { outcomes: messages.map(() => ({ kind: "nack", error })), problem: error.message };
}

function toOutcome(value: MessageOutcome | undefined): Outcome {
  if (value === "ack") return { kind: "ack" };
  if (value instanceof Error) return thrownOutcome(value);
  if (value === "nack") return { kind: "nack", error: new Error("Nacked by the batchHandler") };
  return { kind: "nack", error: new Error("The batchHandler gave this message no outcome") };
}
