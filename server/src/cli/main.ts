// Entry point of the `edgepolicy` command (bundled to dist/cli.js, started by bin/edgepolicy).

import { version as packageVersion } from '../../../package.json';
import { CHECK_HELP, ROUTES_HELP, runCheck, runRoutes, type Loader } from './commands';
import { DIFF_HELP } from './diff-help';
import type { DesiredLoader } from './diff';
import { EXIT_OK, EXIT_USAGE, UsageError, processIo, type CliIo } from './io';
import { installBuiltValidators } from '../node/validators';

export const VERSION: string = packageVersion;

const TOOL_HELP = `Usage: edgepolicy <command> [options]

Checks and previews Ambassador / Emissary-ingress edge policies kept as YAML.

Commands:
  check [paths...]    report problems in the resources (text, JSON or SARIF)
  routes [paths...]   print the route table Emissary would build
  diff [paths...]     compare the resources with a cluster (read-only)
  help [command]      show help for a command

Options:
  -h, --help          show this help
  -V, --version       print the version

Run \`edgepolicy <command> --help\` for the options of a command.
`;

export interface RunDeps {
  /** Replaces the file-system loader (tests). */
  load?: Loader;
  /** Replaces the desired-side loader of `diff` (tests). */
  loadDesired?: DesiredLoader;
}

const defaultLoader: Loader = async (paths, opts, io) => {
  const { loadWorkspace } = await import('./load');
  return loadWorkspace(paths, opts, io);
};

async function helpFor(command: string | undefined, io: CliIo): Promise<number> {
  switch (command) {
    case undefined:
      io.stdout(TOOL_HELP);
      return EXIT_OK;
    case 'check':
      io.stdout(CHECK_HELP);
      return EXIT_OK;
    case 'routes':
      io.stdout(ROUTES_HELP);
      return EXIT_OK;
    case 'diff':
      io.stdout(DIFF_HELP);
      return EXIT_OK;
    case 'help':
      io.stdout(TOOL_HELP);
      return EXIT_OK;
    default:
      throw new UsageError(`unknown command '${command}'`, 'run `edgepolicy --help` for the list of commands');
  }
}

async function dispatch(argv: string[], io: CliIo, deps: RunDeps): Promise<number> {
  const load = deps.load ?? defaultLoader;
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(TOOL_HELP);
    return EXIT_USAGE;
  }
  switch (first) {
    case '-h':
    case '--help':
      return helpFor(undefined, io);
    case '-V':
    case '--version':
      io.stdout(`${VERSION}\n`);
      return EXIT_OK;
    case 'help':
      return helpFor(rest[0], io);
    case 'check':
      return runCheck(rest, io, load, VERSION);
    case 'routes':
      return runRoutes(rest, io, load);
    case 'diff': {
      // Loaded on use: the cluster code (Kubernetes client, HTTPS) costs every other command's start-up otherwise.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous, bundled, on-use load
      const { runDiff } = require('./diff') as typeof import('./diff');
      return runDiff(rest, io, { load: deps.loadDesired });
    }
    default:
      if (first.startsWith('-')) {
        throw new UsageError(`unknown option ${first}`, 'run `edgepolicy --help` for usage');
      }
      throw new UsageError(`unknown command '${first}'`, 'run `edgepolicy --help` for the list of commands');
  }
}

/** Runs the CLI and returns the exit code. Never throws. */
export async function run(argv: string[], io: CliIo = processIo(), deps: RunDeps = {}): Promise<number> {
  try {
    return await dispatch(argv, io, deps);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`edgepolicy: ${err.message}\n`);
      if (err.hint) io.stderr(`${err.hint}\n`);
      return EXIT_USAGE;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`edgepolicy: internal error: ${message.split('\n')[0]}\n`);
    io.stderr('This is a bug in edgepolicy; please report it with the command you ran and, if you can, the input files.\n');
    if (io.env.EDGEPOLICY_DEBUG && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return EXIT_USAGE;
  }
}

// The validators compiled at build time, when this is the bundle (dist/cli.js, run directly or through
// bin/edgepolicy); from sources there are none and the schemas are compiled on first use.
installBuiltValidators();

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
