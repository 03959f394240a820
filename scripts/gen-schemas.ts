/*
 * Generates the JSON Schemas (draft-07) in schemas/ from Emissary's CRD file and our own descriptions.
 *
 *   npx tsx scripts/gen-schemas.ts [crd-file] [--out DIR]
 *
 * Default input: <repo>/../shared/reference/emissary-crds/v3.10.0/pkg/api/getambassador.io/crds.yaml.
 * Output: schemas/<version>/<Kind>.json for every served version of the 14 getambassador.io kinds,
 * schemas/ambassador.json (one self-contained dispatch schema for yaml-language-server) and
 * schemas/index.ts (a static import map so the engine gets the schemas bundled, without file I/O).
 *
 * What is kept from each version's openAPIV3Schema: types, enums, required lists, formats, patterns,
 * numeric/size limits and defaults. Kubernetes extensions are translated:
 *   - x-kubernetes-int-or-string        -> type: [integer, string]
 *   - x-kubernetes-preserve-unknown-fields -> an open object (no additionalProperties: false)
 *   - nullable: true                    -> 'null' added to the type list
 *   - an object with `properties` and no other escape hatch -> additionalProperties: false (closed, so
 *     misspelt fields are reported)
 *   - oneOf whose branches are bare types (the CRD's "string or array" style) -> one type list
 * The CRD's own description text is dropped; every description comes from schemas/descriptions.yaml.
 *
 * v1: the CRD file carries a complete v1 schema for every kind that has v1 (in v3.10.0 it is structurally
 * identical to v2), so v1 is generated from its own schema. If a future CRD file carried no v1 schema or only
 * an open (preserve-unknown-fields) one, the generator falls back to the v2 structure for v1 and says so.
 *
 * Two facts are added that the CRD cannot express: `spec` itself is required when the spec schema has
 * required fields (a Mapping without spec cannot work), and metadata gets the common ObjectMeta fields.
 */
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export const GROUP = 'getambassador.io';
export const VERSIONS = ['v1', 'v2', 'v3alpha1'] as const;
export const DRAFT07 = 'http://json-schema.org/draft-07/schema#';

export interface DescriptionEntry {
  text: string;
  example?: string;
  /** Version-specific replacement text, e.g. { v3alpha1: '...' }. */
  versions?: Record<string, string>;
  /** Hide from completion (conversion-only fields). */
  internal?: boolean;
  /** Versions in which the field is deprecated, with the note to show. */
  deprecated?: Record<string, string>;
}

interface KindDescriptions {
  kind: string;
  aliases: Record<string, string>;
  fields: Record<string, DescriptionEntry>;
}

export interface Descriptions {
  common: Record<string, DescriptionEntry>;
  /** Path-prefix aliases valid for every kind. */
  aliases: Record<string, string>;
  kinds: Record<string, KindDescriptions>;
}

export interface GenerateResult {
  /** Relative path (posix) -> file content. */
  files: Map<string, string>;
  /** Human-readable notes (fallbacks taken, fields without description, ...). */
  notes: string[];
  /** Every spec field path (kind, version, path) that has no description. */
  missing: { kind: string; version: string; path: string; direct: boolean }[];
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function normEntry(v: unknown, where: string): DescriptionEntry {
  if (typeof v === 'string') return { text: v.trim() };
  if (isObj(v) && typeof v.text === 'string') {
    const e: DescriptionEntry = { text: v.text.trim() };
    if (typeof v.example === 'string') e.example = v.example.replace(/\s+$/, '');
    if (isObj(v.versions)) e.versions = Object.fromEntries(Object.entries(v.versions).map(([k, t]) => [k, String(t).trim()]));
    if (v.internal === true) e.internal = true;
    if (isObj(v.deprecated)) e.deprecated = Object.fromEntries(Object.entries(v.deprecated).map(([k, t]) => [k, String(t).trim()]));
    return e;
  }
  throw new Error(`descriptions.yaml: entry ${where} must be a string or {text, example?, versions?, internal?, deprecated?}`);
}

export function parseDescriptions(text: string): Descriptions {
  const raw = YAML.parse(text) as unknown;
  if (!isObj(raw)) throw new Error('descriptions.yaml: expected a mapping at the top level');
  const out: Descriptions = { common: {}, aliases: {}, kinds: {} };
  if (isObj(raw.common)) for (const [k, v] of Object.entries(raw.common)) out.common[k] = normEntry(v, `common.${k}`);
  if (isObj(raw.aliases)) for (const [a, b] of Object.entries(raw.aliases)) out.aliases[a] = String(b);
  if (!isObj(raw.kinds)) throw new Error('descriptions.yaml: missing `kinds`');
  for (const [kind, body] of Object.entries(raw.kinds)) {
    if (!isObj(body) || typeof body.kind !== 'string') throw new Error(`descriptions.yaml: kinds.${kind} needs a \`kind\` text`);
    const kd: KindDescriptions = { kind: body.kind.trim(), aliases: {}, fields: {} };
    if (isObj(body.aliases)) for (const [a, b] of Object.entries(body.aliases)) kd.aliases[a] = String(b);
    if (isObj(body.fields)) for (const [f, v] of Object.entries(body.fields)) kd.fields[f] = normEntry(v, `kinds.${kind}.fields.${f}`);
    out.kinds[kind] = kd;
  }
  return out;
}

/** Find the description of `p` (spec-relative path like `cors.origins`, `circuit_breakers[].priority`). */
export function lookupDescription(d: Descriptions, kind: string, p: string): DescriptionEntry | undefined {
  const kd = d.kinds[kind];
  const exact = kd?.fields[p] ?? d.common[p];
  if (exact) return exact;
  // An alias maps a path prefix onto another one (v3StatsName -> stats_name, v3health_checks -> health_checks),
  // so the conversion-only spelling reuses the texts of the real field and of everything below it.
  const aliases = { ...d.aliases, ...(kd?.aliases ?? {}) };
  for (const [from, to] of Object.entries(aliases)) {
    if (p === from || (p.startsWith(from) && /^[.[{]/.test(p.slice(from.length)))) {
      const q = to + p.slice(from.length);
      const hit = kd?.fields[q] ?? d.common[q];
      if (hit) return hit;
    }
  }
  return undefined;
}

function entryText(e: DescriptionEntry, version: string): string {
  return e.versions?.[version] ?? e.text;
}

// ---------------------------------------------------------------------------------------------------------
// openAPIV3Schema -> draft-07

const KEEP = new Set([
  'type',
  'enum',
  'required',
  'format',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'default',
]);

interface Ctx {
  kind: string;
  version: string;
  desc: Descriptions;
  missing: GenerateResult['missing'];
}

function isBareTypeBranch(b: Json): b is { type: string } {
  return isObj(b) && Object.keys(b).length === 1 && typeof b.type === 'string';
}

/** Convert one openAPIV3 node. `p` is the spec-relative description path ('' for spec itself, undefined outside spec). */
function convert(node: Json, ctx: Ctx, p: string | undefined): Obj {
  if (!isObj(node)) return {};
  const out: Obj = {};
  // Annotations first so every file reads the same way.
  if (p !== undefined && p !== '') {
    const e = lookupDescription(ctx.desc, ctx.kind, p);
    if (e) {
      const text = entryText(e, ctx.version);
      const dep = e.deprecated?.[ctx.version];
      out.description = dep ? `Deprecated: ${dep} ${text}` : text;
      out.markdownDescription = markdownFor(text, e.example, dep);
      if (e.internal || dep) out.doNotSuggest = true;
      if (dep) out.deprecated = true;
    } else if (!/(\[\]|\{\})$/.test(p)) {
      // Items of a list and values of a free-form map are described by their parent.
      ctx.missing.push({ kind: ctx.kind, version: ctx.version, path: p, direct: !/[.[{]/.test(p) });
    }
  }

  let types: string[] | undefined;
  if (typeof node.type === 'string') types = [node.type];
  const branches = Array.isArray(node.oneOf) ? node.oneOf : Array.isArray(node.anyOf) ? node.anyOf : undefined;
  let keptBranches: Json[] | undefined;
  if (branches) {
    if (branches.every(isBareTypeBranch)) {
      types = [...new Set([...(types ?? []), ...branches.map((b) => (b as { type: string }).type)])];
    } else {
      keptBranches = branches;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) types = ['integer', 'string'];
  if (node.nullable === true && types && !types.includes('null')) types = [...types, 'null'];
  if (types) out.type = types.length === 1 ? types[0] : types;

  for (const k of Object.keys(node)) {
    if (KEEP.has(k) && k !== 'type') out[k] = node[k];
  }

  const objectish = types?.includes('object') ?? isObj(node.properties);
  const open = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObj(node.properties)) {
    const props: Obj = {};
    for (const [name, sub] of Object.entries(node.properties)) {
      props[name] = convert(sub, ctx, p === undefined ? undefined : p === '' ? name : `${p}.${name}`);
    }
    out.properties = props;
  }
  if (isObj(node.additionalProperties)) {
    out.additionalProperties = convert(node.additionalProperties, ctx, p === undefined ? undefined : `${p}{}`);
  } else if (typeof node.additionalProperties === 'boolean') {
    out.additionalProperties = node.additionalProperties;
  } else if (objectish && isObj(node.properties) && !open) {
    out.additionalProperties = false;
  }
  if (isObj(node.items)) out.items = convert(node.items, ctx, p === undefined ? undefined : `${p}[]`);
  if (keptBranches) {
    out[Array.isArray(node.oneOf) ? 'oneOf' : 'anyOf'] = keptBranches.map((b) => convert(b, ctx, undefined));
  }
  return out;
}

function markdownFor(text: string, example: string | undefined, deprecated: string | undefined): string {
  let md = deprecated ? `**Deprecated:** ${deprecated}\n\n${text}` : text;
  if (example) md += `\n\nExample:\n\n\`\`\`yaml\n${example}\n\`\`\``;
  return md;
}

const METADATA: Obj = {
  type: 'object',
  description: 'Standard Kubernetes object metadata. `name` is required for Emissary to use the resource.',
  properties: {
    name: { type: 'string', description: 'Name of the resource, unique per kind and namespace.' },
    namespace: {
      type: 'string',
      description: 'Namespace of the resource. When omitted, kubectl uses the current context namespace.',
    },
    labels: {
      type: 'object',
      description: 'Labels (string to string). Host `mappingSelector` matches against the labels of Mappings.',
      additionalProperties: { type: 'string' },
    },
    annotations: {
      type: 'object',
      description: 'Annotations (string to string).',
      additionalProperties: { type: 'string' },
    },
    generation: { type: 'integer', description: 'Set by Kubernetes; not meant to be written by hand.' },
  },
};

function objectSchema(kind: string, version: string, crdSchema: Obj, desc: Descriptions, missing: GenerateResult['missing']): Obj {
  const ctx: Ctx = { kind, version, desc, missing };
  const props = isObj(crdSchema.properties) ? crdSchema.properties : {};
  const kd = desc.kinds[kind];
  if (!kd) throw new Error(`descriptions.yaml has no entry for kind ${kind}`);
  const spec = convert(props.spec ?? { type: 'object' }, ctx, '');
  const specBody: Obj = {
    description: `Settings of this ${kind}.`,
    markdownDescription: `Settings of this ${kind}.`,
    ...spec,
  };
  const status = isObj(props.status) ? convert(props.status, ctx, undefined) : undefined;
  if (status) {
    status.description = 'Written by Emissary or Kubernetes; leave it out of files you author.';
    status.doNotSuggest = true;
  }
  const properties: Obj = {
    apiVersion: { type: 'string', description: 'API group and version.', enum: [`${GROUP}/${version}`] },
    kind: { type: 'string', description: kd.kind, enum: [kind] },
    metadata: METADATA,
    spec: specBody,
  };
  if (status) properties.status = status;
  const required = ['apiVersion', 'kind'];
  if (Array.isArray(spec.required) && spec.required.length > 0) required.push('spec');
  return {
    $schema: DRAFT07,
    title: `${kind} (${GROUP}/${version})`,
    description: kd.kind,
    markdownDescription: kd.kind,
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  };
}

function specIsOpenOrMissing(schema: unknown): boolean {
  if (!isObj(schema)) return true;
  const spec = isObj(schema.properties) ? schema.properties.spec : undefined;
  if (!isObj(spec)) return true;
  return !isObj(spec.properties) && spec['x-kubernetes-preserve-unknown-fields'] === true;
}

export function stableJson(v: unknown): string {
  return JSON.stringify(v, null, 2) + '\n';
}

export function generate(crdText: string, descriptionsText: string): GenerateResult {
  const desc = parseDescriptions(descriptionsText);
  const notes: string[] = [];
  const missing: GenerateResult['missing'] = [];
  const files = new Map<string, string>();
  const perKind = new Map<string, Map<string, Obj>>();

  const docs = YAML.parseAllDocuments(crdText).map((d) => d.toJS({ maxAliasCount: 10000 }) as unknown);
  for (const doc of docs) {
    if (!isObj(doc) || doc.kind !== 'CustomResourceDefinition' || !isObj(doc.spec)) continue;
    const spec = doc.spec;
    if (spec.group !== GROUP || !isObj(spec.names) || typeof spec.names.kind !== 'string') continue;
    const kind = spec.names.kind;
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [];
    const byName = new Map<string, Obj>();
    for (const v of versions) {
      if (v.served === false || typeof v.name !== 'string') continue;
      const s = isObj(v.schema) && isObj(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
      byName.set(v.name, s ?? {});
    }
    const out = new Map<string, Obj>();
    for (const [vname, s] of byName) {
      let source = s;
      if (vname === 'v1' && specIsOpenOrMissing(s) && byName.has('v2')) {
        notes.push(`${kind} v1: CRD has no usable v1 schema; using the v2 structure.`);
        source = byName.get('v2')!;
      }
      out.set(vname, objectSchema(kind, vname, source, desc, missing));
    }
    perKind.set(kind, out);
  }
  if (perKind.size === 0) throw new Error(`no ${GROUP} CustomResourceDefinitions found in the input`);

  const kinds = [...perKind.keys()].sort();
  const definitions: Obj = {};
  const dispatch: Json[] = [];
  const apiVersions = new Set<string>();
  const index: string[] = [];
  for (const kind of kinds) {
    for (const version of VERSIONS) {
      const s = perKind.get(kind)!.get(version);
      if (!s) continue;
      files.set(`${version}/${kind}.json`, stableJson(s));
      apiVersions.add(`${GROUP}/${version}`);
      const def = `${kind}-${version}`;
      const { $schema: _drop, ...body } = s;
      void _drop;
      definitions[def] = body;
      dispatch.push({
        if: {
          properties: { apiVersion: { const: `${GROUP}/${version}` }, kind: { const: kind } },
          required: ['apiVersion', 'kind'],
        },
        then: { $ref: `#/definitions/${def}` },
      });
      index.push(`  ['${kind}', '${version}', ${JSON.stringify(`./${version}/${kind}.json`)}],`);
    }
  }
  const apiVersionList = [...apiVersions].sort();
  const ambassador: Obj = {
    $schema: DRAFT07,
    title: 'Emissary-ingress resources (getambassador.io)',
    description:
      'Picks the schema of the matching kind and version for each YAML document. Documents of other API groups are left alone.',
    type: 'object',
    properties: {
      // anyOf (enum | any string) gives value completion without flagging Deployments and other kinds.
      apiVersion: { description: 'API group and version.', anyOf: [{ enum: apiVersionList }, { type: 'string' }] },
      kind: { description: 'Resource kind.', anyOf: [{ enum: kinds }, { type: 'string' }] },
    },
    allOf: dispatch,
    definitions,
  };
  files.set('ambassador.json', stableJson(ambassador));
  files.set('index.ts', indexTs(perKind, kinds));
  return { files, notes, missing };
}

function indexTs(perKind: Map<string, Map<string, Obj>>, kinds: string[]): string {
  const lines: string[] = [
    '// GENERATED by scripts/gen-schemas.ts — do not edit. Static imports so bundlers embed the schemas.',
    '/* eslint-disable */',
  ];
  const entries: string[] = [];
  for (const kind of kinds) {
    for (const version of VERSIONS) {
      if (!perKind.get(kind)!.has(version)) continue;
      const id = `${kind}_${version}`;
      lines.push(`import ${id} from './${version}/${kind}.json';`);
      entries.push(`  '${version}/${kind}': ${id} as unknown as object,`);
    }
  }
  lines.push('');
  lines.push('/** Schema per `<version>/<Kind>`. */');
  lines.push('export const SCHEMAS: Readonly<Record<string, object>> = {');
  lines.push(...entries);
  lines.push('};');
  lines.push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------

export function repoRoot(): string {
  return path.resolve(__dirname, '..');
}

export function defaultCrdPath(root = repoRoot()): string {
  return path.join(root, '..', 'shared', 'reference', 'emissary-crds', 'v3.10.0', 'pkg', 'api', 'getambassador.io', 'crds.yaml');
}

export function descriptionsPath(root = repoRoot()): string {
  return path.join(root, 'schemas', 'descriptions.yaml');
}

/** Generate and write into `outDir` (removing stale generated files there). Returns the result. */
export function writeSchemas(crdFile: string, outDir: string, descFile = descriptionsPath()): GenerateResult {
  const res = generate(fs.readFileSync(crdFile, 'utf8'), fs.readFileSync(descFile, 'utf8'));
  for (const v of VERSIONS) {
    const dir = path.join(outDir, v);
    if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) if (f.endsWith('.json')) fs.rmSync(path.join(dir, f));
  }
  for (const [rel, content] of res.files) {
    const target = path.join(outDir, ...rel.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  return res;
}

function main(argv: string[]): number {
  let crd: string | undefined;
  let out = path.join(repoRoot(), 'schemas');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = path.resolve(argv[++i] ?? '');
    else if (argv[i] === '-h' || argv[i] === '--help') {
      process.stdout.write('usage: tsx scripts/gen-schemas.ts [crd-file] [--out DIR]\n');
      return 0;
    } else crd = path.resolve(argv[i]);
  }
  const crdFile = crd ?? defaultCrdPath();
  if (!fs.existsSync(crdFile)) {
    process.stderr.write(`gen-schemas: CRD file not found: ${crdFile}\n`);
    return 2;
  }
  const res = writeSchemas(crdFile, out);
  for (const n of res.notes) process.stdout.write(`note: ${n}\n`);
  const direct = res.missing.filter((m) => m.direct);
  if (direct.length) {
    process.stderr.write(`gen-schemas: ${direct.length} spec field(s) have no description:\n`);
    for (const m of direct) process.stderr.write(`  ${m.kind} ${m.version} spec.${m.path}\n`);
  }
  process.stdout.write(`gen-schemas: wrote ${res.files.size} files to ${path.relative(process.cwd(), out) || '.'}\n`);
  return direct.length ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`gen-schemas: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
