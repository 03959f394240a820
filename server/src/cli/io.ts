// What a CLI subcommand may touch of the outside world. Tests pass their own to capture output.

export interface CliIo {
  /** Writes text to standard output as is (callers add their own newlines). */
  stdout(text: string): void;
  /** Writes text to standard error as is. */
  stderr(text: string): void;
  /** The folder paths are resolved against and printed relative to. */
  cwd: string;
  env: Record<string, string | undefined>;
}

let pipeGuard = false;

export function processIo(): CliIo {
  if (!pipeGuard) {
    pipeGuard = true;
    // A reader that goes away early (`edgepolicy routes | head`) is not an error.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
  };
}

/** Process exit codes shared by every subcommand. */
export const EXIT_OK = 0;
/** `check`: findings at or above --fail-on. */
export const EXIT_FINDINGS = 1;
/** `diff`: the workspace and the cluster differ. */
export const EXIT_DRIFT = 2;
/** Bad usage, unreadable input, a cluster that could not be compared, an internal error. */
export const EXIT_USAGE = 3;

/** A problem with the command line or its inputs: printed as one line, never with a stack trace. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Optional second line, e.g. "run `edgepolicy check --help`". */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
