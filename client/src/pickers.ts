// Pure helpers behind the "Diff against cluster" pickers: context items, namespace choices, typed input,
// and where the kubeconfig comes from.
import * as path from 'node:path';
import type { RouteTable } from '../../server/src/engine/model';
import type { KubeContextInfo, KubeconfigParams } from '../../server/src/lsp/protocol';

export interface PickItem {
  label: string;
  description?: string;
  detail?: string;
  picked?: boolean;
  /** Separator rows in a QuickPick. */
  separator?: boolean;
  /** What choosing the item means. */
  value?: string;
  kind?: 'all' | 'namespace' | 'context';
}

/** Contexts, the current one first (then by name), with cluster/user/namespace as detail. */
export function contextItems(contexts: readonly KubeContextInfo[]): PickItem[] {
  const sorted = [...contexts].sort((a, b) => Number(b.current) - Number(a.current) || a.name.localeCompare(b.name));
  return sorted.map((c) => ({
    label: c.name,
    description: c.current ? 'current context' : undefined,
    detail: `cluster: ${c.cluster || '—'} · user: ${c.user || '—'} · namespace: ${c.namespace || 'default'}`,
    value: c.name,
    kind: 'context' as const,
  }));
}

/** Namespaces the workspace's routes live in (Mappings, TCPMappings, Hosts). */
export function workspaceNamespaces(table: RouteTable | undefined): string[] {
  const out = new Set<string>();
  if (!table) return [];
  for (const h of table.hosts) if (h.namespace) out.add(h.namespace);
  for (const g of table.groups) for (const m of g.members) if (m.namespace) out.add(m.namespace);
  for (const t of table.tcp) for (const m of t.members) if (m.namespace) out.add(m.namespace);
  return [...out].sort();
}

export const ALL_NAMESPACES = 'All namespaces';

/**
 * Items of the namespace multi-pick: "All namespaces" (picked by default), then the workspace's namespaces, then
 * the rest of the cluster's. Namespaces of the workspace that the cluster lacks are still offered (marked).
 */
export function namespaceItems(clusterNamespaces: readonly string[], wsNamespaces: readonly string[]): PickItem[] {
  const cluster = new Set(clusterNamespaces);
  const ws = [...new Set(wsNamespaces)].sort();
  const items: PickItem[] = [
    { label: ALL_NAMESPACES, description: 'every namespace the workspace or the cluster has', picked: true, kind: 'all', value: '' },
  ];
  if (ws.length) {
    items.push({ label: 'In the workspace', separator: true });
    for (const n of ws)
      items.push({
        label: n,
        description: cluster.size && !cluster.has(n) ? 'not in the cluster' : 'used in the workspace',
        kind: 'namespace',
        value: n,
      });
  }
  const rest = [...cluster].filter((n) => !ws.includes(n)).sort();
  if (rest.length) {
    items.push({ label: 'In the cluster', separator: true });
    for (const n of rest) items.push({ label: n, kind: 'namespace', value: n });
  }
  return items;
}

/** Selected items -> namespaces to send ([] = all). */
export function namespacesFromPick(picked: readonly PickItem[]): string[] {
  if (picked.some((p) => p.kind === 'all')) return [];
  return [...new Set(picked.filter((p) => p.kind === 'namespace' && p.value).map((p) => p.value as string))];
}

const NS_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Parse typed namespaces ("a, b c"); returns an error message for names Kubernetes would refuse. */
export function parseNamespaceInput(text: string): { namespaces: string[]; error?: string } {
  const names = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => n.length > 63 || !NS_RE.test(n));
  if (bad.length) return { namespaces: [], error: `Not a valid namespace name: ${bad.join(', ')} (lower-case letters, digits and '-').` };
  return { namespaces: [...new Set(names)] };
}

/**
 * The kubeconfig params for a request. The `edgepolicy.kubeconfig` setting is honoured only in a trusted workspace;
 * `~` expands to the home directory and a relative path is taken from the first workspace folder.
 * Untrusted workspaces also never allow exec credential plugins.
 */
export function kubeconfigParams(setting: string | undefined, trusted: boolean, home: string, folder?: string): KubeconfigParams {
  if (!trusted) return { allowExec: false };
  const raw = (setting ?? '').trim();
  if (!raw) return { allowExec: true };
  let p = raw;
  if (p === '~') p = home;
  else if (p.startsWith('~/') || p.startsWith('~\\')) p = path.join(home, p.slice(2));
  else if (!path.isAbsolute(p) && folder) p = path.join(folder, p);
  return { kubeconfig: p, allowExec: true };
}
