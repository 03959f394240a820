// A syntax checker for the regular-expression dialect of RE2, the engine Envoy uses for every regex
// Emissary hands it (prefix_regex, host_regex, regex_headers, regex_query_parameters, regex_rewrite, ...).
//
// Envoy rejects a whole configuration update when one regex does not compile, so we parse patterns
// the way RE2 does (Perl-like syntax, no lookaround, no backreferences, no possessive quantifiers,
// no atomic groups) and estimate the compiled program size that Envoy compares against
// `regex_max_size` (Module `ambassador`, default 200).
//
// Pure: no I/O. The program-size figure is an estimate (RE2 compiles to UTF-8 byte programs; we count
// roughly one instruction per literal byte, per class range, per operator), good enough to flag
// patterns that are far beyond the limit and to agree with RE2 on plain literal-heavy patterns.

export interface Re2Error {
  /** A sentence for the user, e.g. "lookahead (?=...) is not supported by RE2". */
  message: string;
  /** Offset (UTF-16 code units) of the offending construct inside the pattern. */
  offset: number;
  /** Length of the offending construct (UTF-16 code units), at least 1 when the pattern is non-empty. */
  length: number;
}

export interface Re2Analysis {
  error?: Re2Error;
  /** Estimated RE2 program size (instructions), only meaningful when there is no error. */
  programSize: number;
}

/** Envoy's / Emissary's default limit for the RE2 program size. */
export const DEFAULT_REGEX_MAX_SIZE = 200;

/** RE2's own cap on a single counted repetition ({n,m}) and on nested counted repetitions. */
const MAX_REPEAT = 1000;

/** Unicode general categories RE2 knows by name (\p{Lu}, \pL, ...). */
const GENERAL_CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs',
  'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu',
  'M', 'Mc', 'Me', 'Mn',
  'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps',
  'S', 'Sc', 'Sk', 'Sm', 'So',
  'Z', 'Zl', 'Zp', 'Zs',
]);

/** POSIX classes accepted inside brackets: [[:alpha:]], [[:^digit:]]. */
const POSIX_CLASSES: Record<string, number> = {
  alnum: 3, alpha: 2, ascii: 1, blank: 2, cntrl: 2, digit: 1, graph: 1, lower: 1,
  print: 1, punct: 4, space: 2, upper: 1, word: 4, xdigit: 3,
};

class Re2SyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length: number,
  ) {
    super(message);
  }
}

interface NodeInfo {
  /** Estimated instruction count. */
  size: number;
  /** Product of nested counted-repetition arguments (RE2 rejects > 1000). */
  repeatProduct: number;
  /** True when the node matches only the empty string. */
  empty: boolean;
  /** Set when the node is a plain literal string (RE2 factors common prefixes of literal alternatives). */
  text?: string;
}

function isAsciiWord(c: string): boolean {
  return /^[A-Za-z0-9_]$/.test(c);
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9A-Fa-f]$/.test(c);
}

function utf8Length(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

let unicodePropertyCache: Map<string, boolean> | undefined;

/** Whether RE2 knows the Unicode class name used in \p{name}. */
function knownUnicodeClass(name: string): boolean {
  if (name === 'Any' || GENERAL_CATEGORIES.has(name)) return true;
  // RE2 knows the Unicode script names (Latin, Greek, Han, ...), in their long form only.
  if (!/^[A-Z][A-Za-z_]*$/.test(name)) return false;
  unicodePropertyCache ??= new Map();
  const cached = unicodePropertyCache.get(name);
  if (cached !== undefined) return cached;
  let ok = false;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    // Four-letter ISO codes (Grek, Latn) are aliases JS accepts and RE2 does not.
    ok = !(/^[A-Z][a-z]{3}$/.test(name) && !LONG_FOUR_LETTER_SCRIPTS.has(name));
  } catch {
    ok = false;
  }
  unicodePropertyCache.set(name, ok);
  return ok;
}

/** Script names whose long form has four letters (every other four-letter name is an ISO 15924 alias). */
const LONG_FOUR_LETTER_SCRIPTS = new Set(['Cham', 'Lisu', 'Modi', 'Newa', 'Thai', 'Toto']);

class Parser {
  private pos = 0;
  private readonly names = new Set<string>();
  private caseInsensitive = false;

  constructor(private readonly src: string) {}

  parse(): number {
    const info = this.parseAlternation(0);
    if (this.pos < this.src.length) {
      // Only an unmatched ')' stops the top-level alternation early.
      throw new Re2SyntaxError('unexpected ) (no matching opening parenthesis)', this.pos, 1);
    }
    // Fixed overhead: the failure and match instructions plus the unanchored-search prefix.
    return info.size + 4;
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private fail(message: string, offset: number, length = 1): never {
    const len = Math.max(1, Math.min(length, this.src.length - offset));
    throw new Re2SyntaxError(message, offset, this.src.length === 0 ? 0 : len);
  }

  /** alternation := concat ('|' concat)* */
  private parseAlternation(depth: number): NodeInfo {
    const branches: NodeInfo[] = [this.parseConcat(depth)];
    while (this.peek() === '|') {
      this.pos++;
      branches.push(this.parseConcat(depth));
    }
    const repeatProduct = Math.max(...branches.map((b) => b.repeatProduct));
    const empty = branches.every((b) => b.empty);
    if (branches.length > 1 && branches.every((b) => b.text !== undefined)) {
      // RE2 factors common prefixes out of literal alternatives (a trie): count its edges and branch points.
      return { size: trieSize(branches.map((b) => b.text!)), repeatProduct, empty };
    }
    if (branches.length === 1) return branches[0];
    return { size: branches.reduce((s, b) => s + b.size, 0) + branches.length - 1, repeatProduct, empty };
  }

  private parseConcat(depth: number): NodeInfo {
    let size = 0;
    let repeatProduct = 1;
    let empty = true;
    let text: string | undefined = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|') break;
      if (c === ')') {
        if (depth === 0) this.fail('unexpected ) (no matching opening parenthesis)', this.pos);
        break;
      }
      const atom = this.parseAtom(depth);
      if (atom === undefined) continue; // a flag group like (?i) that applies to the rest
      const rep = this.parseRepetitions(atom);
      text = text !== undefined && rep === atom && atom.text !== undefined ? text + atom.text : undefined;
      size += rep.size;
      repeatProduct = Math.max(repeatProduct, rep.repeatProduct);
      empty = empty && rep.empty;
    }
    return text === undefined ? { size, repeatProduct, empty } : { size, repeatProduct, empty, text };
  }

  /** Parses *, +, ?, {n,m} (each optionally lazy) after an atom; rejects stacked and possessive operators. */
  private parseRepetitions(atom: NodeInfo): NodeInfo {
    const op = this.readRepetitionOperator();
    if (op === undefined) return atom;
    let result: NodeInfo;
    if (op.kind === 'counted') {
      const { min, max } = op;
      if (min > MAX_REPEAT || (max !== undefined && max > MAX_REPEAT)) {
        this.fail(`bad repetition operator ${op.text}: RE2 allows at most ${MAX_REPEAT} repetitions`, op.start, op.text.length);
      }
      if (max !== undefined && max < min) {
        this.fail(`bad repetition operator ${op.text}: the maximum is smaller than the minimum`, op.start, op.text.length);
      }
      const arg = max ?? min;
      const product = arg > 0 ? atom.repeatProduct * arg : atom.repeatProduct;
      if (product > MAX_REPEAT) {
        this.fail(
          `bad repetition operator ${op.text}: nested counted repetitions exceed RE2's limit of ${MAX_REPEAT}`,
          op.start,
          op.text.length,
        );
      }
      let size = min * atom.size;
      if (max === undefined) size += min === 0 ? atom.size + 1 : 1;
      else size += (max - min) * (atom.size + 1);
      result = { size, repeatProduct: product, empty: atom.empty || max === 0 };
    } else {
      result = { size: atom.size + 1, repeatProduct: atom.repeatProduct, empty: atom.empty };
    }
    // A second operator right after the first: `a**`, `a*+` (possessive), `a{2}*`, `a??+`.
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?' || (next === '{' && this.countedAt(this.pos) !== undefined)) {
      const second = this.readRepetitionOperator();
      const text = this.src.slice(op.start, second ? second.start + second.text.length : this.pos + 1);
      const possessive = next === '+' && !op.lazy;
      this.fail(
        possessive
          ? `possessive quantifier ${text} is not supported by RE2`
          : `bad repetition operator ${text}: RE2 does not allow a repetition operator to follow another`,
        op.start,
        text.length,
      );
    }
    return result;
  }

  private readRepetitionOperator():
    | { kind: 'simple'; text: string; start: number; lazy: boolean }
    | { kind: 'counted'; text: string; start: number; lazy: boolean; min: number; max: number | undefined }
    | undefined {
    const start = this.pos;
    const c = this.peek();
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      const lazy = this.peek() === '?';
      if (lazy) this.pos++;
      return { kind: 'simple', text: this.src.slice(start, this.pos), start, lazy };
    }
    if (c === '{') {
      const counted = this.countedAt(this.pos);
      if (!counted) return undefined;
      this.pos = counted.end;
      const lazy = this.peek() === '?';
      if (lazy) this.pos++;
      return { kind: 'counted', text: this.src.slice(start, this.pos), start, lazy, min: counted.min, max: counted.max };
    }
    return undefined;
  }

  /** `{n}`, `{n,}` or `{n,m}` at `at`; anything else is a literal `{` in RE2. */
  private countedAt(at: number): { min: number; max: number | undefined; end: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(at, at + 32));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
    return { min, max, end: at + m[0].length };
  }

  /** Returns undefined for constructs that match nothing and cannot be repeated (flag groups). */
  private parseAtom(depth: number): NodeInfo | undefined {
    const start = this.pos;
    const c = this.peek()!;
    switch (c) {
      case '(':
        return this.parseGroup(depth);
      case '[':
        return this.parseClass();
      case '\\':
        return this.parseEscape();
      case '.':
        this.pos++;
        return { size: 4, repeatProduct: 1, empty: false };
      case '^':
      case '$':
        this.pos++;
        return { size: 1, repeatProduct: 1, empty: true };
      case '*':
      case '+':
      case '?':
        this.fail(`missing argument to repetition operator ${c}`, start);
      // eslint-disable-next-line no-fallthrough
      case '{':
        if (this.countedAt(this.pos)) {
          const counted = this.countedAt(this.pos)!;
          this.fail(
            `missing argument to repetition operator ${this.src.slice(start, counted.end)}`,
            start,
            counted.end - start,
          );
        }
        this.pos++;
        return this.literal('{'.codePointAt(0)!);
      default: {
        const cp = this.src.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        return this.literal(cp);
      }
    }
  }

  private literal(cp: number): NodeInfo {
    // A case-folded ASCII letter is still one byte-range instruction; other letters fold to a small class.
    const folded = this.caseInsensitive && cp >= 0x80 ? 2 : 0;
    const node: NodeInfo = { size: utf8Length(cp) + folded, repeatProduct: 1, empty: false };
    if (!this.caseInsensitive) node.text = String.fromCodePoint(cp);
    return node;
  }

  private parseGroup(depth: number): NodeInfo | undefined {
    const start = this.pos;
    this.pos++; // (
    let capture = true;
    if (this.peek() === '?') {
      const rest = this.src.slice(this.pos);
      const unsupported: [RegExp, string][] = [
        [/^\?=/, 'lookahead (?=...) is not supported by RE2'],
        [/^\?!/, 'negative lookahead (?!...) is not supported by RE2'],
        [/^\?<=/, 'lookbehind (?<=...) is not supported by RE2'],
        [/^\?<!/, 'negative lookbehind (?<!...) is not supported by RE2'],
        [/^\?>/, 'atomic group (?>...) is not supported by RE2'],
        [/^\?#/, 'comment group (?#...) is not supported by RE2'],
        [/^\?\|/, 'branch-reset group (?|...) is not supported by RE2'],
        [/^\?\(/, 'conditional group (?(...)...) is not supported by RE2'],
        [/^\?P=/, 'backreference (?P=name) is not supported by RE2'],
        [/^\?P>/, 'recursion (?P>name) is not supported by RE2'],
        [/^\?(R|[+-]?\d)/, 'recursion (?R) / subroutine calls are not supported by RE2'],
        [/^\?&/, 'subroutine call (?&name) is not supported by RE2'],
        [/^\?'/, "named group (?'name'...) is not supported by RE2; use (?P<name>...)"],
      ];
      for (const [re, message] of unsupported) {
        if (re.test(rest)) this.fail(message, start, 2 + (re.exec(rest)![0].length - 1));
      }
      const named = /^\?P?<([^>]*)>/.exec(rest);
      if (named) {
        const name = named[1];
        if (name === '' || !/^[A-Za-z0-9_]+$/.test(name)) {
          this.fail(`invalid capture group name <${name}>`, start, 1 + named[0].length);
        }
        if (this.names.has(name)) this.fail(`duplicate capture group name <${name}>`, start, 1 + named[0].length);
        this.names.add(name);
        this.pos += named[0].length;
      } else {
        // Flags: (?i) (?-i) (?i-s:...) with flags from imsU.
        const flags = /^\?([A-Za-z-]*)([:)])?/.exec(rest)!;
        const letters = flags[1];
        const end = flags[2];
        const groupText = this.src.slice(start, start + 1 + flags[0].length);
        if (end === undefined) {
          this.fail('missing closing ) in flag group', start, 1 + flags[0].length);
        }
        const bad = [...letters].find((l) => !'imsU-'.includes(l));
        if (bad !== undefined) {
          this.fail(`invalid or unsupported Perl syntax ${groupText}: RE2 knows only the flags i, m, s and U`, start, groupText.length);
        }
        const dashes = letters.split('-').length - 1;
        if (letters === '' && end === ')') this.fail('empty flag group (?) is not valid', start, groupText.length);
        if (dashes > 1 || letters.endsWith('-') || (letters === '-' && end === ':')) {
          this.fail(`invalid flag group ${groupText}`, start, groupText.length);
        }
        const [on, off = ''] = letters.split('-');
        this.pos += flags[0].length;
        const applyFlags = () => {
          if (on.includes('i')) this.caseInsensitive = true;
          if (off.includes('i')) this.caseInsensitive = false;
        };
        if (end === ')') {
          applyFlags();
          return undefined;
        }
        capture = false;
        const saved = this.caseInsensitive;
        applyFlags();
        const inner = this.parseAlternation(depth + 1);
        this.caseInsensitive = saved;
        this.expectClose(start);
        return inner;
      }
    }
    const saved = this.caseInsensitive;
    const inner = this.parseAlternation(depth + 1);
    this.caseInsensitive = saved;
    this.expectClose(start);
    return { size: inner.size + (capture ? 2 : 0), repeatProduct: inner.repeatProduct, empty: inner.empty };
  }

  private expectClose(groupStart: number): void {
    if (this.peek() !== ')') this.fail('missing closing ) for the group opened here', groupStart, 1);
    this.pos++;
  }

  /** Bracket expression. */
  private parseClass(): NodeInfo {
    const start = this.pos;
    this.pos++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    let ranges = 0;
    let nonAscii = negated;
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('missing closing ] for the character class opened here', start, 1);
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      // POSIX class [:name:] / [:^name:]
      if (c === '[' && this.peek(1) === ':') {
        const m = /^\[:(\^?)([A-Za-z]*):\]/.exec(this.src.slice(this.pos));
        if (m) {
          const n = POSIX_CLASSES[m[2]];
          if (n === undefined) this.fail(`invalid character class range [:${m[1]}${m[2]}:]`, this.pos, m[0].length);
          ranges += n;
          if (m[1]) nonAscii = true;
          this.pos += m[0].length;
          continue;
        }
      }
      const loStart = this.pos;
      const lo = this.classAtom();
      if (lo.kind === 'set') {
        ranges += lo.ranges;
        nonAscii ||= lo.nonAscii;
        if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
          this.fail('invalid character class range: a class like \\d cannot start a range', loStart, this.pos - loStart + 1);
        }
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++; // -
        const hi = this.classAtom();
        if (hi.kind === 'set') {
          this.fail('invalid character class range: a class like \\d cannot end a range', loStart, this.pos - loStart);
        }
        if (hi.cp < lo.cp) {
          this.fail(
            `invalid character class range ${this.src.slice(loStart, this.pos)}: the end is before the start`,
            loStart,
            this.pos - loStart,
          );
        }
        ranges += 1;
        if (hi.cp >= 0x80) nonAscii = true;
      } else {
        ranges += 1;
        if (lo.cp >= 0x80) nonAscii = true;
      }
    }
    return { size: Math.max(1, ranges) + (nonAscii ? 4 : 0), repeatProduct: 1, empty: false };
  }

  private classAtom(): { kind: 'char'; cp: number } | { kind: 'set'; ranges: number; nonAscii: boolean } {
    const c = this.peek()!;
    if (c === '\\') {
      const start = this.pos;
      const next = this.peek(1);
      if (next === undefined) this.fail('trailing \\ at the end of the pattern', start, 1);
      if ('dDsSwW'.includes(next)) {
        this.pos += 2;
        return { kind: 'set', ranges: next === 'w' ? 4 : next === 's' ? 3 : 1, nonAscii: next === next.toUpperCase() };
      }
      if (next === 'p' || next === 'P') {
        this.parseUnicodeClass();
        return { kind: 'set', ranges: 4, nonAscii: true };
      }
      return { kind: 'char', cp: this.parseCharEscape(true) };
    }
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return { kind: 'char', cp };
  }

  /** \p{Greek}, \pL, \P{^Lu}. Called with pos at the backslash. */
  private parseUnicodeClass(): void {
    const start = this.pos;
    this.pos += 2; // \p
    let name: string;
    if (this.peek() === '{') {
      const close = this.src.indexOf('}', this.pos);
      if (close < 0) this.fail('missing closing } in Unicode class', start, this.src.length - start);
      name = this.src.slice(this.pos + 1, close);
      this.pos = close + 1;
    } else {
      const ch = this.peek();
      if (ch === undefined) this.fail('missing Unicode class name after \\p', start, 2);
      name = ch;
      this.pos++;
    }
    const bare = name.startsWith('^') ? name.slice(1) : name;
    if (!knownUnicodeClass(bare)) {
      this.fail(`invalid Unicode character class ${this.src.slice(start, this.pos)}`, start, this.pos - start);
    }
  }

  /** Escape outside a class. pos at the backslash. */
  private parseEscape(): NodeInfo {
    const start = this.pos;
    const next = this.peek(1);
    if (next === undefined) this.fail('trailing \\ at the end of the pattern', start, 1);
    switch (next) {
      case 'A':
      case 'z':
      case 'b':
      case 'B':
        this.pos += 2;
        return { size: 1, repeatProduct: 1, empty: true };
      case 'C':
        this.pos += 2;
        return { size: 1, repeatProduct: 1, empty: false };
      case 'd':
      case 'w':
      case 's':
        this.pos += 2;
        return { size: next === 'w' ? 4 : next === 's' ? 3 : 1, repeatProduct: 1, empty: false };
      case 'D':
      case 'W':
      case 'S':
        this.pos += 2;
        return { size: 6, repeatProduct: 1, empty: false };
      case 'p':
      case 'P':
        this.parseUnicodeClass();
        return { size: 8, repeatProduct: 1, empty: false };
      case 'Q': {
        // Literal text up to \E (or the end).
        this.pos += 2;
        const end = this.src.indexOf('\\E', this.pos);
        const text = this.src.slice(this.pos, end < 0 ? undefined : end);
        this.pos = end < 0 ? this.src.length : end + 2;
        let size = 0;
        for (const ch of text) size += utf8Length(ch.codePointAt(0)!);
        return { size, repeatProduct: 1, empty: text.length === 0 };
      }
      case 'E':
        // A stray \E outside \Q is ignored by RE2.
        this.pos += 2;
        return { size: 0, repeatProduct: 1, empty: true };
      default:
        return this.literal(this.parseCharEscape(false));
    }
  }

  /** Escapes that stand for one character. pos at the backslash; returns the code point. */
  private parseCharEscape(inClass: boolean): number {
    const start = this.pos;
    const c = this.peek(1)!;
    this.pos += 2;
    if (c >= '1' && c <= '9') {
      // \1..\7 followed by an octal digit is an octal escape; otherwise it is a backreference.
      if (c <= '7' && isOctal(this.peek())) {
        let value = c.charCodeAt(0) - 48;
        for (let i = 0; i < 2 && isOctal(this.peek()); i++) value = value * 8 + (this.src.charCodeAt(this.pos++) - 48);
        return value;
      }
      this.fail(`backreference \\${c} is not supported by RE2`, start, 2);
    }
    switch (c) {
      case '0': {
        let value = 0;
        for (let i = 0; i < 2 && isOctal(this.peek()); i++) value = value * 8 + (this.src.charCodeAt(this.pos++) - 48);
        return value;
      }
      case 'x': {
        if (this.peek() === '{') {
          const close = this.src.indexOf('}', this.pos);
          const hex = close < 0 ? '' : this.src.slice(this.pos + 1, close);
          if (close < 0 || hex === '' || ![...hex].every(isHex)) {
            this.fail('invalid escape sequence \\x{...}: expected hexadecimal digits and a closing }', start, Math.max(2, (close < 0 ? this.src.length : close + 1) - start));
          }
          const value = parseInt(hex, 16);
          if (value > 0x10ffff) this.fail(`invalid escape sequence \\x{${hex}}: beyond U+10FFFF`, start, close + 1 - start);
          this.pos = close + 1;
          return value;
        }
        if (isHex(this.peek()) && isHex(this.peek(1))) {
          const value = parseInt(this.src.slice(this.pos, this.pos + 2), 16);
          this.pos += 2;
          return value;
        }
        this.fail('invalid escape sequence \\x: expected two hexadecimal digits or \\x{...}', start, 2);
      }
      // eslint-disable-next-line no-fallthrough
      case 'a':
        return 7;
      case 'f':
        return 12;
      case 't':
        return 9;
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 'v':
        return 11;
      default:
        break;
    }
    const cp = c.codePointAt(0)!;
    if (cp < 0x80 && !isAsciiWord(c)) return cp; // escaped punctuation is a literal
    const hints: Record<string, string> = {
      Z: '\\Z is not supported by RE2; use \\z',
      G: '\\G is not supported by RE2',
      K: '\\K is not supported by RE2',
      R: '\\R is not supported by RE2',
      X: '\\X is not supported by RE2',
      h: '\\h is not supported by RE2; use [\\t ]',
      H: '\\H is not supported by RE2',
      e: '\\e is not supported by RE2; use \\x1b',
      c: 'control escapes like \\cA are not supported by RE2',
      k: 'named backreferences \\k<name> are not supported by RE2',
      g: 'backreferences \\g{n} are not supported by RE2',
      N: '\\N is not supported by RE2',
      u: '\\uFFFF escapes are not supported by RE2; use \\x{FFFF}',
      U: '\\U escapes are not supported by RE2; use \\x{...}',
      b: '\\b (backspace) is not valid inside a character class in RE2',
      B: '\\B is not valid inside a character class',
      A: '\\A is not valid inside a character class',
      z: '\\z is not valid inside a character class',
      C: '\\C is not valid inside a character class',
      Q: '\\Q...\\E is not valid inside a character class',
    };
    const hint = inClass || !'bBAzCQ'.includes(c) ? hints[c] : undefined;
    this.fail(hint ?? `invalid escape sequence \\${c}`, start, 2);
  }
}

/** Size of the factored form of literal alternatives: one instruction per trie edge byte, one per extra branch. */
function trieSize(words: string[]): number {
  interface TrieNode {
    children: Map<string, TrieNode>;
  }
  const root: TrieNode = { children: new Map() };
  let size = 0;
  for (const w of words) {
    let node = root;
    for (const ch of w) {
      let next = node.children.get(ch);
      if (!next) {
        next = { children: new Map() };
        node.children.set(ch, next);
        size += utf8Length(ch.codePointAt(0)!);
      }
      node = next;
    }
  }
  const branches = (n: TrieNode): number => {
    let extra = Math.max(0, n.children.size - 1);
    for (const c of n.children.values()) extra += branches(c);
    return extra;
  };
  return size + branches(root);
}

/** Parses `pattern` as RE2 would. Never throws. */
export function analyzeRe2(pattern: string): Re2Analysis {
  try {
    const programSize = new Parser(pattern).parse();
    return { programSize };
  } catch (e) {
    if (e instanceof Re2SyntaxError) {
      return { error: { message: e.message, offset: e.offset, length: e.length }, programSize: 0 };
    }
    // A bug in the parser must not break the caller: report it as an internal problem.
    return {
      error: { message: `could not check this regex (${String(e)})`, offset: 0, length: pattern.length },
      programSize: 0,
    };
  }
}

/**
 * The problem Envoy would have with `pattern`, or undefined when RE2 accepts it within `maxProgramSize`.
 */
// Analyses of recent patterns: an edit re-checks the Mappings of a changed or moved document, whose regexes are
// mostly the ones seen before. Bounded; cleared when full.
const recent = new Map<string, Re2Analysis>();
const RECENT_MAX = 10000;

export function checkRe2(pattern: string, maxProgramSize: number = DEFAULT_REGEX_MAX_SIZE): Re2Error | undefined {
  let result = recent.get(pattern);
  if (!result) {
    result = analyzeRe2(pattern);
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(pattern, result);
  }
  if (result.error) return { ...result.error };
  if (result.error) return result.error;
  if (result.programSize > maxProgramSize) {
    return {
      message:
        `its estimated RE2 program size (${result.programSize}) exceeds regex_max_size (${maxProgramSize}); ` +
        'Envoy refuses regexes whose compiled program is larger than this limit',
      offset: 0,
      length: pattern.length,
    };
  }
  return undefined;
}
