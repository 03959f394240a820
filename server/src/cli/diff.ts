// `edgepolicy diff`: compare the workspace's Ambassador resources with a cluster (read-only: get/list only).
// Exit codes (io.ts): EXIT_OK in sync, EXIT_DRIFT drift, EXIT_USAGE error (bad usage, no kubeconfig, unreachable cluster, ...).
import type { DriftEntry, DriftSummary } from '../lsp/protocol';
import { desiredFromResource, type DesiredItem } from '../engine/diff';
import type { IgnoreRule } from '../engine/ignore';
import { errorMessage } from '../cluster/errors';
import { loadKubeconfig, resolveContext, type ResolvedContext } from '../cluster/kubeconfig';
import { diffOnce } from '../cluster/session';
import { parseCommandArgs, oneOf } from './args';
import { parseInputs, readInputs } from './inputs';
import { EXIT_DRIFT, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io';
import { displayPath } from './paths';
import { DIFF_HELP } from './diff-help';

export { DIFF_HELP };

/** The desired side and the diff.ignore rules of the `.edgepolicy.yaml` files that apply to the paths. */
export interface DesiredSide {
  desired: DesiredItem[];
  ignore: IgnoreRule[];
}

/** Loads the desired side. Replaceable for tests. */
export type DesiredLoader = (paths: string[], exclude: string[], io: CliIo) => Promise<DesiredSide>;

/**
 * The files are parsed and nothing more: diff reports neither schema findings nor cross-resource checks, so they
 * are not computed. Resources come in the order a Workspace lists them (by file URI, then position), so that of
 * two definitions of one object the same one is compared.
 */
export const loadDesired: DesiredLoader = async (paths, exclude, io) => {
  const { files, settings } = await readInputs(paths, exclude, io);
  const desired: DesiredItem[] = [];
  for (const parsed of parseInputs(files, io)) for (const r of parsed.resources) desired.push(desiredFromResource(r));
  return { desired, ignore: settings.diffIgnore };
};

/**
 * Runs `edgepolicy diff`. A cluster that cannot be compared is reported here (and as JSON with --format json);
 * usage errors and anything unexpected are thrown, for run() to report like every other subcommand's.
 */
export async function runDiff(argv: string[], io: CliIo, deps: { load?: DesiredLoader } = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs('diff', argv, {
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    namespace: { type: 'string', short: 'n', multiple: true },
    format: { type: 'string', short: 'f' },
    exclude: { type: 'string', multiple: true },
    'request-timeout': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(DIFF_HELP);
    return EXIT_OK;
  }
  const format = oneOf('diff', 'format', values.format, ['text', 'json'] as const, 'text');
  let timeoutMs = 10_000;
  if (values['request-timeout'] !== undefined) {
    const s = Number(values['request-timeout']);
    if (!Number.isFinite(s) || s <= 0) throw new UsageError(`invalid value '${String(values['request-timeout'])}' for --request-timeout (expected seconds > 0)`);
    timeoutMs = s * 1000;
  }
  const namespaces = [...new Set((values.namespace as string[] | undefined) ?? [])];
  for (const ns of namespaces)
    if (ns.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns))
      throw new UsageError(
        `invalid namespace '${ns}' (a namespace name is lower-case letters, digits and '-', starts and ends with a letter or digit, at most 63 characters)`,
      );

  // The kubeconfig and context first: a wrong one is reported at once, before any file is read.
  const contextName = (values.context as string | undefined) ?? '';
  const kubeconfig = values.kubeconfig as string | undefined;
  let ctx: ResolvedContext;
  try {
    ctx = resolveContext(loadKubeconfig({ kubeconfig, env: io.env, cwd: io.cwd }), contextName, true);
  } catch (e) {
    // Whatever goes wrong in reading the kubeconfig is the user's to fix, as when a live session starts.
    return fail(errorMessage(e), format, io, contextName);
  }

  const load = deps.load ?? loadDesired;
  const { desired, ignore } = await load(positionals.length ? positionals : ['.'], (values.exclude as string[] | undefined) ?? [], io);
  // A cluster that cannot be compared comes back as an error summary (the session catches it), never as a throw.
  const { summary, notes } = await diffOnce({ allowExec: true, ignore, client: { timeoutMs } }, ctx, namespaces, desired);
  if (summary.status === 'error') return fail(summary.message ?? 'unknown error', format, io, summary.context);
  if (summary.message) io.stderr(`edgepolicy: note: ${summary.message}\n`);
  const drift = summary.entries.some((e) => e.state !== 'in-sync');
  if (format === 'json') io.stdout(JSON.stringify(toJson(summary, io.cwd, notes), null, 2) + '\n');
  else io.stdout(toText(summary, io.cwd));
  return drift ? EXIT_DRIFT : EXIT_OK;
}

function fail(message: string, format: 'text' | 'json', io: CliIo, context: string): number {
  io.stderr(`edgepolicy diff: ${message}\n`);
  // The same keys as a comparison's output (toJson), plus the error: a script reads one shape.
  if (format === 'json') io.stdout(JSON.stringify({ context, error: message, notes: [], resources: [] }, null, 2) + '\n');
  return EXIT_USAGE;
}

export interface DiffJsonResource {
  kind: string;
  namespace: string;
  name: string;
  state: DriftEntry['state'];
  changes: string[];
  file: string | null;
  line: number | null;
  /** The Service/Ingress whose getambassador.io/config annotation defines the resource; null for a custom resource. */
  annotationOf: { kind: string; namespace: string; name: string } | null;
}

/**
 * The JSON output. `notes`: what the comparison left out or narrowed (owners that may not be read, kinds the cluster
 * does not serve, the fallback from the cluster scope to the workspace's namespaces); empty for a complete comparison.
 */
export function toJson(summary: DriftSummary, cwd: string, notes: string[] = []): { context: string; notes: string[]; resources: DiffJsonResource[] } {
  return {
    context: summary.context,
    notes: [...notes],
    resources: summary.entries.map((e) => ({
      kind: e.kind,
      namespace: e.namespace,
      name: e.name,
      state: e.state,
      changes: e.changes,
      file: e.uri ? displayPath(e.uri, cwd) : null,
      line: e.line !== undefined ? e.line + 1 : null,
      annotationOf: e.annotationOf ? { ...e.annotationOf } : null,
    })),
  };
}

export function toText(summary: DriftSummary, cwd: string): string {
  const out: string[] = [];
  out.push(`Context ${summary.context}, ${summary.namespaces.length ? `namespaces ${summary.namespaces.join(', ')}` : 'all namespaces'}`);
  const drifted = summary.entries.filter((e) => e.state !== 'in-sync');
  const label = (e: DriftEntry): string =>
    `${e.kind} ${e.namespace}/${e.name}${e.annotationOf ? ` (annotation of ${e.annotationOf.kind} ${e.annotationOf.namespace}/${e.annotationOf.name})` : ''}`;
  const width = Math.max(0, ...drifted.map((e) => label(e).length));
  for (const e of drifted) {
    const what = label(e).padEnd(width);
    const where = e.uri ? `  ${displayPath(e.uri, cwd)}${e.line !== undefined ? `:${e.line + 1}` : ''}` : '';
    out.push(`  ${e.state.padEnd(14)}  ${what}${where}`.trimEnd());
    for (const c of e.changes) out.push(`      ${c}`);
  }
  const count = (s: DriftEntry['state']): number => summary.entries.filter((e) => e.state === s).length;
  const inSync = count('in-sync');
  if (!summary.entries.length) out.push('No Ambassador resources in the workspace or the cluster.');
  else if (!drifted.length) out.push(`In sync: ${inSync} resource(s) match the cluster.`);
  else
    out.push(
      `Drift: ${drifted.length} of ${summary.entries.length} resource(s) (${count('changed')} changed, ${count('workspace-only')} workspace-only, ${count('cluster-only')} cluster-only); ${inSync} in sync.`,
    );
  return out.join('\n') + '\n';
}
