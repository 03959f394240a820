// The `check` and `routes` subcommands. They read the workspace through a Loader so tests can hand in their own.

import { applySeverity, isDiagnosticCode, isSeverityLevel, SEVERITY_LEVELS, type SeverityLevel } from '../engine/config';
import type { Finding, RouteTable } from '../engine/model';
import { oneOf, parseCommandArgs } from './args';
import { failsAt, formatGithub, formatJson, formatSarif, formatText } from './check-format';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io';
import { formatRoutesJson, formatRoutesText } from './routes-format';

/** What the subcommands need from a loaded workspace. */
export interface LoadedWorkspace {
  /** Number of YAML files read. */
  files: number;
  /** Number of Ambassador resources found in them. */
  resources: number;
  findings(): Finding[];
  routeTable(): RouteTable;
  /**
   * Failures inside the engine (a checker or the route builder threw) noticed while answering findings() or
   * routeTable(): the output is then incomplete and the command exits 3.
   */
  internalErrors?: string[];
  /** Per-code severity overrides of the `.edgepolicy.yaml` that applies to a file (by URI). */
  severityFor?(uri: string): Readonly<Record<string, SeverityLevel>>;
}

/** After the output is written: an engine failure turns the exit code into 3, with a line to report it. */
function engineFailure(ws: LoadedWorkspace, io: CliIo): boolean {
  const errors = ws.internalErrors ?? [];
  if (errors.length === 0) return false;
  io.stderr(`edgepolicy: internal error: ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}\n`);
  io.stderr('The results above are incomplete. This is a bug in edgepolicy; please report it with the input files.\n');
  return true;
}

export interface LoadOptions {
  exclude: string[];
}

/**
 * Reads the given files and folders (resolved against io.cwd) into one workspace.
 * Throws UsageError for a missing or unreadable path; reports skipped files on io.stderr.
 */
export type Loader = (paths: string[], opts: LoadOptions, io: CliIo) => Promise<LoadedWorkspace>;

export const CHECK_HELP = `Usage: edgepolicy check [paths...] [options]

Checks the Ambassador / Emissary-ingress resources in the given YAML files and
folders (default: the current folder) as one workspace: YAML syntax, schemas,
route collisions, duplicates, references and regexes.

Options:
  -f, --format <text|json|sarif|github>
                                  output format (default: text); github prints
                                  GitHub Actions annotations (run from the
                                  repository root)
      --fail-on <error|warning>   lowest severity that makes the exit code 1
                                  (default: error)
      --exclude <glob>            skip files and folders matching the glob
                                  (repeatable; matched against the path relative
                                  to the current folder, to each given folder,
                                  and the absolute path)
      --severity <CODE=LEVEL>     set the severity of a code: error, warning,
                                  info, hint or off (repeatable; overrides
                                  .edgepolicy.yaml), e.g. --severity EP221=warning
  -h, --help                      show this help

Folders are searched for *.yaml and *.yml files; node_modules and .git are skipped.
Files named on the command line that are not *.yaml or *.yml are skipped with a notice.
Settings (severity, exclude) come from the .edgepolicy.yaml nearest to each path
(in its folder or a parent folder, up to the root of the Git repository).

Exit codes:
  0  no finding at or above the --fail-on severity
  1  at least one such finding
  3  usage error, unreadable input or internal error
`;

export const ROUTES_HELP = `Usage: edgepolicy routes [paths...] [options]

Prints the route table Emissary would build from the given YAML files and
folders (default: the current folder): every HTTP route group in match order
with its URL, headers, precedence and members with their raw and normalised
weights, then TCP routes and Hosts.

Options:
  -f, --format <text|json>  output format (default: text)
      --exclude <glob>      skip files and folders matching the glob (repeatable)
  -h, --help                show this help

The exclude globs of the .edgepolicy.yaml nearest to each path apply too.

Exit codes:
  0  the table was printed
  3  usage error, unreadable input or internal error
`;

export async function runCheck(argv: string[], io: CliIo, load: Loader, toolVersion: string): Promise<number> {
  const { values, positionals } = parseCommandArgs('check', argv, {
    format: { type: 'string', short: 'f' },
    'fail-on': { type: 'string' },
    exclude: { type: 'string', multiple: true },
    severity: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(CHECK_HELP);
    return EXIT_OK;
  }
  const format = oneOf('check', 'format', values.format, ['text', 'json', 'sarif', 'github'] as const, 'text');
  const failOn = oneOf('check', 'fail-on', values['fail-on'], ['error', 'warning'] as const, 'error');
  const exclude = (values.exclude as string[] | undefined) ?? [];
  const severity = parseSeverityOptions((values.severity as string[] | undefined) ?? []);
  const ws = await load(positionals.length > 0 ? positionals : ['.'], { exclude }, io);
  const findings = withSeverity(ws, ws.findings(), severity);
  const report = { findings, files: ws.files, resources: ws.resources, cwd: io.cwd };
  if (format === 'json') io.stdout(formatJson(report));
  else if (format === 'sarif') io.stdout(formatSarif(report, toolVersion));
  else if (format === 'github') io.stdout(formatGithub(report));
  else io.stdout(formatText(report));
  if (engineFailure(ws, io)) return EXIT_USAGE;
  return failsAt(findings, failOn) ? EXIT_FINDINGS : EXIT_OK;
}

/** `--severity CODE=LEVEL` values (the last one for a code wins). */
export function parseSeverityOptions(values: string[]): Record<string, SeverityLevel> {
  const out: Record<string, SeverityLevel> = {};
  for (const v of values) {
    const m = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(v);
    const code = m?.[1]?.toUpperCase();
    const level = m?.[2]?.toLowerCase();
    if (!m || !code || !isDiagnosticCode(code)) {
      throw new UsageError(`invalid value '${v}' for --severity (expected CODE=LEVEL, e.g. EP221=warning)`, 'run `edgepolicy check --help` for usage');
    }
    if (!isSeverityLevel(level)) {
      throw new UsageError(`invalid level '${m[2]}' for --severity ${code} (expected ${SEVERITY_LEVELS.join(', ')})`, 'run `edgepolicy check --help` for usage');
    }
    out[code] = level;
  }
  return out;
}

/** Findings with the settings file's per-code severities and then the command line's applied (grouped by file). */
function withSeverity(ws: LoadedWorkspace, findings: Finding[], flags: Record<string, SeverityLevel>): Finding[] {
  if (!ws.severityFor && Object.keys(flags).length === 0) return findings;
  const byUri = new Map<string, Finding[]>();
  for (const f of findings) {
    let list = byUri.get(f.uri);
    if (!list) byUri.set(f.uri, (list = []));
    list.push(f);
  }
  const out: Finding[] = [];
  for (const [uri, list] of byUri) out.push(...applySeverity(list, { ...ws.severityFor?.(uri), ...flags }));
  return out;
}

export async function runRoutes(argv: string[], io: CliIo, load: Loader): Promise<number> {
  const { values, positionals } = parseCommandArgs('routes', argv, {
    format: { type: 'string', short: 'f' },
    exclude: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(ROUTES_HELP);
    return EXIT_OK;
  }
  const format = oneOf('routes', 'format', values.format, ['text', 'json'] as const, 'text');
  const exclude = (values.exclude as string[] | undefined) ?? [];
  const ws = await load(positionals.length > 0 ? positionals : ['.'], { exclude }, io);
  const table = ws.routeTable();
  io.stdout(format === 'json' ? formatRoutesJson(table, io.cwd) : formatRoutesText(table, io.cwd));
  return engineFailure(ws, io) ? EXIT_USAGE : EXIT_OK;
}
