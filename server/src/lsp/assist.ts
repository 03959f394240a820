// Completion and hover for Ambassador documents, using yaml-language-server's language service as a library.
//
// We never hand yaml-language-server a whole file. For every request we cut out the YAML document under the
// cursor (or the getambassador.io/config annotation text inside a Service/Ingress), pick that document's schema
// ourselves, run the request on the slice and shift the result back. This sidesteps its blank-line-between-
// documents completion gap and keeps non-Ambassador documents (Deployments, ...) free of our suggestions.
//
// yaml-language-server's parser has no nesting limit and some of its work is quadratic (in nesting depth, and in
// the keys of one mapping), so a document nested deeper than the engine reads or larger than any real resource
// is not handed to it at all: a linear scan of the slice decides (see declineReason), and the request gets only
// our own apiVersion/kind answers. The reason is logged once per file.
//
// yaml-language-server caches one parse per document URI for ever. We use one synthetic URI per schema (a few
// dozen in all) with a global, ever-increasing version, so the cache stays bounded and is never stale.
import { getLanguageService, LanguageService } from 'yaml-language-server';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CompletionItem, CompletionList, Hover, MarkupContent, Position, Range, TextEdit } from 'vscode-languageserver/node';
import { MarkupKind } from 'vscode-languageserver/node';
import { AMBASSADOR_GROUP, AMBASSADOR_KINDS, versionsOf } from '../engine/model';
import { MAX_DEPTH } from '../engine/locate';
import { DEFAULT_MAX_FILE_BYTES } from '../engine/parse';
import {
  DEPRECATED_VERSIONS,
  LATEST_VERSION,
  SchemaStore,
  annotationApiVersionsFor,
  apiVersionsFor,
  kindsFor,
  versionOf,
} from './schemaStore';
import { apiVersionItems, kindItems, kindSnippets } from './snippets';
import { annotationBlockAt, documentAt, Head, indentOf, isServiceOrIngress, readHead, splitLines } from './yamlText';

const SCHEME = 'edgepolicy-schema';
const SYNTHETIC_ROOT = 'file:///edgepolicy-assist/';

/** Where the request runs: a slice of the file plus how to map positions back. */
interface Frame {
  /** Lines of the slice. */
  lines: string[];
  /** Line of the slice's first line in the real file, and columns removed from every line. */
  lineOffset: number;
  charOffset: number;
  /** Cursor in slice coordinates. */
  pos: Position;
  layout: 'crd' | 'flat';
  head: Head;
}

function isAmbassadorKind(kind: string | undefined): boolean {
  return !!kind && (AMBASSADOR_KINDS as readonly string[]).includes(kind);
}

/**
 * Is this (possibly half-typed) document one of ours? The apiVersion decides when it is written (a prefix of
 * `getambassador.io/` counts, so `apiVersion: getamb` still completes); otherwise the kind does (a prefix of an
 * Ambassador kind counts); a document with neither is a new document and gets our snippets.
 */
function looksAmbassador(head: Head): boolean {
  const api = head.apiVersion ?? '';
  const group = `${AMBASSADOR_GROUP}/`;
  if (api !== '') return api.startsWith(group) || group.startsWith(api);
  const kind = (head.kind ?? '').toLowerCase();
  return kind === '' || AMBASSADOR_KINDS.some((k) => k.toLowerCase().startsWith(kind));
}

function shiftPos(p: Position, f: Frame): Position {
  return { line: p.line + f.lineOffset, character: p.character + (p.line >= 0 ? f.charOffset : 0) };
}

function shiftRange(r: Range, f: Frame): Range {
  return { start: shiftPos(r.start, f), end: shiftPos(r.end, f) };
}

function shiftEdit(e: TextEdit, f: Frame): TextEdit {
  return { range: shiftRange(e.range, f), newText: indentNewText(e.newText, f) };
}

/** Text inserted into an annotation block must carry the block's indentation on every following line. */
function indentNewText(text: string, f: Frame): string {
  if (!f.charOffset || !text.includes('\n')) return text;
  const pad = ' '.repeat(f.charOffset);
  return text.replace(/\n/g, `\n${pad}`);
}

/** Largest document (characters) handed to yaml-language-server; real Ambassador resources are a few KB. */
export const MAX_ASSIST_DOCUMENT_CHARS = 64 * 1024;

/**
 * Why yaml-language-server must not see this document, if it must not: nesting deeper than the engine reads
 * (flow brackets, and compact `- - -` / `? ? ?` indicators at the start of a line) or more than
 * MAX_ASSIST_DOCUMENT_CHARS. One pass over the characters, stopping at the first limit; brackets in comments are
 * not counted, brackets in quoted scalars are (a document needs over a hundred unclosed ones to be refused).
 */
export function declineReason(lines: readonly string[]): string | undefined {
  let chars = 0;
  let flow = 0;
  const deep = `nested more than ${MAX_DEPTH} levels deep`;
  for (const line of lines) {
    let i = 0;
    while (i < line.length && line.charCodeAt(i) === 0x20) i++;
    let compact = 0;
    for (;;) {
      const c = line.charCodeAt(i);
      const next = line.charCodeAt(i + 1);
      if ((c !== 0x2d && c !== 0x3f) || (next !== 0x20 && next !== 0x09)) break; // '-' or '?' then a blank
      compact++;
      i += 2;
      while (line.charCodeAt(i) === 0x20 || line.charCodeAt(i) === 0x09) i++;
    }
    if (compact + flow > MAX_DEPTH) return deep;
    for (; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x5b || c === 0x7b) {
        // '[' '{'
        if (++flow + compact > MAX_DEPTH) return deep;
      } else if (c === 0x5d || c === 0x7d) {
        if (flow > 0) flow--;
      } else if (c === 0x23 && (i === 0 || line.charCodeAt(i - 1) === 0x20 || line.charCodeAt(i - 1) === 0x09)) {
        break; // '#': a comment to the end of the line
      }
    }
    chars += line.length + 1;
    if (chars > MAX_ASSIST_DOCUMENT_CHARS) return `the document is larger than ${MAX_ASSIST_DOCUMENT_CHARS / 1024} KB`;
  }
  return undefined;
}

export interface AssistOptions {
  /** Receives one line per file (and reason) whose document is too big or too deep for completion and hover. */
  log?: (message: string) => void;
}

export class YamlAssist {
  private readonly ls: LanguageService;
  private version = 1;
  /** `file + reason` already logged (bounded: cleared when it grows large). */
  private readonly declined = new Set<string>();

  constructor(
    readonly store: SchemaStore = new SchemaStore(),
    private readonly options: AssistOptions = {},
  ) {
    this.ls = getLanguageService({
      schemaRequestService: (uri: string) => this.serveSchema(uri),
      workspaceContext: { resolveRelativePath: (relative: string) => relative },
      // Our descriptions are Markdown: ask for Markdown documentation in completion items as well as hovers.
      clientCapabilities: {
        textDocument: {
          completion: { completionItem: { documentationFormat: [MarkupKind.Markdown, MarkupKind.PlainText] } },
          hover: { contentFormat: [MarkupKind.Markdown, MarkupKind.PlainText] },
        },
      },
    });
    const ids = this.allSchemaIds();
    this.ls.configure({
      validate: false,
      completion: true,
      hover: true,
      hoverSchemaSource: false,
      isKubernetes: false,
      disableDefaultProperties: true,
      schemas: ids.map((id) => ({ uri: `${SCHEME}://schemas/${id}.json`, fileMatch: [`edgepolicy-assist/${id}.yaml`] })),
    });
  }

  private allSchemaIds(): string[] {
    const ids = this.store.ids().filter((id) => id.startsWith('kind/'));
    const out = [...ids];
    for (const id of ids) out.push(`flat/${id.slice(5)}`);
    for (const v of ['v1', 'v2', 'v3alpha1']) out.push(`top/${v}`);
    out.push('top/any', 'flat-top');
    return out;
  }

  /** Serves our schemas from memory; anything else (modelines naming URLs, ...) is refused: no network, no disk. */
  private async serveSchema(uri: string): Promise<string> {
    const prefix = `${SCHEME}://schemas/`;
    if (uri.startsWith(prefix) && uri.endsWith('.json')) {
      const schema = this.store.get(uri.slice(prefix.length, -5));
      if (schema) return JSON.stringify(schema);
    }
    throw new Error(`schema not available: ${uri.replace(/[?#].*$/, '')}`);
  }

  /** Finds the document (or annotation document) under the cursor. undefined: not ours. */
  private frameAt(text: string, position: Position): Frame | undefined {
    const lines = splitLines(text);
    if (position.line < 0 || position.line >= lines.length) return undefined;
    const doc = documentAt(lines, position.line);
    if (position.line < doc.startLine) return undefined;
    const head = readHead(doc.lines);
    const local: Position = { line: position.line - doc.startLine, character: position.character };
    if (isServiceOrIngress(head)) {
      const block = annotationBlockAt(doc.lines, local);
      if (!block) return undefined;
      const innerLines = splitLines(block.text);
      const innerLine = local.line - block.firstLine;
      const inner = documentAt(innerLines, innerLine);
      if (innerLine < inner.startLine) return undefined;
      return {
        lines: inner.lines,
        lineOffset: doc.startLine + block.firstLine + inner.startLine,
        charOffset: block.indent,
        pos: { line: innerLine - inner.startLine, character: Math.max(0, local.character - block.indent) },
        layout: 'flat',
        head: readHead(inner.lines),
      };
    }
    if (!looksAmbassador(head)) return undefined;
    return { lines: doc.lines, lineOffset: doc.startLine, charOffset: 0, pos: local, layout: 'crd', head };
  }

  /** Schema id for a frame's document. */
  private schemaIdFor(f: Frame): string {
    const version = versionOf(f.head.apiVersion, f.layout === 'flat');
    const kind = f.head.kind;
    if (f.layout === 'flat') {
      const v = version ?? LATEST_VERSION;
      if (kind && this.store.kindId(v, kind)) return `flat/${v}/${kind}`;
      if (kind && !version) {
        const any = versionsOf(kind).slice(-1)[0];
        if (any && this.store.kindId(any, kind)) return `flat/${any}/${kind}`;
      }
      return 'flat-top';
    }
    if (version && kind && this.store.kindId(version, kind)) return `kind/${version}/${kind}`;
    if (!version && kind && isAmbassadorKind(kind)) {
      const latest = versionsOf(kind).includes(LATEST_VERSION) ? LATEST_VERSION : versionsOf(kind).slice(-1)[0];
      if (latest && this.store.kindId(latest, kind)) return `kind/${latest}/${kind}`;
    }
    return version && ['v1', 'v2', 'v3alpha1'].includes(version) ? `top/${version}` : 'top/any';
  }

  private syntheticDoc(id: string, f: Frame): TextDocument {
    // One URI per schema id; the version always increases so yaml-language-server's cache never serves stale text.
    this.version += 1;
    return TextDocument.create(`${SYNTHETIC_ROOT}${id}.yaml`, 'yaml', this.version, f.lines.join('\n'));
  }

  /** Resolves the most used schemas ahead of the first request. */
  async warmUp(): Promise<void> {
    const text = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nspec:\n  \n';
    await this.complete(text, { line: 3, character: 2 });
    await this.hover(text, { line: 2, character: 1 });
  }

  /**
   * True when the frame's document may go to yaml-language-server; otherwise logs why (once per file and reason).
   * `file` names the file in that line.
   */
  private admits(f: Frame, file: string | undefined): boolean {
    const reason = declineReason(f.lines);
    if (reason === undefined) return true;
    const key = `${file ?? ''}\n${reason}`;
    if (!this.declined.has(key)) {
      if (this.declined.size >= 1000) this.declined.clear();
      this.declined.add(key);
      this.options.log?.(`${file ?? 'a document'}: no completion or hover in the document at line ${f.lineOffset + 1}: ${reason}`);
    }
    return false;
  }

  /** A file the engine would not read either (larger than its limit, in characters): nothing is offered. */
  private static tooLarge(text: string): boolean {
    return text.length > DEFAULT_MAX_FILE_BYTES;
  }

  /** Completion at `position`; `file` (a path or URI) only names the file in log lines. */
  async complete(text: string, position: Position, file?: string): Promise<CompletionList> {
    const empty: CompletionList = { isIncomplete: false, items: [] };
    if (YamlAssist.tooLarge(text)) return empty;
    const f = this.frameAt(text, position);
    if (!f) return empty;
    const lineText = f.lines[f.pos.line] ?? '';
    const before = lineText.slice(0, f.pos.character);

    // Value of a top-level apiVersion/kind: our own list.
    const valueMatch = /^(apiVersion|kind)([ \t]*:[ \t]*)(.*)$/.exec(before);
    if (valueMatch) {
      const valueStart = valueMatch[1].length + valueMatch[2].length;
      const rest = lineText.slice(valueStart).replace(/[ \t]+#.*$/, '').replace(/\s+$/, '');
      const range: Range = {
        start: { line: f.pos.line, character: valueStart },
        end: { line: f.pos.line, character: Math.max(valueStart + rest.length, f.pos.character) },
      };
      const items =
        valueMatch[1] === 'apiVersion'
          ? apiVersionItems(
              f.layout === 'flat' ? annotationApiVersionsFor(isAmbassadorKind(f.head.kind) ? f.head.kind : undefined) : apiVersionsFor(isAmbassadorKind(f.head.kind) ? f.head.kind : undefined),
              range,
            )
          : kindItems(this.store, versionOf(f.head.apiVersion, f.layout === 'flat'), range);
      return { isIncomplete: false, items: items.map((i) => this.shiftItem(i, f)) };
    }

    const items: CompletionItem[] = [];
    // A new document: snippets for every kind on a top-level line.
    const fresh = f.head.apiVersion === undefined && f.head.kind === undefined;
    if (fresh && indentOf(lineText) === 0 && /^[A-Za-z]*$/.test(before.trim()) && !/:/.test(lineText)) {
      const range: Range = {
        start: { line: f.pos.line, character: 0 },
        end: { line: f.pos.line, character: lineText.replace(/\s+$/, '').length },
      };
      items.push(...kindSnippets(this.store, range, f.layout));
    }

    if (!this.admits(f, file)) return { isIncomplete: false, items };
    const id = this.schemaIdFor(f);
    let list: CompletionList | undefined;
    try {
      list = await this.ls.doComplete(this.syntheticDoc(id, f), f.pos, false);
    } catch {
      list = undefined;
    }
    for (const item of list?.items ?? []) {
      // Our own apiVersion/kind handling covers those values; snippets from the schema are dropped in favour of ours.
      items.push(this.shiftItem(item, f));
    }
    return { isIncomplete: false, items };
  }

  private shiftItem(item: CompletionItem, f: Frame): CompletionItem {
    if (f.lineOffset === 0 && f.charOffset === 0) return item;
    const out: CompletionItem = { ...item };
    const te = item.textEdit as (TextEdit & { insert?: Range; replace?: Range }) | undefined;
    if (te) {
      if ('range' in te && te.range) out.textEdit = shiftEdit(te, f);
      else if (te.insert && te.replace) {
        out.textEdit = { newText: indentNewText(te.newText, f), insert: shiftRange(te.insert, f), replace: shiftRange(te.replace, f) };
      }
    } else if (item.insertText && f.charOffset) {
      out.insertText = indentNewText(item.insertText, f);
    }
    if (item.additionalTextEdits) out.additionalTextEdits = item.additionalTextEdits.map((e) => shiftEdit(e, f));
    return out;
  }

  /** Hover at `position`; `file` (a path or URI) only names the file in log lines. */
  async hover(text: string, position: Position, file?: string): Promise<Hover | null> {
    if (YamlAssist.tooLarge(text)) return null;
    const f = this.frameAt(text, position);
    if (!f) return null;
    const lineText = f.lines[f.pos.line] ?? '';
    const top = /^(apiVersion|kind)[ \t]*:[ \t]*(.*)$/.exec(lineText);
    if (top) {
      const h = this.headHover(f, top[1] as 'apiVersion' | 'kind');
      if (h) return h;
    }
    if (!this.admits(f, file)) return null;
    const id = this.schemaIdFor(f);
    let h: Hover | null = null;
    try {
      h = await this.ls.doHover(this.syntheticDoc(id, f), f.pos);
    } catch {
      h = null;
    }
    if (!h) return null;
    const contents = h.contents as MarkupContent;
    if (!contents || typeof contents.value !== 'string' || contents.value.trim() === '') return null;
    return { contents, range: h.range ? shiftRange(h.range, f) : undefined };
  }

  /** Hover on `apiVersion:` / `kind:` lines: what the value means for Emissary. */
  private headHover(f: Frame, key: 'apiVersion' | 'kind'): Hover | null {
    const line = f.lines[f.pos.line] ?? '';
    const range: Range = shiftRange({ start: { line: f.pos.line, character: 0 }, end: { line: f.pos.line, character: line.replace(/\s+$/, '').length } }, f);
    const version = versionOf(f.head.apiVersion, f.layout === 'flat');
    const md: string[] = [];
    if (key === 'apiVersion') {
      md.push('**apiVersion** — API group and version (`string`).');
      if (version) {
        if (DEPRECATED_VERSIONS.has(version)) md.push(`\`${version}\` is deprecated: use \`${AMBASSADOR_GROUP}/${LATEST_VERSION}\`.`);
        else if (version === LATEST_VERSION) md.push(`\`${version}\` is the current version.`);
        else md.push(`\`${version}\` is still served; \`${LATEST_VERSION}\` is current.`);
        md.push(`Kinds served in ${version}: ${kindsFor(version).map((k) => `\`${k}\``).join(', ')}.`);
      }
      const allowed = f.layout === 'flat' ? annotationApiVersionsFor() : apiVersionsFor();
      md.push('Allowed values:\n\n' + allowed.map((v) => `* \`${v}\`${/\/v1$/.test(v) ? ' (deprecated)' : ''}`).join('\n'));
    } else {
      const kind = f.head.kind;
      md.push('**kind** — resource kind (`string`).');
      if (kind && isAmbassadorKind(kind)) {
        const d = this.store.kindDescription(kind);
        if (d) md.push(d);
        md.push(`Served versions: ${versionsOf(kind).map((v) => `\`${v}\``).join(', ')}.`);
      } else {
        const kinds = version ? kindsFor(version) : [...AMBASSADOR_KINDS];
        md.push('Allowed values:\n\n' + kinds.map((k) => `* \`${k}\``).join('\n'));
      }
    }
    return { contents: { kind: MarkupKind.Markdown, value: md.join('\n\n') }, range };
  }
}
