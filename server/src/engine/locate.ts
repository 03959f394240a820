// Lazy source positions for parsed documents.
//
// parse.ts reads values with js-yaml (fast, no positions). When somebody needs the range of a key or value
// (a diagnostic, a route's location), the document's text is parsed once more with the `yaml` package, whose
// AST keeps offsets, and the result is cached on the locator. Offsets are turned into 0-based LSP positions
// with a line table of the whole file, so ranges are always relative to the file, not to the document.

import * as jsyaml from 'js-yaml';
import { parseDocument, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { JsonPath, Origin, Position, Range, Resource } from './model';

/** Offsets of line starts in a text; maps offsets to positions. Lines end at `\n` (`\r\n` counts as one break). */
export class LineIndex {
  constructor(
    readonly text: string,
    readonly starts: number[],
  ) {}

  static build(text: string): LineIndex {
    const starts = [0];
    let i = text.indexOf('\n');
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    return new LineIndex(text, starts);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Line containing `offset` (a `\n` belongs to the line it ends). */
  lineOf(offset: number): number {
    const s = this.starts;
    if (offset <= 0) return 0;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lineOf(o);
    return { line, character: o - this.starts[line] };
  }

  /** Offset just after the last character of `line`, excluding the line break (`\n` or `\r\n`). */
  lineEnd(line: number): number {
    if (line >= this.starts.length) return this.text.length;
    let end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
    if (end > this.starts[line] && this.text.charCodeAt(end - 1) === 13 /* \r */) end--;
    return end;
  }

  /** Text of one line without its line break. */
  lineText(line: number): string {
    if (line < 0 || line >= this.starts.length) return '';
    return this.text.slice(this.starts[line], this.lineEnd(line));
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }
}

/** A half-open span of absolute offsets. */
export interface Span {
  start: number;
  end: number;
}

/** Which span of a located entry to return. */
export type LocatePart = 'key' | 'value' | undefined;

/**
 * Locates JSON paths inside one YAML document of a larger text. The document is the slice [start, end) of `text`.
 * Parsing with the `yaml` package happens on first use only.
 */
export class DocLocator {
  private doc: Document.Parsed | null | undefined;

  constructor(
    readonly text: string,
    readonly start: number,
    readonly end: number,
  ) {}

  /** The parsed AST, or null when the `yaml` package could not build one. */
  ast(): Document.Parsed | null {
    if (this.doc === undefined) {
      try {
        this.doc = parseDocument(this.text.slice(this.start, this.end), {
          uniqueKeys: false,
          strict: false,
          prettyErrors: false,
          keepSourceTokens: false,
        });
      } catch {
        this.doc = null;
      }
    }
    return this.doc;
  }

  /** Span of the first line of the document's content (root node), or of the document start. */
  firstLineSpan(): Span {
    const doc = this.ast();
    const root = doc?.contents as YamlNode | null | undefined;
    let s = this.start;
    if (root && root.range) s = this.start + root.range[0];
    else s = this.firstContentOffset();
    return { start: s, end: this.endOfLine(s) };
  }

  private firstContentOffset(): number {
    // Skip blank lines, comments, directives and a bare `---` marker.
    let i = this.start;
    while (i < this.end) {
      let nl = this.text.indexOf('\n', i);
      if (nl === -1 || nl > this.end) nl = this.end;
      const line = this.text.slice(i, nl).trim();
      if (line !== '' && !line.startsWith('#') && !line.startsWith('%') && line !== '---') return i;
      i = nl + 1;
    }
    return this.start;
  }

  private endOfLine(offset: number): number {
    let nl = this.text.indexOf('\n', offset);
    if (nl === -1 || nl > this.end) nl = this.end;
    if (nl > offset && this.text.charCodeAt(nl - 1) === 13) nl--;
    return Math.max(offset, nl);
  }

  /**
   * Absolute span of `path`. Falls back to the nearest existing ancestor (its key, or the first line of a
   * sequence item), then to the first line of the document. `exact` tells whether the full path was found.
   */
  /** The AST node at `path` (aliases resolved), or undefined when the path does not exist. */
  nodeAt(path: JsonPath): unknown {
    const doc = this.ast();
    if (!doc) return undefined;
    let node: unknown = doc.contents;
    for (const seg of path) {
      node = deref(node, doc);
      if (isMap(node)) {
        const pair = findPair(node, seg, doc, 0);
        if (!pair) return undefined;
        node = pair.value;
      } else if (isSeq(node) && /^\d+$/.test(String(seg)) && Number(seg) < node.items.length) {
        node = node.items[Number(seg)];
      } else return undefined;
    }
    return node;
  }

  locate(path: JsonPath, part?: LocatePart): Span & { exact: boolean } {
    const doc = this.ast();
    if (!doc) return { ...this.firstLineSpan(), exact: path.length === 0 };
    let node: unknown = doc.contents;
    let keyNode: YamlNode | null = null;
    let lastGood: Span | null = null;
    for (let i = 0; i < path.length; i++) {
      node = deref(node, doc);
      const seg = path[i];
      let found = false;
      if (isMap(node)) {
        const pair = findPair(node, seg, doc, 0);
        if (pair) {
          keyNode = isScalar(pair.key) || isMap(pair.key) || isSeq(pair.key) ? (pair.key as YamlNode) : null;
          node = pair.value;
          found = true;
        }
      } else if (isSeq(node) && typeof seg === 'number' && seg >= 0 && seg < node.items.length) {
        keyNode = null;
        node = node.items[seg];
        found = true;
      } else if (isSeq(node) && typeof seg === 'string' && /^\d+$/.test(seg) && Number(seg) < node.items.length) {
        keyNode = null;
        node = node.items[Number(seg)];
        found = true;
      }
      if (!found) {
        return { ...(lastGood ?? this.firstLineSpan()), exact: false };
      }
      lastGood = this.entrySpan(keyNode, node, undefined);
    }
    if (path.length === 0) return { ...this.firstLineSpan(), exact: true };
    return { ...this.entrySpan(keyNode, node, part), exact: true };
  }

  private nodeSpan(n: unknown): Span | null {
    const r = (n as YamlNode | null)?.range;
    if (!r) return null;
    return { start: this.start + r[0], end: this.start + r[1] };
  }

  /** Span of a found entry according to `part` (see Resource.locate). */
  private entrySpan(keyNode: YamlNode | null, value: unknown, part: LocatePart): Span {
    const k = keyNode ? this.nodeSpan(keyNode) : null;
    let v = this.nodeSpan(value);
    if (v && v.end <= v.start) v = null; // empty value (`key:`)
    const collection = isMap(value) || isSeq(value);
    if (part === 'key') {
      if (k) return k;
      if (v) return collection ? { start: v.start, end: Math.min(v.end, this.endOfLine(v.start)) } : v;
    } else if (part === 'value') {
      if (v) return v;
      if (k) return k;
    } else {
      if (v && !collection) return v;
      if (k) return k;
      if (v) return { start: v.start, end: Math.min(v.end, this.endOfLine(v.start)) };
    }
    return this.firstLineSpan();
  }
}

function deref(node: unknown, doc: Document.Parsed): unknown {
  let n = node;
  for (let i = 0; i < 8 && isAlias(n); i++) {
    try {
      n = n.resolve(doc);
    } catch {
      return undefined;
    }
  }
  return n;
}

function keyText(k: unknown): string | undefined {
  if (isScalar(k)) return k.value === null ? '' : String(k.value);
  return undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function findPair(map: any, seg: string | number, doc: Document.Parsed, depth: number): any {
  const want = String(seg);
  for (const item of map.items) {
    if (isPair(item) && keyText(item.key) === want) return item;
  }
  if (depth > 4) return undefined;
  // Merge keys (`<<: *base`): look into the merged maps.
  for (const item of map.items) {
    if (isPair(item) && keyText(item.key) === '<<') {
      const v = deref(item.value, doc);
      const sources = isSeq(v) ? v.items.map((x) => deref(x, doc)) : [v];
      for (const src of sources) {
        if (isMap(src)) {
          const p = findPair(src, seg, doc, depth + 1);
          if (p) return p;
        }
      }
    }
  }
  return undefined;
}

/** Maps a path into a resource's normalised `object` to a source range. */
export interface ResourceLocator {
  locate(path: JsonPath, part?: 'key' | 'value'): Range;
}

/** Locator for a resource that is (part of) a YAML document of the file: `basePath` leads to the object. */
export class DocumentResourceLocator implements ResourceLocator {
  constructor(
    readonly doc: DocLocator,
    readonly lines: LineIndex,
    readonly basePath: JsonPath,
  ) {}

  locate(path: JsonPath, part?: 'key' | 'value'): Range {
    const full = this.basePath.length ? [...this.basePath, ...path] : path;
    const span = this.doc.locate(full, part);
    return this.lines.range(span.start, span.end);
  }
}

/** Fields of a Resource except the locator. */
export type ResourceFields = Omit<Resource, 'locate'>;

/** The Resource implementation used by the parser: plain data plus a private, lazy locator. */
export class SourceResource implements Resource {
  apiVersion: string;
  version: string;
  kind: string;
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  spec: Record<string, unknown>;
  object: Record<string, unknown>;
  origin: Origin;
  readonly #locator: ResourceLocator;
  readonly #fallback: () => Range;

  constructor(f: ResourceFields, locator: ResourceLocator, fallback: () => Range) {
    this.apiVersion = f.apiVersion;
    this.version = f.version;
    this.kind = f.kind;
    this.name = f.name;
    if (f.namespace !== undefined) this.namespace = f.namespace;
    this.labels = f.labels;
    this.spec = f.spec;
    this.object = f.object;
    this.origin = f.origin;
    this.#locator = locator;
    this.#fallback = fallback;
  }

  locate(path: JsonPath, part?: 'key' | 'value'): Range {
    try {
      return this.#locator.locate(path, part);
    } catch {
      try {
        return this.#fallback();
      } catch {
        return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
      }
    }
  }
}

// ---- Document splitting and loading (shared by file parsing and annotation parsing).

/** One YAML document of a text: [start, end) offsets, inclusive lines. */
export interface DocSlice {
  start: number;
  end: number;
  startLine: number;
  endLine: number;
}

function isMarkerAt(text: string, at: number, ch: number): boolean {
  if (text.charCodeAt(at) !== ch || text.charCodeAt(at + 1) !== ch || text.charCodeAt(at + 2) !== ch) return false;
  const n = text.charCodeAt(at + 3);
  return Number.isNaN(n) || n === 32 || n === 9 || n === 10 || n === 13;
}

/** Whether a line (from `at` to the next `\n`) holds anything but blanks and a comment. */
function hasContent(text: string, at: number): boolean {
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13) continue;
    return c !== 10 && c !== 35; /* # */
  }
  return false;
}

/**
 * Splits a YAML stream into documents at `---` / `...` markers in column 0 (the only places YAML allows them).
 * Comments, blank lines and directives before a `---` belong to the document that follows. A bare `---` makes
 * an (empty) document. `from` skips a leading BOM.
 */
export function splitDocuments(text: string, lines: LineIndex, from = 0): DocSlice[] {
  const out: DocSlice[] = [];
  const starts = lines.starts;
  let curStart = from;
  let curHas = false;
  let curExplicit = false;
  const push = (end: number) => {
    const startLine = lines.lineOf(curStart);
    out.push({ start: curStart, end, startLine, endLine: end > curStart ? lines.lineOf(end - 1) : startLine });
  };
  for (let li = 0; li < starts.length; li++) {
    const ls = li === 0 ? from : starts[li];
    if (ls >= text.length) break;
    const c = text.charCodeAt(ls);
    if (c === 45 /* - */ && isMarkerAt(text, ls, 45)) {
      if (curHas || curExplicit) {
        push(ls);
        curStart = ls;
      }
      curExplicit = true;
      curHas = hasContent(text, ls + 3);
    } else if (c === 46 /* . */ && isMarkerAt(text, ls, 46)) {
      const next = li + 1 < starts.length ? starts[li + 1] : text.length;
      if (curHas || curExplicit) push(next);
      curStart = next;
      curHas = false;
      curExplicit = false;
    } else if (!curHas) {
      if (c === 37 /* % */ && !curExplicit) continue; // directive
      if (hasContent(text, ls)) curHas = true;
    }
  }
  if (curHas || curExplicit) push(text.length);
  return out;
}

/**
 * js-yaml schema for values: YAML 1.2 core types plus `<<` merge keys. No timestamps (Kubernetes keeps
 * dates as strings), no binary/set/omap, no custom or JS types.
 */
export const VALUE_SCHEMA = jsyaml.CORE_SCHEMA.extend({
  implicit: [(jsyaml as unknown as { types: { merge: jsyaml.Type } }).types.merge],
});

/** Maximum nesting js-yaml accepts (its own guard against stack exhaustion). */
export const MAX_DEPTH = 100;

export interface LoadProblem {
  reason: string;
  /** Absolute offset of the problem in the text. */
  offset: number;
}

export interface LoadResult {
  /** The value; undefined when the document could not be read. */
  value: unknown;
  /** Syntax error (or other reason) that made the document unreadable. */
  error?: LoadProblem;
  /** Duplicate key found: the value was still read, the last occurrence wins. */
  duplicate?: LoadProblem;
}

/**
 * Reads one document ([start, end) of `text`) with js-yaml. Never throws. Duplicate keys are reported but the
 * value is still read (last key wins, as PyYAML and JSON.parse do). Alias expansion is bounded: a document
 * whose aliases would expand to far more nodes than its text could hold (a "billion laughs" bomb, or a
 * recursive alias) is rejected.
 */
export function loadYaml(text: string, start: number, end: number): LoadResult {
  const src = text.slice(start, end);
  const at = (e: unknown) => {
    const pos = (e as { mark?: { position?: number } }).mark?.position;
    return start + Math.max(0, Math.min(typeof pos === 'number' ? pos : 0, src.length));
  };
  let value: unknown;
  let duplicate: LoadProblem | undefined;
  try {
    value = jsyaml.load(src, { schema: VALUE_SCHEMA, maxDepth: MAX_DEPTH } as jsyaml.LoadOptions);
  } catch (e) {
    if (!(e instanceof jsyaml.YAMLException)) {
      return { value: undefined, error: { reason: `could not be read (${errorText(e)})`, offset: start } };
    }
    const reason = e.reason || e.message;
    if (!/duplicated mapping key/.test(reason)) return { value: undefined, error: { reason, offset: at(e) } };
    duplicate = { reason, offset: at(e) };
    try {
      value = jsyaml.load(src, { schema: VALUE_SCHEMA, maxDepth: MAX_DEPTH, json: true } as jsyaml.LoadOptions);
    } catch (e2) {
      if (e2 instanceof jsyaml.YAMLException) return { value: undefined, error: { reason: e2.reason || e2.message, offset: at(e2) } };
      return { value: undefined, error: { reason: `could not be read (${errorText(e2)})`, offset: start } };
    }
  }
  if (value !== null && typeof value === 'object' && src.includes('*') && src.includes('&')) {
    const budget = 4 * src.length + 10000;
    if (!withinBudget(value, budget)) {
      return {
        value: undefined,
        error: { reason: `aliases expand to more than ${budget} nodes (alias bomb or recursive alias); document not read`, offset: start },
      };
    }
  }
  return duplicate ? { value, duplicate } : { value };
}

function errorText(e: unknown): string {
  if (e instanceof RangeError) return 'too deeply nested';
  return e instanceof Error ? e.message : String(e);
}

/** Counts object nodes reachable from `value`, following shared references each time; false past `budget`. */
function withinBudget(value: unknown, budget: number): boolean {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++count > budget) return false;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
    } else {
      for (const k in v as Record<string, unknown>) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') stack.push(x);
      }
    }
  }
  return true;
}
