import { createClient, type SequinClient } from "@sequin/client";
import pg from "pg";
import type { Config } from "./config.js";
import { ensureConsumers } from "./consumers.js";
import { applySchema } from "./database.js";
import { type SendWelcomeEmail, startWelcomeEmails } from "./on-created.js";
import { startContactSync, type WorkerTuning } from "./sync-contacts.js";

/** Options of `startApp`. */
export interface AppOptions {
  /** See `loadConfig`. Required. */
  config: Config;
  /** Sends one welcome email. Default: logs it. */
  send?: SendWelcomeEmail;
  /** Settings of the contacts worker. Default: `runConsumer`'s, with batches of 100. */
  contacts?: WorkerTuning;
  /** Settings of the welcome-email worker. Default: 4 emails in flight. */
  welcome?: WorkerTuning;
  /** The Sequin client. Default: `createClient` from the config. */
  client?: SequinClient;
  /** Called when an idle connection of the app's pool fails. Default: logs it to stderr. */
  onPoolError?: (error: Error) => void;
}

const logPoolError = (error: Error) => {
  console.error(`idle Postgres connection lost (the pool opens a new one): ${error.message}`);
};

/** The running service. */
export interface RunningApp {
  client: SequinClient;
  pool: pg.Pool;
  /** Drains both workers (in-flight work finishes and is acked), then closes the pool. */
  stop(): Promise<void>;
  /** Settles once both workers drained and the pool closed; rejects if a worker hit a final error. */
  done: Promise<void>;
}

/**
 * Starts the service: creates its tables and its two consumers if missing, then runs the
 * contacts sync and the welcome emails side by side until `stop()`.
 */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { config } = options;
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
  // An idle connection that dies (a Postgres restart, a terminated backend) leaves the pool and
  // the next query opens a new one; without a listener, pg's 'error' event would end the process.
  pool.on("error", (error) => {
    (options.onPoolError ?? logPoolError)(error);
  });
  try {
    const client =
      options.client ?? createClient({ baseUrl: config.sequinUrl, token: config.sequinToken });
    await applySchema(pool);
    const [contactsConsumer, welcomeConsumer] = await ensureConsumers(client, config);
    const workers = [
      startContactSync({
        ...options.contacts,
        client,
        db: pool,
        consumer: contactsConsumer?.id ?? config.contactsConsumer,
      }),
      startWelcomeEmails({
        concurrency: 4,
        ...options.welcome,
        client,
        db: pool,
        consumer: welcomeConsumer?.id ?? config.welcomeConsumer,
        ...(options.send ? { send: options.send } : {}),
      }),
    ];
    const stopAll = async () => {
      await Promise.allSettled(workers.map((w) => w.stop()));
    };
    // A final error in one worker (token revoked, consumer deleted) stops the other one too.
    for (const worker of workers) worker.done.catch(stopAll);
    const done = Promise.allSettled(workers.map((w) => w.done)).then(async (results) => {
      await pool.end();
      const failed = results.find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
    });
    return {
      client,
      pool,
      async stop() {
        await stopAll();
        await done;
      },
      done,
    };
  } catch (error) {
    await pool.end();
    throw error;
  }
}
