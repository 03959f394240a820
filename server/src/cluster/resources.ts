// Where the Ambassador resources live in the Kubernetes API, and discovery-based explanations for 404s.
import { AMBASSADOR_GROUP, AMBASSADOR_KINDS, versionsOf } from '../engine/model';
import { ClusterError } from './errors';
import type { KubeClient } from './client';

export const GROUP = AMBASSADOR_GROUP;

/** The plural resource name of a kind: the lower-cased kind plus "s" (all Ambassador kinds, Service), "es" after an s (Ingress). */
export function pluralOf(kind: string): string {
  const k = kind.toLowerCase();
  return k.endsWith('s') ? `${k}es` : `${k}s`;
}

/** `mappings.getambassador.io`, `services` (core group ''), `ingresses.networking.k8s.io`: as the API server names a resource. */
export function resourceName(kind: string, group = GROUP): string {
  return group ? `${pluralOf(kind)}.${group}` : pluralOf(kind);
}

export function collectionPath(group: string, version: string, kind: string, namespace?: string): string {
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${pluralOf(kind)}` : `${base}/${pluralOf(kind)}`;
}

/** The kinds compared by the diff: every kind Emissary serves. */
export const DIFF_KINDS: readonly string[] = AMBASSADOR_KINDS;

/** Version listed for cluster-only detection when the workspace uses several (or none): v3alpha1 first. */
export function primaryVersion(kind: string, used: Set<string> | undefined): string {
  if (!used || used.size === 0 || used.has('v3alpha1')) return 'v3alpha1';
  const order = versionsOf(kind).slice().reverse();
  return order.find((v) => used.has(v)) ?? [...used].sort().reverse()[0]!;
}

/**
 * Explain a 404 on a getambassador.io collection: the whole group is missing (CRDs not installed), or just this
 * kind/version is not served.
 */
export async function explain404(client: KubeClient, kind: string, version: string): Promise<ClusterError> {
  let versions: string[] | undefined;
  try {
    const g = await client.getJson<{ versions?: { version?: string }[] }>(`/apis/${GROUP}`, { verb: 'get', resource: `the API group ${GROUP}` }, async () =>
      new ClusterError('crds-not-installed', ''),
    );
    versions = (g.versions ?? []).map((v) => v.version ?? '').filter(Boolean);
  } catch (e) {
    if (e instanceof ClusterError && e.reason === 'crds-not-installed') versions = undefined;
    else throw e;
  }
  if (!versions) {
    return new ClusterError(
      'crds-not-installed',
      `The Emissary-ingress CRDs are not installed in the cluster of context "${client.contextName}": the API group ${GROUP} does not exist (404 for ${resourceName(kind)}). Install the CRDs, or pick another context.`,
      404,
    );
  }
  return new ClusterError(
    'version-not-served',
    versions.includes(version)
      ? `The cluster of context "${client.contextName}" does not serve ${resourceName(kind)} (the CRD for ${kind} is not installed).`
      : `The cluster of context "${client.contextName}" does not serve ${GROUP}/${version} (it serves ${versions.join(', ') || 'no versions'}) for ${kind}.`,
    404,
  );
}

/** Names of all namespaces (list permission on namespaces needed). */
export async function listNamespaceNames(client: KubeClient): Promise<string[]> {
  const res = await client.list<{ metadata?: { name?: string } }>('/api/v1/namespaces', { verb: 'list', resource: 'namespaces' });
  return res.items
    .map((n) => n.metadata?.name)
    .filter((n): n is string => typeof n === 'string')
    .sort();
}
