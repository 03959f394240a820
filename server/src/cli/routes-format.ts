// Renders the effective route table for `edgepolicy routes` as text or JSON.

import type { RouteGroup, RouteHeader, RouteMember, RouteTable } from '../engine/model';
import { displayPath } from './paths';

export interface JsonRouteMember {
  name: string;
  namespace: string;
  service: string;
  /** Normalised share in percent. */
  weight: number;
  rawWeight: number | null;
  shadow: boolean;
  redirect: boolean;
  dropped: string | null;
  file: string;
  line: number;
}

export interface JsonRouteGroup {
  groupId: string;
  name: string;
  host: string;
  hostRegex: boolean;
  hosts: string[];
  prefix: string;
  prefixRegex: boolean;
  prefixExact: boolean;
  method: string | null;
  headers: RouteHeader[];
  queryParameters: RouteHeader[];
  precedence: number;
  rejected: string | null;
  problems: string[];
  members: JsonRouteMember[];
}

export interface JsonRoutesOutput {
  groups: JsonRouteGroup[];
  tcp: { port: number; host: string | null; problems: string[]; members: JsonRouteMember[] }[];
  hosts: { name: string; namespace: string; hostname: string; file: string; line: number; groupIds: string[] }[];
}

function memberJson(m: RouteMember, cwd: string): JsonRouteMember {
  return {
    name: m.name,
    namespace: m.namespace,
    service: m.service,
    weight: m.weight,
    rawWeight: m.rawWeight ?? null,
    shadow: m.shadow === true,
    redirect: m.redirect === true,
    dropped: m.dropped ?? null,
    file: displayPath(m.location.uri, cwd),
    line: m.location.range.start.line + 1,
  };
}

export function routesToJson(table: RouteTable, cwd: string): JsonRoutesOutput {
  return {
    groups: table.groups.map((g) => ({
      groupId: g.groupId,
      name: g.name,
      host: g.host,
      hostRegex: g.hostRegex === true,
      hosts: [...g.hosts],
      prefix: g.prefix,
      prefixRegex: g.prefixRegex === true,
      prefixExact: g.prefixExact === true,
      method: g.method ?? null,
      headers: g.headers.map((h) => ({ name: h.name, value: h.value, regex: h.regex })),
      queryParameters: g.queryParameters.map((h) => ({ name: h.name, value: h.value, regex: h.regex })),
      precedence: g.precedence,
      rejected: g.rejected ?? null,
      problems: [...g.problems],
      members: g.members.map((m) => memberJson(m, cwd)),
    })),
    tcp: table.tcp.map((t) => ({
      port: t.port,
      host: t.host ?? null,
      problems: [...t.problems],
      members: t.members.map((m) => memberJson(m, cwd)),
    })),
    hosts: table.hosts.map((h) => ({
      name: h.name,
      namespace: h.namespace,
      hostname: h.hostname,
      file: displayPath(h.location.uri, cwd),
      line: h.location.range.start.line + 1,
      groupIds: [...h.groupIds],
    })),
  };
}

export function formatRoutesJson(table: RouteTable, cwd: string): string {
  return JSON.stringify(routesToJson(table, cwd), null, 2) + '\n';
}

// ---- text

/** Pads cells to column widths; the last column is not padded. */
function table(rows: string[][], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    (indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 2))).join('')).trimEnd(),
  );
}

/** Emissary-style URL of a group: scheme://host/prefix (regexes are flagged next to it, see groupFlags). */
export function groupUrl(g: RouteGroup): string {
  return `http://${g.host || '*'}${g.prefix}`;
}

function groupFlags(g: RouteGroup): string[] {
  const flags: string[] = [];
  if (g.hostRegex) flags.push('host regex');
  if (g.prefixRegex) flags.push('prefix regex');
  if (g.prefixExact) flags.push('exact prefix');
  if (g.precedence !== 0) flags.push(`precedence ${g.precedence}`);
  return flags;
}

function serviceLabel(m: RouteMember): string {
  if (m.shadow) return `shadow: ${m.service}`;
  if (m.redirect) return `redirect: ${m.service}`;
  return m.service;
}

function headerLine(kind: string, h: RouteHeader): string {
  return h.regex ? `${kind} ${h.name} ~ ${h.value}` : `${kind} ${h.name}: ${h.value}`;
}

function memberRows(members: RouteMember[], cwd: string): string[][] {
  const rows: string[][] = [['SERVICE', 'WEIGHT', 'SHARE', 'MAPPING', 'SOURCE']];
  for (const m of members) {
    const src = `${displayPath(m.location.uri, cwd)}:${m.location.range.start.line + 1}`;
    const share = m.dropped ? 'dropped' : `${formatPercent(m.weight)}%`;
    rows.push([serviceLabel(m), m.rawWeight === undefined ? '-' : String(m.rawWeight), share, `${m.namespace}/${m.name}`, src]);
  }
  return rows;
}

function formatPercent(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function formatRoutesText(t: RouteTable, cwd: string): string {
  const out: string[] = [];
  const tcpWord = t.tcp.length === 1 ? 'TCP route' : 'TCP routes';
  out.push(
    `${t.groups.length} HTTP route group${t.groups.length === 1 ? '' : 's'}, ${t.tcp.length} ${tcpWord}, ` +
      `${t.hosts.length} Host${t.hosts.length === 1 ? '' : 's'} (first match wins, in this order)`,
  );
  for (const g of t.groups) {
    out.push('');
    const flags = groupFlags(g);
    out.push(`${groupUrl(g)}${flags.length ? `  (${flags.join(', ')})` : ''}  [group ${g.groupId.slice(0, 8)}]`);
    if (g.method) out.push(`    method ${g.method}`);
    for (const h of g.headers) out.push(`    ${headerLine('header', h)}`);
    for (const q of g.queryParameters) out.push(`    ${headerLine('query', q)}`);
    if (g.hosts.length > 0) out.push(`    hosts: ${g.hosts.join(', ')}`);
    if (g.rejected) out.push(`    REJECTED: ${g.rejected}`);
    if (g.problems.length > 0) out.push(`    problems: ${g.problems.join(', ')}`);
    out.push(...table(memberRows(g.members, cwd), '    '));
    for (const m of g.members) if (m.dropped) out.push(`    dropped ${m.namespace}/${m.name}: ${m.dropped}`);
  }
  for (const r of t.tcp) {
    out.push('');
    out.push(`tcp://${r.host ?? '*'}:${r.port}${r.problems.length ? `  (problems: ${r.problems.join(', ')})` : ''}`);
    out.push(...table(memberRows(r.members, cwd), '    '));
    for (const m of r.members) if (m.dropped) out.push(`    dropped ${m.namespace}/${m.name}: ${m.dropped}`);
  }
  if (t.hosts.length > 0) {
    out.push('');
    out.push('Hosts:');
    const rows = [['HOST', 'HOSTNAME', 'GROUPS', 'SOURCE']];
    for (const h of t.hosts) {
      rows.push([
        `${h.namespace}/${h.name}`,
        h.hostname,
        String(h.groupIds.length),
        `${displayPath(h.location.uri, cwd)}:${h.location.range.start.line + 1}`,
      ]);
    }
    out.push(...table(rows, '    '));
  }
  return out.join('\n') + '\n';
}
