// The engine's view of a whole workspace: every YAML file's parse, per-file findings (EP001 + schema) and
// cross-resource findings (EP2xx), plus the route table. Pure (no I/O) and incremental:
// - setFile re-parses and re-validates only that file;
// - cross-resource checks and the route table are recomputed lazily, and only after a change that touched
//   Ambassador resources (a file with none before and after does not invalidate them);
// - every update returns the set of URIs whose findings changed since they were last reported (in a change
//   set, or read through findingsFor/allFindings), so the language server republishes only those. The set is computed when first read (iterated, .has, .size): a
//   caller that loads thousands of files and ignores the results pays for the cross-resource checks once.

import type { Finding, Resource, RouteTable, Severity } from './model';
import { parseFile } from './parse';
import type { ParsedFile, ParseOptions } from './parse';
import { validateResource } from './schema/validate';
import { buildRouteTable } from './routes';

/** Per-resource checks (schema validation). */
export type ResourceValidator = (r: Resource) => Finding[];
/** Options handed to cross-resource checkers and the route builder. */
export interface AnalysisOptions {
  defaultNamespace: string;
  ambassadorId?: string;
}
/** Cross-resource checks over all resources of the workspace. */
export type WorkspaceChecker = (resources: Resource[], opts: AnalysisOptions) => Finding[];
export type RouteBuilder = (resources: Resource[], opts: AnalysisOptions) => RouteTable;

export interface WorkspaceOptions {
  /** Namespace of resources that do not name one. Default `default`. */
  defaultNamespace?: string;
  /** The Emissary installation to model (see RouteOptions.ambassadorId); passed to checkers and routes. */
  ambassadorId?: string;
  /** Files larger than this (UTF-8 bytes) are skipped. Default 5 MB. */
  maxFileBytes?: number;
  /** Severity per code, applied to every finding. Merged over DEFAULT_SEVERITY_OVERRIDES. */
  severity?: Record<string, Severity>;
  /** Codes whose findings are dropped. */
  disabled?: string[];
  /** Per-resource validators. Default: [validateResource]. */
  validators?: ResourceValidator[];
  /** Cross-resource checkers. Default: [checkWorkspace] from ./checks when that module is present. */
  checkers?: WorkspaceChecker[];
  /** Route table builder. Default: buildRouteTable. */
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
}

function emptyTable(): RouteTable {
  return { hosts: [], groups: [], tcp: [] };
}

function loadDefaultCheckers(): WorkspaceChecker[] {
  try {
    // Wired by name so that the engine builds before the checks module exists.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('./checks') as { checkWorkspace?: (resources: Resource[], opts?: AnalysisOptions) => Finding[] };
    return typeof m.checkWorkspace === 'function' ? [(rs, o) => m.checkWorkspace!(rs, o)] : [];
  } catch {
    return [];
  }
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
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
  private checkers: WorkspaceChecker[];
  private routeBuilder: RouteBuilder;
  private severity: Record<string, Severity>;
  private disabled: Set<string>;

  // Caches
  private resourceList: Resource[] | undefined;
  private cross: Map<string, Finding[]> | undefined;
  private table: RouteTable | undefined;
  private readonly merged = new Map<string, Finding[]>();
  private readonly signatures = new Map<string, string>();

  // Change reporting
  private readonly reported = new Map<string, string>();
  private readonly touched = new Set<string>();
  private everything = false;
  private crossAtReport = new Set<string>();

  constructor(options: WorkspaceOptions = {}) {
    this.opts = { ...options, defaultNamespace: options.defaultNamespace ?? 'default', maxFileBytes: options.maxFileBytes ?? 5 * 1024 * 1024 };
    this.validators = options.validators ?? [validateResource];
    this.checkers = options.checkers ?? loadDefaultCheckers();
    this.routeBuilder = options.routeBuilder ?? ((rs, o) => buildRouteTable(rs, o));
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

  /** Findings of one file (parse, schema and cross-resource), after severity overrides and disabled codes. */
  findingsFor(uri: string): Finding[] {
    const list = this.current(uri);
    // What a caller has read counts as reported: later change sets compare against it.
    const sig = this.signatures.get(uri) ?? '';
    if (sig) this.reported.set(uri, sig);
    else this.reported.delete(uri);
    return list;
  }

  private current(uri: string): Finding[] {
    const state = this.files.get(uri);
    if (!state) return [];
    let list = this.merged.get(uri);
    if (!list) {
      const cross = this.crossFindings().get(uri) ?? [];
      list = [];
      for (const f of state.own) this.applyPolicy(f, list);
      for (const f of cross) this.applyPolicy(f, list);
      list.sort(compareFindings);
      this.merged.set(uri, list);
      this.signatures.set(uri, list.length ? JSON.stringify(list) : '');
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
    if (!this.table) {
      try {
        this.table = this.routeBuilder(this.resources(), this.analysisOptions());
      } catch (e) {
        this.opts.onError?.('routes', e);
        this.table = emptyTable();
      }
    }
    return this.table;
  }

  // ---- Updates (each returns the URIs whose findings changed since last reported)

  setFile(uri: string, text: string): ChangeSet {
    const before = this.files.get(uri);
    if (before && before.parsed.text === text) return this.changes();
    const parseOpts: ParseOptions = { maxFileBytes: this.opts.maxFileBytes };
    const parsed = parseFile(uri, text, parseOpts);
    const own = [...parsed.findings];
    for (const r of parsed.resources) {
      for (const v of this.validators) {
        try {
          for (const f of v(r)) own.push(f);
        } catch (e) {
          this.opts.onError?.(`validator (${r.kind} ${r.name} in ${uri})`, e);
        }
      }
    }
    this.files.set(uri, { parsed, own });
    this.touched.add(uri);
    this.merged.delete(uri);
    if ((before && before.parsed.resources.length > 0) || parsed.resources.length > 0) this.resourcesChanged();
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
    if (before.parsed.resources.length > 0) this.resourcesChanged();
    return this.changes();
  }

  /** Changes options (namespace, severities, disabled codes...). Validators and checkers stay. */
  configure(options: Pick<WorkspaceOptions, 'defaultNamespace' | 'ambassadorId' | 'severity' | 'disabled'>): ChangeSet {
    if (options.defaultNamespace !== undefined) this.opts.defaultNamespace = options.defaultNamespace;
    if ('ambassadorId' in options) this.opts.ambassadorId = options.ambassadorId;
    if (options.severity) this.severity = { ...DEFAULT_SEVERITY_OVERRIDES, ...options.severity };
    if (options.disabled) this.disabled = new Set(options.disabled);
    this.cross = undefined;
    this.table = undefined;
    this.merged.clear();
    this.everything = true;
    return this.changes();
  }

  // ---- Internals

  private analysisOptions(): AnalysisOptions {
    const o: AnalysisOptions = { defaultNamespace: this.opts.defaultNamespace };
    if (this.opts.ambassadorId !== undefined) o.ambassadorId = this.opts.ambassadorId;
    return o;
  }

  private applyPolicy(f: Finding, out: Finding[]): void {
    if (this.disabled.has(f.code)) return;
    const sev = this.severity[f.code];
    out.push(sev && sev !== f.severity ? { ...f, severity: sev } : f);
  }

  private resourcesChanged(): void {
    this.resourceList = undefined;
    this.table = undefined;
    if (this.cross) {
      // Every file that had cross-resource findings must be merged again.
      for (const u of this.cross.keys()) this.merged.delete(u);
    }
    this.cross = undefined;
  }

  private crossFindings(): Map<string, Finding[]> {
    if (!this.cross) {
      const byUri = new Map<string, Finding[]>();
      const resources = this.resources();
      if (resources.length > 0) {
        for (const check of this.checkers) {
          let found: Finding[] = [];
          try {
            found = check(resources, this.analysisOptions());
          } catch (e) {
            this.opts.onError?.('cross-resource checks', e);
          }
          for (const f of found) {
            let list = byUri.get(f.uri);
            if (!list) byUri.set(f.uri, (list = []));
            list.push(f);
          }
        }
      }
      // Files whose cross findings appear now must be merged again (those that had some were cleared already).
      for (const u of byUri.keys()) this.merged.delete(u);
      this.cross = byUri;
    }
    return this.cross;
  }

  private signature(uri: string): string {
    if (!this.files.has(uri)) {
      this.signatures.delete(uri);
      return '';
    }
    this.current(uri);
    return this.signatures.get(uri) ?? '';
  }

  /** A ChangeSet that, when read, lists URIs whose findings differ from what was last reported. */
  private changes(): ChangeSet {
    return new ChangeSet(() => this.settleChanges());
  }

  private settleChanges(): string[] {
    const candidates = new Set<string>(this.touched);
    const cross = this.crossFindings();
    for (const u of this.crossAtReport) candidates.add(u);
    for (const u of cross.keys()) candidates.add(u);
    if (this.everything) {
      for (const u of this.reported.keys()) candidates.add(u);
      for (const u of this.files.keys()) candidates.add(u);
    }
    this.touched.clear();
    this.everything = false;
    this.crossAtReport = new Set(cross.keys());
    const changed: string[] = [];
    for (const u of candidates) {
      const sig = this.signature(u);
      const old = this.reported.get(u) ?? '';
      if (sig !== old) changed.push(u);
      if (sig) this.reported.set(u, sig);
      else this.reported.delete(u);
    }
    return changed;
  }
}
