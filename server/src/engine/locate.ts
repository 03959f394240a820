// Lazy source positions for parsed documents.
//
// Values are read without positions (loadYaml: the fast reader of fastyaml.ts, js-yaml for everything else).
// When somebody needs the range of a key or value (a diagnostic, a route's location), FastScanner, a line
// scanner over the document's text, answers the common block-style cases; when it is not sure, the document is
// parsed once more with the `yaml` package, whose AST keeps offsets, and the AST is cached on the locator.
// Offsets are turned into 0-based LSP positions with a line table of the whole file, so ranges are always
// relative to the file, not to the document.

import * as jsyaml from 'js-yaml';
import { fastLoad, implicitTypes } from './fastyaml';
import { parseDocument, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { JsonPath, Origin, Position, Range, Resource } from './model';
import { emptyRange } from './model';

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
  private fast: FastScanner | null | undefined;

  constructor(
    public text: string,
    public start: number,
    public end: number,
  ) {}

  /**
   * Points the locator at the same document text at another place of a newer version of the file (see
   * parseFile's `previous`). The AST keeps offsets relative to the document, so it stays valid; the line
   * scanner works on absolute offsets and is rebuilt on demand.
   */
  rebase(text: string, start: number, end: number): void {
    this.text = text;
    this.start = start;
    this.end = end;
    if (this.fast) this.fast = undefined;
  }

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

  /**
   * Absolute span of `path`. Falls back to the nearest existing ancestor (its key, or the first line of a
   * sequence item), then to the first line of the document. `exact` tells whether the full path was found.
   */
  locate(path: JsonPath, part?: LocatePart): Span & { exact: boolean } {
    if (!this.doc) {
      // Until the AST exists, try the line scanner: it answers the common block-style cases without parsing.
      const fast = this.locateFast(path, part);
      if (fast) return fast;
    }
    return this.locateSlow(path, part);
  }

  /** The line scanner's answer, or undefined when it is not sure (then the AST decides). */
  locateFast(path: JsonPath, part?: LocatePart): (Span & { exact: boolean }) | undefined {
    if (this.fast === null) return undefined;
    try {
      if (!this.fast) {
        try {
          this.fast = new FastScanner(this.text, this.start, this.end);
        } catch {
          this.fast = null;
          return undefined;
        }
      }
      return this.fast.locate(path, part);
    } catch (e) {
      if (e instanceof Unsure) return undefined;
      this.fast = null;
      return undefined;
    }
  }

  /** The answer from the `yaml` AST. */
  locateSlow(path: JsonPath, part?: LocatePart): Span & { exact: boolean } {
    const doc = this.ast();
    if (!doc) return exactly(this.firstLineSpan(), path.length === 0);
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
        return exactly(lastGood ?? this.firstLineSpan(), false);
      }
      lastGood = this.entrySpan(keyNode, node, undefined);
    }
    if (path.length === 0) return exactly(this.firstLineSpan(), true);
    return exactly(this.entrySpan(keyNode, node, part), true);
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
  /** Where to point when `locate` fails: the resource's own first line or key. */
  fallback(): Range;
}

/** Locator for a resource that is (part of) a YAML document of the file: `basePath` leads to the object. */
export class DocumentResourceLocator implements ResourceLocator {
  constructor(
    readonly doc: DocLocator,
    /** Line table of the whole file; replaced when the document is rebased onto a newer version of the file. */
    public lines: LineIndex,
    readonly basePath: JsonPath,
  ) {}

  locate(path: JsonPath, part?: 'key' | 'value'): Range {
    const full = this.basePath.length ? [...this.basePath, ...path] : path;
    const span = this.doc.locate(full, part);
    return this.lines.range(span.start, span.end);
  }

  fallback(): Range {
    const s = this.doc.locate(this.basePath, 'key');
    return this.lines.range(s.start, s.end);
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
  /** Ranges located so far, by part and path (a located range never changes: the resource is immutable). */
  #memo: Map<string, Range> | undefined;

  constructor(f: ResourceFields, locator: ResourceLocator) {
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
  }

  locate(path: JsonPath, part?: 'key' | 'value'): Range {
    const key = memoKey(path, part);
    const hit = this.#memo?.get(key);
    if (hit) return hit;
    try {
      const range = this.#locator.locate(path, part);
      (this.#memo ??= new Map()).set(key, range);
      return range;
    } catch {
      try {
        return this.#locator.fallback();
      } catch {
        return emptyRange();
      }
    }
  }

  /**
   * Takes over the ranges `from` has located, moved by `lineDelta` lines: for a resource built from the same
   * document text as `from` at another line (see parseFileIncremental), so it need not scan the text again.
   */
  adoptRanges(from: SourceResource, lineDelta: number): void {
    const memo = from.#memo;
    if (!memo || memo.size === 0) return;
    const mine = (this.#memo ??= new Map());
    for (const [key, r] of memo) {
      if (!mine.has(key)) {
        mine.set(key, {
          start: { line: r.start.line + lineDelta, character: r.start.character },
          end: { line: r.end.line + lineDelta, character: r.end.character },
        });
      }
    }
  }
}

function memoKey(path: JsonPath, part: 'key' | 'value' | undefined): string {
  let key = part ?? '';
  for (const seg of path) key += (typeof seg === 'number' ? '\u0001' : '\u0000') + seg;
  return key;
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

const IMPLICIT_TYPES = implicitTypes(VALUE_SCHEMA);

/** Maximum nesting js-yaml accepts (its own guard against stack exhaustion). */
export const MAX_DEPTH = 100;

export interface LoadProblem {
  reason: string;
  /** Absolute offset of the problem in the text. */
  offset: number;
  /**
   * Set when the document hit one of our limits (nesting depth, alias expansion) rather than a YAML syntax
   * error; `reason` then reads as a clause, e.g. `nested more than 100 levels deep`.
   */
  limit?: boolean;
}

/** The reason given for a document nested deeper than MAX_DEPTH. */
export const DEPTH_REASON = `nested more than ${MAX_DEPTH} levels deep`;

/** js-yaml's maxDepth error (or a stack overflow on deep input) as a limit; anything else as it is. */
function loadProblem(e: unknown, offset: number): LoadProblem {
  if (e instanceof RangeError) return { reason: DEPTH_REASON, offset, limit: true };
  if (!(e instanceof jsyaml.YAMLException)) return { reason: `could not be read (${errorText(e)})`, offset };
  const reason = e.reason || e.message;
  if (/maxDepth/.test(reason)) return { reason: DEPTH_REASON, offset, limit: true };
  return { reason, offset };
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
 * Reads one document ([start, end) of `text`): plain block YAML with fastLoad, anything else with js-yaml. Never throws. Duplicate keys are reported but the
 * value is still read (last key wins, as PyYAML and JSON.parse do). Alias expansion is bounded: a document
 * whose aliases would expand to far more nodes than its text could hold (a "billion laughs" bomb, or a
 * recursive alias) is rejected.
 */
export function loadYaml(text: string, start: number, end: number): LoadResult {
  // Plain block YAML (most manifests) is read by the fast reader, with js-yaml's own scalar resolvers.
  const fast = fastLoad(text, start, end, IMPLICIT_TYPES);
  if (fast) return { value: fast.value };
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
    const problem = loadProblem(e, e instanceof jsyaml.YAMLException ? at(e) : start);
    if (!/duplicated mapping key/.test(problem.reason)) return { value: undefined, error: problem };
    duplicate = problem;
    try {
      value = jsyaml.load(src, { schema: VALUE_SCHEMA, maxDepth: MAX_DEPTH, json: true } as jsyaml.LoadOptions);
    } catch (e2) {
      return { value: undefined, error: loadProblem(e2, e2 instanceof jsyaml.YAMLException ? at(e2) : start) };
    }
  }
  if (value !== null && typeof value === 'object' && src.includes('*') && src.includes('&')) {
    const budget = 4 * src.length + 10000;
    if (!withinBudget(value, budget)) {
      return {
        value: undefined,
        error: { reason: `aliases expand to more than ${budget} nodes (alias bomb or recursive alias)`, offset: start, limit: true },
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

// ---- Fast path: a line scanner for block-style YAML.
//
// Parsing a document with the `yaml` package costs far more than reading it with js-yaml, and most lookups
// (a Mapping's name for the route table, a field a diagnostic points at) are in plain block mappings and
// sequences. The scanner below walks such documents by indentation and gives exactly the spans the AST would;
// whenever it meets something it does not model (anchors, tags, merge keys, multi-line flow or quoted scalars,
// block scalar values, tabs in indentation, odd keys) it throws Unsure and the AST answers instead.

class Unsure extends Error {}
const UNSURE = new Unsure('unsure');

interface Region {
  /** First line (index into the scanner's lines) and end line (exclusive). */
  lo: number;
  hi: number;
  /** Column where the first line's content starts (a mapping inside `- key: v` starts after the dash). */
  col: number;
}

/** A span with its `exact` flag (written out: an object spread here was a third of the cost of a locate). */
function exactly(span: Span, exact: boolean): Span & { exact: boolean } {
  return { start: span.start, end: span.end, exact };
}

type EntryKind = 'map' | 'seq' | 'scalar' | 'null' | 'block' | 'flow';

interface Entry {
  key: Span | null;
  /** Start of the value; for scalars also its end. */
  vStart: number;
  vEnd: number;
  kind: EntryKind;
  region?: Region;
}

const SPECIAL_KEY = /^(?:[-+]?[0-9.]|~$|(?:null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|n|N|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$)/;

class FastScanner {
  /** Absolute start offsets of the document's lines, and their ends (before `\r\n` / `\n`). */
  private readonly ls: number[] = [];
  private readonly le: number[] = [];
  private readonly root: Entry;

  constructor(
    private readonly text: string,
    start: number,
    end: number,
  ) {
    let p = start;
    while (p < end) {
      let nl = text.indexOf('\n', p);
      if (nl === -1 || nl >= end) nl = end;
      let e = nl;
      if (e > p && text.charCodeAt(e - 1) === 13) e--;
      this.ls.push(p);
      this.le.push(e);
      p = nl + 1;
    }
    this.root = this.rootEntry();
  }

  private rootEntry(): Entry {
    const n = this.ls.length;
    let i = 0;
    let hi = n;
    for (; i < n; i++) {
      const s = this.ls[i];
      const c = this.text.charCodeAt(s);
      if (c === 45 /* - */ && this.text.startsWith('---', s) && this.lineRest(s + 3) === '') continue;
      if (c === 37 /* % */) continue;
      if (this.isBlank(i)) continue;
      break;
    }
    for (let j = i; j < n; j++) {
      if (this.text.startsWith('---', this.ls[j]) || this.text.startsWith('...', this.ls[j])) {
        if (j === i) throw UNSURE;
        hi = j;
        break;
      }
    }
    if (i >= hi) throw UNSURE;
    const col = this.indent(i);
    const kind = this.collectionAt(i, col);
    const s = this.ls[i] + col;
    return { key: null, vStart: s, vEnd: s, kind, region: { lo: i, hi, col } };
  }

  /** Text from `p` to the end of its line, without a trailing comment and spaces. */
  private lineRest(p: number): string {
    const line = this.text.slice(p, this.lineEndAt(p));
    return line.replace(/(^|[ \t])#.*$/, '').trim();
  }

  private lineEndAt(p: number): number {
    let nl = this.text.indexOf('\n', p);
    if (nl === -1) nl = this.text.length;
    if (nl > p && this.text.charCodeAt(nl - 1) === 13) nl--;
    return nl;
  }

  /** Blank or comment-only line. */
  private isBlank(i: number): boolean {
    for (let p = this.ls[i]; p < this.le[i]; p++) {
      const c = this.text.charCodeAt(p);
      if (c === 32) continue;
      if (c === 9) continue;
      return c === 35;
    }
    return true;
  }

  private indent(i: number): number {
    let p = this.ls[i];
    while (p < this.le[i] && this.text.charCodeAt(p) === 32) p++;
    if (p < this.le[i] && this.text.charCodeAt(p) === 9) throw UNSURE;
    return p - this.ls[i];
  }

  /** Column of the line's content inside a region (the first line may start after a dash). */
  private colIn(i: number, r: Region): number {
    return i === r.lo ? r.col : this.indent(i);
  }

  private isDash(p: number): boolean {
    if (this.text.charCodeAt(p) !== 45) return false;
    const n = this.text.charCodeAt(p + 1);
    return Number.isNaN(n) || n === 32 || n === 10 || n === 13 || n === 9;
  }

  /** What kind of block collection starts at line i, column col. */
  private collectionAt(i: number, col: number): EntryKind {
    const p = this.ls[i] + col;
    if (this.isDash(p)) return 'seq';
    if (this.keyAt(p, this.le[i])) return 'map';
    throw UNSURE;
  }

  /** Parses `key:` at p. Returns null when the line is not a simple key line. */
  private keyAt(p: number, end: number): { key: string; ks: number; ke: number; after: number } | null {
    const t = this.text;
    const c = t.charCodeAt(p);
    let ks = p;
    let ke: number;
    let key: string;
    let q: number;
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const close = t.indexOf(c === 34 ? '"' : "'", p + 1);
      if (close === -1 || close >= end) throw UNSURE;
      key = t.slice(p + 1, close);
      if (c === 34 && key.includes('\\')) throw UNSURE;
      if (c === 39 && t.charCodeAt(close + 1) === 39) throw UNSURE;
      ke = close + 1;
      q = ke;
      while (q < end && t.charCodeAt(q) === 32) q++;
      if (t.charCodeAt(q) !== 58 /* : */) return null;
      const n = t.charCodeAt(q + 1);
      if (!(q + 1 >= end || n === 32 || n === 9)) throw UNSURE;
    } else {
      if ('[]{}&*!|>%@`?#,\'"'.includes(t[p] ?? '') || this.isDash(p)) return null;
      q = p;
      for (;;) {
        q = t.indexOf(':', q);
        if (q === -1 || q >= end) return null;
        const n = t.charCodeAt(q + 1);
        if (q + 1 >= end || n === 32 || n === 9) break;
        q++;
      }
      // A ` #` before the colon starts a comment: look between the key's start and the colon only.
      for (let h = p; h < q; h++) if (t.charCodeAt(h) === 32 && t.charCodeAt(h + 1) === 35) return null;
      ke = q;
      while (ke > ks && t.charCodeAt(ke - 1) === 32) ke--;
      key = t.slice(ks, ke);
      if (SPECIAL_KEY.test(key) || key === '<<') throw UNSURE;
    }
    ks = p;
    let after = q + 1;
    while (after < end && (t.charCodeAt(after) === 32 || t.charCodeAt(after) === 9)) after++;
    return { key, ks, ke, after };
  }

  /** Next content line index >= i in [i, hi), or hi. */
  private nextContent(i: number, hi: number): number {
    while (i < hi && this.isBlank(i)) i++;
    return i;
  }

  /** End (exclusive line) of the children of an entry whose own line is i at column m. */
  private childrenEnd(i: number, hi: number, m: number, allowCompactSeq: boolean): number {
    let j = this.nextContent(i + 1, hi);
    if (j >= hi) return hi;
    const c = this.indent(j);
    if (c === m && allowCompactSeq && this.isDash(this.ls[j] + c)) {
      // `key:` followed by `- item` lines at the key's own column.
      for (j = j + 1; j < hi; j++) {
        if (this.isBlank(j)) continue;
        const cj = this.indent(j);
        if (cj < m || (cj === m && !this.isDash(this.ls[j] + cj))) return j;
      }
      return hi;
    }
    for (; j < hi; j++) {
      if (this.isBlank(j)) continue;
      if (this.indent(j) <= m) return j;
    }
    return hi;
  }

  /** The value written from `p` (after `key: ` or `- `) on line i, with children lines up to `end`. */
  private valueAt(p: number, i: number, end: number, key: Span | null): Entry {
    const t = this.text;
    const le = this.le[i];
    const c = t.charCodeAt(p);
    const hasChildren = this.nextContent(i + 1, end) < end;
    if (p >= le || c === 35 /* # */) {
      if (!hasChildren) return { key, vStart: p, vEnd: p, kind: 'null' };
      const j = this.nextContent(i + 1, end);
      const col = this.indent(j);
      const kind = this.collectionAt(j, col);
      const s = this.ls[j] + col;
      return { key, vStart: s, vEnd: s, kind, region: { lo: j, hi: end, col } };
    }
    if (c === 38 || c === 42 || c === 33 /* & * ! */) throw UNSURE;
    if (c === 124 || c === 62 /* | > */) return { key, vStart: p, vEnd: p, kind: 'block' };
    if (hasChildren) throw UNSURE; // multi-line scalar, or a mapping inside a sequence item (`- a: 1` handled by caller)
    let vEnd: number;
    let kind: EntryKind = 'scalar';
    if (c === 34 /* " */) {
      let q = p + 1;
      for (; q < le; q++) {
        const d = t.charCodeAt(q);
        if (d === 92) q++;
        else if (d === 34) break;
      }
      if (q >= le) throw UNSURE;
      vEnd = q + 1;
    } else if (c === 39 /* ' */) {
      let q = p + 1;
      for (; q < le; q++) {
        if (t.charCodeAt(q) === 39) {
          if (t.charCodeAt(q + 1) === 39) q++;
          else break;
        }
      }
      if (q >= le) throw UNSURE;
      vEnd = q + 1;
    } else if (c === 91 || c === 123 /* [ { */) {
      kind = 'flow';
      let depth = 0;
      let q = p;
      for (; q < le; q++) {
        const d = t.charCodeAt(q);
        if (d === 34 || d === 39) {
          // skip a quoted string inside the flow collection
          const close = t.indexOf(d === 34 ? '"' : "'", q + 1);
          if (close === -1 || close >= le || (d === 34 && t.slice(q, close).includes('\\'))) throw UNSURE;
          q = close;
        } else if (d === 91 || d === 123) depth++;
        else if (d === 93 || d === 125) {
          depth--;
          if (depth === 0) break;
        } else if (d === 35 && t.charCodeAt(q - 1) === 32) throw UNSURE;
      }
      if (q >= le) throw UNSURE;
      vEnd = q + 1;
    } else {
      if (this.isDash(p) || c === 63 /* ? */) throw UNSURE;
      // plain scalar: up to a comment, trailing spaces trimmed
      let q = p;
      for (; q < le; q++) {
        const d = t.charCodeAt(q);
        if (d === 35 && (t.charCodeAt(q - 1) === 32 || t.charCodeAt(q - 1) === 9)) break;
        if (d === 58 && (q + 1 >= le || t.charCodeAt(q + 1) === 32)) throw UNSURE; // `a: b: c` or a mapping
      }
      while (q > p && (t.charCodeAt(q - 1) === 32 || t.charCodeAt(q - 1) === 9)) q--;
      vEnd = q;
    }
    const tail = this.lineRest(vEnd);
    if (tail !== '') throw UNSURE;
    return { key, vStart: p, vEnd, kind };
  }

  private findKey(r: Region, seg: string): Entry | undefined {
    const m = r.col;
    for (let i = r.lo; i < r.hi; i++) {
      if (i !== r.lo && this.isBlank(i)) continue;
      const col = this.colIn(i, r);
      if (col < m) throw UNSURE;
      if (col > m) continue;
      const p = this.ls[i] + col;
      const k = this.keyAt(p, this.le[i]);
      if (!k) throw UNSURE;
      const end = this.childrenEnd(i, r.hi, m, true);
      if (k.key !== seg) {
        i = end - 1;
        continue;
      }
      return this.valueAt(k.after, i, end, { start: k.ks, end: k.ke });
    }
    return undefined;
  }

  private findItem(r: Region, index: number): Entry | undefined {
    const s = r.col;
    let n = -1;
    for (let i = r.lo; i < r.hi; i++) {
      if (i !== r.lo && this.isBlank(i)) continue;
      const col = this.colIn(i, r);
      if (col < s) throw UNSURE;
      if (col > s) continue;
      const p = this.ls[i] + col;
      if (!this.isDash(p)) throw UNSURE;
      n++;
      const end = this.childrenEnd(i, r.hi, s, false);
      if (n !== index) {
        i = end - 1;
        continue;
      }
      let v = p + 1;
      while (v < this.le[i] && this.text.charCodeAt(v) === 32) v++;
      if (v < this.le[i] && this.text.charCodeAt(v) === 9) throw UNSURE;
      if (v < this.le[i] && this.text.charCodeAt(v) !== 35) {
        if (this.isDash(v)) throw UNSURE;
        const k = this.keyAt(v, this.le[i]);
        if (k) return { key: null, vStart: v, vEnd: v, kind: 'map', region: { lo: i, hi: end, col: v - this.ls[i] } };
      }
      return this.valueAt(v, i, end, null);
    }
    return undefined;
  }

  /** Span of an entry as DocLocator.entrySpan computes it from the AST. */
  private span(e: Entry, part: LocatePart): Span {
    const collection = e.kind === 'map' || e.kind === 'seq' || e.kind === 'flow';
    const hasValue = e.kind !== 'null';
    const firstLine = (): Span => {
      if (e.kind === 'flow') return { start: e.vStart, end: e.vEnd }; // one line: ends before the line does
      // min(valueEnd, end of line): the AST's valueEnd is unknown here unless the collection spans lines.
      const le = this.lineEndAt(e.vStart);
      if (e.region && this.nextContent(e.region.lo + 1, e.region.hi) < e.region.hi) return { start: e.vStart, end: le };
      throw UNSURE;
    };
    if (e.kind === 'block' && (part !== 'key' || !e.key)) throw UNSURE;
    const v = (): Span => {
      if (e.kind === 'map' || e.kind === 'seq') throw UNSURE;
      return { start: e.vStart, end: e.vEnd };
    };
    if (part === 'key') {
      if (e.key) return e.key;
      if (hasValue) return collection ? firstLine() : v();
    } else if (part === 'value') {
      if (hasValue) return v();
      if (e.key) return e.key;
    } else {
      if (hasValue && !collection) return v();
      if (e.key) return e.key;
      if (hasValue) return firstLine();
    }
    throw UNSURE;
  }

  private rootFirstLine(): Span {
    return { start: this.root.vStart, end: this.lineEndAt(this.root.vStart) };
  }

  locate(path: JsonPath, part: LocatePart): Span & { exact: boolean } {
    let cur = this.root;
    let lastGood: Span | null = null;
    for (const seg of path) {
      let next: Entry | undefined;
      if (cur.kind === 'map' && cur.region) next = this.findKey(cur.region, String(seg));
      else if (cur.kind === 'seq' && cur.region) {
        const idx = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
        next = idx >= 0 ? this.findItem(cur.region, idx) : undefined;
      } else if (cur.kind === 'flow' || cur.kind === 'block') throw UNSURE;
      if (!next) return exactly(lastGood ?? this.rootFirstLine(), false);
      lastGood = this.span(next, undefined);
      cur = next;
    }
    if (path.length === 0) return exactly(this.rootFirstLine(), true);
    return exactly(this.span(cur, part), true);
  }
}
