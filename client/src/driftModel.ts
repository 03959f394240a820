// The Cluster drift tree, status-bar text and the virtual-document URIs of the diff editor. Pure.
import type { DriftEntry, DriftState, DriftSummary } from '../../server/src/lsp/protocol';
import { lineLocation, md, shortLocation, type IconSpec, type ViewNode } from './viewNode';

export const DIFF_SCHEME = 'edgepolicy-diff';
export type DiffSide = 'workspace' | 'cluster';

export interface DriftStateInfo {
  state: DriftState;
  label: string;
  icon: IconSpec;
  /** Short text for an entry's description when it has no changed paths to show. */
  short: string;
}

/** Display order of the state groups. */
export const DRIFT_STATES: readonly DriftStateInfo[] = [
  { state: 'changed', label: 'Changed', icon: { id: 'diff-modified', color: 'gitDecoration.modifiedResourceForeground' }, short: 'changed' },
  {
    state: 'workspace-only',
    label: 'Only in workspace — not applied yet',
    icon: { id: 'diff-added', color: 'gitDecoration.addedResourceForeground' },
    short: 'not applied yet',
  },
  {
    state: 'cluster-only',
    label: 'Only in cluster — not in Git',
    icon: { id: 'diff-removed', color: 'gitDecoration.deletedResourceForeground' },
    short: 'not in Git',
  },
  { state: 'in-sync', label: 'In sync', icon: { id: 'check', color: 'testing.iconPassed' }, short: 'in sync' },
];

export function stateInfo(state: DriftState): DriftStateInfo {
  return DRIFT_STATES.find((s) => s.state === state) ?? DRIFT_STATES[0];
}

/** `/spec/headers/x-team` -> `spec.headers.x-team`, `/spec/a~1b/0` -> `spec["a/b"][0]`. */
export function pointerToPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '(whole object)';
  const parts = pointer
    .replace(/^\//, '')
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** The first few changed paths, for an entry's description. */
export function changesSummary(changes: readonly string[], max = 3): string {
  const paths = changes.map(pointerToPath);
  if (paths.length <= max) return paths.join(', ');
  return `${paths.slice(0, max).join(', ')} +${paths.length - max} more`;
}

export function entryLabel(e: DriftEntry): string {
  return `${e.kind} ${e.namespace}/${e.name}`;
}

/** "annotation of Service ns/name" for resources defined in a getambassador.io/config annotation. */
export function annotationText(e: Pick<DriftEntry, 'annotationOf'>): string | undefined {
  const a = e.annotationOf;
  return a ? `annotation of ${a.kind} ${a.namespace}/${a.name}` : undefined;
}

export function entryDescription(e: DriftEntry): string {
  const base = e.state === 'changed' && e.changes.length ? changesSummary(e.changes) : stateInfo(e.state).short;
  const ann = annotationText(e);
  return ann ? `${base} (${ann})` : base;
}

export function entryTooltip(e: DriftEntry, context: string): string {
  const lines = [`**${md(entryLabel(e))}** — ${md(stateInfo(e.state).label)}`, ''];
  const ann = annotationText(e);
  if (ann) lines.push(`Defined in the getambassador.io/config ${md(ann)} (compared with that annotation in the cluster, not with a custom resource).`, '');
  if (e.state === 'changed') {
    lines.push(`Changed fields (workspace ↔ ${md(context)}):`);
    lines.push(...e.changes.map((c) => `- \`${pointerToPath(c)}\``));
    if (!e.changes.length) lines.push('- (no field list)');
  } else if (e.state === 'workspace-only') lines.push(`Defined in the workspace but not found in ${md(context)}.`);
  else if (e.state === 'cluster-only') lines.push(`Found in ${md(context)} but not defined in the workspace.`);
  else lines.push(`Same in the workspace and in ${md(context)}.`);
  if (e.uri) {
    lines.push('');
    lines.push(`Source: ${md(shortLocation(lineLocation(e.uri, e.line)))}`);
  }
  return lines.join('\n');
}

/** Number of entries that differ (every state but in-sync). */
export function driftedCount(s: DriftSummary | undefined): number {
  return s ? s.entries.filter((e) => e.state !== 'in-sync').length : 0;
}

export function countsByState(entries: readonly DriftEntry[]): Record<DriftState, number> {
  const c: Record<DriftState, number> = { changed: 0, 'workspace-only': 0, 'cluster-only': 0, 'in-sync': 0 };
  for (const e of entries) if (e.state in c) c[e.state]++;
  return c;
}

/** The message item at the top of the drift view (undefined when live and fine). */
export function statusNode(s: DriftSummary): ViewNode | undefined {
  const base = { kind: 'message' as const, contextValue: 'driftMessage' };
  const ctx = s.context;
  switch (s.status) {
    case 'loading':
      return { ...base, id: 'drift:status', label: `Loading resources from ${ctx}…`, icon: { id: 'loading~spin' } };
    case 'reconnecting':
      return {
        ...base,
        id: 'drift:status',
        label: `Reconnecting to ${ctx}…`,
        description: s.message,
        tooltip: s.message ? md(s.message) : undefined,
        icon: { id: 'sync~spin', color: 'problemsWarningIcon.foreground' },
      };
    case 'error':
      return {
        ...base,
        id: 'drift:status',
        label: s.message ?? `Could not read from ${ctx}`,
        description: s.message ? ctx : undefined,
        tooltip: md(s.message ?? `Could not read from ${ctx}`),
        icon: { id: 'error', color: 'problemsErrorIcon.foreground' },
        contextValue: 'driftMessage.error',
      };
    case 'stopped':
      return {
        ...base,
        id: 'drift:status',
        label: 'Live diff stopped',
        description: `last compared with ${ctx}`,
        icon: { id: 'debug-stop' },
        contextValue: 'driftMessage.stopped',
      };
    default:
      return undefined;
  }
}

export function namespacesText(namespaces: readonly string[]): string {
  return namespaces.length ? namespaces.join(', ') : 'all namespaces';
}

/** Root nodes of the drift view: an optional status message, then one node per state with its count. */
export function buildDriftNodes(s: DriftSummary | undefined): ViewNode[] {
  if (!s) return [];
  const nodes: ViewNode[] = [];
  const st = statusNode(s);
  if (st) nodes.push(st);
  if (s.status === 'loading' && s.entries.length === 0) return nodes;
  const counts = countsByState(s.entries);
  for (const info of DRIFT_STATES) {
    const entries = s.entries
      .filter((e) => e.state === info.state)
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    const n = counts[info.state];
    nodes.push({
      id: `drift:state:${info.state}`,
      kind: 'driftState',
      label: `${info.label} (${n})`,
      icon: info.icon,
      contextValue: `driftState.${info.state}`,
      expanded: info.state !== 'in-sync' && n > 0,
      children: entries.map((e) => ({
        id: `drift:entry:${e.key}`,
        kind: 'driftEntry' as const,
        label: entryLabel(e),
        description: entryDescription(e),
        tooltip: entryTooltip(e, s.context),
        icon: info.icon,
        contextValue: e.uri ? 'driftEntry.source' : 'driftEntry',
        entry: e,
        location: e.uri ? lineLocation(e.uri, e.line) : undefined,
      })),
    });
  }
  return nodes;
}

/** Status-bar text during a diff session (codicon syntax), and its tooltip. */
export function driftStatusText(s: DriftSummary): { text: string; tooltip: string } {
  const n = driftedCount(s);
  const where = `${s.context} (${namespacesText(s.namespaces)})`;
  switch (s.status) {
    case 'loading':
      return { text: `$(sync~spin) ${s.context}: loading`, tooltip: `Edge Policy: loading resources from ${where}` };
    case 'reconnecting':
      return { text: `$(sync~spin) ${s.context}: ${n} drifted`, tooltip: `Edge Policy: reconnecting to ${where}. ${s.message ?? ''}`.trim() };
    case 'error':
      return { text: `$(cloud) ${s.context}: error`, tooltip: `Edge Policy: ${s.message ?? 'diff failed'}` };
    case 'stopped':
      return { text: `$(cloud) ${s.context}: stopped`, tooltip: `Edge Policy: live diff with ${where} stopped` };
    default: {
      const c = countsByState(s.entries);
      return {
        text: `$(cloud) ${s.context}: ${n} drifted`,
        tooltip: `Edge Policy: live diff with ${where} — ${c.changed} changed, ${c['workspace-only']} only in workspace, ${c['cluster-only']} only in cluster, ${c['in-sync']} in sync. Click to show.`,
      };
    }
  }
}

// ---- virtual documents of the diff editor

export interface DiffUriParts {
  scheme: string;
  /** Human-readable, ends in .yaml so the editor picks YAML highlighting. */
  path: string;
  query: string;
}

function safeSegment(s: string): string {
  return s.replace(/[/\\?#%]/g, '_') || '_';
}

/** The URI parts of one side of an entry. `session` changes per diff session so stale documents are not reused. */
export function diffUriParts(e: Pick<DriftEntry, 'key' | 'kind' | 'namespace' | 'name'>, side: DiffSide, session = 0): DiffUriParts {
  const q = new URLSearchParams({ side, key: e.key, s: String(session) });
  return {
    scheme: DIFF_SCHEME,
    path: `/${side}/${safeSegment(e.kind)}/${safeSegment(e.namespace || '_')}/${safeSegment(e.name)}.yaml`,
    query: q.toString(),
  };
}

/** Parse the query of a virtual document URI back into the request params; undefined if it is not ours. */
export function parseDiffQuery(query: string): { key: string; side: DiffSide } | undefined {
  const q = new URLSearchParams(query);
  const side = q.get('side');
  const key = q.get('key');
  if ((side !== 'workspace' && side !== 'cluster') || !key) return undefined;
  return { key, side };
}

export function diffTitle(e: Pick<DriftEntry, 'kind' | 'namespace' | 'name'>, context: string): string {
  return `${e.kind} ${e.namespace}/${e.name} (workspace ↔ ${context})`;
}
