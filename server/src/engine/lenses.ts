// Code lenses above the Mappings that share a route group: Emissary merges such Mappings into one route and
// splits its traffic, and the lens says so where each of them is written, with every member's share. Pure.
import type { Location, Range, Resource, RouteGroup, RouteMember, RouteTable } from './model';
import type { ParsedFile } from './parse';

export interface RouteGroupLens {
  /** The first line of the member's definition in this file (the lens shows above it). */
  range: Range;
  /** The member's name. */
  name: Range;
  title: string;
  /** Every member of the group, in the route table's order. */
  members: Location[];
}

/** Members named in a lens title; the others are counted. */
const NAMED = 4;

function share(m: RouteMember): string {
  if (m.dropped) return 'dropped';
  if (m.shadow) return `shadow ${m.weight}%`;
  return `${m.weight}%`;
}

function where(g: RouteGroup): string {
  const method = g.method && g.method !== 'GET' ? `${g.method} ` : '';
  return `${method}${g.host === '*' ? '' : g.host}${g.prefix}`;
}

/** The lens title of a shared group: where it routes, and each member with its share (or why it gets none). */
export function routeGroupTitle(g: RouteGroup): string {
  const named = g.members.slice(0, NAMED).map((m) => `${m.name} ${share(m)}`);
  if (g.members.length > NAMED) named.push(`${g.members.length - NAMED} more`);
  const head = g.rejected ? `Route ${where(g)} rejected (${g.rejected})` : `Route ${where(g)} shared by ${g.members.length} Mappings`;
  return `${head}: ${named.join(' · ')}`;
}

/** One lens per Mapping of `file` that shares its route group with others, in file order. */
export function routeGroupLenses(file: ParsedFile, table: RouteTable, defaultNamespace = 'default'): RouteGroupLens[] {
  // The Mappings of the file by name and namespace (as route members name them), for their first lines.
  const mappings = new Map<string, Resource>();
  for (const r of file.resources) if (r.kind === 'Mapping') mappings.set(`${r.namespace ?? defaultNamespace}/${r.name}`, r);
  if (mappings.size === 0) return [];
  const out: RouteGroupLens[] = [];
  for (const g of table.groups) {
    if (g.members.length < 2 || !g.members.some((m) => m.location.uri === file.uri)) continue;
    const title = routeGroupTitle(g);
    const members = g.members.map((m) => ({ uri: m.location.uri, range: m.location.range }));
    for (let i = 0; i < g.members.length; i++) {
      const m = g.members[i];
      if (m.location.uri !== file.uri) continue;
      const start = mappings.get(`${m.namespace}/${m.name}`)?.locate([], 'value').start ?? members[i].range.start;
      out.push({ range: { start: { line: start.line, character: 0 }, end: { line: start.line, character: 0 } }, name: members[i].range, title, members });
    }
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.name.start.line - b.name.start.line);
}
