// The figures every fault test prints and asserts on.
import { isDeepStrictEqual } from "node:util";
import type { LogLine } from "./delivery-log.js";

/** What a fault test measured. */
export interface Figures {
  /** Records in the stream: each is one message of the record consumer. */
  messages: number;
  /** Versions written through the API (seed and updates; unchanged ones are no-ops). */
  versionsWritten: number;
  /** Deliveries the batch handlers saw. */
  deliveries: number;
  /** Deliveries of a version already delivered before (at-least-once at work). */
  duplicates: number;
  /** Records whose newest version never reached the target table. */
  lost: number;
  /** Target rows holding an older version (or other data) than the stream's newest. */
  stale: number;
  /** Messages still open in the consumer (not acked) and dead letters. */
  open: number;
  dead: number;
  /**
   * Two deliveries of the same version whose leases overlap on the server's clock (lease start
   * = lease_expires_at - ack_wait_ms; end = lease_expires_at or a confirmed extension), the
   * first not failed: a message leased to two workers at once.
   */
  overlaps: number;
  seconds: number;
}

export interface FigureInputs {
  stream: Array<{ id: string; updated_idx: string | number; data: unknown }>;
  target: Array<{ id: string; updated_idx: string | number; data: unknown }>;
  log: LogLine[];
  backlog: { open: number; dead: number };
  ackWaitMs: number;
  versionsWritten: number;
  seconds: number;
}

type Start = Extract<LogLine, { t: "start" }>;

export function computeFigures(input: FigureInputs): Figures {
  const starts = input.log.filter((l): l is Start => l.t === "start");
  const done = new Set(input.log.filter((l) => l.t === "done").map((l) => `${l.id}/${l.idx}`));
  const target = new Map(input.target.map((row) => [row.id, row]));

  let lost = 0;
  let stale = 0;
  for (const record of input.stream) {
    const row = target.get(record.id);
    const latest = Number(record.updated_idx);
    if (row && Number(row.updated_idx) === latest && isDeepStrictEqual(row.data, record.data))
      continue;
    // The newest version was written by a handler, yet the row is older: a stale write won.
    if (row && done.has(`${record.id}/${latest}`)) stale++;
    else lost++;
  }

  const versions = new Set(starts.map((s) => `${s.id}/${s.idx}`));
  return {
    messages: input.stream.length,
    versionsWritten: input.versionsWritten,
    deliveries: starts.length,
    duplicates: starts.length - versions.size,
    lost,
    stale,
    open: input.backlog.open,
    dead: input.backlog.dead,
    overlaps: countOverlaps(input.log, starts, input.ackWaitMs),
    seconds: Math.round(input.seconds * 10) / 10,
  };
}

function countOverlaps(log: LogLine[], starts: Start[], ackWaitMs: number): number {
  // A delivery is (worker, id, idx, lease end); its extensions and failures follow it in the log.
  const extended = new Map<string, number>();
  const failed = new Set<string>();
  for (const line of log) {
    const key = `${line.w}/${line.id}/${line.idx}`;
    if (line.t === "ext") extended.set(key, Math.max(extended.get(key) ?? 0, line.until));
    if (line.t === "fail") failed.add(key);
  }
  const byVersion = new Map<string, Start[]>();
  for (const start of starts) {
    const key = `${start.id}/${start.idx}`;
    const list = byVersion.get(key) ?? [];
    list.push(start);
    byVersion.set(key, list);
  }
  let overlaps = 0;
  for (const list of byVersion.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.exp - b.exp);
    for (let i = 1; i < list.length; i++) {
      const previous = list[i - 1]!;
      const key = `${previous.w}/${previous.id}/${previous.idx}`;
      // A nacked delivery (its handler failed) ends early, by design.
      if (failed.has(key)) continue;
      const previousEnd = Math.max(previous.exp, extended.get(key) ?? 0);
      const nextStart = list[i]!.exp - ackWaitMs;
      if (nextStart < previousEnd) overlaps++;
    }
  }
  return overlaps;
}
