// The soak part of bench/RESULTS.md: one table per soak (snapshot held, no transaction held),
// then the dead tuples and size of each hot-path table, minute by minute.
import { HOT_PATH_TABLES } from "../project/hot-path-tables.js";
import type { SoakResult } from "../project/soak.js";
import { fmt as n } from "./results.js";

const mb = (bytes: number | undefined) => (bytes === undefined ? "–" : n(bytes / 2 ** 20, 1));

export function soakTitle(s: SoakResult): string {
  return s.held ? "a REPEATABLE READ snapshot held" : "no transaction held";
}

export function renderSoaks(soaks: SoakResult[]): string[] {
  const out: string[] = [];
  const records = soaks[0]?.records ?? 50_000;
  out.push(
    "## Soak: a REPEATABLE READ snapshot held, and no transaction held",
    "",
    `4 workers lease 100 and ack over HTTP; a producer rewrites existing records (upserts of 1,000 records over the ${n(records)} seeded, in turn: updates, not inserts) ` +
      "whenever 20k or fewer are pending. In the held soak a `REPEATABLE READ` transaction has run a query " +
      "(so its snapshot is taken) and stays open from before the warm-up to after the last drain; " +
      "vacuum can remove no row version that snapshot may see. The other soak, on a fresh database, holds none: the difference is what the held snapshot costs. " +
      "The seeded backlog is first drained to 20k, then those 20k with no writes beside them (the queue alone), so minute 1 starts from an " +
      "empty backlog like the others. Pending at a minute's end near 20k: the workers set the pace; " +
      "near 0: the producer did. Dead tuples (`n_dead_tup`, the statistics' estimate) and size (`pg_total_relation_size`: table, TOAST and indexes) " +
      `are summed over the tables a write, lease or ack writes (${HOT_PATH_TABLES.map((t) => `\`${t}\``).join(", ")}), at each minute's end; per table below. ` +
      "The target's bound on those dead tuples is the number of records the producer rewrites (one dead version per record at most), at every minute's end: " +
      "a hot path whose dead versions pile up with the length of the soak fails it.",
    "",
  );
  const held = soaks.find((s) => s.held);
  const free = soaks.find((s) => !s.held);
  if (held && free) {
    // Side by side over the minutes both ran: what the held snapshot costs.
    const dead = (s: SoakResult, i: number) => {
      const t = s.tables?.[i];
      return t ? Object.values(t).reduce((sum, x) => sum + x.deadTuples, 0) : undefined;
    };
    out.push(
      "What the held snapshot costs, minute by minute (held / none):",
      "",
      "| minute | acked msg/s | records written/s | hot-path dead tuples |",
      "|---:|---:|---:|---:|",
    );
    for (let i = 0; i < Math.min(held.minutes.length, free.minutes.length); i++) {
      out.push(
        `| ${i + 1} | ${n(held.minutes[i])} / ${n(free.minutes[i])} | ${n(held.written[i])} / ${n(free.written[i])} | ${n(dead(held, i))} / ${n(dead(free, i))} |`,
      );
    }
    out.push("");
  }
  for (const s of soaks) {
    out.push(`### ${soakTitle(s)}, ${s.minutes.length} min`, "");
    out.push(
      "| minute | acked msg/s | records written/s | pending at the end | empty answers | 1,000-record upsert ms | hot-path dead tuples | hot-path size MB |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const [i, v] of s.minutes.entries()) {
      const t = s.tables?.[i];
      const dead = t ? Object.values(t).reduce((sum, x) => sum + x.deadTuples, 0) : undefined;
      const bytes = t ? Object.values(t).reduce((sum, x) => sum + x.totalBytes, 0) : undefined;
      out.push(
        `| ${i + 1} | ${n(v)} | ${n(s.written[i])} | ${n(s.pending[i])} | ${n(s.empty[i])} | ${n(s.writeMs[i])} | ${n(dead)} | ${mb(bytes)} |`,
      );
    }
    out.push("");
    const q = s.queueAlone;
    out.push(
      `The queue alone (the 4 workers drain 20k pending messages with no writes beside them${s.held ? ", the snapshot still held" : ""}): ` +
        `${n(q.start)} msg/s before minute 1, ${n(q.end)} msg/s after minute ${s.minutes.length} (${n(q.ratio * 100)} %).`,
      "",
    );
    if (s.tables?.length) {
      out.push(
        "Per table, dead tuples / size MB at each minute's end:",
        "",
        `| table | ${s.tables.map((_, i) => `min ${i + 1}`).join(" | ")} |`,
        `|---|${s.tables.map(() => "---:").join("|")}|`,
      );
      for (const table of HOT_PATH_TABLES) {
        out.push(
          `| \`${table}\` | ${s.tables.map((t) => `${n(t?.[table]?.deadTuples)} / ${mb(t?.[table]?.totalBytes)}`).join(" | ")} |`,
        );
      }
      out.push("");
    }
  }
  return out;
}

/** The highest hot-path dead-tuple sum at any minute's end of a soak. */
export function peakDeadTuples(s: SoakResult): number | undefined {
  if (!s.tables?.length) return undefined;
  return Math.max(
    ...s.tables.map((t) => (t ? Object.values(t).reduce((sum, x) => sum + x.deadTuples, 0) : 0)),
  );
}
