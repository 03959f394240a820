// In-memory JSON Schemas for completion and hover. They are bundled into dist/server.js (schemas/index.ts is a
// static import map), so nothing is fetched or read at run time.
//
// Per document we pick one schema ourselves (we know the document's apiVersion and kind), so yaml-language-server
// never has to evaluate the dispatch schema's if/then blocks:
//   kind/<version>/<Kind>   the generated per-kind schema (CRD layout: apiVersion/kind/metadata/spec)
//   flat/<version>/<Kind>   the same kind in the flat layout of a getambassador.io/config annotation
//   top/<version>           a document whose kind is not chosen yet: apiVersion, kind (valid for that version),
//                           metadata, spec
//   flat-top                an annotation document whose kind is not chosen yet
import { SCHEMAS } from '../../../schemas/index';
import { AMBASSADOR_GROUP, AMBASSADOR_KINDS, isRecord, versionsOf } from '../engine/model';

export type JsonObject = { [k: string]: unknown };

export const VERSIONS = ['v3alpha1', 'v2', 'v1'] as const;
export const LATEST_VERSION = 'v3alpha1';
export const DEPRECATED_VERSIONS = new Set(['v1']);

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function typeText(s: JsonObject): string | undefined {
  const t = s.type;
  const list = Array.isArray(t) ? t.filter((x) => x !== 'null').map(String) : typeof t === 'string' ? [t] : [];
  if (list.length === 0) return undefined;
  const parts = list.map((one) => {
    if (one === 'array' && isRecord(s.items)) {
      const inner = typeText(s.items);
      return inner ? `array of ${inner}` : 'array';
    }
    if (one === 'object' && !isRecord(s.properties) && isRecord(s.additionalProperties)) {
      const inner = typeText(s.additionalProperties);
      return inner ? `map of ${inner}` : 'object';
    }
    return one;
  });
  return parts.join(' or ');
}

/**
 * Adds the type (and format/range) to every described node's markdown, so hover shows description, type and
 * (through yaml-language-server's own enum list) the allowed values.
 */
function decorate(node: unknown, depth = 0, name?: string): void {
  if (!isRecord(node) || depth > 64) return;
  // Hover headings name the field itself rather than the whole resource.
  if (name !== undefined && node.title === undefined) node.title = name;
  const type = typeText(node);
  if (type && (typeof node.description === 'string' || typeof node.markdownDescription === 'string')) {
    const base = typeof node.markdownDescription === 'string' ? node.markdownDescription : String(node.description);
    const extra: string[] = [`Type: \`${type}\``];
    if (typeof node.format === 'string') extra.push(`format \`${node.format}\``);
    if (typeof node.minimum === 'number' || typeof node.maximum === 'number') {
      extra.push(`range ${node.minimum ?? '…'}–${node.maximum ?? '…'}`);
    }
    if (!base.includes('Type: `')) {
      // Type right after the description, before any example.
      const at = base.indexOf('\n\nExample:');
      const line = extra.join(', ');
      node.markdownDescription = at >= 0 ? `${base.slice(0, at)}\n\n${line}${base.slice(at)}` : `${base}\n\n${line}`;
    }
  }
  if (isRecord(node.properties)) for (const [k, v] of Object.entries(node.properties)) decorate(v, depth + 1, k);
  for (const key of ['definitions', '$defs', 'patternProperties']) {
    const m = node[key];
    if (isRecord(m)) for (const v of Object.values(m)) decorate(v, depth + 1);
  }
  for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else']) decorate(node[key], depth + 1);
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const a = node[key];
    if (Array.isArray(a)) for (const v of a) decorate(v, depth + 1);
  }
}

export function kindsFor(version: string): string[] {
  return (AMBASSADOR_KINDS as readonly string[]).filter((k) => versionsOf(k).includes(version));
}

/** apiVersion values offered in CRD documents. */
export function apiVersionsFor(kind?: string): string[] {
  const versions = kind && versionsOf(kind).length ? versionsOf(kind) : [...VERSIONS];
  return VERSIONS.filter((v) => versions.includes(v)).map((v) => `${AMBASSADOR_GROUP}/${v}`);
}

/** apiVersion values offered inside a getambassador.io/config annotation (both spellings Emissary accepts). */
export function annotationApiVersionsFor(kind?: string): string[] {
  const versions = kind && versionsOf(kind).length ? versionsOf(kind) : [...VERSIONS];
  const out: string[] = [];
  for (const v of VERSIONS) if (versions.includes(v)) out.push(`${AMBASSADOR_GROUP}/${v}`);
  for (const v of VERSIONS) if (versions.includes(v)) out.push(`ambassador/${v}`);
  return out;
}

/** `getambassador.io/v2` or `ambassador/v2` → `v2`; anything else → undefined. */
export function versionOf(apiVersion: string | undefined, allowAnnotationForm: boolean): string | undefined {
  if (!apiVersion) return undefined;
  const m = /^(getambassador\.io|ambassador)\/(v[0-9a-z]+)$/.exec(apiVersion);
  if (!m) return undefined;
  if (m[1] === 'ambassador' && !allowAnnotationForm) return undefined;
  return m[2];
}

export class SchemaStore {
  private readonly byId = new Map<string, JsonObject>();

  constructor(source: Readonly<Record<string, object>> = SCHEMAS) {
    for (const [key, schema] of Object.entries(source)) {
      if (!isRecord(schema)) continue;
      const copy = clone(schema);
      delete copy.$schema;
      decorate(copy);
      this.byId.set(`kind/${key}`, copy);
    }
  }

  /** Schema id of a document, or undefined when it is not ours. */
  kindId(version: string, kind: string): string | undefined {
    const id = `kind/${version}/${kind}`;
    return this.byId.has(id) ? id : undefined;
  }

  /** The schema object for an id (built lazily for derived ids). */
  get(id: string): JsonObject | undefined {
    const hit = this.byId.get(id);
    if (hit) return hit;
    let built: JsonObject | undefined;
    if (id.startsWith('flat/')) {
      const base = this.byId.get(`kind/${id.slice(5)}`);
      if (base) built = flatVariant(base);
    } else if (id.startsWith('top/')) {
      built = topSchema(id.slice(4));
    } else if (id === 'flat-top') {
      built = flatTopSchema();
    }
    if (built) this.byId.set(id, built);
    return built;
  }

  /** The `spec` schema of a kind (for snippets). */
  specOf(version: string, kind: string): JsonObject | undefined {
    const s = this.byId.get(`kind/${version}/${kind}`);
    const props = s && isRecord(s.properties) ? s.properties : undefined;
    return props && isRecord(props.spec) ? props.spec : undefined;
  }

  /** The kind's own description (root of its schema). */
  kindDescription(kind: string): string | undefined {
    for (const v of VERSIONS) {
      const s = this.byId.get(`kind/${v}/${kind}`);
      if (s && typeof s.description === 'string') return s.description;
    }
    return undefined;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}

const FLAT_COMMON: JsonObject = {
  name: { type: 'string', description: 'Name of the resource (becomes metadata.name).' },
  namespace: {
    type: 'string',
    description: 'Namespace of the resource. Defaults to the namespace of the Service or Ingress carrying the annotation.',
  },
  generation: { type: 'integer', description: 'Generation (becomes metadata.generation). Rarely written by hand.' },
  metadata_labels: {
    type: 'object',
    description: 'Labels of the resource (become metadata.labels). Default to the labels of the annotated object.',
    additionalProperties: { type: 'string' },
  },
};

/** The flat annotation layout of a per-kind schema: spec fields at top level next to apiVersion/kind/name/... */
function flatVariant(base: JsonObject): JsonObject {
  const props = isRecord(base.properties) ? base.properties : {};
  const spec = isRecord(props.spec) ? props.spec : {};
  const specProps = isRecord(spec.properties) ? spec.properties : {};
  const kindSchema = isRecord(props.kind) ? clone(props.kind) : { type: 'string' };
  const apiSchema = isRecord(props.apiVersion) ? clone(props.apiVersion) : { type: 'string' };
  const apiEnum = Array.isArray(apiSchema.enum) ? (apiSchema.enum as unknown[]).map(String) : [];
  const extra = apiEnum.map((a) => a.replace(/^getambassador\.io\//, 'ambassador/'));
  apiSchema.enum = [...apiEnum, ...extra.filter((e) => !apiEnum.includes(e))];
  const common = clone(FLAT_COMMON);
  for (const [k, v] of Object.entries(common)) decorate(v, 0, k);
  const out: JsonObject = {
    title: typeof base.title === 'string' ? `${base.title} in an annotation` : undefined,
    description: base.description,
    markdownDescription: base.markdownDescription,
    type: 'object',
    properties: { apiVersion: apiSchema, kind: kindSchema, ...common, ...clone(specProps) },
  };
  for (const k of ['definitions', '$defs']) if (isRecord(base[k])) out[k] = clone(base[k]);
  if (out.title === undefined) delete out.title;
  if (spec.additionalProperties === false) out.additionalProperties = false;
  return out;
}

function topSchema(version: string): JsonObject {
  const kinds = kindsFor(version);
  const s: JsonObject = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: 'API group and version.', enum: apiVersionsFor() },
      kind: { type: 'string', description: `Resource kind served in ${AMBASSADOR_GROUP}/${version}.`, enum: kinds.length ? kinds : [...AMBASSADOR_KINDS] },
      metadata: {
        type: 'object',
        description: 'Standard Kubernetes object metadata.',
        properties: {
          name: { type: 'string', description: 'Name of the resource, unique per kind and namespace.' },
          namespace: { type: 'string', description: 'Namespace of the resource.' },
          labels: { type: 'object', description: 'Labels (string to string).', additionalProperties: { type: 'string' } },
          annotations: { type: 'object', description: 'Annotations (string to string).', additionalProperties: { type: 'string' } },
        },
      },
      spec: { type: 'object', description: 'Settings of the resource; pick a kind to get its fields.' },
    },
  };
  decorate(s);
  return s;
}

function flatTopSchema(): JsonObject {
  const s: JsonObject = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: 'API group and version.', enum: annotationApiVersionsFor() },
      kind: { type: 'string', description: 'Resource kind.', enum: [...AMBASSADOR_KINDS] },
      ...clone(FLAT_COMMON),
    },
  };
  decorate(s);
  return s;
}
