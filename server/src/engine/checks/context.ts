// Shared plumbing for the EP2xx policy checks: options, finding construction, descriptions.
import type { Finding, JsonPath, QuickFix, RelatedInfo, Resource, Severity } from '../model';
import type { GroupDetail, RouteModel, RouteOptions } from '../routes';
import { DEFAULT_SEVERITY } from '../codes';


export type SeveritySetting = Severity | 'off';

export interface CheckOptions extends RouteOptions {
  /** Per-code severity overrides, e.g. `{ EP221: 'warning', EP220: 'off' }`. */
  severity?: Partial<Record<string, SeveritySetting>>;
  /**
   * Severity of EP221 for Secret references (Host tlsSecret, TLSContext secret, ...). Secrets are rarely kept in
   * Git, so this is separate from the other references. Default: the EP221 severity.
   */
  secretReferenceSeverity?: SeveritySetting;
  /** Secrets known to exist (e.g. `kind: Secret` documents in the workspace); namespace defaults to `default`. */
  secrets?: { name: string; namespace?: string }[];
  /**
   * The text of a file, when the caller has it. Used to make quick fixes safe (e.g. only insert a
   * `weight:` line when the Mapping is written in block style). Without it fixes assume block style.
   */
  textOf?: (uri: string) => string | undefined;
  /**
   * How messages name a file, e.g. its path relative to the workspace folder (editor) or the current directory
   * (CLI). Default: shortPath (the last three segments of the URI's path), so `teams/a/routes.yaml` and
   * `teams/b/routes.yaml` stay apart.
   */
  displayPath?: (uri: string) => string;
}

/** What messages need to name resources and files. */
export interface Naming {
  defaultNamespace: string;
  displayPath: (uri: string) => string;
}

/** What each check works from: one route model plus the options. */
export interface CheckContext {
  model: RouteModel;
  opts: CheckOptions;
  /** For describe()/whereDefined(): the model's default namespace and the file display of the options. */
  names: Naming;
  /** Adds a finding about `subject` (skipped when its code is switched off). */
  report(spec: FindingSpec): void;
}

export interface FindingSpec {
  code: string;
  /** Defaults to the code's default severity (after overrides). */
  severity?: Severity;
  /** Overrides the configured severity lookup (used for Secret references). */
  severitySetting?: SeveritySetting;
  message: string;
  subject: Resource;
  path: JsonPath;
  part?: 'key' | 'value';
  related?: RelatedInfo[];
  fix?: QuickFix;
  /** Group ids the finding touches (for RouteGroup.problems). */
  groupIds?: string[];
}

export interface CollectedFinding {
  finding: Finding;
  subject: Resource;
  groupIds: string[];
}

export function createContext(model: RouteModel, opts: CheckOptions): { ctx: CheckContext; collected: CollectedFinding[] } {
  const collected: CollectedFinding[] = [];
  const ctx: CheckContext = {
    model,
    opts,
    names: { defaultNamespace: model.defaultNamespace, displayPath: opts.displayPath ?? shortPath },
    report(spec) {
      const setting = spec.severitySetting ?? opts.severity?.[spec.code] ?? spec.severity ?? DEFAULT_SEVERITY[spec.code] ?? 'warning';
      if (setting === 'off') return;
      const finding: Finding = {
        code: spec.code,
        severity: setting,
        message: spec.message,
        uri: spec.subject.origin.uri,
        range: spec.subject.locate(spec.path, spec.part ?? 'value'),
      };
      if (spec.related && spec.related.length > 0) finding.related = spec.related;
      if (spec.fix) finding.fix = spec.fix;
      collected.push({ finding, subject: spec.subject, groupIds: spec.groupIds ?? [] });
    },
  };
  return { ctx, collected };
}

/** The last `segments` segments of a URI's path, decoded: `teams/payments/routes.yaml`. */
export function shortPath(uri: string, segments = 3): string {
  const path = uri.replace(/[?#].*$/, '').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const parts = path.split('/').filter((p) => p !== '');
  const short = parts.slice(-segments).join('/') || uri;
  try {
    return decodeURIComponent(short);
  } catch {
    return short;
  }
}

/** `team-a/api` */
export function qualifiedName(r: Resource, defaultNamespace: string): string {
  return `${r.namespace ?? defaultNamespace}/${r.name}`;
}

/**
 * Where a resource is defined, for messages: `teams/a/routes.yaml` or
 * `the getambassador.io/config annotation of Service team-a/svc in teams/a/services.yaml`.
 */
export function whereDefined(r: Resource, names: Naming): string {
  const file = names.displayPath(r.origin.uri);
  const a = r.origin.annotation;
  if (!a) return file;
  return `the getambassador.io/config annotation of ${a.ownerKind} ${a.ownerNamespace ?? names.defaultNamespace}/${a.ownerName} in ${file}`;
}

/** `Mapping team-a/api (teams/a/routes.yaml)` */
export function describe(r: Resource, names: Naming): string {
  return `${r.kind} ${qualifiedName(r, names.defaultNamespace)} (${whereDefined(r, names)})`;
}

/** A related-information entry pointing at `path` in `r`. */
export function relatedAt(r: Resource, path: JsonPath, message: string, part: 'key' | 'value' = 'value'): RelatedInfo {
  return { uri: r.origin.uri, range: r.locate(path, part), message };
}

/** `/api/ on example.com`, `/api/ on any host`, `^/v[0-9]+/ (regex) on hosts matching ^a` ... */
export function describeRoute(g: GroupDetail): string {
  const first = g.members[0].mapping;
  let text = first.prefixRegex ? `prefix regex ${first.prefix}` : first.prefix;
  const host = first.host;
  if (!host || host.value === '*') text += ' on any host';
  else if (host.regex) text += ` on hosts matching ${host.value}`;
  else text += ` on ${host.value}`;
  if (first.method !== undefined) text += ` (${first.method})`;
  const headers = g.group.headers;
  if (headers.length > 0) {
    text += ` with header${headers.length > 1 ? 's' : ''} ` + headers.map((h) => (h.value ? `${h.name}: ${h.value}` : h.name)).join(', ');
  }
  if (first.precedence !== 0) text += ` (precedence ${first.precedence})`;
  return text;
}

/** How many other parties a message names, and how many related locations a finding carries at most. */
export const MAX_NAMED = 8;
export const MAX_RELATED = 20;

/** joinAnd over at most `max` items (formatted lazily), then "and N more". */
export function joinSome<T>(items: Others<T> | T[], format: (item: T) => string, max = MAX_NAMED): string {
  const total = 'total' in items ? items.total : items.length;
  const shown = items.slice(0, max).map(format);
  if (total <= max) return joinAnd(shown);
  return `${shown.join(', ')} and ${total - max} more`;
}

/** The first `limit` members of a set other than `self` (a member of it), and how many others there are in all. */
export type Others<T> = T[] & { total: number };

/**
 * The other members of a set, without copying all of them: a name shared by thousands of resources would
 * otherwise cost a full copy per member (quadratic). Messages name at most MAX_NAMED, related info MAX_RELATED.
 */
export function othersOf<T>(all: readonly T[], self: T, limit = MAX_RELATED): Others<T> {
  const out: T[] = [];
  for (const o of all) {
    if (o === self) continue;
    if (out.length >= limit) break;
    out.push(o);
  }
  return Object.assign(out, { total: all.length - 1 });
}

/** `50/50`, or the first shares and "..." for very large groups. */
export function sharesText(shares: number[], max = MAX_NAMED): string {
  return shares.length <= max ? shares.join('/') : `${shares.slice(0, max).join('/')}/...`;
}

/** `a`, `a and b`, `a, b and c` (or `a, b or c`) */
export function joinAnd(items: string[], conjunction: 'and' | 'or' = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}
