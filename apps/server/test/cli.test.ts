import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { revokeToken } from "../src/accounts/tokens.js";
import { heapGrowingFlag, runCli } from "../src/cli-commands.js";
import { cliInvocation } from "../src/cli-invocation.js";
import { loadMigrations } from "../src/db/migrate.js";
import { ensureDevToken } from "../src/dev-token.js";
import { createEmptyDatabase } from "./helpers/database.js";
import { serverTest } from "./helpers/server.js";

const { database, db, server } = await serverTest();

/** Runs a command in this process; returns its exit code and output. */
async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    env: { DATABASE_URL: database.url(), ...env },
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

describe("sequin-server CLI", () => {
  it("create-account, create-token and revoke-token", async () => {
    const created = await cli(["create-account", "--name", "acme"]);
    expect(created.code).toBe(0);
    const accountId = /account_id: (\S+)/.exec(created.stdout)?.[1];
    const token = /token: (sqn_\S+)/.exec(created.stdout)?.[1];
    const api = server.api.as(token);
    const streams = await api.get("/v1/streams");
    expect(streams.status).toBe(200);
    expect(streams.body.data.map((s: { name: string }) => s.name)).toEqual(["default"]);

    const second = await cli(["create-token", "--account", accountId!]);
    const token2 = /token: (sqn_\S+)/.exec(second.stdout)?.[1];
    expect((await server.api.as(token2).get("/v1/streams")).status).toBe(200);

    expect((await cli(["revoke-token", token!])).code).toBe(0);
    expect((await api.get("/v1/streams")).status).toBe(401);
    expect((await server.api.as(token2).get("/v1/streams")).status).toBe(200);
    expect(await cli(["revoke-token", token!])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("No live token"),
    });
  });

  it("every command has --help; bad input exits 2 with a message", async () => {
    for (const command of ["start", "migrate", "create-account", "create-token", "revoke-token"]) {
      const { code, stdout } = await cli([command, "--help"]);
      expect(code).toBe(0);
      expect(stdout).toContain(`sequin-server ${command}`);
    }
    expect((await cli(["--help"])).stdout).toContain("Commands:");
    expect(await cli(["nope"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Unknown command"),
    });
    expect(await cli(["create-token", "--account", "x"])).toMatchObject({ code: 2 });
    expect(
      await cli(["create-token", "--account", "0b8c9d2e-4f1a-4c3b-9e7d-5a6b7c8d9e0f"]),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("No account"),
    });
    expect(await cli(["migrate"], { DATABASE_URL: "mysql://x" })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("DATABASE_URL"),
    });
    expect(await cli(["start"], { PORT: "99999" })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("PORT"),
    });
    expect(await cli(["migrate", "--bogus"])).toMatchObject({ code: 2 });
    expect((await cli(["migrate"])).stdout).toContain("Nothing to migrate");
  });

  it("the real bin starts and prints its help", async () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const { stdout } = await promisify(execFile)(
      join(root, "node_modules/.bin/tsx"),
      ["src/cli.ts", "--help"],
      {
        cwd: root,
        timeout: 60_000,
      },
    );
    expect(stdout).toContain("Usage: sequin-server <command>");
  }, 60_000);
});

describe("migrate", () => {
  it("on an empty Postgres prints every migration it applied, then that nothing is left", async () => {
    const { url, drop } = await createEmptyDatabase();
    try {
      const names = (await loadMigrations()).map((m) => m.name);
      expect(await cli(["migrate"], { DATABASE_URL: url })).toEqual({
        code: 0,
        stdout: `Applied ${names.length} migrations: ${names.join(", ")}\n`,
        stderr: "",
      });
      expect((await cli(["migrate"], { DATABASE_URL: url })).stdout).toBe("Nothing to migrate\n");
    } finally {
      await drop();
    }
  });

  it("on a new embedded database prints every migration it applied", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sqsrv-migrate-"));
    try {
      const names = (await loadMigrations()).map((m) => m.name);
      const { code, stdout } = await cli(["migrate", "--data-dir", dir], { DATABASE_URL: "" });
      expect(code).toBe(0);
      expect(stdout).toBe(`Applied ${names.length} migrations: ${names.join(", ")}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("an unreachable DATABASE_URL", () => {
  it("ends each command with one line naming the host and port and what to check", async () => {
    // Nothing listens on port 1.
    const url = "postgres://postgres:secret@127.0.0.1:1/sequin";
    for (const args of [["migrate"], ["create-account"], ["start", "--port", "0"]]) {
      const { code, stdout, stderr } = await cli(args, { DATABASE_URL: url, LOG_LEVEL: "silent" });
      expect(code, args.join(" ")).toBe(1);
      expect(stdout).toBe("");
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toContain("Postgres at 127.0.0.1:1 (connection refused)");
      expect(stderr).toContain("Check that Postgres is running");
      expect(stderr).not.toContain("secret");
    }
  });

  it("names a database that does not exist", async () => {
    const url = new URL(database.url());
    url.pathname = "/sqsrv_no_such_database";
    const { code, stderr } = await cli(["migrate"], { DATABASE_URL: url.toString() });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(
      /^Postgres at 127\.0\.0\.1:5432 refused the connection: .*sqsrv_no_such_database/,
    );
  });
});

describe("cliInvocation", () => {
  it("is the command that runs this CLI from the user's directory", () => {
    const root = "/home/u/sequin-consume";
    // `pnpm start` at the root: the script runs in apps/server, INIT_CWD is the root.
    expect(
      cliInvocation(
        { INIT_CWD: root },
        `${root}/apps/server/dist/cli.js`,
        [],
        `${root}/apps/server`,
      ),
    ).toBe("node apps/server/dist/cli.js");
    expect(cliInvocation({}, `${root}/apps/server/dist/cli.js`, [], `${root}/apps/server`)).toBe(
      "node dist/cli.js",
    );
    expect(cliInvocation({}, `${root}/dist/cli.js`, [], "/elsewhere")).toBe(
      `node ${root}/dist/cli.js`,
    );
    // From source: tsx's loader comes along; other node flags do not.
    expect(
      cliInvocation(
        {},
        "/my app/src/cli.ts",
        ["--inspect", "--import", "file:///x/tsx/loader.mjs", "--require=/x/pre.cjs"],
        "/my app",
      ),
    ).toBe("node --import file:///x/tsx/loader.mjs --require=/x/pre.cjs src/cli.ts");
  });
});

describe("embedded mode's dev token", () => {
  it("is created once, kept in the data dir, and replaced when revoked", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sqsrv-dev-"));
    try {
      const first = await ensureDevToken(db, dir);
      expect(first.created).toBe(true);
      expect((await readFile(join(dir, "dev-token"), "utf8")).trim()).toBe(first.token);
      expect((await stat(join(dir, "dev-token"))).mode & 0o777).toBe(0o600);
      expect((await server.api.as(first.token).get("/v1/streams")).status).toBe(200);

      const again = await ensureDevToken(db, dir);
      expect(again).toMatchObject({ token: first.token, created: false });

      await revokeToken(db, first.token);
      const replaced = await ensureDevToken(db, dir);
      expect(replaced.created).toBe(true);
      expect(replaced.token).not.toBe(first.token);
      expect(replaced.accountId).toBe(first.accountId);
      expect((await server.api.as(replaced.token).get("/v1/streams")).status).toBe(200);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("heapGrowingFlag", () => {
  it("sets V8's heap growing percent for start, unless node flags or NODE_OPTIONS give one", () => {
    expect(heapGrowingFlag([], undefined)).toBe("--heap-growing-percent=30");
    expect(heapGrowingFlag(["--enable-source-maps"], "--max-old-space-size=512")).toBe(
      "--heap-growing-percent=30",
    );
    expect(heapGrowingFlag(["--heap-growing-percent=50"], undefined)).toBeUndefined();
    expect(heapGrowingFlag([], "--trace-gc --heap_growing_percent=80")).toBeUndefined();
    expect(heapGrowingFlag([], "--heap-growing-percent")).toBeUndefined();
  });
});
