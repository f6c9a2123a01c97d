// The bench's one cleanup path. Whatever the bench starts outside its own process (its Postgres
// cluster, server processes) registers a synchronous undo here; it runs once, whether the run
// ends normally, fails, or is interrupted (SIGINT, SIGTERM, SIGHUP). Synchronous, because the
// process's "exit" event does not wait for promises.

const steps: Array<() => void> = [];
let done = false;

/** Registers an undo; the undos run in reverse order of registration. */
export function onTeardown(step: () => void): void {
  steps.push(step);
}

/** Runs every registered undo once (later calls do nothing). */
export function teardown(): void {
  if (done) return;
  done = true;
  for (const step of steps.reverse()) {
    try {
      step();
    } catch (error) {
      process.stderr.write(`[bench] cleanup step failed: ${String(error)}\n`);
    }
  }
}

/** Makes a normal end, an uncaught failure and the usual signals all go through teardown(). */
export function installTeardown(): void {
  process.on("exit", teardown);
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    process.on(signal, () => {
      process.stderr.write(`[bench] ${signal}: stopping and cleaning up\n`);
      // exit() fires the "exit" event, which runs teardown().
      process.exit(code);
    });
  }
}
