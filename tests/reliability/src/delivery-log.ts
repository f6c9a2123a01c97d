// The per-delivery log the worker processes append to (JSON lines), and its reader.
import { existsSync, readFileSync } from "node:fs";

/** One line of a worker's log. Times are epoch ms; `id` is the record id, `idx` its updated_idx. */
export type LogLine =
  /** The batch handler got the message (lease_expires_at is the server's clock). */
  | {
      t: "start";
      w: string;
      pid: number;
      id: string;
      idx: number;
      exp: number;
      dc: number;
      at: number;
    }
  /** The guarded upsert of the message's batch committed. */
  | { t: "done"; w: string; id: string; idx: number; at: number }
  /** The server confirmed the ack. */
  | { t: "ack"; w: string; id: string; idx: number; at: number }
  /** The server confirmed an extension; the lease runs at least until `until`. */
  | { t: "ext"; w: string; id: string; idx: number; until: number; at: number }
  /** The lease was over before an outcome or extension was sent. */
  | { t: "lost"; w: string; id: string; idx: number; during: string; at: number }
  /** The batch handler failed (the message is nacked or its lease runs out). */
  | { t: "fail"; w: string; id: string; idx: number; error: string; at: number }
  /** A replica could not be reached; the worker moved on to the next one. */
  | { t: "failover"; w: string; id?: never; idx?: never; from: string; to: string; at: number };

/** Reads every line of the given files (a process killed mid-write leaves at most a torn last line). */
export function readLog(files: string[]): LogLine[] {
  const lines: LogLine[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const text of readFileSync(file, "utf8").split("\n")) {
      if (!text) continue;
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        // the torn last line of a process killed with SIGKILL
      }
    }
  }
  return lines;
}
