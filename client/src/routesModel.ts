// Builds the Routes tree (Host -> route group -> members, plus TCP) from the server's route table. Pure. Problems
// and their severities are shown as the server sent them (after the folders' severity settings); tooltips are
// built only when VS Code asks for one (ViewNode.resolveTooltip).
import type { RouteHost, RouteMember } from '../../server/src/engine/model';
import { deepEqual } from '../../server/src/engine/model';
import type { DriftEntry, RoutesResult } from '../../server/src/lsp/protocol';
import { explainCodes, worstSeverity } from './problems';
import { md, shortLocation, type IconSpec, type ViewNode } from './viewNode';

export interface RoutesModelOptions {
  /** Free text; every whitespace-separated term must match the host, group or member (case-insensitive). */
  filter?: string;
  /** Drift entries of the current diff session: routes whose Mappings drifted get a marker. */
  drift?: readonly DriftEntry[];
}

type RouteGroup = RoutesResult['groups'][number];
type TcpRoute = RoutesResult['tcp'][number];

const SEVERITY_ICON: Record<string, IconSpec> = {
  error: { id: 'error', color: 'problemsErrorIcon.foreground' },
  warning: { id: 'warning', color: 'problemsWarningIcon.foreground' },
  info: { id: 'info', color: 'problemsInfoIcon.foreground' },
  hint: { id: 'lightbulb', color: 'problemsInfoIcon.foreground' },
};

/** `Kind/namespace/name` of every resource that differs from the cluster (any state but in-sync). */
export function driftedResources(entries: readonly DriftEntry[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const e of entries ?? []) if (e.state !== 'in-sync') out.add(`${e.kind}/${e.namespace}/${e.name}`);
  return out;
}

function memberDrifted(m: RouteMember, drifted: Set<string>, kind = 'Mapping'): boolean {
  return drifted.has(`${kind}/${m.namespace}/${m.name}`);
}

/** How the group matches, for the description: method, headers, query parameters, precedence. */
export function groupDescription(g: RouteGroup): string {
  const parts: string[] = [];
  if (g.prefixRegex) parts.push('regex');
  else if (g.prefixExact) parts.push('exact');
  if (g.method) parts.push(g.method);
  for (const h of g.headers) parts.push(`${h.name}${h.regex ? '~' : '='}${h.value}`);
  for (const q of g.queryParameters) parts.push(`?${q.name}${q.regex ? '~' : '='}${q.value}`);
  if (g.precedence) parts.push(`precedence ${g.precedence}`);
  if (g.members.length > 1) parts.push(`${g.members.length} members`);
  return parts.join(' · ');
}

export function memberDescription(m: RouteMember): string {
  const parts: string[] = [m.service || '(no service)'];
  if (m.dropped) parts.push('dropped');
  else {
    let w = `${formatWeight(m.weight)}%`;
    if (m.rawWeight !== undefined && m.rawWeight !== m.weight) w += ` (weight ${m.rawWeight})`;
    parts.push(w);
  }
  if (m.shadow) parts.push('shadow');
  if (m.redirect) parts.push('redirect');
  return parts.join(' · ');
}

function formatWeight(w: number): string {
  return Number.isInteger(w) ? String(w) : w.toFixed(1);
}

function groupTooltip(g: RouteGroup, drifted: boolean): string {
  const lines: string[] = [];
  lines.push(`**Route** \`${g.prefix}\`${g.prefixRegex ? ' (regex)' : g.prefixExact ? ' (exact)' : ''}`);
  lines.push('');
  lines.push(`Host: \`${g.host}\`${g.hostRegex ? ' (regex)' : ''}`);
  if (g.hosts.length) lines.push(`Attached to: ${g.hosts.map(md).join(', ')}`);
  if (g.method) lines.push(`Method: ${md(g.method)}`);
  for (const h of g.headers) lines.push(`Header: \`${h.name}\` ${h.regex ? 'matches' : '='} \`${h.value}\``);
  for (const q of g.queryParameters) lines.push(`Query: \`${q.name}\` ${q.regex ? 'matches' : '='} \`${q.value}\``);
  if (g.precedence) lines.push(`Precedence: ${g.precedence}`);
  lines.push(`Group: ${md(g.name)} · id \`${g.groupId.slice(0, 12)}\``);
  lines.push(`Key: \`${g.key}\``);
  if (g.rejected) {
    lines.push('');
    lines.push(`**Rejected by Emissary:** ${md(g.rejected)}`);
  }
  const problems = explainCodes(g.problems, g.severities);
  if (problems.length) {
    lines.push('');
    lines.push(...problems);
  }
  if (drifted) {
    lines.push('');
    lines.push('$(cloud) Differs from the cluster in the current diff session.');
  }
  return lines.join('  \n').replace(/ {2}\n- /g, '\n- ');
}

function memberTooltip(m: RouteMember, kind: string, drifted: boolean): string {
  const lines = [`**${kind}** ${md(`${m.namespace}/${m.name}`)}`, '', `Service: \`${m.service}\``];
  if (m.dropped) lines.push(`**Dropped by Emissary:** ${md(m.dropped)}`);
  else lines.push(`Share: ${formatWeight(m.weight)}%${m.rawWeight !== undefined ? ` (weight ${m.rawWeight})` : ''}`);
  if (m.shadow) lines.push('Shadow: receives a copy of the traffic; its responses are ignored.');
  if (m.redirect) lines.push('Redirect: answers with a redirect (host_redirect).');
  if (drifted) lines.push('$(cloud) Differs from the cluster.');
  lines.push(`Defined in ${md(shortLocation(m.location))}`);
  return lines.join('  \n');
}

function hostTooltip(h: RouteHost): string {
  return `**Host** ${md(`${h.namespace}/${h.name}`)}  \nHostname: \`${h.hostname}\`  \nRoutes: ${h.groupIds.length}  \nDefined in ${md(shortLocation(h.location))}`;
}

function tcpTooltip(r: TcpRoute): string {
  const problems = explainCodes(r.problems, r.severities);
  return [`**TCP** port ${r.port}${r.host ? ` · host \`${r.host}\`` : ''}`, ...(problems.length ? ['', ...problems] : [])].join('  \n').replace(/ {2}\n- /g, '\n- ');
}

function memberIcon(m: RouteMember): IconSpec {
  if (m.dropped) return { id: 'circle-slash', color: 'problemsWarningIcon.foreground' };
  if (m.shadow) return { id: 'eye' };
  if (m.redirect) return { id: 'arrow-swap' };
  return { id: 'symbol-field' };
}

function memberNode(parentId: string, m: RouteMember, i: number, drifted: Set<string>, kind = 'Mapping'): ViewNode {
  const d = memberDrifted(m, drifted, kind);
  let description = memberDescription(m);
  if (d) description += ' · drifted';
  return {
    id: `${parentId}/m${i}:${m.namespace}/${m.name}`,
    kind: 'member',
    label: `${m.namespace}/${m.name}`,
    description,
    resolveTooltip: () => memberTooltip(m, kind, d),
    icon: memberIcon(m),
    contextValue: 'routeMember',
    location: m.location,
    drifted: d || undefined,
  };
}

function groupIcon(g: RouteGroup): IconSpec {
  if (g.rejected) return SEVERITY_ICON.error;
  const worst = worstSeverity(g.problems, g.severities);
  if (worst) return SEVERITY_ICON[worst];
  return g.members.length > 1 ? { id: 'git-merge' } : { id: 'arrow-right' };
}

function groupNode(parentId: string, g: RouteGroup, members: RouteMember[], drifted: Set<string>): ViewNode {
  const id = `${parentId}/g:${g.groupId}`;
  const memberNodes = members.map((m, i) => memberNode(id, m, members === g.members ? i : g.members.indexOf(m), drifted));
  const d = g.members.some((m) => memberDrifted(m, drifted));
  let description = groupDescription(g);
  if (g.rejected) description = description ? `rejected · ${description}` : 'rejected';
  if (d) description = description ? `${description} · drifted` : 'drifted';
  const hasProblem = g.rejected !== undefined || g.problems.length > 0;
  return {
    id,
    kind: 'group',
    label: g.prefix,
    description,
    resolveTooltip: () => groupTooltip(g, d),
    icon: groupIcon(g),
    contextValue: hasProblem ? 'routeGroup.problem' : 'routeGroup',
    children: memberNodes,
    expanded: g.members.length > 1 || hasProblem,
    groupId: g.groupId,
    drifted: d || undefined,
  };
}

// ---- filtering

function terms(filter: string | undefined): string[] {
  return (filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
}

function hostText(h: RouteHost): string {
  return `${h.hostname} ${h.namespace}/${h.name}`.toLowerCase();
}

function groupText(g: RouteGroup): string {
  const hdr = [...g.headers, ...g.queryParameters].map((h) => `${h.name}=${h.value}`).join(' ');
  return `${g.prefix} ${g.host} ${g.name} ${g.method ?? ''} ${hdr} ${g.problems.join(' ')}`.toLowerCase();
}

function memberText(m: RouteMember): string {
  return `${m.namespace}/${m.name} ${m.service}`.toLowerCase();
}

function allMatch(ts: string[], text: string): boolean {
  return ts.every((t) => text.includes(t));
}

/** Members of `g` to show given the filter terms and the text of the enclosing nodes; undefined = hide group. */
function filterGroup(g: RouteGroup, ts: string[], outer: string): RouteMember[] | undefined {
  if (ts.length === 0) return g.members;
  const gt = `${outer} ${groupText(g)}`;
  if (allMatch(ts, gt)) return g.members;
  const ms = g.members.filter((m) => allMatch(ts, `${gt} ${memberText(m)}`));
  return ms.length ? ms : undefined;
}

// ---- the tree

/**
 * The message above the Routes view: why there is no table, or, when a later fetch failed, that the table shown is
 * the last one that could be loaded (the server may have stopped or failed to build a new one).
 */
/**
 * The first member node (in tree order) defined at `uri` whose name is on `nameLine` (0-based): where "Reveal in
 * Routes View" goes. A group attached to several Hosts shows under each; the first is taken.
 */
export function findMemberNode(roots: readonly ViewNode[], uri: string, nameLine: number): ViewNode | undefined {
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.kind === 'member' && n.location?.uri === uri && n.location.range.start.line === nameLine) return n;
    if (n.children) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return undefined;
}

/**
 * Whether a fetched table changes nothing the view shows: then the tree is left as it is (a full refresh on every
 * edit would redraw it, and VS Code mixes up children it is still loading with the new ones).
 */
export function sameTable(shown: RoutesResult | undefined, fetched: RoutesResult): boolean {
  return shown !== undefined && deepEqual(shown, fetched);
}

export function routesViewMessage(hasTable: boolean, error: string | undefined): string | undefined {
  if (!error) return undefined;
  return hasTable ? `Could not refresh routes (showing the last table loaded): ${error}` : `Could not load routes: ${error}`;
}

export interface RoutesModel {
  nodes: ViewNode[];
  /** True when the table holds no routes and no hosts at all (show the welcome view). */
  empty: boolean;
  /** Number of route groups shown (after filtering). */
  shownGroups: number;
  totalGroups: number;
}

export function buildRoutesModel(table: RoutesResult | undefined, opts: RoutesModelOptions = {}): RoutesModel {
  const t: RoutesResult = table ?? { hosts: [], groups: [], tcp: [] };
  const ts = terms(opts.filter);
  const drifted = driftedResources(opts.drift);
  const byId = new Map(t.groups.map((g) => [g.groupId, g]));
  const attached = new Set<string>();
  const nodes: ViewNode[] = [];
  let shownGroups = 0;

  for (const h of t.hosts) {
    const id = `host:${h.namespace}/${h.name}`;
    const outer = hostText(h);
    const children: ViewNode[] = [];
    for (const gid of h.groupIds) {
      const g = byId.get(gid);
      if (!g) continue;
      attached.add(gid);
      const ms = filterGroup(g, ts, outer);
      if (ms) children.push(groupNode(id, g, ms, drifted));
    }
    if (ts.length && children.length === 0 && !allMatch(ts, outer)) continue;
    shownGroups += children.length;
    const problems = children.filter((c) => c.icon && (c.icon.id === 'error' || c.icon.id === 'warning')).length;
    const descParts = [`Host ${h.namespace}/${h.name}`, h.groupIds.length ? `${h.groupIds.length} routes` : 'no routes'];
    if (problems) descParts.push(`${problems} with problems`);
    nodes.push({
      id,
      kind: 'host',
      label: h.hostname,
      description: descParts.join(' · '),
      resolveTooltip: () => hostTooltip(h),
      icon: { id: 'globe' },
      contextValue: 'routeHost',
      children,
      expanded: true,
      location: h.location,
    });
  }

  // Groups no Host picked up: bucket them by their own host glob ("*" = no host given).
  const buckets = new Map<string, RouteGroup[]>();
  for (const g of t.groups) {
    if (attached.has(g.groupId)) continue;
    const key = g.host || '*';
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = []));
    b.push(g);
  }
  for (const [host, groups] of buckets) {
    const id = `nohost:${host}`;
    const anyHost = host === '*';
    const label = anyHost ? '(no host)' : host;
    const outer = `${label} ${host}`.toLowerCase();
    const children: ViewNode[] = [];
    for (const g of groups) {
      const ms = filterGroup(g, ts, outer);
      if (ms) children.push(groupNode(id, g, ms, drifted));
    }
    if (children.length === 0) continue;
    shownGroups += children.length;
    const why = t.hosts.length === 0 ? 'no Host resources: Emissary’s default Host' : 'attaches to no Host';
    nodes.push({
      id,
      kind: 'hostBucket',
      label,
      description: `${anyHost ? '* · ' : ''}${why}`,
      resolveTooltip: () =>
        anyHost
          ? `Routes without a hostname (they match any host).  \n${md(why)}`
          : `Routes for \`${host}\` that no Host resource in the workspace picks up.  \n${md(why)}`,
      icon: { id: t.hosts.length === 0 ? 'globe' : 'question' },
      contextValue: 'routeHostBucket',
      children,
      expanded: true,
    });
  }

  // TCP
  const tcpChildren: ViewNode[] = [];
  t.tcp.forEach((r: TcpRoute, i) => {
    const id = `tcp/${i}:${r.port}`;
    const outer = `tcp :${r.port} ${r.port} ${r.host ?? ''}`.toLowerCase();
    const ms = ts.length === 0 || allMatch(ts, outer) ? r.members : r.members.filter((m) => allMatch(ts, `${outer} ${memberText(m)}`));
    if (ms.length === 0 && r.members.length > 0) return;
    const worst = worstSeverity(r.problems, r.severities);
    const d = r.members.some((m) => memberDrifted(m, drifted, 'TCPMapping'));
    const desc = [r.host ? r.host : 'any host', r.members.length > 1 ? `${r.members.length} members` : ''];
    if (d) desc.push('drifted');
    tcpChildren.push({
      id,
      kind: 'tcpRoute',
      label: `port ${r.port}`,
      description: desc.filter(Boolean).join(' · '),
      resolveTooltip: () => tcpTooltip(r),
      icon: worst ? SEVERITY_ICON[worst] : { id: 'plug' },
      contextValue: worst ? 'tcpRoute.problem' : 'tcpRoute',
      children: ms.map((m) => memberNode(id, m, r.members.indexOf(m), drifted, 'TCPMapping')),
      expanded: true,
      drifted: d || undefined,
    });
  });
  if (tcpChildren.length) {
    nodes.push({
      id: 'tcp',
      kind: 'tcp',
      label: 'TCP',
      description: `${tcpChildren.length} port${tcpChildren.length === 1 ? '' : 's'}`,
      tooltip: 'TCPMappings by port',
      icon: { id: 'plug' },
      contextValue: 'tcp',
      children: tcpChildren,
      expanded: true,
    });
  }

  const empty = t.groups.length === 0 && t.tcp.length === 0 && t.hosts.length === 0;
  if (!empty && nodes.length === 0 && ts.length) {
    nodes.push({
      id: 'message:nomatch',
      kind: 'message',
      label: `No routes match “${opts.filter?.trim()}”`,
      description: 'Clear the filter to see all routes',
      icon: { id: 'filter' },
      contextValue: 'message',
    });
  }
  return { nodes, empty, shownGroups, totalGroups: t.groups.length };
}
