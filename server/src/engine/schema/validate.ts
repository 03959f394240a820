// Schema diagnostics for one Ambassador resource (EP100..EP103). Pure: no I/O, no VS Code.
//
//   EP100 schema violation (unknown field, wrong type, missing required field, bad enum value, limits)
//   EP101 unknown kind or version (incl. Edge Stack kinds, kinds not served at a version, annotation v0)
//   EP102 deprecated getambassador.io/v1
//   EP103 deprecated field: `host` (and `host_regex`) in a v3alpha1 Mapping
//
// Ajv reports one error per failed keyword; they are turned into at most one finding per problem, with the range
// of the offending key (unknown field), value (type, enum, limits) or parent key (missing field).

import type { ErrorObject } from 'ajv';
import { AMBASSADOR_GROUP, AMBASSADOR_KINDS, compareFindings, emptyRange, positionBefore, versionsOf } from '../model';
import type { Finding, JsonPath, QuickFix, Range, Resource, Severity } from '../model';
import { quickValidatorFor, schemaFor, validatorFor } from './registry';
import type { SchemaNode } from './registry';
import { suggest } from './suggest';
import { joinAnd } from '../checks/context';

export { schemaFor } from './registry';
export type { SchemaNode } from './registry';

/** Versions of getambassador.io that Emissary has served, newest last. */
export const KNOWN_VERSIONS = ['v1', 'v2', 'v3alpha1'];
export const CURRENT_VERSION = 'v3alpha1';

/** Kinds of the getambassador.io group that only Ambassador Edge Stack (the commercial product) defines. */
export const EDGE_STACK_KINDS = [
  'Filter',
  'FilterPolicy',
  'RateLimit',
  'EnvoyFilter',
  'EnvoyFilterPolicy',
  'WebApplicationFirewall',
  'WebApplicationFirewallPolicy',
  'Project',
  'ProjectController',
  'ProjectRevision',
];

const KINDS: readonly string[] = AMBASSADOR_KINDS;

// ---------------------------------------------------------------------------------------------------------
// Public API

export function validateResource(r: Resource): Finding[] {
  const out: Finding[] = [];
  try {
    validateInto(r, out);
  } catch (e) {
    // Never let a malformed resource take the engine down; say what happened at the document start.
    out.push(finding(r, 'EP100', 'error', `Could not check this ${r.kind || 'resource'} against its schema: ${errText(e)}`, safeLocate(r, [])));
  }
  return out.sort(compareFindings);
}

export interface FieldInfo {
  kind: string;
  version: string;
  /** The path that was asked for. */
  path: JsonPath;
  description?: string;
  markdownDescription?: string;
  /** Human-readable type, e.g. `integer`, `string | array`. */
  type?: string;
  /** Allowed values, when the field is an enum. */
  allowed?: unknown[];
  /** Whether the parent object requires this field. */
  required: boolean;
  deprecated: boolean;
  default?: unknown;
}

/**
 * Description, type and allowed values of a field, for hover. `path` is a path into the resource object, e.g.
 * ['spec', 'cors', 'origins'] (list indexes and map keys are followed through `items` / `additionalProperties`).
 */
export function describeField(kind: string, version: string, path: JsonPath): FieldInfo | undefined {
  const root = schemaFor(kind, version);
  if (!root) return undefined;
  let node: SchemaNode | undefined = root;
  let parent: SchemaNode | undefined;
  let last: string | number | undefined;
  for (const seg of path) {
    parent = node;
    last = seg;
    node = childSchema(node, seg);
    if (!node) return undefined;
  }
  return {
    kind,
    version,
    path,
    description: node.description,
    markdownDescription: node.markdownDescription,
    type: typeText(node),
    allowed: node.enum ?? (node.const !== undefined ? [node.const] : undefined),
    required: typeof last === 'string' && !!parent?.required?.includes(last),
    deprecated: node.deprecated === true,
    default: node.default,
  };
}

/** Property names the schema allows at `path` (for completion fallbacks); hidden (internal) ones excluded. */
export function fieldsAt(kind: string, version: string, path: JsonPath): string[] {
  let node: SchemaNode | undefined = schemaFor(kind, version);
  for (const seg of path) {
    node = node && childSchema(node, seg);
  }
  if (!node?.properties) return [];
  return Object.entries(node.properties)
    .filter(([, s]) => !s.doNotSuggest)
    .map(([k]) => k);
}

// ---------------------------------------------------------------------------------------------------------
// Kind and version

function validateInto(r: Resource, out: Finding[]): void {
  const slash = r.apiVersion.indexOf('/');
  const group = slash === -1 ? r.apiVersion : r.apiVersion.slice(0, slash);
  const version = r.version || (slash === -1 ? '' : r.apiVersion.slice(slash + 1));
  if (group !== AMBASSADOR_GROUP) return; // not ours (parse.ts only hands over getambassador.io objects)
  const inAnnotation = !!r.origin.annotation;
  // Ranges are computed only when a finding needs them: locating parses the document's text again.
  const apiRange = () => safeLocate(r, ['apiVersion'], 'value');

  if (inAnnotation && version === 'v0') {
    out.push(
      finding(
        r,
        'EP101',
        'error',
        `apiVersion 'ambassador/v0' is no longer accepted by Emissary; this ${r.kind || 'resource'} is ignored. Use 'getambassador.io/${CURRENT_VERSION}'.`,
        apiRange(),
      ),
    );
    return;
  }

  if (!KINDS.includes(r.kind)) {
    out.push(unknownKind(r));
    return;
  }

  const served = versionsOf(r.kind);
  if (!served.includes(version)) {
    out.push(unknownVersion(r, version, served, apiRange(), inAnnotation));
    return;
  }

  if (version === 'v1') {
    const range = apiRange();
    const clean = cleanAt(r, CURRENT_VERSION);
    // In an annotation the version may be spelt `ambassador/v1`; leave the edit to the author there.
    const fix = !inAnnotation && clean ? apiVersionFix(r, range, CURRENT_VERSION) : undefined;
    out.push(
      finding(
        r,
        'EP102',
        'warning',
        `getambassador.io/v1 is deprecated; move this ${r.kind} to getambassador.io/${CURRENT_VERSION}.` +
          (clean ? '' : ` Check the fields when you do: some were renamed or changed type in ${CURRENT_VERSION}.`),
        range,
        fix,
      ),
    );
  }

  schemaFindings(r, version, out);

  if (r.kind === 'Mapping' && version === 'v3alpha1') deprecatedHost(r, out);
}

function unknownKind(r: Resource): Finding {
  const kindRange = safeLocate(r, ['kind'], 'value');
  if (!r.kind) {
    return finding(r, 'EP101', 'error', `This getambassador.io document has no kind. Emissary kinds: ${KINDS.join(', ')}.`, kindRange);
  }
  const aes = EDGE_STACK_KINDS.find((k) => k.toLowerCase() === r.kind.toLowerCase());
  if (aes) {
    return finding(
      r,
      'EP101',
      'error',
      `'${r.kind}' is an Ambassador Edge Stack kind, not an Emissary kind: Emissary-ingress has no ${aes} CRD and ignores this resource.`,
      kindRange,
    );
  }
  const guess = suggest(r.kind, KINDS);
  const fix: QuickFix | undefined = guess
    ? { title: `Change kind to '${guess}'`, edits: [{ uri: r.origin.uri, range: kindRange, newText: guess }] }
    : undefined;
  return finding(
    r,
    'EP101',
    'error',
    `Unknown kind '${r.kind}' in ${AMBASSADOR_GROUP}` + (guess ? `; did you mean '${guess}'?` : `. Emissary kinds: ${KINDS.join(', ')}.`),
    kindRange,
    fix,
  );
}

function unknownVersion(r: Resource, version: string, served: readonly string[], apiRange: Range, inAnnotation: boolean): Finding {
  const servedAt = served.map((v) => `${AMBASSADOR_GROUP}/${v}`);
  const servedText = joinAnd(servedAt);
  const newest = served[served.length - 1];
  let message: string;
  if (KNOWN_VERSIONS.includes(version)) {
    message = `${r.kind} is not served at ${AMBASSADOR_GROUP}/${version}; ${served.length === 1 ? 'it exists only as' : 'use'} ${joinAnd(servedAt, 'or')}.`;
  } else if (!version) {
    message = `apiVersion '${r.apiVersion}' has no version; ${r.kind} is served at ${servedText}.`;
  } else {
    // Short versions (`v4`) are one edit away from everything; only suggest for longer misspellings (`v3alpah1`).
    const guess = version.length > 3 ? suggest(version, served) : undefined;
    message = `Unknown version '${version}' of ${AMBASSADOR_GROUP}` + (guess ? ` (did you mean '${guess}'?)` : '') + `; ${r.kind} is served at ${servedText}.`;
  }
  const fix = inAnnotation ? undefined : apiVersionFix(r, apiRange, newest);
  return finding(r, 'EP101', 'error', message, apiRange, fix);
}

function apiVersionFix(r: Resource, range: Range, version: string): QuickFix {
  const text = `${AMBASSADOR_GROUP}/${version}`;
  return { title: `Change apiVersion to ${text}`, edits: [{ uri: r.origin.uri, range, newText: text }] };
}

/** Whether the resource, as written, would be valid at `version` too (so changing only apiVersion is safe). */
function cleanAt(r: Resource, version: string): boolean {
  const validate = quickValidatorFor(r.kind, version);
  if (!validate) return false;
  return validate(dataFor(r, version)) === true;
}

// ---------------------------------------------------------------------------------------------------------
// EP103

function deprecatedHost(r: Resource, out: Finding[]): void {
  const spec = r.spec;
  if (!spec || typeof spec !== 'object' || !('host' in spec) || spec.host === undefined) return;
  const keyRange = safeLocate(r, ['spec', 'host'], 'key');
  // An empty hostname counts as unset (Emissary then uses host), as in the route model and EP230.
  const hasHostname = spec.hostname !== undefined && spec.hostname !== null && spec.hostname !== '';
  const isRegex = spec.host_regex === true;
  let message: string;
  let fix: QuickFix | undefined;
  if (hasHostname) {
    message = `'host' is deprecated in getambassador.io/v3alpha1 Mappings, and 'hostname' is also set, so 'host' is ignored. Remove 'host'.`;
  } else if (isRegex) {
    message =
      `'host' with 'host_regex: true' is deprecated in getambassador.io/v3alpha1 Mappings; use a 'hostname' DNS glob ` +
      `(e.g. '*.example.com') where it can express the same hosts. A host regex also attaches the Mapping to every Host.`;
  } else {
    message = `'host' is deprecated in getambassador.io/v3alpha1 Mappings; use 'hostname' (a DNS glob; an exact name means the same).`;
    fix = { title: "Rename 'host' to 'hostname'", edits: [{ uri: r.origin.uri, range: keyRange, newText: 'hostname' }] };
  }
  out.push(finding(r, 'EP103', 'warning', message, keyRange, fix));
}

// ---------------------------------------------------------------------------------------------------------
// EP100: Ajv errors -> findings

/**
 * The object handed to Ajv: the resource with its canonical apiVersion/kind (annotations may spell them otherwise),
 * and with `null` map entries removed where the schema does not allow null, as the Kubernetes API server does
 * before validating a custom resource (`timeout_ms:` with no value is dropped, not rejected). Null list items are
 * kept: the API server rejects those. `pruned` collects the paths that were dropped.
 */
const CANONICAL_API = new Map(KNOWN_VERSIONS.map((v) => [v, `${AMBASSADOR_GROUP}/${v}`]));

/** `getambassador.io/<version>`, the same string each time for the served versions. */
function canonicalApiVersion(version: string): string {
  return CANONICAL_API.get(version) ?? `${AMBASSADOR_GROUP}/${version}`;
}

function dataFor(r: Resource, version: string, pruned: JsonPath[] = []): Record<string, unknown> {
  const obj = r.object && typeof r.object === 'object' ? r.object : {};
  const apiVersion = canonicalApiVersion(version);
  // Ajv does not modify the data (no defaults, coercion or removal), so a canonical object needs no copy.
  const data = obj.apiVersion === apiVersion && obj.kind === r.kind ? obj : { ...obj, apiVersion, kind: r.kind };
  const schema = schemaFor(r.kind, version);
  return schema ? (pruneNulls(data, schema, [], pruned, 0) as Record<string, unknown>) : data;
}

function allowsNull(s: SchemaNode | undefined): boolean {
  if (!s) return true; // unknown field: leave it for the additionalProperties check
  const t = s.type;
  return t === undefined || t === 'null' || (Array.isArray(t) && t.includes('null'));
}

/** Copy-on-write removal of non-nullable nulls from objects (see dataFor). `path` is a stack, restored on return. */
function pruneNulls(value: unknown, schema: SchemaNode | undefined, path: JsonPath, pruned: JsonPath[], depth: number): unknown {
  if (!schema || value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) {
    const items = schema.items;
    if (!items) return value;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item === null || typeof item !== 'object') continue;
      path.push(i);
      const next = pruneNulls(item, items, path, pruned, depth + 1);
      path.pop();
      if (next !== item) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v !== null && typeof v !== 'object') continue;
    const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (v === null) {
      if (sub && !allowsNull(sub)) {
        out ??= { ...obj };
        delete out[k];
        pruned.push([...path, k]);
      }
      continue;
    }
    path.push(k);
    const next = pruneNulls(v, sub, path, pruned, depth + 1);
    path.pop();
    if (next !== v) (out ??= { ...obj })[k] = next;
  }
  return out ?? obj;
}

interface Problem {
  keyword: string;
  path: JsonPath;
  err: ErrorObject;
}

const COMPOSITE = new Set(['oneOf', 'anyOf', 'allOf', 'if', 'then', 'else', 'not']);

function schemaFindings(r: Resource, version: string, out: Finding[]): void {
  const quick = quickValidatorFor(r.kind, version);
  if (!quick) return;
  // Most resources are valid as written: check the object itself first. Pruning (dataFor) only removes nulls the
  // schema rejects, so an object that passes unpruned has nothing to prune and passes pruned too.
  const obj = r.object;
  if (obj.apiVersion === canonicalApiVersion(version) && obj.kind === r.kind && quick(obj) === true) return;
  const pruned: JsonPath[] = [];
  const data = dataFor(r, version, pruned);
  if (quick(data) === true) return;
  const validate = validatorFor(r.kind, version);
  if (!validate || validate(data) === true) return;
  const errors = validate.errors ?? [];
  const problems: Problem[] = errors.map((err) => ({ keyword: err.keyword, path: toPath(err.instancePath, data), err }));

  // 1. Composite keywords only add noise when their branches already explain the problem.
  const kept = problems.filter(
    (p) => !COMPOSITE.has(p.keyword) || !problems.some((q) => q !== p && !COMPOSITE.has(q.keyword) && isPrefix(p.path, q.path)),
  );
  // 2. A wrong type explains every other complaint about the same value (enum, format, limits, ...).
  const typeAt = new Set(kept.filter((p) => p.keyword === 'type').map((p) => pathKey(p.path)));
  const seen = new Set<string>();
  const required = new Map<string, { path: JsonPath; missing: string[] }>();
  const typeGroups = new Map<string, Problem[]>();
  for (const p of kept) {
    if (p.keyword !== 'required') continue;
    const missing = String((p.err.params as { missingProperty?: string }).missingProperty ?? '');
    const key = pathKey(p.path);
    const g = required.get(key) ?? { path: p.path, missing: [] };
    if (missing && !g.missing.includes(missing)) g.missing.push(missing);
    required.set(key, g);
  }
  for (const p of kept) {
    const key = pathKey(p.path);
    if (p.keyword === 'required') continue;
    if (p.keyword !== 'type' && p.keyword !== 'additionalProperties' && typeAt.has(key)) continue;
    if (p.keyword === 'type') {
      const g = typeGroups.get(key) ?? [];
      g.push(p);
      typeGroups.set(key, g);
      continue;
    }
    const f = problemFinding(r, version, p, required.get(key)?.missing ?? []);
    const dedupe = `${f.message}@${rangeKey(f.range)}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    out.push(f);
  }
  for (const group of typeGroups.values()) out.push(typeFinding(r, group));
  // A required field written without a value: say so at the field itself.
  const prunedKeys = new Set(pruned.map(pathKey));
  for (const g of required.values()) {
    for (const name of [...g.missing]) {
      const fieldPath = [...g.path, name];
      if (!prunedKeys.has(pathKey(fieldPath))) continue;
      g.missing.splice(g.missing.indexOf(name), 1);
      out.push(finding(r, 'EP100', 'error', `Required field '${name}' of ${r.kind} ${pathText(g.path)} has no value.`, safeLocate(r, fieldPath, 'key')));
    }
    if (g.missing.length) out.push(requiredFinding(r, g.path, g.missing));
  }
}

/** `missing`: required fields absent from the same object; an unknown field that is a misspelling of one of them
 * reports both problems at once (and removes the name from `missing`). */
function problemFinding(r: Resource, version: string, p: Problem, missing: string[]): Finding {
  const { err, path } = p;
  const where = pathText(path);
  const valueRange = () => safeLocate(r, path, 'value');
  switch (p.keyword) {
    case 'additionalProperties': {
      const field = String((err.params as { additionalProperty?: string }).additionalProperty);
      return unknownField(r, version, path, field, err.parentSchema as SchemaNode | undefined, missing);
    }
    case 'enum': {
      const allowed = (err.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      const value = err.data;
      const guess =
        typeof value === 'string'
          ? suggest(
              value,
              allowed.filter((a): a is string => typeof a === 'string'),
            )
          : undefined;
      const fix: QuickFix | undefined =
        guess && /^[A-Za-z][\w.-]*$/.test(guess)
          ? { title: `Change to '${guess}'`, edits: [{ uri: r.origin.uri, range: valueRange(), newText: guess }] }
          : undefined;
      return finding(
        r,
        'EP100',
        'error',
        `Invalid value ${show(value)} for ${where}. Allowed values: ${allowed.map((a) => (a === '' ? '""' : String(a))).join(', ')}.` +
          (guess ? ` Did you mean '${guess}'?` : ''),
        valueRange(),
        fix,
      );
    }
    case 'const':
      return finding(r, 'EP100', 'error', `${where} must be ${show((err.params as { allowedValue?: unknown }).allowedValue)}.`, valueRange());
    case 'minimum':
    case 'exclusiveMinimum':
      return finding(r, 'EP100', 'error', `Value ${show(err.data)} for ${where} is below the minimum ${String((err.params as { limit?: number }).limit)}.`, valueRange());
    case 'maximum':
    case 'exclusiveMaximum':
      return finding(r, 'EP100', 'error', `Value ${show(err.data)} for ${where} is above the maximum ${String((err.params as { limit?: number }).limit)}.`, valueRange());
    case 'minItems': {
      const n = (err.params as { limit?: number }).limit ?? 1;
      return finding(r, 'EP100', 'error', `${where} needs at least ${n} item${n === 1 ? '' : 's'}; remove it or add ${n === 1 ? 'one' : 'more'}.`, valueRange());
    }
    case 'maxItems':
      return finding(r, 'EP100', 'error', `${where} has more than ${String((err.params as { limit?: number }).limit)} items.`, valueRange());
    case 'minProperties':
    case 'maxProperties': {
      const s = err.parentSchema as SchemaNode | undefined;
      if (s && s.minProperties === 1 && s.maxProperties === 1) {
        const names = s.properties ? Object.keys(s.properties) : [];
        return finding(
          r,
          'EP100',
          'error',
          `${where} must have exactly one key` + (names.length ? ` (one of ${names.join(', ')}).` : '.'),
          valueRange(),
        );
      }
      const limit = String((err.params as { limit?: number }).limit);
      return finding(r, 'EP100', 'error', `${where} must have ${p.keyword === 'minProperties' ? 'at least' : 'at most'} ${limit} key(s).`, valueRange());
    }
    case 'pattern':
      return finding(r, 'EP100', 'error', `Value ${show(err.data)} for ${where} does not match the pattern ${String((err.params as { pattern?: string }).pattern)}.`, valueRange());
    case 'format': {
      const fmt = String((err.params as { format?: string }).format);
      const what = fmt === 'int32' ? 'a 32-bit integer' : fmt === 'date-time' ? 'an RFC 3339 date-time' : `in format ${fmt}`;
      return finding(r, 'EP100', 'error', `Value ${show(err.data)} for ${where} is not ${what}.`, valueRange());
    }
    case 'minLength':
    case 'maxLength':
      return finding(r, 'EP100', 'error', `Value ${show(err.data)} for ${where} is too ${p.keyword === 'minLength' ? 'short' : 'long'}.`, valueRange());
    default:
      if (COMPOSITE.has(p.keyword)) {
        return finding(r, 'EP100', 'error', `Value ${show(err.data)} for ${where} does not match any of the allowed forms.`, valueRange());
      }
      return finding(r, 'EP100', 'error', `${where}: ${err.message ?? 'invalid value'}.`, valueRange());
  }
}

function unknownField(
  r: Resource,
  version: string,
  parentPath: JsonPath,
  field: string,
  parentSchema: SchemaNode | undefined,
  missing: string[],
): Finding {
  const path = [...parentPath, field];
  const range = safeLocate(r, path, 'key');
  const allowed = suggestable(parentSchema);
  const place = parentPath.length === 0 ? `${r.kind}` : `${r.kind} ${pathText(parentPath)}`;
  let message = parentPath.length === 0 ? `Unknown top-level field '${field}' in ${place}.` : `Unknown field '${field}' in ${place}.`;
  let fix: QuickFix | undefined;

  // Top-level spec or metadata fields written at the top of a CRD document.
  const root = schemaFor(r.kind, version);
  const belongsUnder =
    parentPath.length === 0
      ? root?.properties?.spec?.properties?.[field]
        ? 'spec'
        : root?.properties?.metadata?.properties?.[field]
          ? 'metadata'
          : undefined
      : undefined;
  // The field exists in another version of the kind (e.g. `hostname` in a v2 Mapping).
  const otherVersions = versionsOf(r.kind).filter((v) => v !== version && childAt(schemaFor(r.kind, v), path));
  const guess = suggest(field, allowed);
  if (belongsUnder) {
    message += ` It belongs under ${belongsUnder}.`;
  } else if (otherVersions.length > 0 && !allowed.includes(field)) {
    message += ` It exists in ${joinAnd(otherVersions.map((v) => `${AMBASSADOR_GROUP}/${v}`))}, but this ${r.kind} is ${AMBASSADOR_GROUP}/${version}.`;
    if (guess) message += ` Did you mean '${guess}'?`;
  } else if (guess) {
    message += ` Did you mean '${guess}'?`;
    const at = missing.indexOf(guess);
    if (at !== -1) {
      message += ` ('${guess}' is required.)`;
      missing.splice(at, 1);
    }
    fix = { title: `Rename '${field}' to '${guess}'`, edits: [{ uri: r.origin.uri, range, newText: guess }] };
  }
  return finding(r, 'EP100', 'error', message, range, fix);
}

const suggestableCache = new WeakMap<SchemaNode, string[]>();

/** Property names of a schema node that may be suggested (not doNotSuggest), cached per node. */
function suggestable(node: SchemaNode | undefined): string[] {
  if (!node?.properties) return [];
  let list = suggestableCache.get(node);
  if (!list) {
    list = Object.entries(node.properties)
      .filter(([, s]) => !s.doNotSuggest)
      .map(([k]) => k);
    suggestableCache.set(node, list);
  }
  return list;
}

function typeFinding(r: Resource, group: Problem[]): Finding {
  const p = group[0];
  const expected = new Set<string>();
  for (const g of group) {
    const t = (g.err.params as { type?: string | string[] }).type;
    for (const x of Array.isArray(t) ? t : String(t).split(',')) if (x) expected.add(x.trim());
  }
  const value = p.err.data;
  const actual = jsonType(value);
  const exp = [...expected];
  let message = `Expected ${exp.join(' or ')}, got ${actual} for ${pathText(p.path)}.`;
  const last = p.path[p.path.length - 1];
  if (value === null) message += ' The value is empty: give one or remove the key.';
  else if ((exp.includes('integer') || exp.includes('number')) && typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value.trim())) message += ` Remove the quotes: write ${value.trim()}.`;
    else if (typeof last === 'string' && /_ms$/.test(last)) message += ' Write a number of milliseconds, e.g. 30000 for 30 seconds.';
    else if (/%$/.test(value.trim())) message += ` Write the number without '%'.`;
  } else if (exp.includes('boolean') && typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
    message += ` Remove the quotes: write ${value.trim().toLowerCase()}.`;
  } else if (exp.includes('string') && typeof value === 'boolean' && !exp.includes('boolean')) {
    message += ` Quote it if you mean the text: "${String(value)}".`;
  } else if (exp.length === 1 && exp[0] === 'array' && (typeof value === 'string' || typeof value === 'number')) {
    message += ` Write it as a list, e.g. [${String(value)}].`;
  } else if (exp.length === 1 && exp[0] === 'string' && typeof value === 'number') {
    message += ` Quote it: "${String(value)}".`;
  }
  return finding(r, 'EP100', 'error', message, safeLocate(r, p.path, 'value'));
}

function requiredFinding(r: Resource, path: JsonPath, missing: string[]): Finding {
  const names = joinAnd(missing.map((m) => `'${m}'`));
  const plural = missing.length > 1;
  if (path.length === 0) {
    const range = kindLine(r);
    if (missing.length === 1 && missing[0] === 'spec') {
      const needs = schemaFor(r.kind, r.version)?.properties?.spec?.required ?? [];
      return finding(
        r,
        'EP100',
        'error',
        `${r.kind} has no spec` + (needs.length ? `; it needs ${joinAnd(needs.map((n) => `'${n}'`))}.` : '.'),
        range,
      );
    }
    return finding(r, 'EP100', 'error', `${r.kind} is missing required field${plural ? 's' : ''} ${names}.`, range);
  }
  let range = safeLocate(r, path, 'key');
  // In the flat layout of an annotation there is no `spec` key: point at the kind line instead.
  if (path.length === 1 && path[0] === 'spec' && sameRange(range, safeLocate(r, [], 'key'))) range = kindLine(r);
  return finding(r, 'EP100', 'error', `${r.kind} ${pathText(path)} is missing required field${plural ? 's' : ''} ${names}.`, range);
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

function childSchema(node: SchemaNode, seg: string | number): SchemaNode | undefined {
  if (typeof seg === 'number' || /^\d+$/.test(String(seg))) {
    if (node.items) return node.items;
  }
  if (typeof seg === 'string') {
    const p = node.properties?.[seg];
    if (p) return p;
    if (node.additionalProperties && typeof node.additionalProperties === 'object') return node.additionalProperties;
  }
  return undefined;
}

function childAt(root: SchemaNode | undefined, path: JsonPath): SchemaNode | undefined {
  let node = root;
  for (const seg of path) {
    if (!node) return undefined;
    // Only declared properties count as "exists" here, not free-form map values.
    node = typeof seg === 'string' && !/^\d+$/.test(seg) ? node.properties?.[seg] : node.items;
  }
  return node;
}

function typeText(node: SchemaNode): string | undefined {
  const t = node.type;
  if (Array.isArray(t)) return t.join(' | ');
  return t;
}

/** JSON pointer -> path; array indexes become numbers when the data at that point is an array. */
function toPath(pointer: string, data: unknown): JsonPath {
  if (!pointer) return [];
  const out: JsonPath = [];
  let cur: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function isPrefix(prefix: JsonPath, path: JsonPath): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((s, i) => String(s) === String(path[i]));
}

function pathKey(p: JsonPath): string {
  return JSON.stringify(p.map(String));
}

/** `spec.cors.origins`, `spec.circuit_breakers[0].priority`, `spec.headers["x-a.b"]`. */
export function pathText(path: JsonPath): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) s += s ? `.${seg}` : seg;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s || '(document)';
}

function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function show(v: unknown): string {
  if (typeof v === 'string') {
    const s = v.length > 60 ? `${v.slice(0, 57)}...` : v;
    return `'${s}'`;
  }
  if (v === null || v === undefined) return 'null (empty)';
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a mapping';
  return String(v);
}

function kindLine(r: Resource): Range {
  const k = safeLocate(r, ['kind'], 'key');
  const v = safeLocate(r, ['kind'], 'value');
  return positionBefore(v.end, k.start) ? k : { start: k.start, end: v.end };
}

function safeLocate(r: Resource, path: JsonPath, part?: 'key' | 'value'): Range {
  try {
    return r.locate(path, part);
  } catch {
    return emptyRange();
  }
}

function finding(r: Resource, code: string, severity: Severity, message: string, range: Range, fix?: QuickFix): Finding {
  const f: Finding = { code, severity, message, uri: r.origin.uri, range };
  if (fix) f.fix = fix;
  return f;
}

function sameRange(a: Range, b: Range): boolean {
  return rangeKey(a) === rangeKey(b);
}

function rangeKey(r: Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
