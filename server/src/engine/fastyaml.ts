// A fast reader for the plain block-style YAML that most Kubernetes manifests are written in.
//
// js-yaml is general and correct, and it is most of the cost of checking a large workspace. This reader handles
// the common subset directly: block mappings and sequences nested by indentation (including `- key: value`
// items and sequences written at their key's column), plain, single- and double-quoted (no escapes) scalars on
// one line, literal block scalars (`|`, `|-`, `|+`), empty `[]` / `{}`, and comments. Plain scalars are typed by
// the very resolvers js-yaml uses for the schema (null, booleans, integers, floats of the YAML 1.2 core schema).
//
// Whenever it meets anything else (anchors, aliases, tags, merge keys, flow collections with content,
// multi-line or escaped scalars, folded scalars, tabs, CR line ends, directives, odd keys, duplicate keys,
// deep nesting, ...) it gives up and returns undefined, and js-yaml reads the document as before. So it never
// decides an error or an edge case: it only answers when the answer is plain, and the answer is what js-yaml
// gives (test/unit/fastyaml.test.ts compares the two on generated and real manifests).

import type * as jsyaml from 'js-yaml';

interface ImplicitType {
  resolve(data: string): boolean;
  construct(data: string): unknown;
}

class Unsure extends Error {}
const UNSURE = new Unsure('unsure');

/** Keys whose implicit type would not be a string (numbers, null, booleans ...): left to js-yaml. */
const SPECIAL_KEY = /^(?:[-+]?[0-9.]|~$|(?:null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|n|N|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$)/;
const MAX_NESTING = 60;

/**
 * Keys and values that most manifests repeat in every document. Read from the text by comparison, they are the
 * same (internalised) string each time: no new string per occurrence, and a property store with such a key needs
 * no string-table lookup. Anything else is sliced from the text as usual.
 */
const COMMON_KEYS = [
  'apiVersion', 'kind', 'metadata', 'name', 'namespace', 'labels', 'annotations', 'spec', 'status', 'items',
  'prefix', 'service', 'hostname', 'host', 'rewrite', 'timeout_ms', 'weight', 'headers', 'regex_headers', 'method',
  'precedence', 'host_redirect', 'path_redirect', 'prefix_regex', 'host_regex', 'query_parameters', 'cors', 'tls',
  'resolver', 'load_balancer', 'policy', 'retry_policy', 'circuit_breakers', 'ambassador_id', 'app',
  'team', 'tlsSecret', 'tlsContext', 'acmeProvider', 'authority', 'requestPolicy', 'insecure', 'action',
  'mappingSelector', 'matchLabels', 'selector', 'ports', 'port', 'targetPort', 'protocol', 'type', 'config',
  'securityModel', 'hostBinding', 'secret', 'hosts', 'address', 'bypass_auth', 'shadow', 'docs', 'path',
  'idle_timeout_ms', 'connect_timeout_ms', 'add_request_headers', 'add_response_headers', 'remove_request_headers',
  'getambassador.io/config',
];
const COMMON_VALUES = [
  'getambassador.io/v3alpha1', 'getambassador.io/v2', 'getambassador.io/v1', 'v1', 'Mapping', 'Host', 'TCPMapping',
  'TLSContext', 'Listener', 'Module', 'Service', 'Secret', 'AuthService', 'RateLimitService', 'TracingService',
  'LogService', 'KubernetesServiceResolver', 'KubernetesEndpointResolver', 'ConsulResolver', 'DevPortal', 'default',
  'ambassador', 'TCP', 'HTTP', 'HTTPS', 'Route', 'Redirect', 'Reject', 'ClusterIP', '/',
];

/** Strings by first character (ASCII) and length (up to 63), for `common`: usually one candidate per slot. */
function byFirstCharAndLength(list: readonly string[]): (string[] | undefined)[] {
  const out: (string[] | undefined)[] = new Array(128 * 64).fill(undefined);
  for (const k of new Set(list)) (out[k.charCodeAt(0) * 64 + k.length] ??= []).push(k);
  return out;
}
const KEYS_BY_FIRST = byFirstCharAndLength(COMMON_KEYS);
const VALUES_BY_FIRST = byFirstCharAndLength(COMMON_VALUES);

/** The one of `table`'s strings written at [p, end) of `t`, if any. */
function common(table: (string[] | undefined)[], t: string, p: number, end: number): string | undefined {
  const c = t.charCodeAt(p);
  const len = end - p;
  if (c >= 128 || len >= 64) return undefined;
  const list = table[c * 64 + len];
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) if (t.startsWith(list[i], p)) return list[i];
  return undefined;
}

const enum C {
  Tab = 9,
  LF = 10,
  CR = 13,
  Space = 32,
  Bang = 33,
  DQuote = 34,
  Hash = 35,
  Percent = 37,
  Amp = 38,
  SQuote = 39,
  Star = 42,
  Plus = 43,
  Comma = 44,
  Dash = 45,
  Dot = 46,
  Colon = 58,
  Lt = 60,
  Gt = 62,
  Question = 63,
  At = 64,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  Backtick = 96,
  LBrace = 123,
  Pipe = 124,
  RBrace = 125,
}

/** First characters with which a plain scalar could resolve to something other than a string. */
function mayBeTyped(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || // digits
    c === C.Plus ||
    c === C.Dash ||
    c === C.Dot ||
    c === 126 || // ~
    c === 110 || // n
    c === 78 || // N
    c === 116 || // t
    c === 84 || // T
    c === 102 || // f
    c === 70 || // F
    c === C.Lt
  );
}

class Reader {
  /** Start of the current line, and its end (before the line break). */
  private ls = 0;
  private le = 0;

  constructor(
    private readonly t: string,
    private readonly end: number,
    private readonly implicit: readonly ImplicitType[],
  ) {}

  // ---- Lines

  private setLine(start: number): void {
    this.ls = start;
    let nl = this.t.indexOf('\n', start);
    if (nl === -1 || nl > this.end) nl = this.end;
    this.le = nl;
  }

  private nextLine(): void {
    this.setLine(this.le + 1);
  }

  private get atEnd(): boolean {
    return this.ls >= this.end;
  }

  /** Column of the first non-space character of the current line; UNSURE on a tab in the indentation. */
  private indent(): number {
    let p = this.ls;
    while (p < this.le && this.t.charCodeAt(p) === C.Space) p++;
    if (p < this.le && this.t.charCodeAt(p) === C.Tab) throw UNSURE;
    return p - this.ls;
  }

  /** Blank or comment-only line. */
  private blank(): boolean {
    for (let p = this.ls; p < this.le; p++) {
      const c = this.t.charCodeAt(p);
      if (c === C.Space || c === C.Tab) continue;
      return c === C.Hash;
    }
    return true;
  }

  /** Moves to the next line with content (or the end). */
  private skipBlank(): void {
    while (!this.atEnd && this.blank()) this.nextLine();
  }

  /** Whether only spaces and a comment follow `p` on the current line. */
  private restBlank(p: number): boolean {
    const t = this.t;
    for (; p < this.le; p++) {
      const c = t.charCodeAt(p);
      if (c === C.Space) continue;
      return c === C.Hash && (p === 0 || t.charCodeAt(p - 1) === C.Space);
    }
    return true;
  }

  private isDash(p: number): boolean {
    if (this.t.charCodeAt(p) !== C.Dash) return false;
    const n = this.t.charCodeAt(p + 1);
    return p + 1 >= this.le || n === C.Space || n === C.Tab;
  }

  // ---- Document

  read(start: number): unknown {
    const t = this.t;
    const cr = t.indexOf('\r', start);
    if (cr !== -1 && cr < this.end) throw UNSURE; // CR line breaks: js-yaml
    this.setLine(start);
    // Leading blank lines, comments and a bare `---`.
    let sawMarker = false;
    for (;;) {
      if (this.atEnd) throw UNSURE; // empty document
      const c = t.charCodeAt(this.ls);
      if (c === C.Percent) throw UNSURE;
      if (!sawMarker && c === C.Dash && t.startsWith('---', this.ls) && (this.ls + 3 >= this.le || t.charCodeAt(this.ls + 3) === C.Space)) {
        if (!this.restBlank(this.ls + 3)) throw UNSURE;
        sawMarker = true;
        this.nextLine();
        continue;
      }
      if (this.blank()) {
        this.nextLine();
        continue;
      }
      break;
    }
    const col = this.indent();
    const p = this.ls + col;
    let value: unknown;
    if (this.isDash(p)) value = this.sequence(col, 0);
    else value = this.mapping(col, p, 0);
    this.skipBlank();
    if (!this.atEnd) throw UNSURE; // `...`, or content after the root node
    return value;
  }

  // ---- Collections

  /** A block mapping whose keys are at column `col`; its first key starts at `first` on the current line. */
  private mapping(col: number, first: number, depth: number): Record<string, unknown> {
    if (depth > MAX_NESTING) throw UNSURE;
    const out: Record<string, unknown> = {};
    // Keys so far, for the duplicate check: comparing a handful of strings is cheaper than a property lookup
    // with a key that is not yet internalised (the store below does that once).
    const keys: string[] = [];
    let p = first;
    for (;;) {
      const key = this.key(p);
      if (keys.length < 16 ? keys.includes(key) : Object.prototype.hasOwnProperty.call(out, key)) throw UNSURE; // duplicate: js-yaml reports it
      if (keys.length < 16) keys.push(key);
      out[key] = this.value(this.afterKey, col, depth, true);
      // value() leaves us on the next line with content (or the end).
      if (this.atEnd) break;
      const ind = this.indent();
      if (ind < col) break;
      if (ind > col) throw UNSURE;
      p = this.ls + ind;
      if (this.isDash(p)) break; // a sequence at the parent key's column ends here; the caller decides
    }
    return out;
  }

  /** A block sequence whose dashes are at column `col` (current line). */
  private sequence(col: number, depth: number): unknown[] {
    if (depth > MAX_NESTING) throw UNSURE;
    const out: unknown[] = [];
    for (;;) {
      let p = this.ls + col + 1;
      while (p < this.le && this.t.charCodeAt(p) === C.Space) p++;
      if (p < this.le && this.t.charCodeAt(p) === C.Tab) throw UNSURE;
      if (p < this.le && this.t.charCodeAt(p) !== C.Hash && !this.isDash(p) && this.looksLikeKey(p)) {
        out.push(this.mapping(p - this.ls, p, depth + 1));
      } else {
        out.push(this.value(p, col, depth, false));
      }
      if (this.atEnd) break;
      const ind = this.indent();
      if (ind < col) break;
      if (ind > col) throw UNSURE;
      if (!this.isDash(this.ls + ind)) break;
    }
    return out;
  }

  /** Whether a `key:` starts at `p` (a `:` followed by a space or the line end, before any comment). */
  private looksLikeKey(p: number): boolean {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === C.DQuote || c === C.SQuote) {
      const close = t.indexOf(c === C.DQuote ? '"' : "'", p + 1);
      if (close === -1 || close >= this.le) return false;
      let q = close + 1;
      while (q < this.le && t.charCodeAt(q) === C.Space) q++;
      return t.charCodeAt(q) === C.Colon && (q + 1 >= this.le || t.charCodeAt(q + 1) === C.Space);
    }
    for (let q = p; q < this.le; q++) {
      const d = t.charCodeAt(q);
      if (d === C.Hash && q > p && t.charCodeAt(q - 1) === C.Space) return false;
      if (d === C.Colon && (q + 1 >= this.le || t.charCodeAt(q + 1) === C.Space)) return true;
    }
    return false;
  }

  /** Position after the colon of the last key read. */
  private afterKey = 0;

  /** Reads `key:` at `p`; returns the key (afterKey: the position after the colon). UNSURE for anything unusual. */
  private key(p: number): string {
    const t = this.t;
    const c = t.charCodeAt(p);
    let key: string;
    let q: number;
    if (c === C.DQuote || c === C.SQuote) {
      const close = t.indexOf(c === C.DQuote ? '"' : "'", p + 1);
      if (close === -1 || close >= this.le) throw UNSURE;
      key = t.slice(p + 1, close);
      if (c === C.DQuote && key.includes('\\')) throw UNSURE;
      if (c === C.SQuote && t.charCodeAt(close + 1) === C.SQuote) throw UNSURE;
      q = close + 1;
      while (q < this.le && t.charCodeAt(q) === C.Space) q++;
      if (t.charCodeAt(q) !== C.Colon) throw UNSURE;
    } else {
      if (isIndicator(c) || c === C.Dash || c === C.Question || c === C.Colon) throw UNSURE;
      q = p;
      for (;;) {
        if (q >= this.le) throw UNSURE;
        const d = t.charCodeAt(q);
        if (d === C.Hash && q > p && t.charCodeAt(q - 1) === C.Space) throw UNSURE;
        if (d === C.Tab) throw UNSURE;
        if (d === C.Colon && (q + 1 >= this.le || t.charCodeAt(q + 1) === C.Space)) break;
        q++;
      }
      let ke = q;
      while (ke > p && t.charCodeAt(ke - 1) === C.Space) ke--;
      const known = common(KEYS_BY_FIRST, t, p, ke);
      if (known !== undefined) key = known;
      else {
        key = t.slice(p, ke);
        if (key.length > 1000 || key === '<<' || key === '__proto__' || key === '') throw UNSURE;
        // Only short keys or keys starting with a digit, sign, dot or `~` can resolve to a non-string.
        if ((key.length <= 5 || !isLetter(c)) && SPECIAL_KEY.test(key)) throw UNSURE;
      }
    }
    if (q + 1 < this.le && t.charCodeAt(q + 1) !== C.Space) throw UNSURE;
    this.afterKey = q + 1;
    return key;
  }

  /**
   * The value written from `p` on the current line (after `key:` or `- `), whose key or dash is at column
   * `col`. Ends on the next line with content. `inMapping`: a sequence may then start at the key's column.
   */
  private value(p: number, col: number, depth: number, inMapping: boolean): unknown {
    const t = this.t;
    while (p < this.le && t.charCodeAt(p) === C.Space) p++;
    if (p < this.le && t.charCodeAt(p) === C.Tab) throw UNSURE;
    if (p >= this.le || (t.charCodeAt(p) === C.Hash && t.charCodeAt(p - 1) === C.Space)) {
      // Nothing on this line: a nested block below, a sequence at the key's column, or null.
      this.nextLine();
      this.skipBlank();
      if (this.atEnd) return null;
      const ind = this.indent();
      const q = this.ls + ind;
      if (ind > col) {
        if (this.isDash(q)) return this.sequence(ind, depth + 1);
        if (!this.looksLikeKey(q)) throw UNSURE; // a scalar on the next line
        return this.mapping(ind, q, depth + 1);
      }
      if (ind === col && inMapping && this.isDash(q)) return this.sequence(ind, depth + 1);
      // js-yaml reads an empty item followed by a less indented `-` line differently from the spec: left to it.
      if (!inMapping && ind < col) throw UNSURE;
      return null;
    }
    const c = t.charCodeAt(p);
    let value: unknown;
    if (c === C.Pipe) return this.literal(p, col);
    if (c === C.DQuote) {
      const close = t.indexOf('"', p + 1);
      if (close === -1 || close >= this.le) throw UNSURE;
      const s = t.slice(p + 1, close);
      if (s.includes('\\')) throw UNSURE;
      if (!this.restBlank(close + 1)) throw UNSURE;
      value = s;
    } else if (c === C.SQuote) {
      let q = p + 1;
      let s = '';
      let from = q;
      for (;;) {
        if (q >= this.le) throw UNSURE;
        if (t.charCodeAt(q) === C.SQuote) {
          if (t.charCodeAt(q + 1) === C.SQuote) {
            s += t.slice(from, q + 1);
            q += 2;
            from = q;
            continue;
          }
          break;
        }
        q++;
      }
      s += t.slice(from, q);
      if (!this.restBlank(q + 1)) throw UNSURE;
      value = s;
    } else if (c === C.LBracket || c === C.LBrace) {
      const close = c === C.LBracket ? C.RBracket : C.RBrace;
      let q = p + 1;
      while (q < this.le && t.charCodeAt(q) === C.Space) q++;
      if (t.charCodeAt(q) !== close || !this.restBlank(q + 1)) throw UNSURE;
      value = c === C.LBracket ? [] : {};
    } else {
      if (isIndicator(c) || c === C.Gt || c === C.Pipe) throw UNSURE;
      if ((c === C.Dash || c === C.Question || c === C.Colon) && (p + 1 >= this.le || t.charCodeAt(p + 1) === C.Space || t.charCodeAt(p + 1) === C.Tab)) {
        throw UNSURE;
      }
      // Plain scalar: to a comment or the line end.
      let q = p;
      for (; q < this.le; q++) {
        const d = t.charCodeAt(q);
        if (d === C.Hash && (t.charCodeAt(q - 1) === C.Space || t.charCodeAt(q - 1) === C.Tab)) break;
        if (d === C.Colon && (q + 1 >= this.le || t.charCodeAt(q + 1) === C.Space || t.charCodeAt(q + 1) === C.Tab)) throw UNSURE;
        if (d === C.CR) throw UNSURE;
      }
      while (q > p && (t.charCodeAt(q - 1) === C.Space || t.charCodeAt(q - 1) === C.Tab)) q--;
      // Common values are plain strings under every implicit type (none is a number, bool or null).
      value = common(VALUES_BY_FIRST, t, p, q) ?? this.plain(t.slice(p, q));
    }
    // A scalar owns its line only: a more indented line after it would continue it (multi-line scalar).
    this.nextLine();
    this.skipBlank();
    if (!this.atEnd && this.indent() > col) throw UNSURE;
    return value;
  }

  private plain(s: string): unknown {
    if (!mayBeTyped(s.charCodeAt(0))) return s;
    for (const type of this.implicit) {
      if (type.resolve(s)) return type.construct(s);
    }
    return s;
  }

  /** A literal block scalar; its header `|` is at `p`, the owning key or dash at column `col`. */
  private literal(p: number, col: number): string {
    const t = this.t;
    let q = p + 1;
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    const ind = t.charCodeAt(q);
    if (ind === C.Dash) {
      chomp = 'strip';
      q++;
    } else if (ind === C.Plus) {
      chomp = 'keep';
      q++;
    }
    if (q < this.le && t.charCodeAt(q) !== C.Space) throw UNSURE; // indentation indicator or junk
    if (!this.restBlank(q)) throw UNSURE;
    this.nextLine();
    // Lines of the block: blank lines, and lines indented at least as much as the first line with content.
    const lines: string[] = [];
    let indent = -1;
    let maxLeadingBlank = 0;
    while (!this.atEnd) {
      let sp = this.ls;
      while (sp < this.le && t.charCodeAt(sp) === C.Space) sp++;
      if (sp < this.le && (t.charCodeAt(sp) === C.Tab || t.charCodeAt(sp) === C.CR)) throw UNSURE;
      const width = sp - this.ls;
      if (sp >= this.le) {
        // An empty line (spaces only).
        if (indent < 0) maxLeadingBlank = Math.max(maxLeadingBlank, width);
        lines.push(indent >= 0 && width > indent ? t.slice(this.ls + indent, this.le) : '');
        this.nextLine();
        continue;
      }
      if (indent < 0) {
        if (width <= col) break; // empty block scalar: left to js-yaml
        if (maxLeadingBlank > width) throw UNSURE;
        indent = width;
      } else if (width < indent) break;
      lines.push(t.slice(this.ls + indent, this.le));
      this.nextLine();
    }
    if (indent < 0) throw UNSURE;
    // Trailing empty lines belong to the chomping, not the content.
    let last = lines.length;
    while (last > 0 && lines[last - 1] === '') last--;
    const body = lines.slice(0, last).join('\n');
    let value: string;
    if (chomp === 'strip') value = body;
    else if (chomp === 'clip') value = body + '\n';
    else value = body + '\n'.repeat(lines.length - last + 1);
    // The lines after the block: trailing blank lines were consumed above.
    this.skipBlank();
    if (!this.atEnd && this.indent() > col) throw UNSURE;
    return value;
  }
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isIndicator(c: number): boolean {
  return (
    c === C.LBracket ||
    c === C.RBracket ||
    c === C.LBrace ||
    c === C.RBrace ||
    c === C.Comma ||
    c === C.Hash ||
    c === C.Amp ||
    c === C.Star ||
    c === C.Bang ||
    c === C.Pipe ||
    c === C.Gt ||
    c === C.SQuote ||
    c === C.DQuote ||
    c === C.Percent ||
    c === C.At ||
    c === C.Backtick
  );
}

/** The implicit (untagged plain scalar) types of a js-yaml schema, in the order js-yaml tries them. */
export function implicitTypes(schema: jsyaml.Schema): readonly ImplicitType[] {
  return (schema as unknown as { compiledImplicit: ImplicitType[] }).compiledImplicit;
}

/**
 * The value of the document [start, end) of `text` when it is plain block YAML, exactly as js-yaml would read it
 * with a schema whose implicit types are `implicit`; undefined when the document uses anything else (then js-yaml
 * must read it). Never throws.
 */
export function fastLoad(text: string, start: number, end: number, implicit: readonly ImplicitType[]): { value: unknown } | undefined {
  try {
    return { value: new Reader(text, end, implicit).read(start) };
  } catch (e) {
    if (e instanceof Unsure || e instanceof RangeError) return undefined;
    return undefined;
  }
}

