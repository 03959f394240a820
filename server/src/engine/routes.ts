// The route table Emissary builds from Mappings, Hosts and TCPMappings (the shared semantics notes, ../shared/docs/emissary-semantics.md):
// route groups keyed by the SHA-1 of Emissary's group key string, members in `name.namespace` order,
// core-key agreement, one shadow, name-prefix shadowing, weight normalisation, Host association and
// Emissary's route order. Pure: no I/O (node:crypto's SHA-1 is a computation, not I/O).
import * as crypto from 'node:crypto';
import type {
  JsonPath,
  Location,
  Range,
  Resource,
  RouteGroup,
  RouteHeader,
  RouteHost,
  RouteMember,
  RouteTable,
  TcpRoute,
} from './model';
import { NONE, deepEqual, isRecord, isServed } from './model';
import { hostGlobsIntersect, matchLabelsOf, selectorMatches } from './hostglob';

export interface RouteOptions {
  /** Namespace for resources that do not name one (default `default`). */
  defaultNamespace?: string;
  /**
   * The AMBASSADOR_ID of the Emissary installation to model (default `default`). Resources whose
   * `spec.ambassador_id` does not include it are ignored, as that installation would ignore them.
   * `*` keeps every resource.
   */
  ambassadorId?: string;
}

// ---------------------------------------------------------------------------------------------
// Internal model (exported for checks.ts; not a shared contract)

export interface MatchEntry {
  name: string;
  /** undefined = presence match (`true` in the YAML). */
  value?: string;
  regex: boolean;
  /** Where the value is written, for diagnostics. */
  path: JsonPath;
}

/** A Mapping's host; it is also the `:authority` entry of the Mapping's headers (one object for both). */
export interface EffectiveHost extends MatchEntry {
  name: ':authority';
  value: string;
  regex: boolean;
  /** Which field the host came from; `default` = a v1/v2 Mapping without host (behaves as `*`). */
  source: 'hostname' | 'host' | 'authority' | 'default';
  path: JsonPath;
}

export interface MappingEntry {
  resource: Resource;
  name: string;
  namespace: string;
  prefix: string;
  prefixRegex: boolean;
  prefixExact: boolean;
  /** Header matchers in Emissary's key order (headers w/o exact :authority, regex_headers, :authority, :method). */
  headers: MatchEntry[];
  queryParameters: MatchEntry[];
  host?: EffectiveHost;
  method?: string;
  methodRegex: boolean;
  precedence: number;
  rawWeight?: number;
  shadow: boolean;
  hostRedirect: boolean;
  service: string;
  labels: Record<string, string>;
  /** Host `matchLabels` that went into the key (only for Mappings without a non-regex host). */
  selectorLabels: [string, string][];
  key: string;
  groupId: string;
}

export type DropKind = 'core-key' | 'name-prefix' | 'shadow' | 'redirect';

export interface MemberDetail {
  mapping: MappingEntry;
  member: RouteMember;
  drop?: {
    kind: DropKind;
    /** The core key that disagrees (for core-key / redirect drops). */
    key?: string;
    /** The member it conflicts with (first member, earlier same-prefix member, earlier shadow). */
    other: MappingEntry;
    /** Human-readable values, mine vs. theirs, for core-key drops. */
    mine?: string;
    theirs?: string;
    /** Path of the field in the dropped Mapping that causes the drop. */
    path: JsonPath;
    /** Path of the corresponding field in the other Mapping. */
    otherPath: JsonPath;
  };
  /** Normalised share (percent) when accepted and not a shadow. */
  share?: number;
}

export interface GroupDetail {
  group: RouteGroup;
  /** Members in Emissary's processing order (`name.namespace`). */
  members: MemberDetail[];
  /** Accepted, non-shadow members in Emissary's normalised order (weighted first). */
  routing: MemberDetail[];
  /** Why the group is rejected (weights), with the members involved. */
  rejection?: { kind: 'weight-over-100'; member: MemberDetail } | { kind: 'total-over-100'; total: number };
  /** Labels of the accepted members merged (used for Host selection). */
  labels: Record<string, string>;
  hostEntries: HostEntry[];
}

export interface HostEntry {
  resource: Resource;
  name: string;
  namespace: string;
  hostname: string;
  /** `mappingSelector` (or its older alias `selector`) matchLabels; undefined when there is no selector. */
  matchLabels?: Record<string, string>;
  route: RouteHost;
}

export interface TcpMappingEntry {
  resource: Resource;
  name: string;
  namespace: string;
  port: number;
  address?: string;
  host?: string;
  rawWeight?: number;
  service: string;
  groupId: string;
}

export interface TcpGroupDetail {
  route: TcpRoute;
  members: { mapping: TcpMappingEntry; member: RouteMember }[];
  rejection?: { kind: 'weight-over-100'; mapping: TcpMappingEntry } | { kind: 'total-over-100'; total: number };
}

export interface RouteModel {
  table: RouteTable;
  groups: GroupDetail[];
  tcpGroups: TcpGroupDetail[];
  hosts: HostEntry[];
  /** Resources that the modelled Emissary sees (ambassador_id filter applied, later duplicates win). */
  active: Resource[];
  /** Every resource passing the ambassador_id filter (duplicates included), in file order. */
  inScope: Resource[];
  /** Definitions of `inScope` that share a duplicate key, two or more per list (file order); absent: not computed. */
  duplicates?: Resource[][];
  defaultNamespace: string;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export const RESOLVER_KINDS = ['ConsulResolver', 'KubernetesEndpointResolver', 'KubernetesServiceResolver'];

/** The name space a kind's names live in: the three resolver kinds share one. */
export function nameSpaceKind(kind: string): string {
  return RESOLVER_KINDS.includes(kind) ? 'Resolver' : kind;
}

/** The key under which definitions of the same resource are duplicates: name space of the kind, namespace, name. */
export function duplicateKey(r: Resource, defaultNamespace: string): string {
  return nameSpaceKind(r.kind) + '\u0000' + (r.namespace ?? defaultNamespace) + '\u0000' + r.name;
}

export function specOf(r: Resource): Record<string, unknown> {
  return isRecord(r.spec) ? r.spec : {};
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Code-point order, like Python's string comparison. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sort key Emissary uses when it processes resources: `name.namespace`. */
export function sortKey(name: string, namespace: string): string {
  return `${name}.${namespace}`;
}

/** Items in Emissary's processing order (`name.namespace`, code-point order); stable, each key computed once. */
export function inProcessingOrder<T extends { name: string; namespace: string }>(items: T[]): T[] {
  const n = items.length;
  const keys = new Array<string>(n);
  const index = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    keys[i] = sortKey(items[i].name, items[i].namespace);
    index[i] = i;
  }
  index.sort((a, b) => compareStrings(keys[a], keys[b]) || a - b);
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = items[index[i]];
  return out;
}

/** Python's round(): halves go to the even neighbour. */
export function pyRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Python's len(): code points, not UTF-16 units. */
function pyLen(s: string): number {
  // Each surrogate pair is one code point.
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** File order: uri, document index, annotation document index. */
export function compareOrigin(a: Resource, b: Resource): number {
  return (
    (a.origin.uri === b.origin.uri ? 0 : compareStrings(a.origin.uri, b.origin.uri)) ||
    a.origin.docIndex - b.origin.docIndex ||
    (a.origin.annotation?.innerIndex ?? -1) - (b.origin.annotation?.innerIndex ?? -1)
  );
}

/** The AMBASSADOR_IDs a resource claims (`default` when it names none). */
export function ambassadorIdsOf(r: Resource): string[] {
  const raw = specOf(r).ambassador_id;
  if (raw === undefined || raw === null) return ['default'];
  const ids = (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw])
    .map((v) => str(v))
    .filter((v): v is string => v !== undefined)
    // v3alpha1 objects stored through the v2 storage version carry this marker; Emissary strips it.
    .map((v) => v.replace(/^--apiVersion-v3alpha1-only--/, ''));
  return ids.length === 0 ? ['default'] : ids;
}

/**
 * Whether the modelled Emissary reads the resource: its kind is served at its version (isServed) and its
 * ambassador_id names this installation. The one gate for the route table and every EP2xx check.
 */
export function inAmbassadorScope(r: Resource, ambassadorId: string): boolean {
  if (!isServed(r)) return false;
  if (ambassadorId === '*') return true;
  const raw = specOf(r).ambassador_id;
  // Most resources name no installation: they belong to `default`.
  if (raw === undefined || raw === null) return ambassadorId === 'default';
  return ambassadorIdsOf(r).includes(ambassadorId);
}


/**
 * A route member's location, located lazily: locating means scanning the document's text, and the location is
 * read only when the route table is shown (the tree view, `edgepolicy routes`), not for the checks. A class
 * (rather than an object literal with an accessor, which costs its own hidden class and two closures per
 * member); JSON sees `{ uri, range }` as for a plain Location.
 */
export class SourceLocation implements Location {
  readonly uri: string;
  readonly #resource: Resource;

  constructor(r: Resource) {
    this.uri = r.origin.uri;
    this.#resource = r;
  }

  /** The resource's name (Resource.locate memoises it). */
  get range(): Range {
    return this.#resource.locate(['metadata', 'name'], 'value');
  }

  toJSON(): Location {
    return { uri: this.uri, range: this.range };
  }
}

export function memberLocation(r: Resource): Location {
  return new SourceLocation(r);
}

/** Groups items by key, keeping first-seen key order and item order. */
export function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}

// One-shot hashing (Node 20.12+) saves a Hash object per Mapping; older runtimes use createHash.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;

function sha1(text: string): string {
  if (oneShotHash) return oneShotHash('sha1', text);
  return crypto.createHash('sha1').update(text, 'utf8').digest('hex');
}

/** Entries of a string map, alphabetical when the object comes from a CRD (the API server sorts map keys). */
function mapEntries(r: Resource, v: unknown): [string, unknown][] {
  if (!isRecord(v)) return [];
  const entries = Object.entries(v);
  if (!r.origin.annotation) entries.sort((a, b) => compareStrings(a[0], b[0]));
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Mapping analysis

function effectiveHost(r: Resource, spec: Record<string, unknown>): EffectiveHost | undefined {
  const hostname = str(spec.hostname);
  if (hostname !== undefined && hostname !== '') {
    return { name: ':authority', value: hostname, regex: false, source: 'hostname', path: HOSTNAME_PATH };
  }
  const host = str(spec.host);
  if (host !== undefined && host !== '') {
    return { name: ':authority', value: host, regex: spec.host_regex === true, source: 'host', path: HOST_PATH };
  }
  if (isRecord(spec.headers)) {
    for (const [name, value] of Object.entries(spec.headers)) {
      if (name.toLowerCase() === ':authority' && typeof value === 'string') {
        return { name: ':authority', value, regex: false, source: 'authority', path: ['spec', 'headers', name] };
      }
    }
  }
  if (r.version === 'v1' || r.version === 'v2') {
    return { name: ':authority', value: '*', regex: false, source: 'default', path: SPEC_PATH };
  }
  return undefined;
}

function matchEntries(r: Resource, spec: Record<string, unknown>, field: string, regex: boolean, skipExactAuthority: boolean, out: MatchEntry[]): void {
  const raw = spec[field];
  if (raw === undefined || raw === null) return;
  for (const [name, value] of mapEntries(r, raw)) {
    if (skipExactAuthority && value !== true && name.toLowerCase() === ':authority') continue;
    const text = value === true ? undefined : str(value) ?? (value === null ? undefined : JSON.stringify(value));
    out.push({ name, value: text, regex, path: ['spec', field, name] });
  }
}

function headerLength(h: MatchEntry): number {
  return pyLen(h.name) + pyLen(h.value || '*') + (h.regex ? 1 : 0);
}

function headerKey(h: MatchEntry): string {
  return `${h.name}-${h.value || '*'}`;
}

/** Shared empty labels for the common Mapping without any (never mutated); empty lists are model.ts NONE. */
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
function orNone<T>(list: T[]): T[] {
  return list.length === 0 ? NONE : list;
}
/** `list` with `item` added: a new one-item list for the shared empty one. */
function appended<T>(list: T[], item: T): T[] {
  if (list === NONE) return [item];
  list.push(item);
  return list;
}
const HOSTNAME_PATH: JsonPath = ['spec', 'hostname'];
const HOST_PATH: JsonPath = ['spec', 'host'];
const METHOD_PATH: JsonPath = ['spec', 'method'];
const SPEC_PATH: JsonPath = ['spec'];

/**
 * One EffectiveHost per distinct host in a build, as the only element of a shared `[host]` header list: most
 * Mappings match on their host alone, and many share it. Neither is modified after the build.
 */
type SharedHosts = Map<string, EffectiveHost[]>;

function sharedHost(shared: SharedHosts, host: EffectiveHost): EffectiveHost[] {
  // The `:authority` header's own name is part of its path: such hosts are not shared.
  if (host.source === 'authority') return [host];
  const key = host.source + (host.regex ? '~' : '=') + host.value;
  const list = shared.get(key);
  if (list) return list;
  const own = [host];
  shared.set(key, own);
  return own;
}

function analyzeMapping(r: Resource, hosts: HostEntry[], defaultNamespace: string, shared: SharedHosts): MappingEntry | undefined {
  const spec = specOf(r);
  const prefix = str(spec.prefix);
  if (prefix === undefined) return undefined; // schema validation reports the missing prefix
  const namespace = r.namespace ?? defaultNamespace;
  const found = effectiveHost(r, spec);
  const hostList = found && sharedHost(shared, found);
  const host = hostList?.[0];
  const method = str(spec.method);
  // Most Mappings match on a host and nothing else: no list is built for what they do not set.
  let headers: MatchEntry[] = NONE;
  if (spec.headers != null || spec.regex_headers != null) {
    headers = [];
    matchEntries(r, spec, 'headers', false, true, headers);
    matchEntries(r, spec, 'regex_headers', true, false, headers);
  }
  if (hostList && headers === NONE && method === undefined) headers = hostList;
  else if (host) headers = appended<MatchEntry>(headers, host);
  if (method !== undefined) {
    headers = appended(headers, { name: ':method', value: method, regex: spec.method_regex === true, path: METHOD_PATH });
  }
  let queryParameters: MatchEntry[] = NONE;
  if (spec.query_parameters != null || spec.regex_query_parameters != null) {
    queryParameters = [];
    matchEntries(r, spec, 'query_parameters', false, false, queryParameters);
    matchEntries(r, spec, 'regex_query_parameters', true, false, queryParameters);
  }
  const precedence = num(spec.precedence) ?? 0;
  // Resource labels are already a string map (parse.ts, annotations.ts), and resources are immutable.
  const labels = (r.labels ?? NO_LABELS) as Record<string, string>;

  // Host matchLabels go into the key only when the Mapping has no non-regex host.
  let selectorLabels: [string, string][] = NONE;
  if (!host || host.regex) {
    for (const h of hosts) {
      if (h.matchLabels && selectorMatches(h.matchLabels, labels)) {
        if (selectorLabels === NONE) selectorLabels = [];
        for (const k in h.matchLabels) selectorLabels.push([k, h.matchLabels[k]]);
      }
    }
  }

  // The key is kept (RouteGroup.key): joined into one flat string rather than a tree of concatenations.
  const parts = ['HTTP-GET', prefix];
  for (const h of headers) parts.push(h.name, h.value ?? '');
  for (const q of queryParameters) parts.push(q.name, q.value ?? '');
  for (const [k, v] of selectorLabels) parts.push(k, v);
  if (precedence !== 0) parts.push(String(precedence));
  const key = parts.join('');

  return {
    resource: r,
    name: r.name,
    namespace,
    prefix,
    prefixRegex: spec.prefix_regex === true,
    prefixExact: spec.prefix_exact === true,
    headers: orNone(headers),
    queryParameters: orNone(queryParameters),
    host,
    method,
    methodRegex: spec.method_regex === true,
    precedence,
    rawWeight: num(spec.weight),
    shadow: spec.shadow === true,
    hostRedirect: spec.host_redirect === true,
    service: str(spec.service) ?? '',
    labels,
    selectorLabels,
    key,
    groupId: sha1(key),
  };
}

/**
 * A Mapping's route weight (Emissary's IRBaseMapping.route_weight): precedence, prefix length, header and query
 * lengths, prefix, method, then each header and query matcher. Computed when routes are ordered, not kept: the
 * arrays would be the largest part of each Mapping's entry.
 */
function routeWeightOf(m: MappingEntry): (string | number)[] {
  const { headers, queryParameters } = m;
  const w = new Array<string | number>(6 + headers.length + queryParameters.length);
  let headerLen = 0;
  for (const h of headers) headerLen += headerLength(h);
  let queryLen = 0;
  for (const q of queryParameters) queryLen += headerLength(q);
  w[0] = m.precedence;
  w[1] = pyLen(m.prefix);
  w[2] = headerLen;
  w[3] = queryLen;
  w[4] = m.prefix;
  w[5] = m.method ?? 'GET';
  let i = 6;
  for (const h of headers) w[i++] = headerKey(h);
  for (const q of queryParameters) w[i++] = headerKey(q);
  return w;
}

/** Lexicographic comparison of route weights, like Python list comparison. */
export function compareRouteWeight(a: (string | number)[], b: (string | number)[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x < y ? -1 : 1;
    } else {
      const c = compareStrings(String(x), String(y));
      if (c !== 0) return c;
    }
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// Core keys (ir/irhttpmappinggroup.py): a later member that sets one differently is dropped.

const ONE_SIDED_CORE_KEYS = [
  'bypass_auth',
  'bypass_error_response_overrides',
  'cluster_idle_timeout_ms',
  'cluster_max_connection_lifetime_ms',
  'cluster_timeout_ms',
  'connect_timeout_ms',
  'keepalive',
  'labels',
  'load_balancer',
  'prefix_exact',
  'prefix_regex',
];
const BOOLEAN_CORE_KEYS = new Set(['bypass_auth', 'bypass_error_response_overrides', 'prefix_exact', 'prefix_regex']);

function present(r: Resource, key: string): boolean {
  const v = specOf(r)[key];
  if (v === undefined || v === null) return false;
  // CRDs come back from the API server without `false` booleans (omitempty); annotations keep them.
  if (v === false && BOOLEAN_CORE_KEYS.has(key) && !r.origin.annotation) return false;
  return true;
}

function show(v: unknown): string {
  if (v === undefined) return 'unset';
  return JSON.stringify(v);
}

/** Finds the first core key on which `newcomer` disagrees with the group's first member. */
function coreKeyMismatch(
  first: MappingEntry,
  newcomer: MappingEntry,
  moduleCircuitBreakers: unknown,
): NonNullable<MemberDetail['drop']> | undefined {
  const a = first.resource;
  const b = newcomer.resource;
  // headers: always compared (the group id already matches names and values, so only regex flags differ).
  for (let i = 0; i < newcomer.headers.length; i++) {
    const h = newcomer.headers[i];
    const g = first.headers[i];
    if (g && g.regex !== h.regex) {
      const what = (x: MatchEntry) => `${x.name} ${x.regex ? 'as a regex' : 'as an exact match'}`;
      return {
        kind: 'core-key',
        key: 'headers',
        other: first,
        mine: what(h),
        theirs: what(g),
        path: h.path,
        otherPath: g.path,
      };
    }
  }
  // circuit_breakers: always present after setup (the Module's default fills it in).
  const cbA = specOf(a).circuit_breakers ?? moduleCircuitBreakers;
  const cbB = specOf(b).circuit_breakers ?? moduleCircuitBreakers;
  if (!deepEqual(cbA ?? null, cbB ?? null)) {
    return {
      kind: 'core-key',
      key: 'circuit_breakers',
      other: first,
      mine: show(specOf(b).circuit_breakers),
      theirs: show(specOf(a).circuit_breakers),
      path: ['spec', 'circuit_breakers'],
      otherPath: ['spec', 'circuit_breakers'],
    };
  }
  for (const key of ONE_SIDED_CORE_KEYS) {
    if (!present(b, key)) continue;
    const mine = specOf(b)[key];
    const theirs = present(a, key) ? specOf(a)[key] : undefined;
    if (theirs === undefined || !deepEqual(mine, theirs)) {
      return {
        kind: 'core-key',
        key,
        other: first,
        mine: show(mine),
        theirs: show(theirs),
        path: ['spec', key],
        otherPath: present(a, key) ? ['spec', key] : ['metadata', 'name'],
      };
    }
  }
  return undefined;
}

/** The part of a name before its first dot (Emissary's Mapping cache key uses only that). */
function namePrefix(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

// ---------------------------------------------------------------------------------------------
// Weights (ir/irbasemappinggroup.py)

export type WeightResult =
  | { ok: true; shares: number[]; order: number[] }
  | { ok: false; overIndex: number }
  | { ok: false; total: number };

/**
 * Emissary's weight normalisation. `weights[i]` is the raw weight of member i (undefined = none).
 * Returns the share (percent) of every member and the order Emissary routes them in (weighted first).
 */
export function normalizeWeights(weights: (number | undefined)[]): WeightResult {
  if (weights.length === 0) return { ok: true, shares: [], order: [] };
  if (weights.length === 1) return { ok: true, shares: [100], order: [0] };
  const cumulative = new Array<number>(weights.length).fill(0);
  const weighted: number[] = [];
  const weightless: number[] = [];
  let current = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (w !== undefined) {
      if (w > 100) return { ok: false, overIndex: i };
      current += pyRound(w);
      cumulative[i] = current;
      weighted.push(i);
    } else {
      weightless.push(i);
    }
  }
  if (current > 100) return { ok: false, total: current };
  if (weightless.length > 0) {
    const per = pyRound((100 - current) / weightless.length);
    weightless.forEach((idx, n) => {
      current = n === weightless.length - 1 ? 100 : current + per;
      cumulative[idx] = current;
    });
  }
  const order = [...weighted, ...weightless];
  const shares = new Array<number>(weights.length).fill(0);
  let previous = 0;
  for (const idx of order) {
    shares[idx] = Math.max(0, cumulative[idx] - previous);
    previous = Math.max(previous, cumulative[idx]);
  }
  return { ok: true, shares, order };
}

// ---------------------------------------------------------------------------------------------
// Hosts

function analyzeHost(r: Resource, defaultNamespace: string): HostEntry {
  const spec = specOf(r);
  const hostname = str(spec.hostname) || '*';
  const sel = isRecord(spec.mappingSelector) && Object.keys(spec.mappingSelector).length > 0 ? spec.mappingSelector : spec.selector;
  const matchLabels = isRecord(sel) && Object.keys(sel).length > 0 ? matchLabelsOf(sel) : undefined;
  const namespace = r.namespace ?? defaultNamespace;
  return {
    resource: r,
    name: r.name,
    namespace,
    hostname,
    matchLabels,
    route: { name: r.name, namespace, hostname, location: memberLocation(r), groupIds: [] },
  };
}

/** Host.matches_httpgroup with strict label selectors (Emissary 3.2+). */
export function hostMatchesGroup(host: HostEntry, groupHost: EffectiveHost | undefined, labels: Record<string, string>): boolean {
  let hostMatch = false;
  const hasHost = groupHost !== undefined;
  if (groupHost?.regex) hostMatch = true;
  else if (groupHost) hostMatch = hostGlobsIntersect(host.hostname, groupHost.value);
  if (host.matchLabels !== undefined) {
    const selMatch = selectorMatches(host.matchLabels, labels);
    return hasHost ? hostMatch && selMatch : selMatch;
  }
  return hostMatch;
}

/**
 * The Hosts that can match a group with host `groupHost`, in their order: a superset of those hostMatchesGroup
 * accepts, found without testing every Host when the group's host is an exact name (the common case). A group
 * without a host can only match by selector; an exact name can only intersect the same name or a wildcard glob.
 */
function hostCandidates(hosts: HostEntry[]): (groupHost: EffectiveHost | undefined) => HostEntry[] {
  const byName = new Map<string, number[]>();
  const wild: number[] = [];
  const selecting: HostEntry[] = [];
  hosts.forEach((h, i) => {
    if (h.matchLabels !== undefined) selecting.push(h);
    const n = h.hostname;
    if (n === '' || n.includes('*') || n.startsWith('.')) wild.push(i);
    else {
      const list = byName.get(n);
      if (list) list.push(i);
      else byName.set(n, [i]);
    }
  });
  const wildHosts = wild.map((i) => hosts[i]);
  const byNameHosts = new Map<string, HostEntry[]>();
  return (groupHost) => {
    if (!groupHost) return selecting;
    const v = groupHost.value;
    if (groupHost.regex || v === '' || v.includes('*') || v.startsWith('.')) return hosts;
    const same = byName.get(v);
    if (!same) return wildHosts;
    let list = byNameHosts.get(v);
    if (!list) {
      list = (wild.length === 0 ? same : [...same, ...wild].sort((a, b) => a - b)).map((i) => hosts[i]);
      byNameHosts.set(v, list);
    }
    return list;
  };
}

// ---------------------------------------------------------------------------------------------
// Resource scope: ambassador_id, duplicates

export function resourcesInScope(resources: Resource[], ambassadorId: string): Resource[] {
  const out = resources.filter((r) => inAmbassadorScope(r, ambassadorId));
  // Callers usually pass resources in file order already (Workspace.resources()): then there is nothing to sort.
  for (let i = 1; i < out.length; i++) if (compareOrigin(out[i - 1], out[i]) > 0) return out.sort(compareOrigin);
  return out;
}

/**
 * Later definitions (file order) of the same kind/namespace/name win: the `active` definitions, and the lists of
 * definitions that share a key (`duplicates`, in the order their keys first appear).
 */
export function resolveDuplicates(inScope: Resource[], defaultNamespace: string): { active: Resource[]; duplicates: Resource[][] } {
  // Only definitions that share a name can share a key: most names occur once, and their resources need no key.
  const byName = new Map<string, number | number[]>();
  for (let i = 0; i < inScope.length; i++) {
    const name = inScope[i].name;
    const seen = byName.get(name);
    if (seen === undefined) byName.set(name, i);
    else if (typeof seen === 'number') byName.set(name, [seen, i]);
    else seen.push(i);
  }
  // Keys of the resources whose name is shared, and the index of the last definition of each key.
  const keyAt = new Map<number, string>();
  const last = new Map<string, number>();
  for (const seen of byName.values()) {
    if (typeof seen === 'number') continue;
    for (const i of seen) {
      const key = duplicateKey(inScope[i], defaultNamespace);
      keyAt.set(i, key);
      last.set(key, i);
    }
  }
  if (last.size === keyAt.size) return { active: inScope.slice(), duplicates: [] };
  const active: Resource[] = [];
  const sets = new Map<string, Resource[]>();
  for (let i = 0; i < inScope.length; i++) {
    const r = inScope[i];
    const key = keyAt.get(i);
    const at = key === undefined ? i : last.get(key)!;
    if (at === i) active.push(r);
    if (key === undefined || (at === i && !sets.has(key))) continue; // defined once
    const list = sets.get(key);
    if (list) list.push(r);
    else sets.set(key, [r]);
  }
  return { active, duplicates: [...sets.values()] };
}

const kindIndex = new WeakMap<readonly Resource[], Map<string, Resource[]>>();

/**
 * The resources of one kind in `list`, in list order: the list is indexed by kind once (lists of a built model are
 * not modified afterwards). The result is shared: copy it before sorting.
 */
export function ofKind(list: readonly Resource[], kind: string): readonly Resource[] {
  let index = kindIndex.get(list);
  if (!index) {
    index = new Map();
    for (const r of list) {
      const same = index.get(r.kind);
      if (same) same.push(r);
      else index.set(r.kind, [r]);
    }
    kindIndex.set(list, index);
  }
  return index.get(kind) ?? NONE;
}

/** `spec.config` of the `ambassador` Module (the flat annotation layout may keep the settings under spec). */
export function moduleConfig(active: Resource[]): Record<string, unknown> {
  const mod = ofKind(active, 'Module').filter((r) => r.name === 'ambassador').pop();
  if (!mod) return {};
  const spec = specOf(mod);
  return isRecord(spec.config) ? spec.config : spec;
}

// ---------------------------------------------------------------------------------------------
// The build

/**
 * The route model of `resources`. `analyzedHosts`: the Hosts as a previous build of the same workspace analysed
 * them (its `hosts`), for a partial build of some Mappings (incremental.ts); Host resources are then not expected
 * in `resources`, and the shared Host entries are not modified (their routes' group lists stay as they were).
 */
export function buildRouteModel(resources: Resource[], opts: RouteOptions = {}, analyzedHosts?: HostEntry[]): RouteModel {
  const defaultNamespace = opts.defaultNamespace ?? 'default';
  const inScope = resourcesInScope(resources, opts.ambassadorId ?? 'default');
  const { active, duplicates } = resolveDuplicates(inScope, defaultNamespace);
  const module = moduleConfig(active);

  const hosts = analyzedHosts ?? inProcessingOrder(ofKind(active, 'Host').map((r) => analyzeHost(r, defaultNamespace)));

  const analyzed: MappingEntry[] = [];
  const shared: SharedHosts = new Map();
  for (const r of ofKind(active, 'Mapping')) {
    const m = analyzeMapping(r, hosts, defaultNamespace, shared);
    if (m) analyzed.push(m);
  }
  const mappings = inProcessingOrder(analyzed);

  // Group in processing order.
  const groups: GroupDetail[] = [];
  for (const [groupId, list] of groupBy(mappings, (m) => m.groupId)) {
    groups.push(buildGroup(groupId, list, module.circuit_breakers));
  }

  // Host association (uses the merged labels of accepted members and the first member's host).
  if (hosts.length > 0) {
    const candidates = hostCandidates(hosts);
    const hostLabel = hosts.map((h) => `${h.namespace}/${h.name}`);
    const hostIndex = new Map<HostEntry, number>(hosts.map((h, i) => [h, i]));
    // Without label selectors a group's Hosts depend only on its host: groups with the same host share one answer
    // (the lists are never modified after the build).
    const bySelector = hosts.some((h) => h.matchLabels !== undefined);
    const sameExact = new Map<string, { entries: HostEntry[]; labels: string[] } | null>();
    const sameRegex = new Map<string, { entries: HostEntry[]; labels: string[] } | null>();
    for (const g of groups) {
      const first = g.members[0].mapping;
      const sameHost = first.host?.regex ? sameRegex : sameExact;
      const hostKey = bySelector ? undefined : first.host === undefined ? '' : first.host.value;
      if (hostKey !== undefined) {
        const known = sameHost.get(hostKey);
        if (known === null) continue;
        if (known) {
          g.hostEntries = known.entries;
          g.group.hosts = known.labels;
          continue;
        }
      }
      const list = candidates(first.host);
      // Usually one Host (or none) matches: arrays of the exact length rather than grown by push.
      let matched = 0;
      for (const h of list) if (hostMatchesGroup(h, first.host, g.labels)) matched++;
      if (matched === 0) {
        if (hostKey !== undefined) sameHost.set(hostKey, null);
        continue;
      }
      const entries = new Array<HostEntry>(matched);
      const labels = new Array<string>(matched);
      let k = 0;
      for (const h of list) {
        if (!hostMatchesGroup(h, first.host, g.labels)) continue;
        entries[k] = h;
        labels[k++] = hostLabel[hostIndex.get(h)!];
      }
      g.hostEntries = entries;
      g.group.hosts = labels;
      if (hostKey !== undefined) sameHost.set(hostKey, { entries, labels });
    }
  }

  const ordered = routeOrder(groups);

  if (!analyzedHosts) for (const g of ordered) for (const h of g.hostEntries) h.route.groupIds.push(g.group.groupId);

  const tcpGroups = buildTcp(active, defaultNamespace);

  const model: RouteModel = {
    table: { hosts: hosts.map((h) => h.route), groups: ordered.map((g) => g.group), tcp: tcpGroups.map((t) => t.route) },
    groups: ordered,
    tcpGroups,
    hosts,
    active,
    inScope,
    duplicates,
    defaultNamespace,
  };
  return model;
}

/**
 * Emissary's route order: reversed(sorted(groups, key=group_weight)); ties keep reversed creation order.
 * `groups` must be in creation order (the order of their first members in `name.namespace` processing order).
 * The same order as comparing groupRouteWeight lists, without building one per group: the four numbers that lead
 * a route weight are kept in one typed array, and the strings after them are read from the Mappings on ties.
 */
export function routeOrder(groups: GroupDetail[]): GroupDetail[] {
  const n = groups.length;
  const lead = new Float64Array(n * 4);
  const heaviest = new Array<MappingEntry>(n);
  const index = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const m = heaviestMember(groups[i]);
    heaviest[i] = m;
    lead[4 * i] = m.precedence;
    lead[4 * i + 1] = pyLen(m.prefix);
    lead[4 * i + 2] = matchLength(m.headers);
    lead[4 * i + 3] = matchLength(m.queryParameters);
    index[i] = i;
  }
  const compareAt = (x: number, y: number): number => {
    for (let k = 0; k < 4; k++) {
      const a = lead[4 * x + k];
      const b = lead[4 * y + k];
      if (a !== b) return a < b ? -1 : 1;
    }
    return compareWeightTail(heaviest[x], heaviest[y]);
  };
  // Descending weight; among equal weights the later-created group first (the reverse of a stable ascending sort).
  index.sort((a, b) => compareAt(b, a) || b - a);
  const out = new Array<GroupDetail>(n);
  for (let i = 0; i < n; i++) out[i] = groups[index[i]];
  return out;
}

function matchLength(list: MatchEntry[]): number {
  let len = 0;
  for (const h of list) len += headerLength(h);
  return len;
}

/** The accepted member with the largest route weight (the first of equals), as groupRouteWeight picks it. */
function heaviestMember(g: GroupDetail): MappingEntry {
  if (g.members.length === 1 && !g.members[0].drop) return g.members[0].mapping;
  let best: MappingEntry | undefined;
  let bestWeight: (string | number)[] | undefined;
  for (const m of g.members) {
    if (m.drop) continue;
    const w = routeWeightOf(m.mapping);
    if (bestWeight === undefined || compareRouteWeight(w, bestWeight) > 0) {
      best = m.mapping;
      bestWeight = w;
    }
  }
  if (best === undefined) throw new TypeError('a route group without accepted members');
  return best;
}

/** Route weights compared after their four leading numbers: prefix, method, then each header and query key. */
function compareWeightTail(a: MappingEntry, b: MappingEntry): number {
  const c = compareStrings(a.prefix, b.prefix) || compareStrings(a.method ?? 'GET', b.method ?? 'GET');
  if (c !== 0) return c;
  const na = a.headers.length + a.queryParameters.length;
  const nb = b.headers.length + b.queryParameters.length;
  for (let i = 0; i < na && i < nb; i++) {
    const x = i < a.headers.length ? a.headers[i] : a.queryParameters[i - a.headers.length];
    const y = i < b.headers.length ? b.headers[i] : b.queryParameters[i - b.headers.length];
    const d = x === y ? 0 : compareStrings(headerKey(x), headerKey(y));
    if (d !== 0) return d;
  }
  return na - nb;
}

/** A group's route weight: the largest route weight of its accepted members. */
export function groupRouteWeight(g: GroupDetail): (string | number)[] {
  return routeWeightOf(heaviestMember(g));
}

function makeMember(m: MappingEntry): RouteMember {
  const member: RouteMember = {
    kind: 'Mapping',
    name: m.name,
    namespace: m.namespace,
    service: m.service,
    weight: 0,
    location: memberLocation(m.resource),
  };
  if (m.rawWeight !== undefined) member.rawWeight = m.rawWeight;
  if (m.shadow) member.shadow = true;
  if (m.hostRedirect) member.redirect = true;
  return member;
}

/** The group's public description: its first member's match, members in the given order. */
function routeGroup(groupId: string, first: MappingEntry, members: RouteMember[]): RouteGroup {
  // Most groups match on no header but the host, and on no query parameter: then no list is built.
  let userHeaders: RouteHeader[] = NONE;
  for (const h of first.headers) {
    if (h.name !== ':authority' && h.name !== ':method') userHeaders = appended(userHeaders, { name: h.name, value: h.value ?? '', regex: h.regex });
  }
  let queryParameters: RouteHeader[] = NONE;
  for (const q of first.queryParameters) queryParameters = appended(queryParameters, { name: q.name, value: q.value ?? '', regex: q.regex });
  const group: RouteGroup = {
    groupId,
    key: first.key,
    name: first.name,
    host: first.host?.value ?? '*',
    hosts: NONE,
    prefix: first.prefix,
    headers: userHeaders,
    queryParameters,
    precedence: first.precedence,
    members,
    problems: NONE,
  };
  if (first.host?.regex) group.hostRegex = true;
  if (first.prefixRegex) group.prefixRegex = true;
  if (first.prefixExact) group.prefixExact = true;
  if (first.method !== undefined) group.method = first.method;
  return group;
}

/**
 * A group of one Mapping (most groups): nothing to drop, no weights to share. The same result as the general
 * path below (one member gets 100%, a lone shadow its own weight), without its intermediate lists.
 */
function singleGroup(groupId: string, m: MappingEntry): GroupDetail {
  const member = makeMember(m);
  const d: MemberDetail = { mapping: m, member };
  const members = [d];
  let routing: MemberDetail[];
  if (m.shadow) {
    member.weight = pyRound(Math.min(100, Math.max(0, m.rawWeight ?? 100)));
    routing = [];
  } else {
    d.share = 100;
    member.weight = 100;
    routing = members;
  }
  return { group: routeGroup(groupId, m, [member]), members, routing, rejection: undefined, labels: m.labels, hostEntries: NONE };
}

function buildGroup(groupId: string, list: MappingEntry[], moduleCircuitBreakers: unknown): GroupDetail {
  if (list.length === 1) return singleGroup(groupId, list[0]);
  const first = list[0];
  const members: MemberDetail[] = list.map((m) => ({ mapping: m, member: makeMember(m) }));
  const accepted: MemberDetail[] = [members[0]];
  let shadowSeen: MappingEntry | undefined = first.shadow ? first : undefined;

  for (let i = 1; i < members.length; i++) {
    const d = members[i];
    const m = d.mapping;
    const samePrefix = accepted.find(
      (a) => a.mapping.namespace === m.namespace && namePrefix(a.mapping.name) === namePrefix(m.name),
    );
    if (samePrefix) {
      d.drop = { kind: 'name-prefix', other: samePrefix.mapping, path: ['metadata', 'name'], otherPath: ['metadata', 'name'] };
    } else if (m.hostRedirect !== first.hostRedirect) {
      d.drop = {
        kind: 'redirect',
        key: 'host_redirect',
        other: first,
        mine: m.hostRedirect ? 'true' : 'unset',
        theirs: first.hostRedirect ? 'true' : 'unset',
        path: m.hostRedirect ? ['spec', 'host_redirect'] : ['metadata', 'name'],
        otherPath: first.hostRedirect ? ['spec', 'host_redirect'] : ['metadata', 'name'],
      };
    } else {
      const mismatch = coreKeyMismatch(first, m, moduleCircuitBreakers);
      if (mismatch) d.drop = mismatch;
      else if (m.shadow && shadowSeen) {
        d.drop = { kind: 'shadow', other: shadowSeen, path: ['spec', 'shadow'], otherPath: ['spec', 'shadow'] };
      }
    }
    if (d.drop) {
      d.member.dropped = dropReason(d);
      continue;
    }
    if (m.shadow) shadowSeen = m;
    accepted.push(d);
  }

  const routing0 = accepted.filter((d) => !d.mapping.shadow);
  const weights = normalizeWeights(routing0.map((d) => d.mapping.rawWeight));
  let routing = routing0;
  let rejection: GroupDetail['rejection'];
  if (weights.ok) {
    routing = weights.order.map((i) => routing0[i]);
    weights.shares.forEach((s, i) => {
      routing0[i].share = s;
      routing0[i].member.weight = s;
    });
  } else if ('overIndex' in weights) {
    rejection = { kind: 'weight-over-100', member: routing0[weights.overIndex] };
  } else {
    rejection = { kind: 'total-over-100', total: weights.total };
  }
  for (const d of accepted) {
    if (d.mapping.shadow) d.member.weight = pyRound(Math.min(100, Math.max(0, d.mapping.rawWeight ?? 100)));
  }

  const labels: Record<string, string> = {};
  for (const d of accepted) Object.assign(labels, d.mapping.labels);

  const ordered = [
    ...routing,
    ...accepted.filter((d) => d.mapping.shadow),
    ...members.filter((d) => d.drop),
  ];
  const group = routeGroup(groupId, first, ordered.map((d) => d.member));
  if (rejection) {
    group.rejected =
      rejection.kind === 'weight-over-100'
        ? `Mapping ${rejection.member.mapping.namespace}/${rejection.member.mapping.name} has weight ${rejection.member.mapping.rawWeight}, over 100`
        : `the weights total ${rejection.total}, over 100`;
    for (const d of members) if (!d.mapping.shadow) d.member.weight = 0;
  }

  return { group, members, routing, rejection, labels, hostEntries: NONE };
}

function dropReason(d: MemberDetail): string {
  const drop = d.drop!;
  const other = `${drop.other.namespace}/${drop.other.name}`;
  switch (drop.kind) {
    case 'name-prefix':
      return `skipped: its name shares the part before the first dot with ${other} in the same namespace`;
    case 'shadow':
      return `dropped: the group already has a shadow Mapping (${other}); only one is used`;
    case 'redirect':
      return `dropped: host_redirect Mappings cannot share a group with normal Mappings (first member ${other})`;
    case 'core-key':
    default:
      return `dropped: ${drop.key} (${drop.mine}) differs from the first member ${other} (${drop.theirs})`;
  }
}

/** Problem codes Emissary's own grouping implies for a group (checks.ts adds per-resource codes). */
export function intrinsicGroupProblems(g: GroupDetail, workspaceHasHosts: boolean): string[] {
  // In code order, each at most once.
  const codes: string[] = [];
  if (isAccidentalSplit(g)) codes.push('EP200');
  if (g.rejection) codes.push('EP201');
  if (g.members.length > 1) {
    if (g.members.some((d) => d.drop && (d.drop.kind === 'core-key' || d.drop.kind === 'redirect'))) codes.push('EP202');
    if (zeroShareMembers(g).length > 0) codes.push('EP203');
    if (g.members.some((d) => d.drop?.kind === 'name-prefix')) codes.push('EP204');
  }
  if (workspaceHasHosts && g.hostEntries.length === 0) codes.push('EP220');
  return orNone(codes);
}

/** Two or more members share traffic and none of them says how much. */
export function isAccidentalSplit(g: GroupDetail): boolean {
  return !g.rejection && g.routing.length >= 2 && g.routing.every((d) => d.mapping.rawWeight === undefined);
}

/** Unweighted members that end up with 0% because the weighted ones already take 100%. */
export function zeroShareMembers(g: GroupDetail): MemberDetail[] {
  if (g.rejection || g.routing.length < 2) return NONE;
  return g.routing.filter((d) => d.mapping.rawWeight === undefined && d.share === 0);
}

// ---------------------------------------------------------------------------------------------
// TCPMappings: grouped by address, port and host (ir/irtcpmapping.py)

function buildTcp(active: Resource[], defaultNamespace: string): TcpGroupDetail[] {
  const entries: TcpMappingEntry[] = [];
  for (const r of ofKind(active, 'TCPMapping')) {
    const spec = specOf(r);
    const port = num(spec.port);
    if (port === undefined) continue;
    const address = str(spec.address);
    const host = str(spec.host);
    const namespace = r.namespace ?? defaultNamespace;
    const key = 'TCP-' + (address || '*') + String(port) + (host || '*');
    entries.push({
      resource: r,
      name: r.name,
      namespace,
      port,
      address: address || undefined,
      host: host || undefined,
      rawWeight: num(spec.weight),
      service: str(spec.service) ?? '',
      groupId: sha1(key),
    });
  }
  const out: TcpGroupDetail[] = [];
  for (const list of groupBy(inProcessingOrder(entries), (e) => e.groupId).values()) {
    const members = list.map((mapping) => {
      const member: RouteMember = {
        kind: 'Mapping',
        name: mapping.name,
        namespace: mapping.namespace,
        service: mapping.service,
        weight: 0,
        location: memberLocation(mapping.resource),
      };
      if (mapping.rawWeight !== undefined) member.rawWeight = mapping.rawWeight;
      return { mapping, member };
    });
    const weights = normalizeWeights(list.map((m) => m.rawWeight));
    let rejection: TcpGroupDetail['rejection'];
    let orderedMembers = members;
    if (weights.ok) {
      weights.shares.forEach((s, i) => (members[i].member.weight = s));
      orderedMembers = weights.order.map((i) => members[i]);
    } else if ('overIndex' in weights) {
      rejection = { kind: 'weight-over-100', mapping: list[weights.overIndex] };
    } else {
      rejection = { kind: 'total-over-100', total: weights.total };
    }
    const route: TcpRoute = { port: list[0].port, members: orderedMembers.map((m) => m.member), problems: [] };
    if (list[0].host) route.host = list[0].host;
    out.push({ route, members, rejection });
  }
  out.sort((a, b) => a.route.port - b.route.port || compareStrings(a.route.host ?? '', b.route.host ?? ''));
  return out;
}

export function isAccidentalTcpSplit(t: TcpGroupDetail): boolean {
  return !t.rejection && t.members.length >= 2 && t.members.every((m) => m.mapping.rawWeight === undefined);
}

export function intrinsicTcpProblems(t: TcpGroupDetail): string[] {
  const codes: string[] = [];
  if (isAccidentalTcpSplit(t)) codes.push('EP200');
  if (t.rejection) codes.push('EP201');
  return codes;
}

/** Emissary's route table for the given resources. */
export function buildRouteTable(resources: Resource[], opts: RouteOptions = {}): RouteTable {
  const model = buildRouteModel(resources, opts);
  // Without the checks (see checks.ts attachProblems), the problems Emissary's grouping itself implies.
  for (const g of model.groups) g.group.problems = intrinsicGroupProblems(g, model.hosts.length > 0);
  for (const t of model.tcpGroups) t.route.problems = intrinsicTcpProblems(t);
  return model.table;
}
