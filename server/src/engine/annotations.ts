// Ambassador resources defined in the `getambassador.io/config` annotation of a Service or Ingress.
//
// The annotation value is a multi-document YAML string. Emissary reads it like this (see
// ../shared/docs/emissary-semantics.md): `apiVersion: ambassador/vN` means `getambassador.io/vN`; a flat layout puts
// `name`, `namespace`, `generation` into metadata, `metadata_labels` into labels and every other key into the
// spec; namespace and labels default to the owner's; one YAML syntax error rejects the whole annotation.
// Positions of inner nodes are mapped back into the file through the literal block scalar (`|`), line by line.

import { isScalar } from 'yaml';
import type { Finding, JsonPath, Position, Range, Resource } from './model';
import { AMBASSADOR_GROUP, isRecord } from './model';
import { DocLocator, LineIndex, SourceResource, loadYaml, splitDocuments } from './locate';
import type { ResourceLocator } from './locate';

export const ANNOTATION_KEY = 'getambassador.io/config';

/** The Service/Ingress document that carries the annotation. */
export interface AnnotationOwner {
  uri: string;
  docIndex: number;
  kind: string;
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  /** Locator of the owner's YAML document in the file. */
  doc: DocLocator;
  /** Line table of the whole file. */
  lines: LineIndex;
  /** Path from the document root to the annotation value, e.g. ['metadata','annotations','getambassador.io/config']. */
  path: JsonPath;
}

/** Maps offsets in the annotation text to positions in the file. */
export class AnnotationSite {
  readonly inner: LineIndex;
  private literal: { headerLine: number; lastLine: number; indent: number } | null | undefined;

  constructor(
    readonly owner: AnnotationOwner,
    readonly text: string,
  ) {
    this.inner = LineIndex.build(text);
  }

  /** Range of the annotation key in the file. */
  keyRange(): Range {
    const span = this.owner.doc.locate(this.owner.path, 'key');
    return this.owner.lines.range(span.start, span.end);
  }

  private literalInfo() {
    if (this.literal !== undefined) return this.literal;
    this.literal = null;
    const node = this.owner.doc.nodeAt(this.owner.path);
    if (isScalar(node) && node.type === 'BLOCK_LITERAL' && node.range) {
      const lines = this.owner.lines;
      const headerLine = lines.lineOf(this.owner.doc.start + node.range[0]);
      const lastLine = lines.lineOf(Math.max(this.owner.doc.start + node.range[0], this.owner.doc.start + node.range[1] - 1));
      // Indentation of the block: from the first inner line that is not empty.
      let indent = -1;
      for (let i = 0; i < this.inner.lineCount && indent < 0; i++) {
        const innerLine = this.inner.lineText(i);
        if (innerLine === '') continue;
        const fileLine = lines.lineText(headerLine + 1 + i);
        if (fileLine.endsWith(innerLine) && /^[ ]*$/.test(fileLine.slice(0, fileLine.length - innerLine.length))) {
          indent = fileLine.length - innerLine.length;
        } else break;
      }
      if (indent >= 0) this.literal = { headerLine, lastLine, indent };
    }
    return this.literal;
  }

  /** File position of an offset in the annotation text, or null when it cannot be mapped exactly. */
  position(innerOffset: number): Position | null {
    const lit = this.literalInfo();
    if (!lit) return null;
    const p = this.inner.position(innerOffset);
    const fileLineNo = lit.headerLine + 1 + p.line;
    if (fileLineNo > lit.lastLine + 1) return null;
    const innerLine = this.inner.lineText(p.line);
    const fileLine = this.owner.lines.lineText(fileLineNo);
    if (innerLine === '') return { line: fileLineNo, character: Math.min(fileLine.length, lit.indent + p.character) };
    if (!fileLine.endsWith(innerLine)) return null;
    return { line: fileLineNo, character: fileLine.length - innerLine.length + p.character };
  }

  /** File range of [start, end) in the annotation text; the annotation key when it cannot be mapped. */
  range(innerStart: number, innerEnd: number): Range {
    const s = this.position(innerStart);
    const e = this.position(Math.max(innerStart, innerEnd));
    if (!s || !e) return this.keyRange();
    return { start: s, end: e };
  }
}

/** Maps a path into the normalised object to the flat annotation layout. */
export function flatPath(path: JsonPath): JsonPath {
  if (path.length === 0) return path;
  if (path[0] === 'spec') return path.slice(1);
  if (path[0] === 'metadata') {
    if (path.length === 1) return [];
    const k = path[1];
    if (k === 'name' || k === 'namespace' || k === 'generation') return path.slice(1);
    if (k === 'labels') return ['metadata_labels', ...path.slice(2)];
    return [];
  }
  return path;
}

class AnnotationResourceLocator implements ResourceLocator {
  constructor(
    readonly site: AnnotationSite,
    readonly doc: DocLocator,
    readonly flat: boolean,
  ) {}

  locate(path: JsonPath, part?: 'key' | 'value'): Range {
    const span = this.doc.locate(this.flat ? flatPath(path) : path, part);
    return this.site.range(span.start, span.end);
  }

  fallback(): Range {
    return this.site.keyRange();
  }
}

/** Coerces a labels-like value to string → string. */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x !== null && x !== undefined && typeof x !== 'object') out[k] = String(x);
  }
  return out;
}

/** A scalar as text (numbers and booleans as written by String()); undefined for null, absent or collections. */
export function scalarString(v: unknown): string | undefined {
  if (v === null || v === undefined || typeof v === 'object') return undefined;
  return String(v);
}

/** End of the token starting at `offset` (up to whitespace or the end of the line). */
export function tokenEnd(text: string, offset: number): number {
  let i = offset;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) break;
    i++;
  }
  return i;
}

const FLAT_META_KEYS = new Set(['apiVersion', 'kind', 'name', 'namespace', 'generation', 'metadata_labels']);

/** Reads the annotation of one owner. Never throws. */
export function readAnnotation(owner: AnnotationOwner, value: unknown): { resources: Resource[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const resources: Resource[] = [];
  const ownerLabel = `${owner.kind} ${owner.namespace ? owner.namespace + '/' : ''}${owner.name}`;
  if (typeof value !== 'string') {
    const span = owner.doc.locate(owner.path, 'key');
    findings.push({
      code: 'EP001',
      severity: 'error',
      message: `The ${ANNOTATION_KEY} annotation of ${ownerLabel} must be a string of YAML documents; Emissary ignores it.`,
      uri: owner.uri,
      range: owner.lines.range(span.start, span.end),
    });
    return { resources, findings };
  }
  const site = new AnnotationSite(owner, value);
  const slices = splitDocuments(value, site.inner, value.charCodeAt(0) === 0xfeff ? 1 : 0);
  const loaded = slices.map((s) => loadYaml(value, s.start, s.end));
  const bad = loaded.find((l) => l.error);
  if (bad && bad.error) {
    const { reason, limit } = bad.error;
    findings.push({
      code: 'EP001',
      severity: 'error',
      message: limit
        ? `The ${ANNOTATION_KEY} annotation of ${ownerLabel} is not analysed: ${reason.startsWith('nested') ? `one of its documents is ${reason}` : `in one of its documents, ${reason}`}.`
        : `YAML syntax error in the ${ANNOTATION_KEY} annotation of ${ownerLabel}: ${reason}. Emissary rejects the whole annotation.`,
      uri: owner.uri,
      range: site.range(bad.error.offset, tokenEnd(value, bad.error.offset)),
    });
    return { resources, findings };
  }
  for (let i = 0; i < loaded.length; i++) {
    const l = loaded[i];
    if (l.duplicate) {
      findings.push({
        code: 'EP001',
        severity: 'warning',
        message: `Duplicate key in the ${ANNOTATION_KEY} annotation of ${ownerLabel}: ${l.duplicate.reason}; Emissary keeps the last one.`,
        uri: owner.uri,
        range: site.range(l.duplicate.offset, tokenEnd(value, l.duplicate.offset)),
      });
    }
    const v = l.value;
    if (v === null || v === undefined) continue;
    const slice = slices[i];
    const innerDoc = new DocLocator(value, slice.start, slice.end);
    if (!isRecord(v)) {
      const span = innerDoc.firstLineSpan();
      findings.push({
        code: 'EP001',
        severity: 'error',
        message: `Document ${i + 1} of the ${ANNOTATION_KEY} annotation of ${ownerLabel} is not a mapping; Emissary cannot read it.`,
        uri: owner.uri,
        range: site.range(span.start, span.end),
      });
      continue;
    }
    const rawApi = scalarString(v.apiVersion) ?? '';
    let apiVersion: string;
    if (rawApi.startsWith('ambassador/')) apiVersion = `${AMBASSADOR_GROUP}/${rawApi.slice('ambassador/'.length)}`;
    else if (rawApi.startsWith(AMBASSADOR_GROUP + '/')) apiVersion = rawApi;
    else {
      const span = innerDoc.locate(['apiVersion'], 'value');
      findings.push({
        code: 'EP101',
        severity: 'error',
        message: rawApi
          ? `apiVersion '${rawApi}' in the ${ANNOTATION_KEY} annotation of ${ownerLabel} is not an Ambassador version (use getambassador.io/v3alpha1); Emissary ignores this document.`
          : `Document ${i + 1} of the ${ANNOTATION_KEY} annotation of ${ownerLabel} has no apiVersion; Emissary ignores it.`,
        uri: owner.uri,
        range: site.range(span.start, span.end),
      });
      continue;
    }
    const nested = isRecord(v.spec) || isRecord(v.metadata);
    const kind = scalarString(v.kind) ?? '';
    let object: Record<string, unknown>;
    let spec: Record<string, unknown>;
    let name: string;
    let namespace: string | undefined;
    let labels: Record<string, string>;
    if (nested) {
      const meta: Record<string, unknown> = isRecord(v.metadata) ? { ...v.metadata } : {};
      name = scalarString(meta.name) ?? scalarString(v.name) ?? '';
      namespace = scalarString(meta.namespace) ?? scalarString(v.namespace) ?? owner.namespace;
      labels = isRecord(meta.labels) ? stringMap(meta.labels) : { ...owner.labels };
      if (name) meta.name = name;
      if (namespace !== undefined) meta.namespace = namespace;
      if (Object.keys(labels).length) meta.labels = labels;
      spec = isRecord(v.spec) ? v.spec : {};
      object = { ...v, apiVersion, metadata: meta, spec };
    } else {
      name = scalarString(v.name) ?? '';
      namespace = scalarString(v.namespace) ?? owner.namespace;
      labels = isRecord(v.metadata_labels) ? stringMap(v.metadata_labels) : { ...owner.labels };
      const meta: Record<string, unknown> = {};
      if (v.name !== undefined) meta.name = v.name;
      if (namespace !== undefined) meta.namespace = namespace;
      if (v.generation !== undefined) meta.generation = v.generation;
      if (Object.keys(labels).length) meta.labels = labels;
      spec = {};
      for (const k of Object.keys(v)) if (!FLAT_META_KEYS.has(k)) spec[k] = v[k];
      object = { apiVersion, kind: v.kind, metadata: meta, spec };
    }
    const locator = new AnnotationResourceLocator(site, innerDoc, !nested);
    resources.push(
      new SourceResource(
        {
          apiVersion,
          version: apiVersion.slice(AMBASSADOR_GROUP.length + 1),
          kind,
          name,
          namespace,
          labels,
          spec,
          object,
          origin: {
            uri: owner.uri,
            docIndex: owner.docIndex,
            annotation: { ownerKind: owner.kind, ownerName: owner.name, ownerNamespace: owner.namespace, innerIndex: i },
          },
        },
        locator,
      ),
    );
  }
  return { resources, findings };
}
