// Navigation over the parsed workspace: a file's outline (one symbol per Ambassador resource, annotation
// resources under the Service or Ingress that carries them), workspace symbols by name, "go to definition" from a
// reference (a TLSContext, resolver or Secret name; a Mapping's host to the Hosts its route group attaches to),
// and "find references" back (who names a TLSContext, resolver or Secret; the Mappings a Host serves; the other
// members of a Mapping's route group). Pure: the language server maps these to LSP types.
import type { Location, Position, Range, Resource, RouteGroup, RouteTable } from './model';
import { isRecord, positionBefore } from './model';
import { LineIndex } from './locate';
import type { ParsedDocument, ParsedFile } from './parse';
import { RESOLVER_KINDS, specOf } from './routes';
import { collectReferences, definedNames, implicitTlsContext, referencedNames } from './checks/references';
import { secretOf } from './checks';

export interface ResourceSymbol {
  /** metadata.name (`(no name)` when it has none). */
  name: string;
  /** The Ambassador kind, or the kind of the Kubernetes object that carries an annotation. */
  kind: string;
  /** Shown beside the name: namespace and apiVersion, or what the owner carries. */
  detail: string;
  /** The whole definition (selectionRange lies inside it). */
  range: Range;
  /** The name. */
  selectionRange: Range;
  children?: ResourceSymbol[];
}

const NO_NAME = '(no name)';

/** The smallest range holding both. */
function union(a: Range, b: Range): Range {
  return { start: positionBefore(b.start, a.start) ? b.start : a.start, end: positionBefore(a.end, b.end) ? b.end : a.end };
}

function contains(r: Range, p: Position): boolean {
  return !positionBefore(p, r.start) && !positionBefore(r.end, p);
}

/** From the first line with content to the end of the last one, of lines [from, to] (to included). */
function contentRange(lines: LineIndex, from: number, to: number): Range | undefined {
  let first = from;
  while (first <= to && isBlankOrComment(lines.lineText(first))) first++;
  let last = to;
  while (last >= first && isBlankOrComment(lines.lineText(last))) last--;
  if (first > last) return undefined;
  const text = lines.lineText(first);
  return {
    start: { line: first, character: text.length - text.trimStart().length },
    end: { line: last, character: lines.lineText(last).length },
  };
}

function isBlankOrComment(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('#') || t === '---' || t === '...';
}

/** Last line of the block that starts at `line` and whose lines are indented at least `column` (blank lines included). */
function blockEnd(lines: LineIndex, line: number, column: number, limit: number): number {
  let end = line;
  for (let l = line + 1; l <= limit; l++) {
    const text = lines.lineText(l);
    if (text.trim() === '') continue;
    if (text.length - text.trimStart().length < column) break;
    end = l;
  }
  return end;
}

function resourceSymbol(r: Resource, range: Range, defaultNamespace: string): ResourceSymbol {
  const selectionRange = r.locate(['metadata', 'name'], 'value');
  return {
    name: r.name || NO_NAME,
    kind: r.kind,
    detail: `${r.kind} · ${r.namespace ?? defaultNamespace} · ${r.apiVersion}`,
    range: union(range, selectionRange),
    selectionRange,
  };
}

/**
 * Symbols for resources that share a document, each spanning from its first line to the line before the next one
 * (the last to `lastEnd` of its start, else to line `end`).
 */
function siblings(rs: Resource[], lines: LineIndex, end: number, defaultNamespace: string, lastEnd?: (start: Position) => number): ResourceSymbol[] {
  const starts = rs.map((r) => r.locate([], 'value').start);
  return rs.map((r, i) => {
    const start = starts[i];
    const last = i + 1 < rs.length ? Math.max(start.line, starts[i + 1].line - 1) : lastEnd ? lastEnd(start) : end;
    const range = contentRange(lines, start.line, last) ?? { start, end: start };
    return resourceSymbol(r, union({ start, end: start }, range), defaultNamespace);
  });
}

/** The outline of one file: a symbol per Ambassador resource, in file order. */
export function documentSymbols(file: ParsedFile, defaultNamespace = 'default'): ResourceSymbol[] {
  if (file.resources.length === 0) return [];
  const lines = LineIndex.build(file.text);
  const out: ResourceSymbol[] = [];
  for (const doc of file.documents) {
    if (doc.resources.length === 0) continue;
    const docRange = documentRange(lines, doc);
    if (!docRange) continue;
    const owner = doc.resources[0].origin.annotation;
    if (owner) {
      // Annotation documents end where the annotation's block does (its lines are indented at least as far).
      const children = siblings(doc.resources, lines, docRange.end.line, defaultNamespace, (start) =>
        blockEnd(lines, start.line, start.character, docRange.end.line),
      );
      const range = children.reduce((acc, c) => union(acc, c.range), docRange);
      out.push({
        name: owner.ownerName || NO_NAME,
        kind: owner.ownerKind,
        detail: `${owner.ownerKind} · ${owner.ownerNamespace ?? defaultNamespace} · getambassador.io/config`,
        range,
        selectionRange: nameLine(lines, doc, owner.ownerName),
        children,
      });
    } else if (doc.resources.length === 1) {
      out.push(resourceSymbol(doc.resources[0], docRange, defaultNamespace));
    } else {
      // The items of a `kind: List`.
      for (const s of siblings(doc.resources, lines, docRange.end.line, defaultNamespace)) out.push(s);
    }
  }
  return out;
}

function documentRange(lines: LineIndex, doc: ParsedDocument): Range | undefined {
  return contentRange(lines, doc.startLine, doc.endLine);
}

// ---------------------------------------------------------------------------------------------
// Workspace symbols

export interface SymbolHit {
  name: string;
  kind: string;
  /** Where it lives: namespace, and the annotation owner for annotation resources. */
  container: string;
  location: Location;
}

/** Whether the characters of `query` occur in `text` in order (case-insensitive), as editors match symbol names. */
export function fuzzyMatches(query: string, text: string): boolean {
  if (query === '') return true;
  const q = query.toLowerCase();
  const t = text.toLowerCase();
  let at = 0;
  for (let i = 0; i < q.length; i++) {
    if (q[i] === ' ') continue;
    at = t.indexOf(q[i], at);
    if (at === -1) return false;
    at++;
  }
  return true;
}

/**
 * Resources whose name (or `namespace/name`, when the query has a `/`) matches `query`, at most `limit`, in
 * workspace order: exact names first, then names that start with the query, then the rest.
 */
export function workspaceSymbols(resources: readonly Resource[], query: string, defaultNamespace = 'default', limit = 500): SymbolHit[] {
  const q = query.trim();
  const ranked: [number, Resource][] = [];
  const lower = q.toLowerCase();
  for (const r of resources) {
    const ns = r.namespace ?? defaultNamespace;
    const text = q.includes('/') ? `${ns}/${r.name}` : r.name;
    if (!fuzzyMatches(q, text)) continue;
    const t = text.toLowerCase();
    ranked.push([t === lower ? 0 : t.startsWith(lower) ? 1 : 2, r]);
  }
  ranked.sort((a, b) => a[0] - b[0]);
  return ranked.slice(0, limit).map(([, r]) => {
    const ns = r.namespace ?? defaultNamespace;
    const a = r.origin.annotation;
    return {
      name: r.name || NO_NAME,
      kind: r.kind,
      container: a ? `${r.kind} · ${ns} · in ${a.ownerKind} ${a.ownerName}` : `${r.kind} · ${ns}`,
      location: { uri: r.origin.uri, range: r.locate(['metadata', 'name'], 'value') },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Go to definition

/** A `kind: Secret` (apiVersion v1) document of the workspace. */
export interface SecretDefinition {
  name: string;
  namespace?: string;
  location: Location;
}

/** The Secrets defined in a file, located at their name. */
export function secretDefinitions(file: ParsedFile): SecretDefinition[] {
  let lines: LineIndex | undefined;
  const out: SecretDefinition[] = [];
  for (const doc of file.documents) {
    const items = isRecord(doc.value) && doc.value.kind === 'List' && Array.isArray(doc.value.items) ? doc.value.items : [doc.value];
    for (const v of items) {
      const secret = secretOf(v);
      if (!secret) continue;
      lines ??= LineIndex.build(file.text);
      out.push({ ...secret, location: { uri: file.uri, range: nameLine(lines, doc, secret.name) } });
    }
  }
  return out;
}

/** The `name: <name>` line of a document (the first, indented one), else the document's first line. */
function nameLine(lines: LineIndex, doc: ParsedDocument, name: string): Range {
  for (let l = doc.startLine; l <= doc.endLine; l++) {
    const text = lines.lineText(l);
    const m = /^(\s+)name:\s*(["']?)(.*?)\2\s*(#.*)?$/.exec(text);
    if (m && m[3] === name) {
      const at = text.indexOf(name, m[1].length + 5);
      return { start: { line: l, character: at }, end: { line: l, character: at + name.length } };
    }
  }
  const first = documentRange(lines, doc);
  return first ? { start: first.start, end: first.start } : { start: { line: doc.startLine, character: 0 }, end: { line: doc.startLine, character: 0 } };
}

/** What "go to definition" resolves against. */
export interface NavigationIndex {
  /** Every Ambassador resource of the workspace. */
  resources: readonly Resource[];
  /** The route table (Host association of Mappings). */
  routes: () => RouteTable;
  /** The Secrets defined in the workspace. */
  secrets: () => SecretDefinition[];
  defaultNamespace: string;
}

function nameLocation(r: Resource): Location {
  return { uri: r.origin.uri, range: r.locate(['metadata', 'name'], 'value') };
}

/**
 * Where the reference under `position` of `file` is defined: a TLSContext (or the Host whose tlsSecret makes
 * `<host>-context`), a resolver, a Secret, or for a Mapping's `hostname` / `host` the Hosts its route group
 * attaches to. Empty when the position is on no reference or the target is not in the workspace.
 */
export function definitionAt(file: ParsedFile, position: Position, index: NavigationIndex): Location[] {
  const doc = file.documents.find((d) => d.startLine <= position.line && position.line <= d.endLine);
  if (!doc) return [];
  for (const r of doc.resources) {
    for (const ref of collectReferences([r], index.defaultNamespace)) {
      if (!contains(r.locate(ref.path, 'value'), position)) continue;
      const wanted = new Set(referencedNames(ref));
      if (ref.target === 'Secret') {
        return index.secrets().filter((s) => wanted.has(`${s.namespace ?? index.defaultNamespace}/${s.name}`)).map((s) => s.location);
      }
      return index.resources.filter((x) => definedNames(x, ref.target).some((n) => wanted.has(n))).map(nameLocation);
    }
    if (r.kind === 'Mapping') {
      for (const field of ['hostname', 'host']) {
        if (specOf(r)[field] === undefined || !contains(r.locate(['spec', field], 'value'), position)) continue;
        return attachedHosts(r, index);
      }
    }
  }
  return [];
}

/** The route groups Mapping `r` is a member of (one, unless the workspace defines it twice). */
function groupsOf(r: Resource, index: NavigationIndex): RouteGroup[] {
  const ns = r.namespace ?? index.defaultNamespace;
  return index.routes().groups.filter((g) => g.members.some((m) => m.name === r.name && m.namespace === ns && m.location.uri === r.origin.uri));
}

/** The Hosts the route group of Mapping `r` attaches to. */
function attachedHosts(r: Resource, index: NavigationIndex): Location[] {
  const names = new Set(groupsOf(r, index).flatMap((g) => g.hosts));
  return index.routes().hosts.filter((h) => names.has(`${h.namespace}/${h.name}`)).map((h) => h.location);
}

// ---------------------------------------------------------------------------------------------
// Find references

/** The members of Mapping `r`'s route group (its own name included). */
function groupMembers(r: Resource, index: NavigationIndex): Location[] {
  return groupsOf(r, index).flatMap((g) => g.members.map((m) => m.location));
}

/** The members of every route group attached to Host `r`. */
function servedBy(r: Resource, index: NavigationIndex): Location[] {
  const table = index.routes();
  const label = `${r.namespace ?? index.defaultNamespace}/${r.name}`;
  const out: Location[] = [];
  for (const g of table.groups) if (g.hosts.includes(label)) for (const m of g.members) out.push(m.location);
  return out;
}

/** The places that name `target` (a TLSContext, resolver or Secret called `name`, in `namespace` for Secrets). */
function referencesTo(target: 'TLSContext' | 'resolver' | 'Secret', name: string, namespace: string | undefined, index: NavigationIndex): Location[] {
  const out: Location[] = [];
  for (const ref of collectReferences(index.resources, index.defaultNamespace)) {
    if (ref.target !== target) continue;
    const key = target === 'Secret' ? `${namespace ?? index.defaultNamespace}/${name}` : name;
    if (referencedNames(ref).includes(key)) out.push({ uri: ref.from.origin.uri, range: ref.from.locate(ref.path, 'value') });
  }
  return out;
}

/**
 * What refers to the resource under `position` (anywhere in its document): for a TLSContext, resolver or Secret
 * the fields that name it (a Host with a tlsSecret also stands for its implicit `<host>-context`), for a Host the
 * Mappings of the route groups it serves, for a Mapping the members of its route group. `declaration` adds the
 * resource's own name first.
 */
export function referencesAt(file: ParsedFile, position: Position, index: NavigationIndex, declaration: boolean): Location[] {
  const doc = file.documents.find((d) => d.startLine <= position.line && position.line <= d.endLine);
  if (!doc) return [];
  const r = resourceAt(file, doc, position);
  if (!r) {
    const secret = index.secrets().find((s) => s.location.uri === file.uri && doc.startLine <= s.location.range.start.line && s.location.range.start.line <= doc.endLine);
    if (!secret) return [];
    const refs = referencesTo('Secret', secret.name, secret.namespace, index);
    return declaration ? [secret.location, ...refs] : refs;
  }
  const own = nameLocation(r);
  let found: Location[];
  if (r.kind === 'TLSContext') found = referencesTo('TLSContext', r.name, undefined, index);
  else if (RESOLVER_KINDS.includes(r.kind)) found = referencesTo('resolver', r.name, undefined, index);
  else if (r.kind === 'Host') {
    found = servedBy(r, index);
    const implicit = implicitTlsContext(r);
    if (implicit) found = [...referencesTo('TLSContext', implicit, undefined, index), ...found];
  } else if (r.kind === 'Mapping') found = groupMembers(r, index).filter((l) => !sameLocation(l, own));
  else found = [];
  return declaration ? [own, ...found] : found;
}

function sameLocation(a: Location, b: Location): boolean {
  return a.uri === b.uri && a.range.start.line === b.range.start.line && a.range.start.character === b.range.start.character;
}

/** The resource of `doc` whose lines hold `position` (List items and annotation documents are several per document). */
function resourceAt(file: ParsedFile, doc: ParsedDocument, position: Position): Resource | undefined {
  if (doc.resources.length === 1 && !doc.resources[0].origin.annotation) return doc.resources[0];
  const symbols = documentSymbols({ ...file, documents: [doc], resources: doc.resources });
  const hit = symbols.flatMap((s) => s.children ?? [s]).find((s) => contains(s.range, position));
  if (!hit) return undefined;
  return doc.resources.find((r) => r.kind === hit.kind && r.locate(['metadata', 'name'], 'value').start.line === hit.selectionRange.start.line);
}
