// Runs a README block as its reader would: compiled to JavaScript, started with node, in this
// package (so `@sequin/client` and `pg` resolve as installed packages).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { namedSnippet } from "../snippets.mjs";

const runDir = fileURLToPath(new URL("../.run/", import.meta.url));

export interface RunningSnippet {
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** The exit code, once the process has ended; rejects if it is still running after `withinMs`. */
  exit(withinMs: number): Promise<number | null>;
}

/** Compiles the block named `name` of `readme` (with the blocks it continues) and starts it. */
export function runSnippet(
  readme: string,
  name: string,
  env: Record<string, string>,
): RunningSnippet {
  const { outputText } = ts.transpileModule(namedSnippet(readme, name), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  mkdirSync(runDir, { recursive: true });
  const file = `${runDir}${name}.mjs`;
  writeFileSync(file, outputText);
  const child = spawn(process.execPath, [file], {
    cwd: runDir,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exit: (withinMs) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`${readme} "${name}" still ran ${withinMs} ms later\n${stderr}`));
        }, withinMs);
      });
      return Promise.race([exited, late]).finally(() => clearTimeout(timer));
    },
  };
}
