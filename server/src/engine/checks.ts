// EP2xx cross-resource policy checks over the whole workspace, computed from ONE route-model build.
// The individual checks live in ./checks/*.ts; this module wires them together and fills
// RouteGroup.problems / TcpRoute.problems from the findings.
import type { Finding, Resource, RouteTable } from './model';
import { NONE, compareFindings, isRecord } from './model';
import { buildRouteModel } from './routes';
import type { GroupDetail, TcpGroupDetail } from './routes';
import type { CheckOptions, CollectedFinding } from './checks/context';
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

  attachProblems(model.groups, model.tcpGroups, [collected]);
  return { routes: model.table, findings: sortFindings(collected.map((c) => c.finding)) };
}

/**
 * Sets RouteGroup.problems and TcpRoute.problems from the findings (given as lists): the sorted codes of every
 * finding that names the group (groupIds) or whose subject is one of its members. Groups without any share one
 * frozen empty list.
 */
export function attachProblems(groups: GroupDetail[], tcpGroups: TcpGroupDetail[], findings: Iterable<readonly CollectedFinding[]>): void {
  const bySubject = new Map<Resource, string[]>();
  const byGroup = new Map<string, string[]>();
  const add = <K>(map: Map<K, string[]>, key: K, code: string) => {
    const list = map.get(key);
    if (!list) map.set(key, [code]);
    else if (!list.includes(code)) list.push(code);
  };
  for (const list of findings) {
    for (const c of list) {
      add(bySubject, c.subject, c.finding.code);
      for (const id of c.groupIds) add(byGroup, id, c.finding.code);
    }
  }
  const codesOf = (named: string[] | undefined, members: readonly { mapping: { resource: Resource } }[]): string[] => {
    let codes = named ? named.slice() : undefined;
    for (const m of members) {
      const more = bySubject.get(m.mapping.resource);
      if (!more) continue;
      codes ??= [];
      for (const code of more) if (!codes.includes(code)) codes.push(code);
    }
    return codes ? codes.sort() : NONE;
  };
  for (const g of groups) g.group.problems = codesOf(byGroup.get(g.group.groupId), g.members);
  for (const t of tcpGroups) t.route.problems = codesOf(undefined, t.members);
}

/**
 * Names of the core/v1 Secrets defined by plain YAML documents (e.g. ParsedDocument.value), for
 * CheckOptions.secrets. Reads only metadata.name/namespace; `kind: List` items are included.
 */
export function secretsInDocuments(values: unknown[]): { name: string; namespace?: string }[] {
  const out: { name: string; namespace?: string }[] = [];
  const visit = (v: unknown, depth: number) => {
    if (!isRecord(v) || depth > 2) return;
    if (v.kind === 'List' && Array.isArray(v.items)) {
      for (const item of v.items) visit(item, depth + 1);
      return;
    }
    const secret = secretOf(v);
    if (secret) out.push(secret);
  };
  for (const v of values) visit(v, 0);
  return out;
}

/** The name and namespace of a `kind: Secret` (apiVersion v1) object with a name; undefined for anything else. */
export function secretOf(v: unknown): { name: string; namespace?: string } | undefined {
  if (!isRecord(v) || v.kind !== 'Secret' || v.apiVersion !== 'v1' || !isRecord(v.metadata)) return undefined;
  const { name, namespace } = v.metadata;
  if (typeof name !== 'string' || name === '') return undefined;
  return typeof namespace === 'string' && namespace !== '' ? { name, namespace } : { name };
}

/** Deterministic order (compareFindings: file, position, code, message), as a new list. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}
