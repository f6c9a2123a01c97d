import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { accountExists, createAccount } from "./accounts/accounts.js";
import { createToken, revokeToken } from "./accounts/tokens.js";
import { ConfigError, type ConfigFlags, FLAG_ENV, loadConfig } from "./config.js";
import type { Db } from "./db/db.js";
import { migrate } from "./db/migrate.js";
import { UUID_RE } from "./db/rows.js";
import { createLogger } from "./logger.js";
import { openConfiguredDatabase, startServer } from "./main.js";

const DB_HELP = `Database: Postgres at DATABASE_URL when set, else embedded PGlite in SEQUIN_DATA_DIR
(default ./.sequin-data). Embedded files can be used by one process at a time: stop the server
before running another command on them.`;

const COMMANDS: Record<string, { usage: string; help: string }> = {
  start: {
    usage: "sequin-server start [--port N] [--host H] [--data-dir DIR] [--in-memory] [options]",
    help: `Migrates the database and serves the API (default http://127.0.0.1:7376), the API
reference at /docs, the console at /console and Prometheus metrics at /metrics.
Without DATABASE_URL, a dev account and token are created at first start; the token is kept in
<data dir>/dev-token and printed at every start. Each flag overrides its environment variable.
  --database-url URL          Postgres to use (env DATABASE_URL; unset: embedded PGlite)
  --port N                    port (env PORT, default 7376; 0 picks a free one)
  --host H                    interface (env HOST, default 127.0.0.1)
  --log-level L               fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info)
  --data-dir DIR              embedded database directory (env SEQUIN_DATA_DIR)
  --in-memory                 embedded database in memory; everything is gone at exit
  --pool-max N                most Postgres connections (env DATABASE_POOL_MAX, default 20)
  --upstream-url URL          forward mutations to this HTTP upstream (env SEQUIN_UPSTREAM_URL)
  --upstream-token T          its bearer token (env SEQUIN_UPSTREAM_TOKEN; prefer the env var)
  --upstream-timeout-ms MS    its timeout (env SEQUIN_UPSTREAM_TIMEOUT_MS, default 10000)
  --metrics on|off            serve /metrics without a token (env SEQUIN_METRICS, default on)`,
  },
  migrate: {
    usage: "sequin-server migrate [--database-url URL | --data-dir DIR]",
    help: "Applies pending SQL migrations and exits (start does this too). Safe to run from several hosts at once.",
  },
  "create-account": {
    usage: "sequin-server create-account [--name NAME] [--database-url URL | --data-dir DIR]",
    help: "Creates an account with its default stream and prints the account id and an API token (shown once).",
  },
  "create-token": {
    usage:
      "sequin-server create-token --account ID [--name NAME] [--database-url URL | --data-dir DIR]",
    help: "Creates another API token for an account and prints it (shown once).",
  },
  "revoke-token": {
    usage: "sequin-server revoke-token <TOKEN | TOKEN_ID> [--database-url URL | --data-dir DIR]",
    help: "Revokes a token, given by its secret or its id. It stops working at once.",
  },
};

/** A string option per configuration flag (see FLAG_ENV in config.ts). */
const CONFIG_OPTIONS = Object.fromEntries(
  Object.keys(FLAG_ENV).map((flag) => [flag, { type: "string" as const }]),
) as { [F in keyof typeof FLAG_ENV]: { type: "string" } };

function usage(): string {
  return `Usage: sequin-server <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(15)} ${c.help.split("\n")[0]}`)
  .join("\n")}

Run sequin-server <command> --help for its options.
${DB_HELP}`;
}

/** Where a command writes, and what it reads; the real process by default. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** A usage error: exit code 2 with a message. */
class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

async function withDb<T>(
  env: NodeJS.ProcessEnv,
  flags: ConfigFlags,
  fn: (db: Db) => Promise<T>,
): Promise<T> {
  const config = loadConfig(env, flags);
  const { db, close } = await openConfiguredDatabase(config);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await close();
  }
}

function banner(
  io: CliIo,
  url: string,
  dev: { token: string; created: boolean; file: string | undefined } | undefined,
  where: string,
) {
  const lines = [
    ``,
    `  Sequin server listening on ${url}`,
    `  Database: ${where}`,
    `  Console: ${url}/console   API reference: ${url}/docs`,
  ];
  if (dev) {
    lines.push(
      ``,
      `  API token (dev account)${dev.created ? ", new" : ""}:`,
      ``,
      `    ${dev.token}`,
      ``,
      dev.file
        ? `  Kept in ${dev.file}; create more with: sequin-server create-token`
        : `  In memory: a new token at every start.`,
      ``,
      `  Try: curl -H "Authorization: Bearer ${dev.token}" ${url}/v1/streams`,
    );
  } else {
    lines.push(``, `  Get a token with: sequin-server create-account`);
  }
  io.stdout(`${lines.join("\n")}\n\n`);
}

/**
 * The V8 flag `start` sets, unless the node flags or NODE_OPTIONS set it already. V8 lets the old
 * generation grow to several times the live data before a full collection. This server keeps
 * ~25-30 MB live and allocates fast, so under load its RSS peaked at 154-166 MB. With collection
 * at 30 % growth it peaked at 118-119 MB in the same bench runs, with no change in throughput
 * outside noise (bench/LOG.md, 2026-11-26). V8 reads this flag when it sets the next limit, so setting it at
 * start-up works.
 */
export function heapGrowingFlag(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string | undefined {
  const given = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].some((arg) =>
    /^--heap[-_]growing[-_]percent(=|$)/.test(arg),
  );
  return given ? undefined : "--heap-growing-percent=30";
}

async function start(io: CliIo, flags: ConfigFlags) {
  const config = loadConfig(io.env, flags);
  const heapFlag = heapGrowingFlag(process.execArgv, io.env.NODE_OPTIONS);
  if (heapFlag) setFlagsFromString(heapFlag);
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, logger);
  const where = config.databaseUrl
    ? `Postgres (${config.databaseUrl.replace(/\/\/[^@/]*@/, "//***@")})`
    : config.inMemory
      ? "embedded PGlite, in memory"
      : `embedded PGlite in ${config.dataDir}`;
  banner(io, running.url, running.devToken, where);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      await running.close();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

/**
 * Runs one command of `sequin-server`. Resolves with the exit code; `start` resolves once the
 * server listens and keeps running until SIGINT or SIGTERM.
 */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  try {
    await command(argv, io);
    return 0;
  } catch (err) {
    if (
      err instanceof UsageError ||
      err instanceof ConfigError ||
      (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      io.stderr(`${(err as Error).message}\n`);
      return 2;
    }
    io.stderr(`${(err as Error).stack ?? err}\n`);
    return 1;
  }
}

const defaultIo: CliIo = {
  env: process.env,
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
};

async function command(argv: string[], io: CliIo): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    io.stdout(`${usage()}\n`);
    return;
  }
  const spec = COMMANDS[command];
  if (!spec) fail(`Unknown command: ${command}\n\n${usage()}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h" },
      ...CONFIG_OPTIONS,
      "in-memory": { type: "boolean" },
      name: { type: "string" },
      account: { type: "string" },
    },
  });
  if (values.help) {
    io.stdout(`Usage: ${spec.usage}\n\n${spec.help}\n\n${DB_HELP}\n`);
    return;
  }
  const flags: ConfigFlags = {};
  for (const flag of Object.keys(FLAG_ENV) as Array<keyof typeof FLAG_ENV>) {
    flags[flag] = values[flag];
  }

  switch (command) {
    case "start":
      await start(io, { ...flags, "in-memory": values["in-memory"] });
      return;
    case "migrate": {
      const applied = await withDb(io.env, flags, (db) => migrate(db));
      io.stdout(
        applied.length ? `Applied migrations: ${applied.join(", ")}\n` : "Nothing to migrate\n",
      );
      return;
    }
    case "create-account": {
      const account = await withDb(io.env, flags, (db) =>
        createAccount(db, values.name ?? "default"),
      );
      io.stdout(
        `account_id: ${account.accountId}\ndefault_stream_id: ${account.defaultStreamId}\ntoken: ${account.token.token}\n`,
      );
      return;
    }
    case "create-token": {
      const accountId = values.account;
      if (!accountId || !UUID_RE.test(accountId))
        fail(`--account must be an account id\nUsage: ${spec.usage}`);
      const token = await withDb(io.env, flags, async (db) => {
        if (!(await accountExists(db, accountId))) fail(`No account ${accountId}`);
        return createToken(db, accountId, values.name);
      });
      io.stdout(`token_id: ${token.id}\ntoken: ${token.token}\n`);
      return;
    }
    case "revoke-token": {
      const target = positionals[0];
      if (!target) fail(`Usage: ${spec.usage}`);
      const revoked = await withDb(io.env, flags, (db) => revokeToken(db, target));
      if (!revoked) fail("No live token matches");
      io.stdout("Revoked\n");
      return;
    }
  }
}
