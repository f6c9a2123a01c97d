/**
 * Failures the CLI expects and explains in one line, without a stack trace: a usage mistake
 * (exit code 2) or a problem the user can fix, such as an unreachable database (exit code 1).
 */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    /** The process exit code. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A usage mistake: exit code 2 with a message. */
export class UsageError extends CliError {
  override name = "UsageError";
  constructor(message: string) {
    super(message, 2);
  }
}
