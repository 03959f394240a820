// EP2xx cross-resource policy checks over the whole workspace, computed from ONE route-model build.
// The individual checks live in ./checks/*.ts; this module wires them together and fills
// RouteGroup.problems / TcpRoute.problems from the findings.
import type { Finding, Resource, RouteTable } from './model';
import { isRecord } from './model';
import { buildRouteModel } from './routes';
import type { CheckOptions } from './checks/context';
import { createContext } from './checks/context';
import { checkConflicts } from './checks/conflicts';
import { checkGroups } from './checks/groups';
import { checkPatterns } from './checks/patterns';
import { checkReferences } from './checks/references';

export type { CheckOptions, SeveritySetting } from './checks/context';

export interface WorkspaceAnalysis {
  routes: RouteTable;
  findings: Finding[];
}

/** Route table and EP2xx findings from one build. Never throws on odd input. */
export function analyzeResources(resources: Resource[], opts: CheckOptions = {}): WorkspaceAnalysis {
  const model = buildRouteModel(resources, opts);
  const { ctx, collected } = createContext(model, opts);
  checkGroups(ctx);
  checkConflicts(ctx);
  checkReferences(ctx);
  checkPatterns(ctx);

  // RouteGroup.problems: every code of a finding that touches the group, directly or through a member.
  const groupOfResource = new Map<Resource, string[]>();
  for (const g of model.groups) {
    for (const d of g.members) {
      const list = groupOfResource.get(d.mapping.resource) ?? [];
      list.push(g.group.groupId);
      groupOfResource.set(d.mapping.resource, list);
    }
  }
  const problems = new Map<string, Set<string>>();
  for (const c of collected) {
    for (const id of new Set([...c.groupIds, ...(groupOfResource.get(c.subject) ?? [])])) {
      const set = problems.get(id) ?? new Set<string>();
      set.add(c.finding.code);
      problems.set(id, set);
    }
  }
  for (const g of model.groups) g.group.problems = [...(problems.get(g.group.groupId) ?? [])].sort();
  for (const t of model.tcpGroups) {
    const members = new Set(t.members.map((m) => m.mapping.resource));
    t.route.problems = [...new Set(collected.filter((c) => members.has(c.subject)).map((c) => c.finding.code))].sort();
  }

  return { routes: model.table, findings: sortFindings(collected.map((c) => c.finding)) };
}

/**
 * Names of the core/v1 Secrets defined by plain YAML documents (e.g. ParsedDocument.value), for
 * CheckOptions.secrets. Reads only metadata.name/namespace; `kind: List` items are included.
 */
export function secretsInDocuments(values: unknown[]): { name: string; namespace?: string }[] {
  const out: { name: string; namespace?: string }[] = [];
  const visit = (v: unknown, depth: number) => {
    if (!isRecord(v) || depth > 2) return;
    const o = v;
    if (o.kind === 'List' && Array.isArray(o.items)) {
      for (const item of o.items) visit(item, depth + 1);
      return;
    }
    if (o.kind !== 'Secret' || o.apiVersion !== 'v1') return;
    const meta = o.metadata;
    if (typeof meta !== 'object' || meta === null) return;
    const { name, namespace } = meta as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') return;
    out.push(typeof namespace === 'string' && namespace !== '' ? { name, namespace } : { name });
  };
  for (const v of values) visit(v, 0);
  return out;
}

/** Deterministic order: file, position, code, message. */
export function sortFindings(findings: Finding[]): Finding[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...findings].sort(
    (a, b) =>
      cmp(a.uri, b.uri) ||
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      cmp(a.code, b.code) ||
      cmp(a.message, b.message),
  );
}
