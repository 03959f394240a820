// Text-level helpers for editor features: find the YAML document under the cursor, read its top-level
// apiVersion/kind, and find the text of a `getambassador.io/config` annotation block scalar.
// Everything works on possibly broken, half-typed text, so it is line based and never throws.

export interface Pos {
  line: number;
  character: number;
}

/** Splits text into lines, keeping `\r\n` files addressable by LSP line numbers. */
export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

const DOC_START = /^---(?:[ \t]|$)/;
const DOC_END = /^\.\.\.(?:[ \t]|$)/;

export interface DocSlice {
  /** First line of the document's content (the line after `---`, or 0). */
  startLine: number;
  /** One past the last line of the document's content. */
  endLine: number;
  /** The document's own lines. */
  lines: string[];
}

/**
 * The document of a multi-document YAML text that holds `line`. A `---` line opens the document that follows it,
 * so a cursor on it gets a slice starting on the next line (callers treat that as "outside").
 */
export function documentAt(lines: string[], line: number): DocSlice {
  const isSep = (l: string) => DOC_START.test(l) || DOC_END.test(l);
  let start = 0;
  for (let i = Math.min(line, lines.length - 1); i >= 0; i--) {
    if (isSep(lines[i])) {
      start = i + 1;
      break;
    }
  }
  let end = lines.length;
  for (let i = Math.max(line + 1, start); i < lines.length; i++) {
    if (isSep(lines[i])) {
      end = i;
      break;
    }
  }
  if (end < start) end = start;
  return { startLine: start, endLine: end, lines: lines.slice(start, end) };
}

function unquote(raw: string): string {
  let v = raw.replace(/\s+#.*$/, '').trim();
  if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) {
    v = v.slice(1, -1);
  }
  return v;
}

export interface Head {
  apiVersion?: string;
  kind?: string;
  /** Line (inside the slice) of the `apiVersion:` / `kind:` keys, when present. */
  apiVersionLine?: number;
  kindLine?: number;
  /** True when the document has no content but comments and blank lines. */
  empty: boolean;
}

/** Reads top-level (column 0) apiVersion and kind of one document. */
export function readHead(lines: string[]): Head {
  const head: Head = { empty: true };
  lines.forEach((l, i) => {
    if (/\S/.test(l) && !/^\s*#/.test(l)) head.empty = false;
    const m = /^(apiVersion|kind)[ \t]*:(.*)$/.exec(l);
    if (!m) return;
    const value = unquote(m[2]);
    if (m[1] === 'apiVersion' && head.apiVersionLine === undefined) {
      head.apiVersion = value;
      head.apiVersionLine = i;
    } else if (m[1] === 'kind' && head.kindLine === undefined) {
      head.kind = value;
      head.kindLine = i;
    }
  });
  return head;
}

export function indentOf(line: string): number {
  const m = /^[ ]*/.exec(line);
  return m ? m[0].length : 0;
}

function isBlank(line: string): boolean {
  return /^\s*$/.test(line);
}

/** The inner text of a `getambassador.io/config` block scalar, and how to map positions to and from it. */
export interface AnnotationBlock {
  /** Line (in the enclosing lines) of the first content line of the block scalar. */
  firstLine: number;
  /** One past the last content line. */
  endLine: number;
  /** Columns stripped from every content line. */
  indent: number;
  /** The inner YAML text. */
  text: string;
}

const ANNOTATION_KEY = /^([ ]*)(?:"getambassador\.io\/config"|'getambassador\.io\/config'|getambassador\.io\/config)[ \t]*:[ \t]*([|>])([-+]?)([1-9]?)[-+]?[ \t]*(?:#.*)?$/;

/**
 * Finds the `getambassador.io/config: |` block scalar that contains `pos` (line relative to `lines`), if any.
 * Only literal block scalars are supported: that is how annotation configs are written in practice.
 */
export function annotationBlockAt(lines: string[], pos: Pos): AnnotationBlock | undefined {
  const line = pos.line;
  if (line < 0 || line >= lines.length) return undefined;
  for (let h = line - 1; h >= 0; h--) {
    const cur = lines[h];
    if (!isBlank(cur) && indentOf(cur) === 0 && !ANNOTATION_KEY.test(cur)) {
      // A top-level key between the cursor and any annotation header: we are not inside one.
      return undefined;
    }
    const m = ANNOTATION_KEY.exec(cur);
    if (!m) continue;
    if (m[2] !== '|') return undefined;
    const keyIndent = m[1].length;
    const explicit = m[4] ? Number(m[4]) : 0;
    // Block indentation: explicit indicator, else the first non-blank content line's indentation.
    let indent = explicit ? keyIndent + explicit : -1;
    let lastContent = h;
    if (indent < 0) {
      for (let i = h + 1; i < lines.length; i++) {
        if (isBlank(lines[i])) continue;
        if (indentOf(lines[i]) > keyIndent) indent = indentOf(lines[i]);
        break;
      }
      // Nothing written yet: the cursor column decides, at least one column deeper than the key.
      if (indent < 0) indent = Math.max(keyIndent + 1, isBlank(lines[line]) ? pos.character : indentOf(lines[line]));
    }
    let end = h + 1;
    for (let i = h + 1; i < lines.length; i++) {
      if (!isBlank(lines[i])) {
        if (indentOf(lines[i]) < indent) break;
        lastContent = i;
      }
      end = i + 1;
    }
    if (line <= h || line >= end) return undefined;
    // A blank line after the last content line, with the cursor left of the block: that is outer YAML.
    if (line > lastContent && isBlank(lines[line]) && pos.character < indent) return undefined;
    if (!isBlank(lines[line]) && indentOf(lines[line]) < indent) return undefined;
    const inner = lines.slice(h + 1, end).map((l) => l.slice(Math.min(indent, indentOf(l))));
    return { firstLine: h + 1, endLine: end, indent, text: inner.join('\n') };
  }
  return undefined;
}

/** Kinds whose `getambassador.io/config` annotation Emissary reads. */
export function isServiceOrIngress(head: Head): boolean {
  return head.kind === 'Service' || head.kind === 'Ingress';
}
