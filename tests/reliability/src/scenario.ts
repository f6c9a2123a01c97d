// One fault scenario: a database, an account with a stream and a record consumer, a target
// table, server replicas and worker processes; then the figures (see figures.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type SequinClient } from "@sequin/client";
import { createAccount } from "@sequin/server/source";
import pg from "pg";
import { createTestDatabase, SHARED_ADMIN_URL, type TestDatabase } from "./databases.js";
import { readLog } from "./delivery-log.js";
import { computeFigures, type Figures } from "./figures.js";
import { type Replica, startReplica } from "./server-process.js";
import { failoverFetch } from "./worker/failover-fetch.js";
import { startWorkerProcess, type WorkerEnv, type WorkerProcess } from "./worker-process.js";

export const TARGET_TABLE = "contacts";

/** Options of a scenario. */
export interface ScenarioOptions {
  /** Postgres to create the database on. Default the shared one. */
  adminUrl?: string;
  replicas: number;
  ackWaitMs: number;
  /** Extra environment of the replicas. */
  replicaEnv?: Record<string, string>;
}

export class Scenario {
  readonly replicas: Replica[] = [];
  readonly workers: WorkerProcess[] = [];
  readonly logDir = mkdtempSync(join(tmpdir(), "sequin-fault-"));
  readonly #logFiles: string[] = [];
  /** Versions written through the API (initial and updates), for the figures. */
  versionsWritten = 0;
  #failed = false;

  private constructor(
    readonly database: TestDatabase,
    readonly pool: pg.Pool,
    readonly token: string,
    readonly streamId: string,
    readonly consumerId: string,
    readonly options: ScenarioOptions,
  ) {}

  /** Creates the database, account, stream, consumer and target table, and starts the replicas. */
  static async create(options: ScenarioOptions): Promise<Scenario> {
    const database = await createTestDatabase("sqrel", options.adminUrl ?? SHARED_ADMIN_URL);
    const account = await createAccount(database.db, "reliability");
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    // The database may restart under us (the Postgres restart scenario).
    pool.on("error", () => {});
    await pool.query(
      `CREATE TABLE ${TARGET_TABLE} (
         id uuid PRIMARY KEY, updated_idx bigint NOT NULL, upstream_id text, deleted boolean,
         sync_id text, sync_external_id text, sync_metadata jsonb, data jsonb)`,
    );
    const replicas = await Promise.all(
      Array.from({ length: options.replicas }, () =>
        startReplica(database.url, options.replicaEnv),
      ),
    );
    const client = createClient({ baseUrl: replicas[0]!.url, token: account.token.token });
    const consumer = await client.consumers.create({
      name: "fault-suite",
      stream_id: account.defaultStreamId,
      kind: "record",
      ack_wait_ms: options.ackWaitMs,
      max_ack_pending: 10_000,
    });
    const scenario = new Scenario(
      database,
      pool,
      account.token.token,
      account.defaultStreamId,
      consumer.id,
      options,
    );
    scenario.replicas.push(...replicas);
    return scenario;
  }

  /** A client that fails over along the replicas (for the test's own writes). */
  client(first = 0): SequinClient {
    return createClient({
      baseUrl: this.replicas[0]!.url,
      token: this.token,
      fetch: failoverFetch(
        this.replicas.map((r) => r.url),
        first,
      ),
      maxRetries: 10,
      retryBackoff: { initialDelayMs: 100, maxDelayMs: 1_000 },
    });
  }

  /** Upserts `count` records `u0..u<count-1>` (version 0), `batch` per request, 4 requests at once. */
  async seed(count: number, batch = 1000): Promise<void> {
    const client = this.client();
    const starts = Array.from({ length: Math.ceil(count / batch) }, (_, i) => i * batch);
    const lanes = Array.from({ length: 4 }, async (_, lane) => {
      for (let i = lane; i < starts.length; i += 4) {
        const from = starts[i]!;
        const records = Array.from({ length: Math.min(batch, count - from) }, (_, j) => ({
          collection_id: "salesforce:contact",
          upstream_id: `u${from + j}`,
          data: { n: from + j, v: 0 },
        }));
        await client.records.upsert(this.streamId, records);
        this.versionsWritten += records.length;
      }
    });
    await Promise.all(lanes);
  }

  /**
   * Writes new versions of random records among the first `count` until stopped: the guarded
   * upserts must keep the target table on the newest. Failed writes are retried by the client
   * and otherwise skipped (the stream, not this loop, is what the target is compared with).
   */
  produce(count: number, everyMs = 50, batch = 20): { stop: () => Promise<number> } {
    const client = this.client(1);
    let stopped = false;
    let version = 0;
    let failures = 0;
    const loop = (async () => {
      while (!stopped) {
        version++;
        const records = Array.from({ length: batch }, () => {
          const n = Math.floor(Math.random() * count);
          return {
            collection_id: "salesforce:contact",
            upstream_id: `u${n}`,
            data: { n, v: version },
          };
        });
        try {
          await client.records.upsert(this.streamId, records);
          this.versionsWritten += records.length;
        } catch {
          failures++;
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
        return failures;
      },
    };
  }

  /** Starts a worker process on this scenario's consumer, replicas and target table. */
  async startWorker(
    id: string,
    options: Partial<Omit<WorkerEnv, "id" | "logFile">> = {},
  ): Promise<WorkerProcess> {
    const logFile = join(this.logDir, `${id}.jsonl`);
    this.#logFiles.push(logFile);
    const worker = await startWorkerProcess({
      urls: this.replicas.map((r) => r.url),
      token: this.token,
      consumer: this.consumerId,
      ackWaitMs: this.options.ackWaitMs,
      targetDatabaseUrl: this.database.url,
      targetTable: TARGET_TABLE,
      ...options,
      id,
      logFile,
    });
    this.workers.push(worker);
    return worker;
  }

  /** The delivery log of every worker so far. */
  log() {
    return readLog(this.#logFiles);
  }

  /** Messages of the consumer not acked yet (pending or leased), and dead letters. */
  async backlog(): Promise<{ open: number; dead: number }> {
    const { rows } = await this.pool.query<{ open: string; dead: string }>(
      // The window and the log above the cursor, counted exactly.
      `SELECT coalesce((SELECT w.live FROM consumers c, sequin_window_state_v2(c.account_id, c.id, 1000000000) w
                        WHERE c.id = $1), 0) AS open,
              (SELECT count(*) FROM dead_letters WHERE consumer_id = $1) AS dead`,
      [this.consumerId],
    );
    return { open: Number(rows[0]!.open), dead: Number(rows[0]!.dead) };
  }

  /** Waits until every message is acked (nothing open), up to `timeoutMs`. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        if ((await this.backlog()).open === 0) return true;
      } catch {
        // the database is restarting
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  }

  /** Waits until the log has a `start` line for which `pick` is true. */
  async waitForLog(pick: (lines: ReturnType<Scenario["log"]>) => boolean, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (!pick(this.log())) {
      if (Date.now() > deadline) throw new Error("the awaited deliveries never happened");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Compares the stream, the target table and the log; prints the figures under `title`. */
  async figures(title: string, seconds: number): Promise<Figures> {
    const stream = await this.pool.query<{ id: string; updated_idx: string; data: unknown }>(
      "SELECT id, updated_idx, data FROM records WHERE stream_id = $1",
      [this.streamId],
    );
    const target = await this.pool.query<{ id: string; updated_idx: string; data: unknown }>(
      `SELECT id, updated_idx, data FROM ${TARGET_TABLE}`,
    );
    const figures = computeFigures({
      stream: stream.rows,
      target: target.rows,
      log: this.log(),
      backlog: await this.backlog(),
      ackWaitMs: this.options.ackWaitMs,
      versionsWritten: this.versionsWritten,
      seconds,
    });
    console.log(`[fault] ${title}: ${JSON.stringify(figures)}`);
    return figures;
  }

  /** Marks the scenario failed: its database and logs are kept for inspection. */
  failed(): void {
    this.#failed = true;
  }

  /** Stops workers and replicas; drops the database and logs unless the test failed. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.kill()));
    await Promise.all(this.replicas.map((r) => r.stop()));
    await this.pool.end().catch(() => {});
    if (this.#failed) {
      console.warn(`[fault] kept database ${this.database.url} and logs in ${this.logDir}`);
      await this.database.db.close().catch(() => {});
      return;
    }
    await this.database.drop().catch(() => {});
    rmSync(this.logDir, { recursive: true, force: true });
  }
}
