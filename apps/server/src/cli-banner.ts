import { resolve } from "node:path";
import { cliInvocation, pathFrom, shellWord } from "./cli-invocation.js";
import type { Config } from "./config.js";
import { defaultDataDir } from "./config.js";
import type { DevToken } from "./dev-token.js";

/** Where the database is, for the banner; a URL's password is masked. */
export function describeDatabase(config: Config): string {
  if (config.databaseUrl)
    return `Postgres (${config.databaseUrl.replace(/\/\/[^@/]*@/, "//***@")})`;
  return config.inMemory
    ? "embedded PGlite, in memory"
    : `embedded PGlite in ${resolve(config.dataDir)}`;
}

/**
 * The command that makes another token for the dev account, ready to paste where the user is:
 * the CLI asks this running server over its local channel. `--data-dir` is added only when the
 * server was given one (the default is the same for every working directory).
 */
export function createTokenCommand(
  config: Config,
  accountId: string,
  env: NodeJS.ProcessEnv,
  invocation = cliInvocation(env),
): string {
  const custom = resolve(config.dataDir) !== resolve(defaultDataDir());
  const dataDir = custom
    ? ` --data-dir ${shellWord(pathFrom(env.INIT_CWD || process.cwd(), config.dataDir))}`
    : "";
  return `${invocation} create-token --account ${accountId}${dataDir}`;
}

/** What `start` prints once it listens. */
export function banner(
  config: Config,
  url: string,
  dev: DevToken | undefined,
  env: NodeJS.ProcessEnv,
): string {
  const lines = [
    ``,
    `  Sequin server listening on ${url}`,
    `  Database: ${describeDatabase(config)}`,
    `  Console: ${url}/console   API reference: ${url}/docs`,
  ];
  if (dev) {
    lines.push(
      ``,
      `  Dev account: ${dev.accountId}`,
      `  API token${dev.created ? " (new)" : ""}:`,
      ``,
      `    ${dev.token}`,
      ``,
    );
    if (dev.file) {
      lines.push(
        `  Kept in ${dev.file}. Another token for this account, while the server runs:`,
        ``,
        `    ${createTokenCommand(config, dev.accountId, env)}`,
      );
    } else {
      lines.push(`  In memory: a new token at every start.`);
    }
    lines.push(``, `  Try: curl -H "Authorization: Bearer ${dev.token}" ${url}/v1/streams`);
  } else {
    lines.push(
      ``,
      `  Get a token with: ${cliInvocation(env)} create-account (with the same DATABASE_URL)`,
    );
  }
  return `${lines.join("\n")}\n\n`;
}
