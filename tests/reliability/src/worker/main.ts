// A worker process of the fault suite: WORKERS runConsumer instances that write every batch into
// a target table with the guarded pg upsert, and log every delivery (see delivery-log.ts).
// Run as `node --import tsx src/worker/main.ts` (one process, so SIGKILL kills the worker itself).
import { appendFileSync } from "node:fs";
import {
  type ConsumerClient,
  createClient,
  isRecordMessage,
  type Message,
  runConsumer,
} from "@sequin/client";
import { upsertRecords } from "@sequin/client/pg";
import pg from "pg";
import type { LogLine } from "../delivery-log.js";
import { failoverFetch } from "./failover-fetch.js";

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const urls = env("SEQUIN_URLS").split(",");
const logFile = env("LOG_FILE");
const table = env("TARGET_TABLE");
const handlerDelayMs = Number(env("HANDLER_DELAY_MS", "0"));
const workers = Number(env("WORKERS", "1"));
const pool = new pg.Pool({ connectionString: env("TARGET_DATABASE_URL"), max: workers + 1 });
// A target database that restarts must not crash the worker: the failed batch is nacked.
pool.on("error", () => {});

const write = (lines: LogLine[]) => {
  if (lines.length > 0)
    appendFileSync(logFile, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
};
const key = (message: Message) => {
  if (!isRecordMessage(message)) throw new Error("the fault suite uses record consumers");
  return { id: message.record.id, idx: message.record.updated_idx };
};

/** Wraps extendLeases to log every extension the server confirmed (a lower bound of the lease). */
function loggingClient(
  client: ConsumerClient,
  w: string,
  byToken: Map<string, Message>,
): ConsumerClient {
  return {
    next: client.next,
    ack: client.ack,
    nack: client.nack,
    term: client.term,
    consumers: client.consumers,
    extendLeases: async (consumer, tokens, body, options) => {
      const sentAt = Date.now();
      const answer = await client.extendLeases(consumer, tokens, body, options);
      const unknown = new Set(answer.unknown_ack_tokens);
      const until = sentAt + (body?.extend_ms ?? 0);
      write(
        tokens
          .filter((token) => !unknown.has(token) && byToken.has(token))
          .map((token) => ({ t: "ext", w, ...key(byToken.get(token)!), until, at: Date.now() })),
      );
      return answer;
    },
  };
}

function startWorker(index: number) {
  const w = `${env("WORKER_ID")}.${index}`;
  const client = createClient({
    baseUrl: urls[0]!,
    token: env("SEQUIN_TOKEN"),
    fetch: failoverFetch(urls, Number(env("FIRST_REPLICA", "0")) + index, (from, to) =>
      write([{ t: "failover", w, from, to, at: Date.now() }]),
    ),
    retryBackoff: { initialDelayMs: 100, maxDelayMs: 1_000 },
    maxRetries: 4,
  });
  const byToken = new Map<string, Message>();
  return runConsumer({
    client: loggingClient(client, w, byToken),
    consumer: env("SEQUIN_CONSUMER"),
    batchSize: Number(env("BATCH_SIZE", "10")),
    concurrency: Number(env("CONCURRENCY", "1")),
    waitFor: 2_000,
    ackWaitMs: Number(env("ACK_WAIT_MS")),
    extendLeases: env("EXTEND_LEASES", "1") === "1",
    backoff: { initialDelayMs: 100, maxDelayMs: 1_000 },
    shutdownTimeoutMs: 5_000,
    onError: () => {},
    async batchHandler(messages) {
      const at = Date.now();
      for (const m of messages) byToken.set(m.ack_token, m);
      write(
        messages.map((m) => ({
          t: "start",
          w,
          pid: process.pid,
          ...key(m),
          exp: Date.parse(m.lease_expires_at ?? ""),
          dc: m.deliver_count ?? 0,
          at,
        })),
      );
      try {
        if (handlerDelayMs > 0) await new Promise((r) => setTimeout(r, handlerDelayMs));
        await upsertRecords(
          pool,
          table,
          messages.filter(isRecordMessage).map((m) => m.record),
        );
      } catch (error) {
        write(
          messages.map((m) => ({ t: "fail", w, ...key(m), error: String(error), at: Date.now() })),
        );
        throw error;
      }
      write(messages.map((m) => ({ t: "done", w, ...key(m), at: Date.now() })));
    },
    hooks: {
      onAcked: (m) => {
        byToken.delete(m.ack_token);
        write([{ t: "ack", w, ...key(m), at: Date.now() }]);
      },
      onNacked: (m) => {
        byToken.delete(m.ack_token);
      },
      onLeaseLost: (m, info) => {
        byToken.delete(m.ack_token);
        write([{ t: "lost", w, ...key(m), during: info.during, at: Date.now() }]);
      },
    },
  });
}

const handles = Array.from({ length: workers }, (_, i) => startWorker(i));
const stop = async () => {
  await Promise.allSettled(handles.map((h) => h.stop()));
  await pool.end();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
// Tell the parent we run (it waits for this line before starting the clock).
process.stdout.write("ready\n");
