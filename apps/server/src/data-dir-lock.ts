import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/** The data directory is held by another live process. */
export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
  constructor(
    /** The data directory, absolute. */
    readonly dir: string,
    /** The process that holds it. */
    readonly pid: number,
  ) {
    super(`${dir} is in use by another sequin-server (pid ${pid})`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Embedded PGlite files must be opened by one process at a time. Writes `<dataDir>/server.pid`
 * or fails with {@link DataDirInUseError} when a live process holds it. Returns the release
 * function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true });
  const file = join(dir, "server.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: "wx" });
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number((await readFile(file, "utf8").catch(() => "")).trim());
      if (pid && pid !== process.pid && alive(pid)) {
        throw new DataDirInUseError(dir, pid);
      }
      await rm(file, { force: true });
    }
  }
  throw new Error(`Could not lock ${dir}`);
}
