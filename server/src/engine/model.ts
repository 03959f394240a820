// The shared vocabulary of the engine. Pure data: no VS Code, no I/O.
// Positions are 0-based (LSP style); the CLI converts to 1-based when printing.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A location in some file of the workspace; `uri` is whatever the caller used to name the file. */
export interface Location {
  uri: string;
  range: Range;
}

export interface RelatedInfo extends Location {
  message: string;
}

/** A JSON path into a resource object as written, e.g. ['spec', 'headers', 'x-team']. */
export type JsonPath = (string | number)[];

/**
 * One diagnostic. `code` is stable and shared by the editor, the CLI and CI:
 * EP001 YAML syntax, EP1xx schema, EP2xx cross-resource policy checks.
 */
export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  uri: string;
  range: Range;
  related?: RelatedInfo[];
  /** Machine-readable payload for quick fixes (e.g. the edits that fix it). */
  fix?: QuickFix;
}

export interface TextEdit {
  uri: string;
  range: Range;
  newText: string;
}

export interface QuickFix {
  title: string;
  edits: TextEdit[];
}

/** Where a resource came from: a CRD document, or one document inside a getambassador.io/config annotation. */
export interface Origin {
  uri: string;
  /** Index of the YAML document in the file (0-based). */
  docIndex: number;
  /** Set when the resource is defined in a getambassador.io/config annotation. */
  annotation?: {
    /** Kind and name of the Service/Ingress that carries the annotation. */
    ownerKind: string;
    ownerName: string;
    ownerNamespace?: string;
    /** Index of the document inside the annotation text (0-based). */
    innerIndex: number;
  };
}

/** The 14 kinds Emissary serves in the getambassador.io group. */
export const AMBASSADOR_KINDS = [
  'AuthService',
  'ConsulResolver',
  'DevPortal',
  'Host',
  'KubernetesEndpointResolver',
  'KubernetesServiceResolver',
  'Listener',
  'LogService',
  'Mapping',
  'Module',
  'RateLimitService',
  'TCPMapping',
  'TLSContext',
  'TracingService',
] as const;
export type AmbassadorKind = (typeof AMBASSADOR_KINDS)[number];

export const AMBASSADOR_GROUP = 'getambassador.io';

/**
 * The engine's one shared, frozen empty list, for the many empty lists a large workspace holds (a group's hosts,
 * problems and headers, a document's findings, ...): fewer objects for the garbage collector to copy and mark.
 * Code that may extend a list checks for it and starts a new one (see routes.ts `appended`).
 */
export const NONE: never[] = Object.freeze([]) as never[];

/** Served versions per kind. */
const V3_ONLY: readonly string[] = Object.freeze(['v3alpha1']);
const V2_UP: readonly string[] = Object.freeze(['v2', 'v3alpha1']);
const ALL_VERSIONS: readonly string[] = Object.freeze(['v1', 'v2', 'v3alpha1']);

export function versionsOf(kind: string): readonly string[] {
  if (kind === 'Listener') return V3_ONLY;
  if (kind === 'Host') return V2_UP;
  return (AMBASSADOR_KINDS as readonly string[]).includes(kind) ? ALL_VERSIONS : NONE;
}

/**
 * Whether Emissary serves the resource's kind at its version (e.g. not a v1 Host, a v2 Listener, an annotation
 * `ambassador/v0` or an unknown kind). Emissary ignores the others: they get EP101 and take part in nothing else.
 */
export function isServed(r: Pick<Resource, 'kind' | 'version'>): boolean {
  return versionsOf(r.kind).includes(r.version);
}

/** The one order of findings: file, position, code, message (code-point order). */
export function compareFindings(a: Finding, b: Finding): number {
  const cmp = (x: string, y: string) => (x === y ? 0 : x < y ? -1 : 1);
  return (
    cmp(a.uri, b.uri) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  );
}

/** A plain object (not null, not an array): the one object check of the engine. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of JSON-like values (arrays, plain objects, scalars; NaN equals NaN), without allocating. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  const aa = Array.isArray(a);
  if (aa !== Array.isArray(b)) return false;
  if (aa) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (!Object.prototype.hasOwnProperty.call(x, k)) continue;
    n++;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !deepEqual(x[k], y[k])) return false;
  }
  for (const k in y) if (Object.prototype.hasOwnProperty.call(y, k)) n--;
  return n === 0;
}

/**
 * A typed Ambassador resource with its source. `object` is the full object as Emissary would see it:
 * for annotation resources the flat layout is already normalised into apiVersion/kind/metadata/spec.
 */
export interface Resource {
  /** Normalised apiVersion, always `getambassador.io/vN...` (annotation `ambassador/vN` is mapped). */
  apiVersion: string;
  /** The version part, e.g. `v3alpha1`. */
  version: string;
  kind: string;
  name: string;
  /** Namespace as written, or inherited from the annotation's owner; undefined if none was given. */
  namespace?: string;
  labels: Record<string, string>;
  spec: Record<string, unknown>;
  /** The whole object (apiVersion, kind, metadata, spec, ...), normalised as described above. */
  object: Record<string, unknown>;
  origin: Origin;
  /**
   * Range of a path in the source. `path` is a path into `object` (e.g. ['spec','prefix']); the locator maps it
   * to the annotation's flat layout where needed. `part` picks the key or the value of a mapping entry.
   * Falls back to the nearest existing ancestor, then to the document start. Computed lazily and memoised per path
   * and part (resources are immutable), so checks that name the same resource many times call it freely.
   */
  locate(path: JsonPath, part?: 'key' | 'value'): Range;
}

/** Whether position `a` comes strictly before `b` (line, then character). */
export function positionBefore(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/** The range at the very start of a file (when nothing better is known). */
export function emptyRange(): Range {
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

// ---- Route table (what the edge will serve). Built by routes.ts, shown by the Routes tree and `edgepolicy routes`.

export interface RouteMember {
  kind: 'Mapping';
  name: string;
  namespace: string;
  service: string;
  /** Weight as written, if any. */
  rawWeight?: number;
  /** Normalised share in percent (0..100) after Emissary's weight rules. */
  weight: number;
  shadow?: boolean;
  redirect?: boolean;
  /** Set when Emissary drops this member (mismatched core key, name shadowing, ...): the reason. */
  dropped?: string;
  location: Location;
}

export interface RouteHeader {
  name: string;
  value: string;
  regex: boolean;
}

export interface RouteGroup {
  /** Hex SHA-1 of Emissary's group key string. */
  groupId: string;
  /** The group key string the id was computed from (for explanations). */
  key: string;
  /** Name of the group (its first member's name). */
  name: string;
  /** The Mapping's host glob (`*` when none), or the host regex when `hostRegex`. */
  host: string;
  hostRegex?: boolean;
  /** Host resources (namespace/name) the group attaches to. */
  hosts: string[];
  prefix: string;
  prefixRegex?: boolean;
  prefixExact?: boolean;
  method?: string;
  headers: RouteHeader[];
  queryParameters: RouteHeader[];
  precedence: number;
  members: RouteMember[];
  /** Emissary rejects the whole group (e.g. weights over 100). */
  rejected?: string;
  /** Codes of findings that touch this group (EP200, ...), for icons. */
  problems: string[];
}

export interface RouteHost {
  name: string;
  namespace: string;
  hostname: string;
  location: Location;
  /** Ids of the groups attached to this Host, in route order. */
  groupIds: string[];
}

export interface TcpRoute {
  port: number;
  host?: string;
  members: RouteMember[];
  problems: string[];
}

export interface RouteTable {
  hosts: RouteHost[];
  /** All HTTP groups in Emissary's route order (precedence, prefix length, header count). */
  groups: RouteGroup[];
  tcp: TcpRoute[];
}
