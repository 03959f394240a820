// The engine's view of a whole workspace: every YAML file's parse, per-file findings (EP001 + schema) and
// cross-resource findings (EP2xx), plus the route table. Pure (no I/O) and incremental:
// - setFile re-parses only the documents of the file whose text changed (parseFileIncremental): unchanged
//   documents keep their Resource objects, and their schema findings are kept per file beside them;
// - cross-resource findings and the route table are kept by an IncrementalAnalysis (./incremental): a change
//   recomputes the route groups, duplicate keys and references its old and new resources touch. A change to a
//   Host, Module, TLSContext, resolver or Secret, an option change, or a very large change set rebuilds them;
//   custom analyzers/checkers (options) always recompute everything;
// - nothing cross-resource is computed until somebody reads findings, change sets or the route table;
// - every update returns the set of URIs whose findings changed since they were last reported (in a change
//   set, or read through findingsFor/allFindings), so the language server republishes only those. The set is
//   computed when first read (iterated, .has, .size): a caller that loads thousands of files and ignores the
//   results pays for the cross-resource checks once.

import type { Finding, Range, Resource, RouteTable, Severity } from './model';
import { NONE, compareFindings } from './model';
import { DEFAULT_MAX_FILE_BYTES, parseFileIncremental } from './parse';
import type { MovedDocument, ParsedFile, ParseOptions } from './parse';
import { validateResource } from './schema/validate';
import { buildRouteTable } from './routes';
import { secretsInDocuments } from './checks';
import type { CheckOptions, SeveritySetting } from './checks';
import { IncrementalAnalysis } from './incremental';

/** Per-resource checks (schema validation). */
export type ResourceValidator = (r: Resource) => Finding[];
/** Options handed to cross-resource checkers and the route builder (CheckOptions of ./checks). */
export type AnalysisOptions = CheckOptions & { defaultNamespace: string };
/** Cross-resource checks over all resources of the workspace. */
export type WorkspaceChecker = (resources: Resource[], opts: AnalysisOptions) => Finding[];
export type RouteBuilder = (resources: Resource[], opts: AnalysisOptions) => RouteTable;
/** Route table and cross-resource findings from one pass (a custom replacement for the built-in IncrementalAnalysis). */
export type Analyzer = (resources: Resource[], opts: AnalysisOptions) => { routes: RouteTable; findings: Finding[] };

export interface WorkspaceOptions {
  /** Namespace of resources that do not name one. Default `default`. */
  defaultNamespace?: string;
  /** The Emissary installation to model (see RouteOptions.ambassadorId); passed to checkers and routes. */
  ambassadorId?: string;
  /** Files larger than this (UTF-8 bytes) are skipped. Default 5 MB. */
  maxFileBytes?: number;
  /**
   * Severity per code (`off` drops the code), merged over DEFAULT_SEVERITY_OVERRIDES. Applied to parse and
   * schema findings here, and handed to the cross-resource checks (which also honour secretReferenceSeverity).
   */
  severity?: Record<string, SeveritySetting>;
  /** Severity of EP221 for Secret references (see CheckOptions.secretReferenceSeverity). */
  secretReferenceSeverity?: SeveritySetting;
  /** Codes whose findings are dropped. */
  disabled?: string[];
  /** How messages name files (see CheckOptions.displayPath); default: the last path segments of the URI. */
  displayPath?: (uri: string) => string;
  /** Per-resource validators. Default: [validateResource]. */
  validators?: ResourceValidator[];
  /**
   * Route table + cross-resource findings in one pass, recomputed from scratch on every change. Default: none (the
   * built-in IncrementalAnalysis of ./incremental). Ignored when checkers/routeBuilder are given.
   */
  analyzer?: Analyzer;
  /** Cross-resource checkers, replacing the analyzer's findings (tests, embedding). */
  checkers?: WorkspaceChecker[];
  /** Route table builder, replacing the analyzer's table. */
  routeBuilder?: RouteBuilder;
  /** Told about exceptions thrown by validators, checkers or the route builder (they never propagate). */
  onError?: (where: string, error: unknown) => void;
}

/** EP221 (reference to an undefined TLSContext/Host/resolver/Secret) is informational unless configured. */
export const DEFAULT_SEVERITY_OVERRIDES: Readonly<Record<string, Severity>> = { EP221: 'info' };

interface FileState {
  parsed: ParsedFile;
  /** Parse + per-resource findings, before severity/disable policy. */
  own: Finding[];
  /** Schema findings of each of parsed.resources (same index), kept for the next parse of the file. */
  schema: (readonly Finding[])[];
  /** `kind: Secret` documents of the file (for EP221 on Secret references). */
  secrets: { name: string; namespace?: string }[];
}

/** A document that only moved keeps its schema findings, shifted by the lines it moved. */
function carryValidation(m: MovedDocument, known: Map<Resource, readonly Finding[]>): void {
  const before = m.previous.resources;
  const after = m.document.resources;
  if (before.length !== after.length) return;
  for (let i = 0; i < after.length; i++) {
    const cached = known.get(before[i]);
    if (cached) known.set(after[i], m.lineDelta === 0 ? cached : cached.map((f) => shiftFinding(f, m.lineDelta)));
  }
}

function emptyTable(): RouteTable {
  return { hosts: [], groups: [], tcp: [] };
}

/**
 * A Set of URIs computed on first use. It is a real Set (iteration, has, size, forEach all work); reading it
 * settles which URIs changed since the previous report.
 */
export class ChangeSet extends Set<string> {
  #resolve: (() => Iterable<string>) | undefined;

  constructor(resolve?: () => Iterable<string>) {
    super();
    this.#resolve = resolve;
  }

  private settle(): void {
    const r = this.#resolve;
    if (!r) return;
    this.#resolve = undefined;
    for (const u of r()) super.add(u);
  }

  override has(v: string): boolean {
    this.settle();
    return super.has(v);
  }
  override get size(): number {
    this.settle();
    return super.size;
  }
  override add(v: string): this {
    this.settle();
    return super.add(v);
  }
  override delete(v: string): boolean {
    this.settle();
    return super.delete(v);
  }
  override clear(): void {
    this.settle();
    super.clear();
  }
  override forEach(cb: (value: string, value2: string, set: Set<string>) => void, thisArg?: unknown): void {
    this.settle();
    super.forEach(cb, thisArg);
  }
  override values(): SetIterator<string> {
    this.settle();
    return super.values();
  }
  override keys(): SetIterator<string> {
    this.settle();
    return super.keys();
  }
  override entries(): SetIterator<[string, string]> {
    this.settle();
    return super.entries();
  }
  override [Symbol.iterator](): SetIterator<string> {
    this.settle();
    return super[Symbol.iterator]();
  }
}

export class Workspace {
  private readonly files = new Map<string, FileState>();
  private opts: Required<Pick<WorkspaceOptions, 'defaultNamespace' | 'maxFileBytes'>> & WorkspaceOptions;
  private validators: ResourceValidator[];
  /** Set when options replace the built-in analysis (custom analyzer, checkers or route builder). */
  private analyzer: Analyzer | undefined;
  /** True when the cross-resource findings come from custom checkers (policy applied here, not by the checks). */
  private customChecks: boolean;
  private severity: Record<string, SeveritySetting>;
  private disabled: Set<string>;

  // Caches
  private resourceList: Resource[] | undefined;
  private resourceCount = 0;
  private secretList: { name: string; namespace?: string }[] | undefined;
  /** Schema (validator) findings per resource: unchanged documents keep their Resource objects. */
  private readonly merged = new Map<string, Finding[]>();
  private version = 0;

  // Cross-resource analysis: the built-in, incremental one...
  private incremental: IncrementalAnalysis | undefined;
  /** The next sync must rebuild everything (first use, options or Secrets changed, a failed update). */
  private stale = true;
  private readonly pendingAdded = new Set<Resource>();
  private readonly pendingRemoved = new Set<Resource>();
  // ...or a custom analyzer's complete result.
  private custom: { routes: RouteTable; findings: Map<string, Finding[]> } | undefined;

  // Change reporting
  /** The (non-empty) findings last reported per URI. */
  private readonly reported = new Map<string, Finding[]>();
  private readonly touched = new Set<string>();
  /** URIs whose cross-resource findings may have changed since the last settled change set. */
  private readonly crossDirty = new Set<string>();
  private everything = false;

  constructor(options: WorkspaceOptions = {}) {
    this.opts = { ...options, defaultNamespace: options.defaultNamespace ?? 'default', maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES };
    this.validators = options.validators ?? [validateResource];
    this.customChecks = !!(options.checkers || options.routeBuilder);
    if (this.customChecks) {
      const checkers = options.checkers ?? [];
      const routeBuilder: RouteBuilder = options.routeBuilder ?? ((rs, o) => buildRouteTable(rs, o));
      this.analyzer = (rs, o) => {
        const findings: Finding[] = [];
        for (const check of checkers) {
          try {
            for (const f of check(rs, o)) findings.push(f);
          } catch (e) {
            this.opts.onError?.('cross-resource checks', e);
          }
        }
        let routes: RouteTable;
        try {
          routes = routeBuilder(rs, o);
        } catch (e) {
          this.opts.onError?.('routes', e);
          routes = emptyTable();
        }
        return { routes, findings };
      };
    } else {
      this.analyzer = options.analyzer;
    }
    this.severity = { ...DEFAULT_SEVERITY_OVERRIDES, ...(options.severity ?? {}) };
    this.disabled = new Set(options.disabled ?? []);
  }

  // ---- Queries

  has(uri: string): boolean {
    return this.files.has(uri);
  }

  uris(): string[] {
    return [...this.files.keys()];
  }

  /** The parse of one file (documents, resources, skip reason), if it is in the workspace. */
  parsed(uri: string): ParsedFile | undefined {
    return this.files.get(uri)?.parsed;
  }

  /** All Ambassador resources, ordered by file URI then position in the file. */
  resources(): Resource[] {
    if (!this.resourceList) {
      const uris = [...this.files.keys()].sort();
      const out: Resource[] = [];
      for (const u of uris) for (const r of this.files.get(u)!.parsed.resources) out.push(r);
      this.resourceList = out;
    }
    return this.resourceList;
  }

  /** A number that changes whenever the set of resources (or Secrets) changes: a cheap staleness check. */
  get resourcesVersion(): number {
    return this.version;
  }

  /** Findings of one file (parse, schema and cross-resource), after severity overrides and disabled codes. */
  findingsFor(uri: string): Finding[] {
    const list = this.current(uri);
    // What a caller has read counts as reported: later change sets compare against it.
    if (list.length) this.reported.set(uri, list);
    else this.reported.delete(uri);
    return list;
  }

  private current(uri: string): Finding[] {
    const state = this.files.get(uri);
    if (!state) return [];
    this.sync();
    let list = this.merged.get(uri);
    if (!list) {
      const cross = this.crossFor(uri);
      list = [];
      for (const f of state.own) this.applyPolicy(f, list, false);
      for (const f of cross) this.applyPolicy(f, list, !this.customChecks);
      list.sort(compareFindings);
      this.merged.set(uri, list);
    }
    return list;
  }

  /** Every file with at least one finding. */
  allFindings(): Map<string, Finding[]> {
    const out = new Map<string, Finding[]>();
    for (const uri of this.files.keys()) {
      const list = this.findingsFor(uri);
      if (list.length) out.set(uri, list);
    }
    return out;
  }

  routeTable(): RouteTable {
    this.sync();
    if (this.analyzer) return this.custom?.routes ?? emptyTable();
    return this.incremental?.routeTable() ?? emptyTable();
  }

  /**
   * Does now what the first edit after a (re)load would otherwise pay for: brings the cross-resource analysis up
   * to date and builds the indexes incremental updates use. For idle time after indexing.
   */
  prepareForEdits(): void {
    this.sync();
    this.incremental?.index();
  }

  /** Namespace of resources that do not name one. */
  get defaultNamespace(): string {
    return this.opts.defaultNamespace;
  }

  /** The files that define `kind: Secret` documents, in URI order. */
  filesWithSecrets(): ParsedFile[] {
    const out: ParsedFile[] = [];
    for (const u of [...this.files.keys()].sort()) {
      const state = this.files.get(u)!;
      if (state.secrets.length > 0) out.push(state.parsed);
    }
    return out;
  }

  /** `kind: Secret` documents in the workspace (names only). */
  secrets(): { name: string; namespace?: string }[] {
    if (!this.secretList) {
      const out: { name: string; namespace?: string }[] = [];
      for (const u of [...this.files.keys()].sort()) for (const x of this.files.get(u)!.secrets) out.push(x);
      this.secretList = out;
    }
    return this.secretList;
  }

  // ---- Updates (each returns the URIs whose findings changed since last reported)

  setFile(uri: string, text: string): ChangeSet {
    const before = this.files.get(uri);
    if (before && before.parsed.text === text) return this.changes();
    const parseOpts: ParseOptions = { maxFileBytes: this.opts.maxFileBytes };
    const reuse = before?.parsed;
    const inc = parseFileIncremental(uri, text, parseOpts, reuse);
    const parsed = inc.parsed;
    // Schema findings of the resources the parse kept (same objects) or moved (shifted) are reused.
    const known = new Map<Resource, readonly Finding[]>();
    if (before) {
      const rs = before.parsed.resources;
      for (let i = 0; i < rs.length; i++) known.set(rs[i], before.schema[i]);
      for (const m of inc.moved) carryValidation(m, known);
    }
    const own = [...parsed.findings];
    const schema = new Array<readonly Finding[]>(parsed.resources.length);
    for (let i = 0; i < parsed.resources.length; i++) {
      const r = parsed.resources[i];
      const list = known.get(r) ?? this.validate(r, uri);
      schema[i] = list;
      for (const f of list) own.push(f);
    }
    const secrets = parsed.documents.length ? secretsInDocuments(parsed.documents.map((d) => d.value)) : [];
    this.files.set(uri, { parsed, own, schema, secrets });
    this.touched.add(uri);
    this.merged.delete(uri);
    const secretsChanged = (before?.secrets.length ?? 0) + secrets.length > 0 && JSON.stringify(before?.secrets ?? []) !== JSON.stringify(secrets);
    const oldResources = before?.parsed.resources ?? [];
    let removed: Resource[] = oldResources;
    let added: Resource[] = parsed.resources;
    if (oldResources.length > 0 && parsed.resources.length > 0) {
      const now = new Set(parsed.resources);
      const was = new Set(oldResources);
      removed = oldResources.filter((r) => !now.has(r));
      added = parsed.resources.filter((r) => !was.has(r));
    }
    this.resourcesChanged(removed, added, secretsChanged);
    return this.changes();
  }

  /** Adds or replaces many files; cheaper than calling setFile for each when the result is read each time. */
  setFiles(files: Iterable<{ uri: string; text: string }>): ChangeSet {
    for (const f of files) this.setFile(f.uri, f.text);
    return this.changes();
  }

  removeFile(uri: string): ChangeSet {
    const before = this.files.get(uri);
    if (!before) return this.changes();
    this.files.delete(uri);
    this.touched.add(uri);
    this.merged.delete(uri);
    this.resourcesChanged(before.parsed.resources, [], before.secrets.length > 0);
    return this.changes();
  }

  /** Changes options (namespace, severities, disabled codes...). Validators and checkers stay. */
  configure(
    options: Pick<WorkspaceOptions, 'defaultNamespace' | 'ambassadorId' | 'severity' | 'secretReferenceSeverity' | 'disabled' | 'displayPath'>,
  ): ChangeSet {
    if ('displayPath' in options) this.opts.displayPath = options.displayPath;
    if (options.defaultNamespace !== undefined) this.opts.defaultNamespace = options.defaultNamespace;
    if ('ambassadorId' in options) this.opts.ambassadorId = options.ambassadorId;
    if ('secretReferenceSeverity' in options) this.opts.secretReferenceSeverity = options.secretReferenceSeverity;
    if (options.severity) this.severity = { ...DEFAULT_SEVERITY_OVERRIDES, ...options.severity };
    if (options.disabled) this.disabled = new Set(options.disabled);
    this.stale = true;
    this.custom = undefined;
    this.merged.clear();
    this.everything = true;
    return this.changes();
  }

  // ---- Internals

  private analysisOptions(): AnalysisOptions {
    const o: AnalysisOptions = {
      defaultNamespace: this.opts.defaultNamespace,
      severity: { ...this.severity },
      secrets: this.secrets(),
      textOf: (uri: string) => this.files.get(uri)?.parsed.text,
    };
    for (const code of this.disabled) o.severity![code] = 'off';
    if (this.opts.ambassadorId !== undefined) o.ambassadorId = this.opts.ambassadorId;
    if (this.opts.secretReferenceSeverity !== undefined) o.secretReferenceSeverity = this.opts.secretReferenceSeverity;
    if (this.opts.displayPath) o.displayPath = this.opts.displayPath;
    return o;
  }

  /** Schema findings of one resource (every validator). */
  private validate(r: Resource, uri: string): readonly Finding[] {
    const found: Finding[] = [];
    for (const v of this.validators) {
      try {
        for (const f of v(r)) found.push(f);
      } catch (e) {
        this.opts.onError?.(`validator (${r.kind} ${r.name} in ${uri})`, e);
      }
    }
    return found.length ? found : NONE;
  }

  /** Applies disabled codes and, unless the checks applied them already, severity overrides. */
  private applyPolicy(f: Finding, out: Finding[], severityApplied: boolean): void {
    if (this.disabled.has(f.code)) return;
    const sev = severityApplied ? undefined : this.severity[f.code];
    if (sev === 'off') return;
    out.push(sev && sev !== f.severity ? { ...f, severity: sev } : f);
  }

  private resourcesChanged(removed: Resource[], added: Resource[], secretsChanged: boolean): void {
    if (removed.length === 0 && added.length === 0 && !secretsChanged) return;
    this.version++;
    if (secretsChanged) {
      this.secretList = undefined;
      this.stale = true;
    }
    if (removed.length > 0 || added.length > 0) this.resourceList = undefined;
    this.resourceCount += added.length - removed.length;
    if (this.analyzer) {
      this.stale = true;
      return;
    }
    if (this.stale) return;
    for (const r of removed) if (!this.pendingAdded.delete(r)) this.pendingRemoved.add(r);
    for (const r of added) this.pendingAdded.add(r);
  }

  /** Brings the cross-resource analysis up to date with the files. */
  private sync(): void {
    if (this.analyzer) {
      if (this.stale || !this.custom) this.syncCustom();
      return;
    }
    const pending = this.pendingAdded.size + this.pendingRemoved.size;
    if (!this.stale && pending === 0 && this.incremental) return;
    const opts = this.analysisOptions();
    const inc = (this.incremental ??= new IncrementalAnalysis(opts));
    let done = false;
    if (!this.stale && pending <= Math.max(1000, this.resourceCount / 5)) {
      try {
        done = inc.update(this.pendingRemoved, this.pendingAdded);
      } catch (e) {
        this.opts.onError?.('cross-resource analysis (incremental)', e);
      }
    }
    this.pendingAdded.clear();
    this.pendingRemoved.clear();
    this.stale = false;
    if (!done) {
      try {
        inc.full(this.resources(), opts);
      } catch (e) {
        this.opts.onError?.('cross-resource analysis', e);
        // Start over empty; every file that had cross findings is republished; the next change retries.
        const lost = [...inc.takeDirty(), ...inc.urisWithFindings()];
        this.incremental = new IncrementalAnalysis(opts);
        for (const u of lost) this.crossChanged(u);
        this.stale = true;
        return;
      }
    }
    for (const u of inc.takeDirty()) this.crossChanged(u);
  }

  private syncCustom(): void {
    const before = this.custom;
    let result: { routes: RouteTable; findings: Finding[] };
    const resources = this.resources();
    try {
      result = resources.length ? this.analyzer!(resources, this.analysisOptions()) : { routes: emptyTable(), findings: [] };
    } catch (e) {
      this.opts.onError?.('cross-resource analysis', e);
      result = { routes: emptyTable(), findings: [] };
    }
    const byUri = new Map<string, Finding[]>();
    for (const f of result.findings) {
      let list = byUri.get(f.uri);
      if (!list) byUri.set(f.uri, (list = []));
      list.push(f);
    }
    this.custom = { routes: result.routes, findings: byUri };
    this.stale = false;
    for (const u of before?.findings.keys() ?? []) this.crossChanged(u);
    for (const u of byUri.keys()) this.crossChanged(u);
  }

  private crossChanged(uri: string): void {
    this.merged.delete(uri);
    this.crossDirty.add(uri);
  }

  private crossFor(uri: string): Finding[] {
    if (this.analyzer) return this.custom?.findings.get(uri) ?? [];
    return this.incremental?.findingsFor(uri) ?? [];
  }

  /** A ChangeSet that, when read, lists URIs whose findings differ from what was last reported. */
  private changes(): ChangeSet {
    return new ChangeSet(() => this.settleChanges());
  }

  private settleChanges(): string[] {
    this.sync();
    const candidates = new Set<string>(this.touched);
    for (const u of this.crossDirty) candidates.add(u);
    if (this.everything) {
      for (const u of this.reported.keys()) candidates.add(u);
      for (const u of this.files.keys()) candidates.add(u);
    }
    this.touched.clear();
    this.crossDirty.clear();
    this.everything = false;
    const changed: string[] = [];
    for (const u of candidates) {
      const now = this.current(u);
      if (!sameFindings(now, this.reported.get(u) ?? NONE)) changed.push(u);
      if (now.length) this.reported.set(u, now);
      else this.reported.delete(u);
    }
    return changed;
  }
}

/**
 * Whether two finding lists say the same. Unchanged findings are mostly the very same objects (cached per
 * resource and per analysis bucket), so only the others are compared by content.
 */
function sameFindings(a: readonly Finding[], b: readonly Finding[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && JSON.stringify(a[i]) !== JSON.stringify(b[i])) return false;
  }
  return true;
}

function shiftRange(r: Range, delta: number): Range {
  return { start: { line: r.start.line + delta, character: r.start.character }, end: { line: r.end.line + delta, character: r.end.character } };
}

/** A copy of a finding about a document that moved by `delta` lines (all its locations are in that document). */
function shiftFinding(f: Finding, delta: number): Finding {
  const out: Finding = { ...f, range: shiftRange(f.range, delta) };
  if (f.related) out.related = f.related.map((r) => (r.uri === f.uri ? { ...r, range: shiftRange(r.range, delta) } : r));
  if (f.fix) out.fix = { ...f.fix, edits: f.fix.edits.map((e) => (e.uri === f.uri ? { ...e, range: shiftRange(e.range, delta) } : e)) };
  return out;
}
