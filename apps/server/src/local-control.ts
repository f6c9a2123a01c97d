import { chmod, mkdir, rm } from "node:fs/promises";
import { createServer, request } from "node:http";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { type CommandAnswer, type DbCommand, zDbCommand } from "./cli-db-commands.js";

/**
 * The local channel of an embedded server. PGlite's files can be opened by one process only, so
 * while `start` runs, `create-token`, `create-account`, `revoke-token` and `migrate` on the same
 * data directory ask the server to run them. The server listens on a unix socket at
 * `<data dir>/run/cli.sock`, in a directory of mode 0700: only the user who owns the data
 * directory (who can read its files and dev token anyway) can connect. Nothing listens on the
 * network, and there is no secret to keep.
 */

/** Unix socket paths are limited to 108 bytes on Linux (104 on macOS). */
const MAX_SOCKET_PATH = 103;

/** The socket of the server that holds this data directory. */
export function controlSocketPath(dataDir: string): string {
  return join(resolve(dataDir), "run", "cli.sock");
}

/**
 * Serves the local channel for the data directory; resolves with the function that stops it.
 * Only called by the process that holds the data directory's lock, so a socket file left by a
 * crashed server can be replaced.
 */
export async function serveLocalControl(
  dataDir: string,
  run: (command: DbCommand) => Promise<CommandAnswer>,
  logger: Logger,
): Promise<() => Promise<void>> {
  const path = controlSocketPath(dataDir);
  if (process.platform === "win32" || Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    logger.warn(
      { path },
      "no local channel for the CLI (unix socket path too long, or Windows): stop the server to run commands on its data directory",
    );
    return async () => {};
  }
  const dir = join(resolve(dataDir), "run");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await rm(path, { force: true });

  const server = createServer((req, res) => {
    const answer = (status: number, body: CommandAnswer) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method !== "POST" || req.url !== "/run") {
      answer(404, { exitCode: 2, stdout: "", stderr: "Unknown request\n" });
      return;
    }
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      text += chunk;
      if (text.length > 16_384) req.destroy();
    });
    req.on("end", () => {
      let command: DbCommand;
      try {
        command = zDbCommand.parse(JSON.parse(text));
      } catch {
        answer(400, { exitCode: 2, stdout: "", stderr: "Unreadable command\n" });
        return;
      }
      run(command).then(
        (result) => answer(200, result),
        (err) => {
          logger.error({ err }, "command from the local channel failed");
          answer(500, { exitCode: 1, stdout: "", stderr: `The server failed: ${String(err)}\n` });
        },
      );
    });
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(path, () => done());
  });
  await chmod(path, 0o600);
  return async () => {
    await new Promise<void>((done) => server.close(() => done()));
    await rm(path, { force: true });
  };
}

/**
 * Asks the server that holds the data directory to run a command. Resolves undefined when no
 * server answers on the socket (none runs, or it runs without the channel).
 */
export function askRunningServer(
  dataDir: string,
  command: DbCommand,
): Promise<CommandAnswer | undefined> {
  return new Promise((done, fail) => {
    const req = request(
      {
        socketPath: controlSocketPath(dataDir),
        method: "POST",
        path: "/run",
        headers: { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          try {
            done(JSON.parse(text) as CommandAnswer);
          } catch {
            fail(new Error(`The running server answered HTTP ${res.statusCode} unreadably`));
          }
        });
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (["ENOENT", "ECONNREFUSED", "EACCES", "ENOTSOCK"].includes(err.code ?? ""))
        done(undefined);
      else fail(err);
    });
    req.end(JSON.stringify(command));
  });
}
