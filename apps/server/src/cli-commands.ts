import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { banner } from "./cli-banner.js";
import { type DbCommand, runDbCommand } from "./cli-db-commands.js";
import { CliError, UsageError } from "./cli-errors.js";
import { cliInvocation } from "./cli-invocation.js";
import { type Config, ConfigError, type ConfigFlags, FLAG_ENV, loadConfig } from "./config.js";
import { DataDirInUseError } from "./data-dir-lock.js";
import { describeConnectionError } from "./db/connection-error.js";
import { hasEmbeddedDatabase } from "./db/open.js";
import { askRunningServer, controlSocketPath } from "./local-control.js";
import { createLogger } from "./logger.js";
import { openConfiguredDatabase, startServer } from "./main.js";

const DB_HELP = `Database: Postgres at DATABASE_URL when set, else embedded PGlite in SEQUIN_DATA_DIR
(default: .sequin-data in the server's folder, apps/server, from any working directory).
Embedded files are used by one process at a time: while \`start\` runs on them, the other
commands ask that server to run them (over the unix socket <data dir>/run/cli.sock).`;

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

function fail(message: string): never {
  throw new UsageError(message);
}

/** Turns the errors a user can fix (database unreachable, files in use) into one line. */
function explain(err: unknown, config: Config): unknown {
  if (err instanceof DataDirInUseError) {
    return new CliError(
      `${err.message}. Stop it first, or give this one another --data-dir (or DATABASE_URL).`,
    );
  }
  const line = config.databaseUrl && describeConnectionError(err, config.databaseUrl);
  return line ? new CliError(line) : err;
}

/**
 * Runs a database command on the configured database. When the embedded files are held by a
 * running server, asks that server to run it instead. Only `migrate` creates an embedded
 * database: the others on a directory without one would only make a second, empty database.
 */
async function runOnDatabase(io: CliIo, flags: ConfigFlags, command: DbCommand): Promise<number> {
  const config = loadConfig(io.env, flags);
  const embedded = !config.databaseUrl;
  if (embedded && command.command !== "migrate" && !hasEmbeddedDatabase(config.dataDir)) {
    throw new CliError(
      `No embedded database in ${resolve(config.dataDir)}: start the server first (${cliInvocation(io.env)} start), or give --data-dir or DATABASE_URL.`,
    );
  }
  let opened: Awaited<ReturnType<typeof openConfiguredDatabase>>;
  try {
    opened = await openConfiguredDatabase(config);
  } catch (err) {
    if (!(err instanceof DataDirInUseError)) throw explain(err, config);
    const answer = await askRunningServer(config.dataDir, command);
    if (!answer) {
      throw new CliError(
        `${err.message}, which does not answer on ${controlSocketPath(config.dataDir)}. Stop it to run this command.`,
      );
    }
    io.stdout(answer.stdout);
    io.stderr(answer.stderr);
    return answer.exitCode;
  }
  try {
    io.stdout(await runDbCommand(opened.db, command));
    return 0;
  } catch (err) {
    throw explain(err, config);
  } finally {
    await opened.close();
  }
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
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer(config, logger);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new CliError(
        `Port ${config.port} on ${config.host} is in use: stop what listens there, or pick another with --port (0 picks a free one).`,
      );
    }
    throw explain(err, config);
  }
  io.stdout(banner(config, running.url, running.devToken, io.env));
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
    return await command(argv, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`${err.message}\n`);
      return err.exitCode;
    }
    if (
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

async function command(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    io.stdout(`${usage()}\n`);
    return 0;
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
    return 0;
  }
  const flags: ConfigFlags = {};
  for (const flag of Object.keys(FLAG_ENV) as Array<keyof typeof FLAG_ENV>) {
    flags[flag] = values[flag];
  }

  switch (command) {
    case "start":
      await start(io, { ...flags, "in-memory": values["in-memory"] });
      return 0;
    case "migrate":
      return runOnDatabase(io, flags, { command });
    case "create-account":
      return runOnDatabase(io, flags, { command, name: values.name });
    case "create-token":
      if (!values.account) fail(`--account is required\nUsage: ${spec.usage}`);
      return runOnDatabase(io, flags, { command, account: values.account, name: values.name });
    case "revoke-token":
      if (!positionals[0]) fail(`Usage: ${spec.usage}`);
      return runOnDatabase(io, flags, { command, target: positionals[0] });
  }
  return 0;
}
