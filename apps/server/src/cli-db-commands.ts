import { z } from "zod";
import { accountExists, createAccount } from "./accounts/accounts.js";
import { createToken, revokeToken } from "./accounts/tokens.js";
import { CliError, UsageError } from "./cli-errors.js";
import type { Db } from "./db/db.js";
import { loadMigrations, migrate } from "./db/migrate.js";
import { UUID_RE } from "./db/rows.js";

/**
 * A command that works on the database: what the CLI runs on the files it opened, or asks the
 * running embedded server to run on its own (see local-control.ts). One shape for both.
 */
export const zDbCommand = z.object({
  command: z.enum(["migrate", "create-account", "create-token", "revoke-token"]),
  name: z.string().max(200).optional(),
  account: z.string().max(200).optional(),
  target: z.string().max(500).optional(),
});
export type DbCommand = z.infer<typeof zDbCommand>;

/**
 * Runs the command on an open database; resolves with what to print on stdout. A mistake of the
 * user (no such account, no such token) throws a {@link UsageError}.
 */
export async function runDbCommand(db: Db, input: DbCommand): Promise<string> {
  // Every command migrates first (create-account works on a fresh Postgres); `migrate` reports
  // what this very call applied.
  const applied = await migrate(db);
  switch (input.command) {
    case "migrate": {
      if (applied.length === 0) return "Nothing to migrate\n";
      const names = new Map((await loadMigrations()).map((m) => [m.version, m.name]));
      return `Applied ${applied.length} migration${applied.length === 1 ? "" : "s"}: ${applied
        .map((v) => names.get(v) ?? String(v))
        .join(", ")}\n`;
    }
    case "create-account": {
      const account = await createAccount(db, input.name ?? "default");
      return `account_id: ${account.accountId}\ndefault_stream_id: ${account.defaultStreamId}\ntoken: ${account.token.token}\n`;
    }
    case "create-token": {
      const accountId = input.account;
      if (!accountId || !UUID_RE.test(accountId))
        throw new UsageError("--account must be an account id");
      if (!(await accountExists(db, accountId))) throw new UsageError(`No account ${accountId}`);
      const token = await createToken(db, accountId, input.name);
      return `token_id: ${token.id}\ntoken: ${token.token}\n`;
    }
    case "revoke-token": {
      if (!input.target) throw new UsageError("Give the token or its id");
      if (!(await revokeToken(db, input.target))) throw new UsageError("No live token matches");
      return "Revoked\n";
    }
  }
}

/** What a command printed, and its exit code. */
export interface CommandAnswer {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the command and captures its answer as the CLI would print it (the local channel). */
export async function answerDbCommand(db: Db, input: DbCommand): Promise<CommandAnswer> {
  try {
    return { exitCode: 0, stdout: await runDbCommand(db, input), stderr: "" };
  } catch (err) {
    if (err instanceof CliError)
      return { exitCode: err.exitCode, stdout: "", stderr: `${err.message}\n` };
    throw err;
  }
}
