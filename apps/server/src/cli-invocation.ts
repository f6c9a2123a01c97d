import { isAbsolute, relative, resolve } from "node:path";

/** Node flags that load code the script needs (tsx's loader when run from source). */
const LOADER_FLAGS = ["--require", "-r", "--import", "--loader", "--experimental-loader"];

/** Quotes a word for POSIX shells when it needs it. */
export function shellWord(word: string): string {
  return /^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * A path as the user types it from `cwd`: relative when it lies below, else absolute.
 */
export function pathFrom(cwd: string, path: string): string {
  const rel = relative(cwd, resolve(path));
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : resolve(path);
}

/**
 * The command line that runs this same CLI from the user's directory: `node` with the loaders
 * this process was started with (tsx's, from source) and the script's path. `sequin-server` is on
 * no PATH in a clone, so the banner prints this instead, e.g. `node apps/server/dist/cli.js` for
 * `pnpm start` at the repository root. The user's directory is INIT_CWD (where npm or pnpm was
 * invoked; a script runs in the package's folder) or else the working directory.
 */
export function cliInvocation(
  env: NodeJS.ProcessEnv,
  script: string = process.argv[1] ?? "sequin-server",
  execArgv: readonly string[] = process.execArgv,
  cwd: string = process.cwd(),
): string {
  const loaders: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    const flag = arg.split("=")[0] as string;
    if (!LOADER_FLAGS.includes(flag)) continue;
    if (arg.includes("=")) loaders.push(arg);
    else if (execArgv[i + 1] !== undefined) loaders.push(arg, execArgv[++i] as string);
  }
  const userDir = env.INIT_CWD || cwd;
  return ["node", ...loaders, pathFrom(userDir, script)].map(shellWord).join(" ");
}
