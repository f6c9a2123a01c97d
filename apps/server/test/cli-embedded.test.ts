import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenCommand } from "../src/cli-banner.js";
import { runCli } from "../src/cli-commands.js";
import { loadConfig } from "../src/config.js";
import { REPO_ROOT, type ServerProcess, shell, startServerProcess } from "./helpers/cli-process.js";

// The embedded server as a user runs it (`pnpm start` at the repository root runs `start` in
// apps/server, with INIT_CWD set to the root), and the CLI beside it.
let dir: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sqsrv-cli-"));
  server = await startServerProcess(["--data-dir", dir], { INIT_CWD: REPO_ROOT });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const status = async (token: string | undefined) =>
  (await fetch(`${server.url}/v1/streams`, { headers: { authorization: `Bearer ${token}` } }))
    .status;

describe("the embedded server's banner and the CLI beside it", () => {
  it("prints the dev account's id and a create-token command that works as printed, from the repository root", async () => {
    const out = server.output();
    const accountId = /Dev account: (\S+)/.exec(out)?.[1];
    expect(accountId).toMatch(/^[0-9a-f-]{36}$/);
    const lines = out.split("\n").map((l) => l.trim());
    const printed = lines.find((l) => l.includes(" create-token "));
    expect(printed).toContain(`--account ${accountId}`);

    const run = await shell(printed!, REPO_ROOT);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    const token = /token: (sqn_\S+)/.exec(run.stdout)?.[1];
    expect(token).toBeDefined();
    expect(await status(token)).toBe(200);
    // Nothing was created at the root.
    expect(existsSync(join(REPO_ROOT, ".sequin-data"))).toBe(false);
  }, 120_000);

  it("create-account and revoke-token are run by the running server too", async () => {
    const printed = server
      .output()
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l.includes(" create-token "))!;
    const cli = printed.slice(0, printed.indexOf(" create-token "));
    const created = await shell(`${cli} create-account --name second --data-dir ${dir}`, REPO_ROOT);
    expect(created, created.stderr).toMatchObject({ code: 0 });
    const token = /token: (sqn_\S+)/.exec(created.stdout)?.[1];
    expect(await status(token)).toBe(200);

    const revoked = await shell(`${cli} revoke-token ${token} --data-dir ${dir}`, REPO_ROOT);
    expect(revoked).toMatchObject({ code: 0, stdout: "Revoked\n" });
    expect(await status(token)).toBe(401);
    // A mistake is answered as the CLI answers it: one line, exit code 2.
    const unknown = await shell(`${cli} revoke-token ${token} --data-dir ${dir}`, REPO_ROOT);
    expect(unknown).toMatchObject({ code: 2, stderr: "No live token matches\n" });
  }, 120_000);

  it("a second start on the same files says who holds them in one line, without a stack trace", async () => {
    let stderr = "";
    const code = await runCli(["start", "--port", "0", "--data-dir", dir], {
      env: { LOG_LEVEL: "silent" },
      stdout: () => {},
      stderr: (t) => {
        stderr += t;
      },
    });
    expect(code).toBe(1);
    const holder = (await readFile(join(dir, "server.pid"), "utf8")).trim();
    expect(stderr).toContain(`in use by another sequin-server (pid ${holder})`);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe("the default data directory", () => {
  it("is apps/server/.sequin-data from any working directory, so start and the CLI agree", () => {
    const expected = fileURLToPath(new URL("../.sequin-data", import.meta.url));
    expect(loadConfig({}).dataDir).toBe(expected);
    const cwd = process.cwd();
    try {
      process.chdir(REPO_ROOT);
      expect(loadConfig({}).dataDir).toBe(expected);
    } finally {
      process.chdir(cwd);
    }
    // The printed command adds --data-dir only when the server was given another one.
    const id = "0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f";
    expect(createTokenCommand(loadConfig({}), id, {}, "node cli.js")).toBe(
      `node cli.js create-token --account ${id}`,
    );
    expect(
      createTokenCommand(loadConfig({ SEQUIN_DATA_DIR: "/srv/my data" }), id, {}, "node cli.js"),
    ).toBe(`node cli.js create-token --account ${id} --data-dir '/srv/my data'`);
  });

  it("commands other than start and migrate do not create a database where there is none", async () => {
    const empty = join(await mkdtemp(join(tmpdir(), "sqsrv-none-")), "data");
    let stderr = "";
    const code = await runCli(
      ["create-token", "--account", "0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f", "--data-dir", empty],
      {
        env: {},
        stdout: () => {},
        stderr: (t) => {
          stderr += t;
        },
      },
    );
    expect(code).toBe(1);
    expect(stderr).toContain(`No embedded database in ${empty}`);
    expect(existsSync(empty)).toBe(false);
  });
});
