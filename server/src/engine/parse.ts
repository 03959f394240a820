// Parses one YAML file into documents, Ambassador resources and EP001 findings. Pure: no I/O, never throws.
//
// Design (speed first, positions later):
// - The file is split into documents at `---` / `...` markers in column 0 by a line scan (locate.ts), so each
//   document gets exact offsets/lines and one bad document does not hide the others.
// - Each document's value is read by loadYaml (locate.ts): plain block YAML by the fast reader of fastyaml.ts,
//   anything else by js-yaml `load` (CORE schema + `<<` merge keys; no timestamps, no custom types). Syntax
//   errors become EP001 findings at js-yaml's mark.
// - Duplicate keys: kubectl rejects them, so they are an EP001 *error* on the document, but the value is still
//   read (last key wins) so that the resource keeps taking part in the other checks. Inside an annotation they
//   are a *warning* (Emissary's PyYAML silently keeps the last one).
// - Positions are computed lazily by Resource.locate() (locate.ts): a line scanner answers the common block-style
//   cases; otherwise the document's text is parsed with the `yaml` package on first use (cached per document).
//   Offsets are mapped through the file's line table.
// - Hostile input: binary content and oversized files are skipped with a reason; nesting is capped by js-yaml's
//   maxDepth; alias bombs and recursive aliases are rejected per document (see loadYaml).
// - Templates: a file that contains Helm/Go/Jinja template syntax (`{{ ... }}`, `{% ... %}`) and does not parse
//   as YAML is skipped as a whole with one reason (no EP001 noise, no half-read resources). A template file that
//   happens to be valid YAML is read normally.

import type { Finding, JsonPath } from './model';
import { AMBASSADOR_GROUP, NONE, isRecord } from './model';
import { ANNOTATION_KEY, readAnnotation, scalarString, stringMap, tokenEnd } from './annotations';
import type { AnnotationOwner } from './annotations';
import { DocLocator, DocumentResourceLocator, LineIndex, SourceResource, loadYaml, splitDocuments } from './locate';
import type { DocSlice, LoadResult } from './locate';
import type { Resource } from './model';

export interface ParsedDocument {
  /** 0-based index of the document in the file. */
  index: number;
  /** Offsets in the file text: [startOffset, endOffset). */
  startOffset: number;
  endOffset: number;
  /** 0-based, inclusive. */
  startLine: number;
  endLine: number;
  /** The js-yaml value; undefined when the document could not be read (see the file's findings). */
  value: unknown;
  /** Ambassador resources defined by this document (CRD objects, List items, annotation documents). */
  resources: Resource[];
  /** Set when the document could not be read: the reason (also reported as an EP001 finding). */
  error?: string;
}

export interface ParsedFile {
  uri: string;
  text: string;
  documents: ParsedDocument[];
  resources: Resource[];
  findings: Finding[];
  /** Set when the file was not analysed at all (binary, too large, template): why. */
  skipped?: string;
}

export interface ParseOptions {
  /** Files larger than this (UTF-8 bytes) are skipped. Default 5 MB. */
  maxFileBytes?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

const TEMPLATE_RE = /\{\{-?\s*[^\s}]|\{%-?\s*\w/;

/** metadata.labels as a string map: the parsed object itself when it already is one (resources are immutable). */
function labelsOf(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  for (const k in v) if (typeof v[k] !== 'string') return stringMap(v);
  return v as Record<string, string>;
}

/** UTF-8 byte length, counting only as far as needed to compare with `limit`. */
function utf8Exceeds(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}

function skippedFile(uri: string, text: string, reason: string): ParsedFile {
  return { uri, text, documents: [], resources: [], findings: [], skipped: reason };
}

/** Whether a Kubernetes object can carry a getambassador.io/config annotation Emissary reads. */
function isAnnotationOwner(apiVersion: string | undefined, kind: string | undefined): boolean {
  if (kind === 'Service') return apiVersion === 'v1';
  if (kind === 'Ingress') return !!apiVersion && (apiVersion.startsWith('networking.k8s.io/') || apiVersion.startsWith('extensions/'));
  return false;
}

interface Ctx {
  uri: string;
  lines: LineIndex;
  findings: Finding[];
  /** Objects that hold the file's line table (resource locators, annotation owners): rebased with the document. */
  holders: { lines: LineIndex }[];
}

/** The path of a document's root value (shared: locators keep it for as long as the file is open). */
const ROOT_PATH: JsonPath = Object.freeze([]) as unknown as JsonPath;

/** Collects the Ambassador resources of one value found at `basePath` of a document. */
function collect(ctx: Ctx, doc: DocLocator, docIndex: number, value: unknown, basePath: JsonPath, out: Resource[], depth: number): void {
  if (!isRecord(value)) return;
  const apiVersion = scalarString(value.apiVersion);
  const kind = scalarString(value.kind);
  // kind: List (and FooList) with items: each item is a manifest of its own.
  if (depth === 0 && kind && kind.endsWith('List') && Array.isArray(value.items)) {
    value.items.forEach((item, i) => collect(ctx, doc, docIndex, item, [...basePath, 'items', i], out, depth + 1));
    return;
  }
  const meta = isRecord(value.metadata) ? value.metadata : undefined;
  if (apiVersion !== undefined && apiVersion.startsWith(AMBASSADOR_GROUP + '/')) {
    const locator = new DocumentResourceLocator(doc, ctx.lines, basePath);
    ctx.holders.push(locator);
    out.push(
      new SourceResource(
        {
          apiVersion,
          version: apiVersion.slice(AMBASSADOR_GROUP.length + 1),
          kind: kind ?? '',
          name: scalarString(meta?.name) ?? '',
          namespace: scalarString(meta?.namespace),
          labels: labelsOf(meta?.labels),
          spec: isRecord(value.spec) ? value.spec : {},
          object: value,
          origin: { uri: ctx.uri, docIndex },
        },
        locator,
      ),
    );
    return;
  }
  if (meta && isRecord(meta.annotations) && meta.annotations[ANNOTATION_KEY] !== undefined && isAnnotationOwner(apiVersion, kind)) {
    const owner: AnnotationOwner = {
      uri: ctx.uri,
      docIndex,
      kind: kind ?? '',
      name: scalarString(meta.name) ?? '',
      namespace: scalarString(meta.namespace),
      labels: stringMap(meta.labels),
      doc,
      lines: ctx.lines,
      path: [...basePath, 'metadata', 'annotations', ANNOTATION_KEY],
    };
    ctx.holders.push(owner);
    const r = readAnnotation(owner, meta.annotations[ANNOTATION_KEY]);
    for (const res of r.resources) out.push(res);
    for (const f of r.findings) ctx.findings.push(f);
  }
}

/** Parses one file. Never throws. `previous` (an earlier parse of the same URI) lets unchanged documents be reused. */
export function parseFile(uri: string, text: string, options: ParseOptions = {}, previous?: ParsedFile): ParsedFile {
  return parseFileIncremental(uri, text, options, previous).parsed;
}

/** A document whose text did not change but moved (other line or index): its value was reused, its resources are new. */
export interface MovedDocument {
  document: ParsedDocument;
  previous: ParsedDocument;
  /** New start line minus old start line. */
  lineDelta: number;
}

export interface IncrementalParse {
  parsed: ParsedFile;
  /** Documents reused as they were (same text, index and start line): same ParsedDocument.resources objects. */
  reused: number;
  /** Documents with the same text as before at another line or index. */
  moved: MovedDocument[];
}

/**
 * parseFile with reuse: documents of `previous` whose text is unchanged keep their resources (same objects, so
 * per-resource results cached by the caller stay valid) when they also keep their index and start line; when only
 * their position changed, their YAML value is reused and fresh resources are built. Never throws.
 */
export function parseFileIncremental(uri: string, text: string, options: ParseOptions = {}, previous?: ParsedFile): IncrementalParse {
  try {
    const prev = previous && previous.uri === uri && !previous.skipped && previous.documents.length > 0 ? previous : undefined;
    return parseUnsafe(uri, text, options, prev);
  } catch (e) {
    // Defensive: a bug in this module must not take the server down.
    return { parsed: skippedFile(uri, text, `internal error while parsing: ${e instanceof Error ? e.message : String(e)}`), reused: 0, moved: [] };
  }
}

/** js-yaml's result for one document, with offsets relative to the document start. */
interface RelativeLoad {
  value: unknown;
  error?: { reason: string; rel: number; limit?: boolean };
  duplicate?: { reason: string; rel: number };
}

/** What a later parse of the same file needs to reuse a document: its load result and the objects built on it. */
interface DocState extends RelativeLoad {
  locator: DocLocator;
  /** What holds the file's line table (rebased with the document): usually one resource locator, kept without a list. */
  holders: { lines: LineIndex } | { lines: LineIndex }[] | undefined;
  /** EP001 and annotation findings of the document. */
  findings: Finding[];
}

/** Per-document reuse state of each parse (by document index), for the next parse of the same file. */
const fileStates = new WeakMap<ParsedFile, DocState[]>();

function relativeLoad(l: LoadResult, start: number): RelativeLoad {
  if (!l.error && !l.duplicate) return { value: l.value };
  const out: RelativeLoad = { value: l.value };
  if (l.error) out.error = { reason: l.error.reason, rel: l.error.offset - start, ...(l.error.limit ? { limit: true } : {}) };
  if (l.duplicate) out.duplicate = { reason: l.duplicate.reason, rel: l.duplicate.offset - start };
  return out;
}

function buildDocument(
  uri: string,
  text: string,
  lines: LineIndex,
  s: DocSlice,
  i: number,
  loaded: RelativeLoad,
): { doc: ParsedDocument; state: DocState } {
  const doc: ParsedDocument = {
    index: i,
    startOffset: s.start,
    endOffset: s.end,
    startLine: s.startLine,
    endLine: s.endLine,
    value: loaded.value,
    resources: [],
  };
  const ctx: Ctx = { uri, lines, findings: [], holders: [] };
  if (loaded.error) {
    doc.error = loaded.error.reason;
    const at = s.start + loaded.error.rel;
    const { reason, limit } = loaded.error;
    ctx.findings.push({
      code: 'EP001',
      // A limit of ours (nesting depth, alias expansion) is not a YAML error: say so. Still an error: the document
      // is not checked, so `edgepolicy check` must not pass it silently.
      severity: 'error',
      message: limit ? `${reason.charAt(0).toUpperCase()}${reason.slice(1)}; this document is not analysed.` : `YAML syntax error: ${reason}`,
      uri,
      range: lines.range(at, tokenEnd(text, at)),
    });
  }
  if (loaded.duplicate) {
    const at = s.start + loaded.duplicate.rel;
    ctx.findings.push({
      code: 'EP001',
      severity: 'error',
      message: `YAML error: ${loaded.duplicate.reason} (kubectl rejects duplicate keys; the last one is used here)`,
      uri,
      range: lines.range(at, tokenEnd(text, at)),
    });
  }
  const locator = new DocLocator(text, s.start, s.end);
  if (isRecord(loaded.value)) collect(ctx, locator, i, loaded.value, ROOT_PATH, doc.resources, 0);
  // Kept for the file's lifetime: exact-size copies rather than the spare room arrays grow by when pushed to.
  if (doc.resources.length > 0) doc.resources = doc.resources.slice();
  const state: DocState = {
    locator,
    holders: ctx.holders.length === 0 ? undefined : ctx.holders.length === 1 ? ctx.holders[0] : ctx.holders.slice(),
    findings: ctx.findings.length > 0 ? ctx.findings : NONE,
    value: loaded.value,
  };
  if (loaded.error) state.error = loaded.error;
  if (loaded.duplicate) state.duplicate = loaded.duplicate;
  return { doc, state };
}

function sameSlice(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  return a.slice(aStart, aEnd) === b.slice(bStart, bEnd);
}

function parseUnsafe(uri: string, text: string, options: ParseOptions, previous: ParsedFile | undefined): IncrementalParse {
  const limit = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const skip = (reason: string): IncrementalParse => ({ parsed: skippedFile(uri, text, reason), reused: 0, moved: [] });
  if (utf8Exceeds(text, limit)) return skip(`file is larger than ${limit} bytes; not analysed`);
  const nul = text.indexOf('\u0000');
  if (nul !== -1) return skip(`binary content (NUL byte at offset ${nul}); not analysed`);
  const bad = text.indexOf('\uFFFD');
  if (bad !== -1) return skip(`not valid UTF-8 (replacement character at offset ${bad}); not analysed`);

  const lines = LineIndex.build(text);
  const from = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const slices = splitDocuments(text, lines, from);
  const documents: ParsedDocument[] = [];
  const resources: Resource[] = [];
  const findings: Finding[] = [];
  const moved: MovedDocument[] = [];
  let reused = 0;
  let syntaxError = false;

  // Earlier documents by text, for documents that moved (built on the first miss only).
  const prevDocs = previous?.documents;
  const prevStates = previous ? fileStates.get(previous) : undefined;
  const states: DocState[] = [];
  const used = new Set<ParsedDocument>();
  let byText: Map<string, ParsedDocument[]> | undefined;
  const findPrevious = (s: DocSlice, i: number): ParsedDocument | undefined => {
    if (!previous || !prevDocs) return undefined;
    const same = prevDocs[i];
    if (same && !used.has(same) && sameSlice(previous.text, same.startOffset, same.endOffset, text, s.start, s.end)) return same;
    // Same number of documents: an edit inside one, nothing moved to another index (a changed document is new).
    if (prevDocs.length === slices.length) return undefined;
    if (!byText) {
      byText = new Map();
      for (const d of prevDocs) {
        const key = previous.text.slice(d.startOffset, d.endOffset);
        const list = byText.get(key);
        if (list) list.push(d);
        else byText.set(key, [d]);
      }
    }
    return byText.get(text.slice(s.start, s.end))?.find((d) => !used.has(d));
  };

  for (let i = 0; i < slices.length; i++) {
    const s = slices[i];
    const old = prevStates ? findPrevious(s, i) : undefined;
    const oldState = old && prevStates?.[old.index];
    let doc: ParsedDocument;
    let state: DocState;
    if (old && oldState && old.index === i && old.startLine === s.startLine) {
      // Same text at the same place: same positions, same resources.
      used.add(old);
      reused++;
      doc = {
        index: i,
        startOffset: s.start,
        endOffset: s.end,
        startLine: old.startLine,
        endLine: old.endLine,
        value: old.value,
        resources: old.resources,
      };
      if (old.error !== undefined) doc.error = old.error;
      oldState.locator.rebase(text, s.start, s.end);
      const holders = oldState.holders;
      if (Array.isArray(holders)) for (const h of holders) h.lines = lines;
      else if (holders) holders.lines = lines;
      state = oldState;
    } else if (old && oldState) {
      used.add(old);
      ({ doc, state } = buildDocument(uri, text, lines, s, i, oldState));
      const lineDelta = s.startLine - old.startLine;
      if (doc.resources.length === old.resources.length) {
        doc.resources.forEach((r, k) => {
          const before = old.resources[k];
          if (r instanceof SourceResource && before instanceof SourceResource) r.adoptRanges(before, lineDelta);
        });
      }
      moved.push({ document: doc, previous: old, lineDelta });
    } else {
      ({ doc, state } = buildDocument(uri, text, lines, s, i, relativeLoad(loadYaml(text, s.start, s.end), s.start)));
    }
    if (doc.error !== undefined) syntaxError = true;
    states.push(state);
    for (const f of state.findings) findings.push(f);
    for (const r of doc.resources) resources.push(r);
    documents.push(doc);
  }
  if (syntaxError && TEMPLATE_RE.test(text)) {
    const m = TEMPLATE_RE.exec(text);
    const line = m ? lines.lineOf(m.index) + 1 : 1;
    for (const d of documents) d.resources = [];
    return {
      parsed: {
        uri,
        text,
        documents,
        resources: [],
        findings: [],
        skipped: `template syntax ({{ … }} or {% … %}, first at line ${line}) and not valid YAML: looks like a Helm/Jinja template; not analysed`,
      },
      reused: 0,
      moved: [],
    };
  }
  const parsed: ParsedFile = { uri, text, documents, resources, findings };
  fileStates.set(parsed, states);
  return { parsed, reused, moved };
}
