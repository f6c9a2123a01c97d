import type pg from "pg";
import { expect } from "vitest";
import type { SequinRecord } from "../../src/types.js";
import type { UpsertResult } from "../../src/upsert/types.js";
import { makeRecord } from "./records.js";

export type UpsertFn = (records: SequinRecord[]) => Promise<UpsertResult>;

export interface RaceSettings {
  /** One upsert function per connection; they run concurrently. */
  writers: UpsertFn[];
  rounds: number;
  idsPerRound: number;
  versionsPerId: number;
  /** Share of writes that are deletes (hard mode race). */
  deleteShare: number;
  /** Largest batch a writer sends; 1 in 2 calls is a single record either way. */
  maxBatch: number;
  mode: "soft" | "hard";
}

interface Call {
  records: SequinRecord[];
  start: number;
  end: number;
  result: UpsertResult;
}

/** Fisher-Yates with Math.random: a new order every run, which is the point of a race test. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Every version of every id of one round, in random order. */
function roundWrites(round: number, settings: RaceSettings): SequinRecord[] {
  const writes: SequinRecord[] = [];
  for (let i = 0; i < settings.idsPerRound; i++) {
    for (let v = 1; v <= settings.versionsPerId; v++) {
      const deleted = Math.random() < settings.deleteShare;
      writes.push(makeRecord(`race-${round}-${i}`, v * 10 + round, { deleted }));
    }
  }
  return shuffle(writes);
}

async function runWriters(queue: SequinRecord[], settings: RaceSettings): Promise<Call[]> {
  const calls: Call[] = [];
  await Promise.all(
    settings.writers.map(async (upsert) => {
      while (queue.length > 0) {
        const size = Math.random() < 0.5 ? 1 : 1 + Math.floor(Math.random() * settings.maxBatch);
        const records = queue.splice(0, size);
        const start = performance.now();
        const result = await upsert(records);
        calls.push({ records, start, end: performance.now(), result });
      }
    }),
  );
  return calls;
}

/** Asserts a single-record call's result; on failure, shows every call that touched the id. */
function expectResult(calls: Call[], call: Call, expected: UpsertResult, why: string): void {
  const record = call.records[0] as SequinRecord;
  const matches =
    call.result.applied === expected.applied && call.result.skipped === expected.skipped;
  const history = matches
    ? ""
    : calls
        .filter((c) => c.records.some((r) => r.id === record.id))
        .sort((a, b) => a.start - b.start)
        .map((c) => {
          const versions = c.records.map(
            (r) => `${r.id}@${r.updated_idx}${r.deleted ? "(deleted)" : ""}`,
          );
          return `\n  ${c.start.toFixed(1)}-${c.end.toFixed(1)}ms ${versions.join(",")} -> ${JSON.stringify(c.result)}`;
        })
        .join("");
  expect(call.result, `v${record.updated_idx} of ${record.id} ${why}${history}`).toEqual(expected);
}

/**
 * Checks that follow from real time alone, for single-record calls: a write must be skipped when
 * a higher version of its id finished before it started, and must be applied when every higher
 * version started after it finished. Returns how many writes each rule decided, so a caller can
 * check the race was not vacuous.
 */
function checkRealTime(calls: Call[]): { mustSkip: number; mustApply: number } {
  const byId = new Map<string, { idx: number; start: number; end: number }[]>();
  for (const call of calls) {
    for (const record of call.records) {
      const list = byId.get(record.id) ?? [];
      list.push({ idx: record.updated_idx, start: call.start, end: call.end });
      byId.set(record.id, list);
    }
  }
  let mustSkip = 0;
  let mustApply = 0;
  for (const call of calls) {
    const record = call.records[0];
    if (call.records.length !== 1 || record === undefined) continue;
    const higher = (byId.get(record.id) ?? []).filter((w) => w.idx > record.updated_idx);
    if (higher.some((w) => w.end < call.start)) {
      mustSkip++;
      expectResult(calls, call, { applied: 0, skipped: 1 }, "ran after a newer version finished");
    } else if (higher.every((w) => w.start > call.end)) {
      mustApply++;
      expectResult(calls, call, { applied: 1, skipped: 0 }, "finished before any newer version");
    }
  }
  return { mustSkip, mustApply };
}

/** What the database holds after a round, per id. */
async function finalState(db: pg.Pool) {
  const rows = await db.query<{ id: string; v: string }>(
    "SELECT id, updated_idx::text AS v FROM contacts",
  );
  const tombstones = await db.query<{ id: string; v: string }>(
    "SELECT id, updated_idx::text AS v FROM contacts_tombstones",
  );
  return {
    rows: new Map(rows.rows.map((r) => [r.id, Number(r.v)])),
    tombstones: new Map(tombstones.rows.map((r) => [r.id, Number(r.v)])),
  };
}

/** The audit trigger's log: each row version Postgres actually wrote, in write order. */
async function auditLog(db: pg.Pool): Promise<Map<string, number[]>> {
  const { rows } = await db.query<{ id: string; v: string }>(
    "SELECT id, updated_idx::text AS v FROM contacts_audit ORDER BY seq",
  );
  const log = new Map<string, number[]>();
  for (const row of rows) log.set(row.id, [...(log.get(row.id) ?? []), Number(row.v)]);
  return log;
}

/** Runs the race and asserts everything it can; returns totals for the caller's own checks. */
export async function runRace(db: pg.Pool, settings: RaceSettings) {
  let writes = 0;
  let decided = { mustSkip: 0, mustApply: 0 };
  for (let round = 0; round < settings.rounds; round++) {
    await db.query("TRUNCATE contacts, contacts_tombstones, contacts_audit");
    const queue = roundWrites(round, settings);
    const newest = new Map<string, SequinRecord>();
    for (const record of queue) {
      const kept = newest.get(record.id);
      if (kept === undefined || kept.updated_idx < record.updated_idx)
        newest.set(record.id, record);
    }
    writes += queue.length;
    const total = queue.length;
    const calls = await runWriters(queue, settings);
    const applied = calls.reduce((sum, call) => sum + call.result.applied, 0);
    const skipped = calls.reduce((sum, call) => sum + call.result.skipped, 0);
    expect(applied + skipped).toBe(total);

    const state = await finalState(db);
    for (const [id, record] of newest) {
      if (settings.mode === "hard" && record.deleted) {
        expect(state.rows.has(id), `${id} deleted at v${record.updated_idx}`).toBe(false);
        expect(state.tombstones.get(id)).toBe(record.updated_idx);
      } else {
        expect(state.rows.get(id), `${id} holds its newest version`).toBe(record.updated_idx);
      }
    }
    if (settings.mode === "soft") {
      // Exactness: the writes reported applied are exactly the row versions Postgres wrote, and
      // each of them was newer than every version written before it.
      const log = await auditLog(db);
      const logged = [...log.values()].reduce((sum, versions) => sum + versions.length, 0);
      expect(logged).toBe(applied);
      for (const [id, versions] of log) {
        expect(versions, `versions of ${id} in write order`).toEqual(
          [...versions].sort((a, b) => a - b),
        );
        expect(new Set(versions).size).toBe(versions.length);
        expect(versions.at(-1)).toBe(newest.get(id)?.updated_idx);
      }
    }
    const round_ = checkRealTime(calls);
    decided = {
      mustSkip: decided.mustSkip + round_.mustSkip,
      mustApply: decided.mustApply + round_.mustApply,
    };
  }
  return { writes, ...decided };
}
