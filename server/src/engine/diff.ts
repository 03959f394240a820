// Drift between the workspace (desired) and the cluster (live). Pure: no I/O.
//
// Both sides are normalised (server-managed metadata, status and Emissary's v2 conversion helpers dropped),
// then compared as whole objects. The result is one DriftEntry per resource, kept in a keyed index so that a
// single watch event or a single changed workspace resource updates one entry without recomputing the rest.
//
// Resources defined in the getambassador.io/config annotation of a Service or Ingress are a source of their own:
// Emissary reads them from the live Service/Ingress and never creates CRs from them. So they are compared with the
// documents of the live owner's annotation (parsed by the engine exactly like the workspace's), keyed by
// (kind, namespace, name, owner), and never with a CR of the same name.
import * as yaml from 'js-yaml';
import type { DriftEntry, DriftState } from '../lsp/protocol';
import type { Resource } from './model';
import { ANNOTATION_KEY } from './annotations';
import { parseFile } from './parse';
import { escapePointerToken, ignoresFor, pointerTokens, type IgnoreRule } from './ignore';
import { deepEqual, isRecord } from './model';

export type { IgnoreRule } from './ignore';
export type Obj = Record<string, unknown>;

const DROPPED_METADATA = ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Fields Emissary's v2<->v3alpha1 conversion adds to round-trip v2 objects; dropped anywhere under spec. */
const CONVERSION_HELPERS = new Set(['v2ExplicitTLS', 'v2BoolHeaders', 'v2BoolQueryParameters', 'v2Representation', 'v2Shorthand']);

/** The Service or Ingress whose getambassador.io/config annotation defines a resource. */
export interface AnnotationOwnerRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Identity of an object: group/version/kind/namespace/name, and the annotation owner for annotation resources. */
export interface ObjectId {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  owner?: AnnotationOwnerRef;
}

function ownerSuffix(owner: AnnotationOwnerRef | undefined): string {
  return owner ? `@${owner.kind}/${owner.namespace}/${owner.name}` : '';
}

export function ownerKey(owner: AnnotationOwnerRef): string {
  return `${owner.kind}/${owner.namespace}/${owner.name}`;
}

/** `Service catalog/images`. */
export function ownerLabel(owner: AnnotationOwnerRef): string {
  return `${owner.kind} ${owner.namespace}/${owner.name}`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function idOf(obj: Obj, defaultNamespace = 'default'): ObjectId | undefined {
  const apiVersion = obj['apiVersion'];
  const kind = obj['kind'];
  const md = obj['metadata'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !isRecord(md) || typeof md['name'] !== 'string') return undefined;
  const ns = typeof md['namespace'] === 'string' && md['namespace'] !== '' ? md['namespace'] : defaultNamespace;
  return { ...splitApiVersion(apiVersion), kind, namespace: ns, name: md['name'] };
}

/**
 * The DriftEntry key: `${apiGroupVersion}/${kind}/${namespace}/${name}`, followed by `@${ownerKind}/${ownerNamespace}/${ownerName}`
 * for a resource defined in an annotation.
 */
export function keyOf(id: ObjectId): string {
  return `${id.group ? id.group + '/' : ''}${id.version}/${id.kind}/${id.namespace}/${id.name}${ownerSuffix(id.owner)}`;
}

/** Version-independent identity (one cluster object is served at every version of its kind); the owner for annotation resources. */
export function identityOf(id: Pick<ObjectId, 'group' | 'kind' | 'namespace' | 'name' | 'owner'>): string {
  return `${id.group}/${id.kind}/${id.namespace}/${id.name}${ownerSuffix(id.owner)}`;
}

export function kindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

function isSecret(obj: Obj): boolean {
  return obj['kind'] === 'Secret' && (obj['apiVersion'] === 'v1' || obj['apiVersion'] === undefined);
}

/**
 * Normalise an object for comparison. Returns a new object (the input is not changed).
 * `defaultNamespace` fills a missing metadata.namespace, as kubectl does when applying.
 */
export function normalizeObject(obj: Obj, defaultNamespace?: string): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'status' || v === undefined || v === null) continue;
    if (k === 'metadata' && isRecord(v)) out[k] = normalizeMetadata(v, defaultNamespace);
    else if (k === 'spec') out[k] = cleanValue(v, true, false);
    else out[k] = cleanValue(v, false, false);
  }
  if (defaultNamespace !== undefined && !isRecord(out['metadata'])) out['metadata'] = { namespace: defaultNamespace };
  if (isSecret(out)) normalizeSecret(out);
  return out;
}

function normalizeMetadata(md: Obj, defaultNamespace?: string): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(md)) {
    if (DROPPED_METADATA.includes(k) || v === undefined || v === null) continue;
    if (k === 'annotations' && isRecord(v)) {
      const ann: Obj = {};
      for (const [ak, av] of Object.entries(v)) if (ak !== LAST_APPLIED && av !== null && av !== undefined) ann[ak] = av;
      if (Object.keys(ann).length) out[k] = ann;
      continue;
    }
    if (k === 'labels' && isRecord(v)) {
      if (Object.keys(v).length) out[k] = cleanValue(v, false, false);
      continue;
    }
    out[k] = cleanValue(v, false, false);
  }
  if ((out['namespace'] === undefined || out['namespace'] === '') && defaultNamespace !== undefined) out['namespace'] = defaultNamespace;
  return out;
}

/** Deep copy dropping null map values and (under spec) the conversion helper fields. */
function cleanValue(v: unknown, inSpec: boolean, inCors: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => cleanValue(x, inSpec, false));
  if (!isRecord(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined) continue;
    if (inSpec && CONVERSION_HELPERS.has(k)) continue;
    if (inSpec && inCors && k === 'v2CommaSeparatedOrigins') continue;
    out[k] = cleanValue(x, inSpec, inSpec && k === 'cors');
  }
  return out;
}

/** stringData is write-only: the API server merges it into data (base64). Do the same so both sides compare. */
function normalizeSecret(s: Obj): void {
  const sd = s['stringData'];
  if (!isRecord(sd)) return;
  const data: Obj = isRecord(s['data']) ? { ...s['data'] } : {};
  for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  delete s['stringData'];
  s['data'] = data;
}

/** Replace Secret values by `<redacted: N bytes>`. Returns a new object for Secrets, the same object otherwise. */
export function maskSecrets(obj: Obj): Obj {
  if (!isSecret(obj)) return obj;
  const out: Obj = { ...obj };
  if (isRecord(obj['data'])) {
    const d: Obj = {};
    for (const [k, v] of Object.entries(obj['data'])) d[k] = `<redacted: ${typeof v === 'string' ? Buffer.from(v, 'base64').length : 0} bytes>`;
    out['data'] = d;
  }
  if (isRecord(obj['stringData'])) {
    const d: Obj = {};
    for (const [k, v] of Object.entries(obj['stringData'])) d[k] = `<redacted: ${Buffer.byteLength(String(v ?? ''), 'utf8')} bytes>`;
    out['stringData'] = d;
  }
  // The last-applied annotation of a Secret carries its data: never show it (normalisation drops it too).
  const md = obj['metadata'];
  if (isRecord(md) && isRecord(md['annotations']) && LAST_APPLIED in md['annotations']) {
    const ann = { ...md['annotations'] };
    ann[LAST_APPLIED] = '<redacted>';
    out['metadata'] = { ...md, annotations: ann };
  }
  return out;
}

/**
 * Remove the value at a JSON pointer (in place). Missing paths are fine. Maps that only held the removed value
 * (e.g. `labels` after its one ignored label is removed) are removed too, so they do not show up as drift.
 */
export function removePointer(obj: Obj, pointer: string): void {
  const toks = pointerTokens(pointer);
  if (!toks.length) return;
  const chain: unknown[] = [obj];
  let cur: unknown = obj;
  for (let i = 0; i < toks.length - 1; i++) {
    if (Array.isArray(cur)) cur = cur[Number(toks[i])];
    else if (isRecord(cur)) cur = cur[toks[i]];
    else return;
    chain.push(cur);
  }
  const last = toks[toks.length - 1];
  if (Array.isArray(cur)) {
    const i = Number(last);
    if (Number.isInteger(i) && i >= 0 && i < cur.length) cur.splice(i, 1);
    return;
  }
  if (!isRecord(cur) || !(last in cur)) return;
  delete cur[last];
  for (let i = chain.length - 1; i > 0; i--) {
    const node = chain[i];
    const parent = chain[i - 1];
    if (!isRecord(node) || Object.keys(node).length || !isRecord(parent)) break;
    delete parent[toks[i - 1]];
  }
}

function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isRecord(v)) {
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) o[k] = deepCopy(x);
    return o as T;
  }
  return v;
}

/** JSON pointers where `a` and `b` differ (deepest differing node), sorted. Empty when equal. */
export function diffValues(a: unknown, b: unknown, base = '', out: string[] = []): string[] {
  if (deepEqual(a, b)) return out;
  collectDiff(a, b, base, out);
  return out;
}

function collectDiff(a: unknown, b: unknown, base: string, out: string[]): void {
  if (deepEqual(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    for (const k of Object.keys(b)) if (!(k in a)) keys.push(k);
    keys.sort();
    for (const k of keys) {
      const p = `${base}/${escapePointerToken(k)}`;
      if (!(k in a) || !(k in b)) out.push(p);
      else collectDiff(a[k], b[k], p, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (i >= a.length || i >= b.length) out.push(`${base}/${i}`);
      else collectDiff(a[i], b[i], `${base}/${i}`, out);
    }
    return;
  }
  out.push(base === '' ? '/' : base);
}

// ---- rendering

const TOP_ORDER = ['apiVersion', 'kind', 'metadata', 'spec', 'data', 'stringData', 'type'];
const META_ORDER = ['name', 'namespace', 'labels', 'annotations'];

function ordered(v: unknown, order?: string[], childOrders?: Record<string, string[]>): unknown {
  if (Array.isArray(v)) return v.map((x) => ordered(x));
  if (!isRecord(v)) return v;
  const keys = Object.keys(v);
  const first = order ? order.filter((k) => k in v) : [];
  const rest = keys.filter((k) => !first.includes(k)).sort();
  const out: Obj = {};
  for (const k of [...first, ...rest]) out[k] = ordered(v[k], childOrders?.[k]);
  return out;
}

/** YAML text of a (normalised) object with a stable key order; Secret values are masked. */
export function renderYaml(obj: Obj | undefined, header?: string[]): string {
  const lines = (header ?? []).map((h) => `# ${h}\n`).join('');
  if (!obj) return lines;
  const o = ordered(maskSecrets(obj), TOP_ORDER, { metadata: META_ORDER });
  return lines + yaml.dump(o, { lineWidth: -1, noRefs: true, sortKeys: false, quotingType: '"' });
}

// ---- desired side from the engine's resources

export interface DesiredItem {
  object: Obj;
  uri?: string;
  /** 0-based line of the resource in its file (for an annotation resource: of its document inside the annotation). */
  line?: number;
  /** Set for a resource defined in a getambassador.io/config annotation: its Service/Ingress (namespace: as written). */
  owner?: { kind: string; name: string; namespace?: string };
}

export function desiredFromResource(r: Resource): DesiredItem {
  let line: number | undefined;
  try {
    line = r.locate([]).start.line;
  } catch {
    line = undefined;
  }
  const item: DesiredItem = { object: r.object, uri: r.origin.uri, line };
  const a = r.origin.annotation;
  if (a) item.owner = { kind: a.ownerKind, name: a.ownerName, namespace: a.ownerNamespace };
  return item;
}

// ---- live side of annotation resources

/** The kinds whose getambassador.io/config annotation Emissary reads, with the API version the diff lists them at. */
export const ANNOTATION_OWNER_KINDS: readonly { kind: string; group: string; version: string }[] = [
  { kind: 'Service', group: '', version: 'v1' },
  { kind: 'Ingress', group: 'networking.k8s.io', version: 'v1' },
];

export interface LiveAnnotation {
  owner: AnnotationOwnerRef;
  /** The Ambassador objects of the annotation, as the engine reads them (flat layout expanded, owner's namespace/labels). */
  objects: Obj[];
  /** Why (part of) the annotation cannot be read, e.g. a YAML syntax error (Emissary then ignores it too). */
  problems: string[];
}

/** The identity of a live Service/Ingress; undefined for anything else. */
export function ownerRefOf(owner: Obj): AnnotationOwnerRef | undefined {
  const kind = owner['kind'];
  const md = owner['metadata'];
  if ((kind !== 'Service' && kind !== 'Ingress') || typeof owner['apiVersion'] !== 'string' || !isRecord(md) || typeof md['name'] !== 'string') return undefined;
  const namespace = typeof md['namespace'] === 'string' && md['namespace'] !== '' ? md['namespace'] : 'default';
  return { kind, namespace, name: md['name'] };
}

/**
 * The resources a live Service/Ingress defines in its getambassador.io/config annotation, read with the same engine
 * parser as the workspace (so both sides are shaped alike). Only that annotation is looked at: the owner's other
 * annotations, spec and status take no part. Undefined when `owner` is not a named Service/Ingress.
 */
export function liveAnnotationResources(owner: Obj): LiveAnnotation | undefined {
  const ref = ownerRefOf(owner);
  if (!ref) return undefined;
  const { kind, namespace } = ref;
  const apiVersion = owner['apiVersion'];
  const md = owner['metadata'] as Obj;
  const ann = isRecord(md['annotations']) ? md['annotations'][ANNOTATION_KEY] : undefined;
  if (ann === undefined || ann === null) return { owner: ref, objects: [], problems: [] };
  // A minimal manifest of the owner: only what the annotation reader uses (namespace and labels are defaults inside).
  const meta: Obj = { name: ref.name, namespace, annotations: { [ANNOTATION_KEY]: ann } };
  if (isRecord(md['labels'])) meta['labels'] = md['labels'];
  const text = yaml.dump({ apiVersion, kind, metadata: meta }, { lineWidth: -1, noRefs: true });
  const parsed = parseFile(`cluster:///${encodeURIComponent(kind)}/${encodeURIComponent(namespace)}/${encodeURIComponent(ref.name)}`, text);
  const problems = parsed.findings.filter((f) => f.severity === 'error').map((f) => f.message);
  if (parsed.skipped) problems.push(`the annotation was not read: ${parsed.skipped}`);
  return { owner: ref, objects: parsed.resources.map((r) => r.object), problems };
}

// ---- the keyed index

export interface DriftOptions {
  /** Namespace for desired objects that do not name one (the context's namespace, else `default`). */
  defaultNamespace?: string;
  ignore?: IgnoreRule[];
  /** Only these namespaces are compared (empty/undefined = all). */
  namespaces?: string[];
}

interface Slot {
  identity: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** Set for a resource defined in an annotation: compared only with the live annotation of this owner. */
  owner?: AnnotationOwnerRef;
  desired?: { version: string; norm: Obj; uri?: string; line?: number; source: unknown };
  /** Live object per served version it was listed at; for an annotation slot, one object under ANNOTATION_LIVE. */
  live: Map<string, Obj>;
  entry?: DriftEntry;
  /** Pointers left out by ignore rules (for document headers). */
  ignoredPointers: string[];
}

/** The `live` map key of an annotation slot: the live annotation has one object, at the apiVersion it names. */
const ANNOTATION_LIVE = '@annotation';

/**
 * The drift index. Desired and live objects are keyed by identity; each change re-evaluates only its slot.
 * Live objects are added per (kind, version) they were listed at; `setPrimaryVersion` tells which listing of a
 * kind counts for cluster-only detection (the others only serve desired objects written at that version).
 */
export class DriftIndex {
  private readonly slots = new Map<string, Slot>();
  private readonly entries = new Map<string, DriftEntry>();
  private readonly entrySlots = new Map<string, Slot>();
  private sorted: DriftEntry[] | undefined;
  private readonly primary = new Map<string, string>();
  private readonly defaultNamespace: string;
  private ignore: IgnoreRule[];
  private nsFilter: Set<string> | undefined;
  /** Desired source object -> identity, to update the workspace side by difference. */
  private desiredBySource = new Map<unknown, string>();
  /** Identities the workspace defines more than once (the first definition is compared; see updateDesired). */
  private readonly duplicated = new Set<string>();
  /** `group/kind` -> version -> how many CR slots have a desired object at it (annotation slots excluded). */
  private readonly versionUse = new Map<string, Map<string, number>>();
  /** Live annotation owner (ownerKey) -> identities of the slots its annotation fills. */
  private readonly ownerSlots = new Map<string, Set<string>>();
  /** Live annotation owner (ownerKey) -> why its annotation could not be read. */
  private readonly ownerProblems = new Map<string, string[]>();
  /** Live annotation owner (ownerKey) -> what its annotation resources were read from (annotation, labels, apiVersion). */
  private readonly ownerInputs = new Map<string, string>();
  /** `${ownerKind}/${namespace}` (or `/*` for all) whose owners cannot be read: their annotation resources are not compared. */
  private readonly unreadable = new Set<string>();

  constructor(opts: DriftOptions = {}) {
    this.defaultNamespace = opts.defaultNamespace || 'default';
    this.ignore = opts.ignore ?? [];
    this.nsFilter = opts.namespaces && opts.namespaces.length ? new Set(opts.namespaces) : undefined;
  }

  get namespaceDefault(): string {
    return this.defaultNamespace;
  }

  setIgnoreRules(rules: IgnoreRule[]): void {
    this.ignore = rules;
    for (const s of this.slots.values()) this.evaluate(s);
  }

  /** The primary listing version of a kind: live objects at this version with no desired counterpart are cluster-only. */
  setPrimaryVersion(group: string, kind: string, version: string): void {
    const k = kindKey(group, kind);
    if (this.primary.get(k) === version) return;
    this.primary.set(k, version);
    for (const s of this.slots.values()) if (!s.owner && s.group === group && s.kind === kind) this.evaluate(s);
  }

  /** Versions the desired side's CRs use per kind (`group/kind` -> versions), for deciding what to list. Annotation resources need no CR listing. */
  desiredVersions(): Map<string, Set<string>> {
    const m = new Map<string, Set<string>>();
    for (const [k, counts] of this.versionUse) m.set(k, new Set(counts.keys()));
    return m;
  }

  /** Sets or clears a slot's desired object, keeping `versionUse` (desiredVersions without a scan per edit). */
  private setSlotDesired(s: Slot, desired: Slot['desired']): void {
    if (!s.owner) {
      const k = kindKey(s.group, s.kind);
      if (s.desired) {
        const counts = this.versionUse.get(k)!;
        const n = counts.get(s.desired.version)! - 1;
        if (n > 0) counts.set(s.desired.version, n);
        else counts.delete(s.desired.version);
        if (counts.size === 0) this.versionUse.delete(k);
      }
      if (desired) {
        let counts = this.versionUse.get(k);
        if (!counts) this.versionUse.set(k, (counts = new Map()));
        counts.set(desired.version, (counts.get(desired.version) ?? 0) + 1);
      }
    }
    s.desired = desired;
  }

  /** Namespaces named by desired objects (after defaulting); for annotation resources, their owner's namespace. */
  desiredNamespaces(): Set<string> {
    const set = new Set<string>();
    for (const s of this.slots.values()) if (s.desired) set.add(s.owner ? s.owner.namespace : s.namespace);
    return set;
  }

  /** Annotation resources are in scope by their owner's namespace (that is where the owner is listed). */
  private inScope(s: Slot): boolean {
    return !this.nsFilter || this.nsFilter.has(s.owner ? s.owner.namespace : s.namespace);
  }

  private slot(id: ObjectId, create: boolean): Slot | undefined {
    const identity = identityOf(id);
    let s = this.slots.get(identity);
    if (!s && create) {
      s = { identity, group: id.group, kind: id.kind, namespace: id.namespace, name: id.name, live: new Map(), ignoredPointers: [] };
      if (id.owner) s.owner = id.owner;
      this.slots.set(identity, s);
    }
    return s;
  }

  private gc(s: Slot): void {
    if (!s.desired && s.live.size === 0) this.slots.delete(s.identity);
  }

  /**
   * Replace the whole desired side. Items whose `source` (e.g. the engine's Resource object) is unchanged since the
   * last call are not normalised again, so an incremental workspace only costs the changed files.
   * Returns the keys whose entry changed.
   */
  setDesired(items: (DesiredItem & { source?: unknown })[]): Set<string> {
    const changed = new Set<string>();
    const next = new Map<unknown, string>();
    const seen = new Set<string>();
    this.duplicated.clear();
    for (const it of items) {
      const source = it.source ?? it.object;
      const known = this.desiredBySource.get(source);
      if (known !== undefined) {
        const s = this.slots.get(known);
        if (s && s.desired && s.desired.source === source && !seen.has(known)) {
          // Same object as before: keep its normalised form; position may have moved.
          if (s.desired.uri !== it.uri || s.desired.line !== it.line) {
            s.desired.uri = it.uri;
            s.desired.line = it.line;
            this.evaluate(s, changed);
          }
          seen.add(known);
          next.set(source, known);
          continue;
        }
      }
      const identity = this.putDesired(it, source, seen, changed);
      if (identity) next.set(source, identity);
    }
    for (const s of [...this.slots.values()]) {
      if (s.desired && !seen.has(s.identity)) {
        this.setSlotDesired(s, undefined);
        this.evaluate(s, changed);
        this.gc(s);
      }
    }
    this.desiredBySource = next;
    return changed;
  }

  private putDesired(it: DesiredItem, source: unknown, seen: Set<string>, changed: Set<string>, k = this.keyed(it)): string | undefined {
    if (!k) return undefined;
    // A second definition of the same resource: the first one (workspace order) is compared.
    if (seen.has(k.identity)) {
      this.duplicated.add(k.identity);
      return undefined;
    }
    seen.add(k.identity);
    const s = this.slot(k.id, true)!;
    this.setSlotDesired(s, { version: k.id.version, norm: k.norm, uri: it.uri, line: it.line, source });
    this.evaluate(s, changed);
    return k.identity;
  }

  /** A desired item normalised and identified (undefined: not an object the index can key). */
  private keyed(it: DesiredItem): { norm: Obj; id: ObjectId; identity: string } | undefined {
    // An annotation resource without a namespace of its own takes its owner's (the parser already did that), and
    // an owner without a namespace is applied to the default namespace.
    const ownerNs = it.owner ? it.owner.namespace || this.defaultNamespace : undefined;
    const norm = normalizeObject(it.object, ownerNs ?? this.defaultNamespace);
    const id = idOf(norm, ownerNs ?? this.defaultNamespace);
    if (!id) return undefined;
    if (it.owner) id.owner = { kind: it.owner.kind, namespace: ownerNs!, name: it.owner.name };
    return { norm, id, identity: identityOf(id) };
  }

  /**
   * Apply a change of the desired side by difference: `removed` items are gone, `added` ones are new (a changed
   * file's items: the same `source` in both means the resource only moved). Costs the changed items, not the whole
   * workspace. Returns undefined, changing nothing, when the change involves a resource the workspace defines more
   * than once (which definition is compared depends on workspace order): then call setDesired with every item.
   */
  updateDesired(
    removed: readonly (DesiredItem & { source?: unknown })[],
    added: readonly (DesiredItem & { source?: unknown })[],
  ): Set<string> | undefined {
    const sourceOf = (it: DesiredItem & { source?: unknown }) => it.source ?? it.object;
    const kept = new Set<unknown>();
    const removedSources = new Set<unknown>(removed.map(sourceOf));
    const addedSources = new Set<unknown>(added.map(sourceOf));
    // Plan first, so that a refusal leaves everything as it was.
    const takeAway: Slot[] = [];
    for (const it of removed) {
      const source = sourceOf(it);
      const known = this.desiredBySource.get(source);
      const identity = known ?? this.keyed(it)?.identity;
      if (identity === undefined) continue; // had no identity: never in the index
      if (this.duplicated.has(identity)) return undefined;
      if (known === undefined) return undefined; // defined, yet not the compared definition: order matters
      const s = this.slots.get(known);
      if (!s || !s.desired || s.desired.source !== source) return undefined;
      if (addedSources.has(source)) kept.add(source);
      else takeAway.push(s);
    }
    const fresh = new Set<string>();
    const putting: { it: DesiredItem & { source?: unknown }; k: NonNullable<ReturnType<DriftIndex['keyed']>> }[] = [];
    for (const it of added) {
      if (kept.has(sourceOf(it))) continue;
      const k = this.keyed(it);
      if (!k) continue;
      if (this.duplicated.has(k.identity) || fresh.has(k.identity)) return undefined;
      const s = this.slots.get(k.identity);
      // A second definition (another file's, or a moved one that stays):
      if (s?.desired && (!removedSources.has(s.desired.source) || kept.has(s.desired.source))) return undefined;
      fresh.add(k.identity);
      putting.push({ it, k });
    }
    const changed = new Set<string>();
    for (const s of takeAway) {
      this.desiredBySource.delete(s.desired!.source);
      this.setSlotDesired(s, undefined);
      this.evaluate(s, changed);
      this.gc(s);
    }
    for (const it of added) {
      const source = sourceOf(it);
      if (!kept.has(source)) continue;
      const s = this.slots.get(this.desiredBySource.get(source)!)!;
      if (s.desired!.uri !== it.uri || s.desired!.line !== it.line) {
        s.desired!.uri = it.uri;
        s.desired!.line = it.line;
        this.evaluate(s, changed);
      }
    }
    const seen = new Set<string>();
    for (const { it, k } of putting) {
      const source = sourceOf(it);
      const identity = this.putDesired(it, source, seen, changed, k);
      if (identity) this.desiredBySource.set(source, identity);
    }
    return changed;
  }

  /** Add or replace one live object, as listed/watched at `version` (its apiVersion). */
  upsertLive(obj: Obj): string | undefined {
    const norm = normalizeObject(obj);
    const id = idOf(norm);
    if (!id) return undefined;
    const s = this.slot(id, true)!;
    s.live.set(id.version, norm);
    return this.evaluate(s);
  }

  /** Remove one live object (watch DELETED). */
  removeLive(obj: Obj): string | undefined {
    const id = idOf(obj);
    if (!id) return undefined;
    const s = this.slot(id, false);
    if (!s) return undefined;
    s.live.delete(id.version);
    const k = this.evaluate(s);
    this.gc(s);
    return k;
  }

  /** Replace every live object of one (group, kind, version) listing, e.g. after a (re)list. */
  replaceLive(group: string, kind: string, version: string, objs: Obj[], namespaces?: string[]): Set<string> {
    const changed = new Set<string>();
    const nsSet = namespaces && namespaces.length ? new Set(namespaces) : undefined;
    const present = new Set<string>();
    for (const o of objs) {
      const norm = normalizeObject(o);
      const id = idOf(norm);
      if (!id) continue;
      const s = this.slot(id, true)!;
      present.add(s.identity);
      const before = s.live.get(version);
      s.live.set(version, norm);
      if (before === undefined || !deepEqual(before, norm)) this.evaluate(s, changed);
    }
    for (const s of [...this.slots.values()]) {
      if (s.group !== group || s.kind !== kind || present.has(s.identity) || !s.live.has(version)) continue;
      if (nsSet && !nsSet.has(s.namespace)) continue;
      s.live.delete(version);
      this.evaluate(s, changed);
      this.gc(s);
    }
    return changed;
  }

  /** Drop every live object of one listing (the listing is no longer wanted). */
  dropLive(group: string, kind: string, version: string): Set<string> {
    return this.replaceLive(group, kind, version, []);
  }

  /**
   * Add or replace one live Service/Ingress (listed or watched): the resources of its getambassador.io/config
   * annotation replace what it defined before. Owners without the annotation cost nothing. Returns the changed keys.
   */
  upsertOwner(owner: Obj, changed = new Set<string>()): Set<string> {
    const ref = ownerRefOf(owner);
    if (!ref) return changed;
    const oid = ownerKey(ref);
    // Most events of a Service change its status or spec: nothing to do when the inputs of the annotation did not change.
    const md = owner['metadata'] as Obj;
    const ann = isRecord(md['annotations']) ? md['annotations'][ANNOTATION_KEY] : undefined;
    const input = ann === undefined || ann === null ? '' : JSON.stringify([ann, md['labels'] ?? null, owner['apiVersion']]);
    if ((this.ownerInputs.get(oid) ?? '') === input) return changed;
    if (input) this.ownerInputs.set(oid, input);
    else this.ownerInputs.delete(oid);
    const la = liveAnnotationResources(owner)!;
    const before = this.ownerSlots.get(oid);
    if (!la.objects.length && !before && !la.problems.length && !this.ownerProblems.has(oid)) return changed;
    const now = new Set<string>();
    for (const o of la.objects) {
      const norm = normalizeObject(o, la.owner.namespace);
      const id = idOf(norm, la.owner.namespace);
      if (!id) continue;
      id.owner = la.owner;
      const identity = identityOf(id);
      // Two documents with one identity: the first is compared (as on the workspace side).
      if (now.has(identity)) continue;
      now.add(identity);
      const s = this.slot(id, true)!;
      const prev = s.live.get(ANNOTATION_LIVE);
      s.live.set(ANNOTATION_LIVE, norm);
      if (prev === undefined || !deepEqual(prev, norm)) this.evaluate(s, changed);
    }
    if (before) for (const identity of before) if (!now.has(identity)) this.dropOwnerSlot(identity, changed);
    if (now.size) this.ownerSlots.set(oid, now);
    else this.ownerSlots.delete(oid);
    if (la.problems.length) this.ownerProblems.set(oid, la.problems);
    else this.ownerProblems.delete(oid);
    return changed;
  }

  /** Remove one live Service/Ingress (watch DELETED): its annotation resources are gone from the cluster. */
  removeOwner(owner: Obj, changed = new Set<string>()): Set<string> {
    const ref = ownerRefOf(owner);
    if (!ref) return changed;
    const oid = ownerKey(ref);
    for (const identity of this.ownerSlots.get(oid) ?? []) this.dropOwnerSlot(identity, changed);
    this.ownerSlots.delete(oid);
    this.ownerProblems.delete(oid);
    this.ownerInputs.delete(oid);
    return changed;
  }

  /** Replace every live owner of one kind (a (re)list), in `namespaces` only when given. Returns the changed keys. */
  replaceOwners(ownerKind: string, owners: Obj[], namespaces?: string[]): Set<string> {
    const changed = new Set<string>();
    const present = new Set<string>();
    for (const o of owners) {
      this.upsertOwner(o, changed);
      const ref = ownerRefOf(o);
      if (ref) present.add(ownerKey(ref));
    }
    const nsSet = namespaces && namespaces.length ? new Set(namespaces) : undefined;
    for (const oid of [...this.ownerInputs.keys()]) {
      const [kind, ns] = oid.split('/');
      if (kind !== ownerKind || present.has(oid) || (nsSet && !nsSet.has(ns!))) continue;
      for (const identity of this.ownerSlots.get(oid) ?? []) this.dropOwnerSlot(identity, changed);
      this.ownerSlots.delete(oid);
      this.ownerProblems.delete(oid);
      this.ownerInputs.delete(oid);
    }
    return changed;
  }

  private dropOwnerSlot(identity: string, changed: Set<string>): void {
    const s = this.slots.get(identity);
    if (!s) return;
    s.live.delete(ANNOTATION_LIVE);
    this.evaluate(s, changed);
    this.gc(s);
  }

  /**
   * Whether owners of a kind can be read in a namespace (undefined = at the cluster scope). Annotation resources of
   * owners that cannot be read are left out of the comparison (they would all look workspace-only otherwise).
   */
  setOwnersReadable(ownerKind: string, namespace: string | undefined, readable: boolean): Set<string> {
    const changed = new Set<string>();
    const k = `${ownerKind}/${namespace ?? '*'}`;
    if (readable === !this.unreadable.has(k)) return changed;
    if (readable) this.unreadable.delete(k);
    else this.unreadable.add(k);
    for (const s of this.slots.values()) if (s.owner && s.owner.kind === ownerKind) this.evaluate(s, changed);
    return changed;
  }

  private readable(owner: AnnotationOwnerRef): boolean {
    return !this.unreadable.size || (!this.unreadable.has(`${owner.kind}/*`) && !this.unreadable.has(`${owner.kind}/${owner.namespace}`));
  }

  private primaryOf(s: Slot): string {
    return this.primary.get(kindKey(s.group, s.kind)) ?? 'v3alpha1';
  }

  /** Recompute one slot's entry. Returns the entry key when something changed. */
  private evaluate(s: Slot, changed?: Set<string>): string | undefined {
    const before = s.entry;
    const next = this.compute(s);
    if (before && (!next || before.key !== next.key)) {
      this.entries.delete(before.key);
      this.entrySlots.delete(before.key);
      this.sorted = undefined;
      changed?.add(before.key);
    }
    if (!next) {
      s.entry = undefined;
      return before?.key;
    }
    if (before && before.key === next.key) {
      if (sameEntry(before, next)) return undefined;
      // Update in place so the sorted list stays valid.
      Object.assign(before, next);
      if (next.uri === undefined) delete before.uri;
      if (next.line === undefined) delete before.line;
      if (next.annotationOf === undefined) delete before.annotationOf;
      changed?.add(before.key);
      return before.key;
    }
    s.entry = next;
    this.entries.set(next.key, next);
    this.entrySlots.set(next.key, s);
    this.sorted = undefined;
    changed?.add(next.key);
    return next.key;
  }

  /** The version an entry is shown at, and the live object it is compared with. */
  private sides(s: Slot): { version: string; live: Obj | undefined } {
    if (s.owner) {
      const live = s.live.get(ANNOTATION_LIVE);
      const liveVersion = live && typeof live['apiVersion'] === 'string' ? splitApiVersion(live['apiVersion']).version : '';
      return { version: s.desired ? s.desired.version : liveVersion, live };
    }
    const version = s.desired ? s.desired.version : this.primaryOf(s);
    return { version, live: s.live.get(version) };
  }

  private compute(s: Slot): DriftEntry | undefined {
    if (!this.inScope(s)) return undefined;
    if (s.owner && !this.readable(s.owner)) return undefined;
    const ign = ignoresFor(this.ignore, s.kind, s.namespace, s.name);
    if (ign.whole) return undefined;
    s.ignoredPointers = ign.pointers;
    const d = s.desired;
    const { version, live } = this.sides(s);
    if (!d && !live) return undefined;
    const key = keyOf({ group: s.group, version, kind: s.kind, namespace: s.namespace, name: s.name, owner: s.owner });
    let state: DriftState;
    let changes: string[] = [];
    if (d && live) {
      const [a, b] = ign.pointers.length ? [this.stripped(d.norm, ign.pointers), this.stripped(live, ign.pointers)] : [d.norm, live];
      changes = diffValues(a, b);
      state = changes.length ? 'changed' : 'in-sync';
    } else state = d ? 'workspace-only' : 'cluster-only';
    const e: DriftEntry = { key, kind: s.kind, namespace: s.namespace, name: s.name, state, changes };
    if (d?.uri !== undefined) e.uri = d.uri;
    if (d?.line !== undefined) e.line = d.line;
    if (s.owner) e.annotationOf = { ...s.owner };
    return e;
  }

  private stripped(o: Obj, pointers: string[]): Obj {
    const c = deepCopy(o);
    for (const p of pointers) removePointer(c, p);
    return c;
  }

  entry(key: string): DriftEntry | undefined {
    return this.entries.get(key);
  }

  /** All entries sorted by kind, namespace, name (the array is cached until an entry is added or removed). */
  list(): DriftEntry[] {
    if (!this.sorted) {
      this.sorted = [...this.entries.values()].sort(
        (a, b) => cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name) || cmp(a.key, b.key),
      );
    }
    return this.sorted;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The normalised YAML of one side of an entry (Secret values masked, ignored pointers left out). */
  document(key: string, side: 'workspace' | 'cluster'): string | undefined {
    const s = this.entrySlots.get(key);
    if (!s) return undefined;
    const obj = side === 'workspace' ? s.desired?.norm : this.sides(s).live;
    const header: string[] = [];
    if (s.owner) {
      const where = side === 'workspace' ? 'in the workspace' : 'in the cluster';
      header.push(`from the ${ANNOTATION_KEY} annotation of ${ownerLabel(s.owner)} ${where} (not a ${s.kind} custom resource)`);
      if (side === 'cluster') for (const p of this.ownerProblems.get(ownerKey(s.owner)) ?? []) header.push(`the live annotation has a problem: ${p}`);
    }
    if (!obj) header.push(side === 'workspace' ? 'not defined in the workspace' : s.owner ? 'not present in the live annotation' : 'not present in the cluster');
    if (s.ignoredPointers.length) header.push(`ignored by .edgepolicy.yaml: ${s.ignoredPointers.join(', ')}`);
    return renderYaml(obj ? (s.ignoredPointers.length ? this.stripped(obj, s.ignoredPointers) : obj) : undefined, header);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameEntry(a: DriftEntry, b: DriftEntry): boolean {
  return (
    a.state === b.state &&
    a.uri === b.uri &&
    a.line === b.line &&
    a.changes.length === b.changes.length &&
    a.changes.every((c, i) => c === b.changes[i])
  );
}

/** One-shot diff: desired items vs live objects (each listed at its own apiVersion; Services/Ingresses by their annotation). */
export function computeDrift(desired: DesiredItem[], live: Obj[], opts: DriftOptions = {}): DriftEntry[] {
  const idx = new DriftIndex(opts);
  idx.setDesired(desired);
  // Services and Ingresses count only by their getambassador.io/config annotation.
  for (const o of live) if (ownerRefOf(o)) idx.upsertOwner(o);
  else idx.upsertLive(o);
  return idx.list().slice();
}
