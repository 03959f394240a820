// A live diff session: the workspace's Ambassador resources against one kubeconfig context, kept current on both
// sides (watches for the cluster, setResources() for the workspace) and reported as throttled DriftSummary updates.
// Read-only: only get, list and watch requests are ever sent.
import type { DriftSummary } from '../lsp/protocol';
import type { Resource } from '../engine/model';
import { DriftIndex, desiredFromResource, type DesiredItem, type IgnoreRule, type Obj } from '../engine/diff';
import { KubeClient, type ClientOptions } from './client';
import { ClusterError, errorMessage } from './errors';
import { loadKubeconfig, resolveContext, type KubeconfigSource } from './kubeconfig';
import { DIFF_KINDS, GROUP, collectionPath, explain404, primaryVersion, whatOf } from './resources';
import { LiveListing, type BackoffOptions } from './watcher';

export interface DiffSessionOptions extends KubeconfigSource {
  /** false in an untrusted workspace: contexts that run credential plugins are refused. */
  allowExec: boolean;
  client?: ClientOptions;
  /** Least time between two emitted summaries. Default 200 ms. */
  throttleMs?: number;
  ignore?: IgnoreRule[];
  backoff?: BackoffOptions;
  /** Lists started at once. Default 4. */
  concurrency?: number;
  /** false: list once and do not watch (the CLI). Default true. */
  watch?: boolean;
}

interface ListingState {
  id: string;
  kind: string;
  version: string;
  namespace?: string;
  listing?: LiveListing;
  problem?: string;
  /** The cluster does not serve this kind/version: compared as empty, not watched. */
  notServed?: string;
}

function listingId(kind: string, version: string, ns?: string): string {
  return `${kind}/${version}/${ns ?? '*'}`;
}

/** Run tasks with at most `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  let failed = false;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length && !failed) {
      try {
        await fn(items[i++]!);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  });
  await Promise.all(workers);
}

export class DiffSession {
  private index: DriftIndex | undefined;
  private client: KubeClient | undefined;
  private readonly listings = new Map<string, ListingState>();
  private status: DriftSummary['status'] = 'stopped';
  private message: string | undefined;
  private notes: string[] = [];
  private context = '';
  private namespaces: string[] = [];
  /** Namespaces actually listed (undefined = all namespaces at the cluster scope). */
  private scopes: (string | undefined)[] = [undefined];
  private desired: (DesiredItem & { source?: unknown })[] = [];
  private ignore: IgnoreRule[];
  private emitTimer: NodeJS.Timeout | undefined;
  private lastEmit = 0;
  private generation = 0;
  private reconcileChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: DiffSessionOptions,
    private readonly onSummary: (s: DriftSummary) => void = () => undefined,
  ) {
    this.ignore = opts.ignore ?? [];
  }

  /** The workspace side, as engine resources (the same Resource objects are not normalised twice). */
  setResources(resources: Resource[]): void {
    this.setDesired(resources.map((r) => ({ ...desiredFromResource(r), source: r })));
  }

  /** The workspace side, as plain items. Only affected entries are recomputed. */
  setDesired(items: (DesiredItem & { source?: unknown })[]): void {
    this.desired = items;
    if (!this.index) return;
    const changed = this.index.setDesired(items);
    if (this.status === 'live' || this.status === 'reconnecting') this.reconcileListings();
    if (changed.size) this.scheduleEmit();
  }

  setIgnoreRules(rules: IgnoreRule[]): void {
    if (rules === this.ignore) return;
    this.ignore = rules;
    if (!this.index) return;
    this.index.setIgnoreRules(rules);
    this.scheduleEmit();
  }

  /** Start (or restart) against a context. Resolves with the first complete summary (or an error summary). */
  async start(context: string, namespaces: string[]): Promise<DriftSummary> {
    await this.stop(false);
    const gen = ++this.generation;
    this.context = context;
    this.namespaces = [...namespaces];
    this.notes = [];
    this.status = 'loading';
    this.message = undefined;
    try {
      const cfg = loadKubeconfig(this.opts);
      const ctx = resolveContext(cfg, context, this.opts.allowExec);
      this.context = ctx.name;
      this.client = new KubeClient(ctx, this.opts.client);
      this.index = new DriftIndex({ defaultNamespace: ctx.namespace || 'default', ignore: this.ignore, namespaces: this.namespaces });
      this.index.setDesired(this.desired);
      this.scopes = this.namespaces.length ? this.namespaces : [undefined];
      try {
        await this.syncListings(gen, true);
      } catch (e) {
        // Not allowed to list at the cluster scope: fall back to the namespaces the workspace (and context) use.
        if (e instanceof ClusterError && e.reason === 'forbidden' && !this.namespaces.length && gen === this.generation) {
          const nss = [...new Set([...this.index.desiredNamespaces(), ctx.namespace || 'default'])].sort();
          await this.closeListings();
          this.scopes = nss;
          this.notes.push(`Listing at the cluster scope is forbidden; comparing the workspace's namespaces only (${nss.join(', ')}).`);
          await this.syncListings(gen, true);
        } else throw e;
      }
      if (gen !== this.generation) return this.summary();
      this.status = 'live';
      this.message = this.notes.length ? this.notes.join(' ') : undefined;
      if (this.opts.watch !== false) {
        for (const l of this.listings.values()) l.listing?.startWatching();
        // The workspace may have changed kinds/versions while the first lists ran.
        this.reconcileListings();
      }
    } catch (e) {
      if (gen !== this.generation) return this.summary();
      await this.closeListings();
      this.client?.close();
      this.client = undefined;
      this.status = 'error';
      this.message = errorMessage(e);
    }
    const s = this.summary();
    this.lastEmit = Date.now();
    return s;
  }

  /** The listings the desired side needs: per kind, each version the workspace uses (v3alpha1 when none), per scope. */
  private wantedListings(): Map<string, { kind: string; version: string; namespace?: string; primary: boolean }> {
    const used = this.index!.desiredVersions();
    const want = new Map<string, { kind: string; version: string; namespace?: string; primary: boolean }>();
    for (const kind of DIFF_KINDS) {
      const versions = used.get(`${GROUP}/${kind}`);
      const primary = primaryVersion(kind, versions);
      const all = new Set(versions ?? []);
      all.add(primary);
      for (const version of all)
        for (const ns of this.scopes) want.set(listingId(kind, version, ns), { kind, version, namespace: ns, primary: version === primary });
    }
    return want;
  }

  /** Bring the set of listings in line with what is wanted; new ones are listed (and watched unless `initial`). */
  private async syncListings(gen: number, initial: boolean): Promise<void> {
    const index = this.index!;
    const client = this.client!;
    const want = this.wantedListings();
    for (const w of want.values()) if (w.primary) index.setPrimaryVersion(GROUP, w.kind, w.version);
    for (const [id, st] of [...this.listings]) {
      if (want.has(id)) continue;
      this.listings.delete(id);
      await st.listing?.stop();
      // Drop what this listing contributed (only its namespace for a namespaced listing).
      index.replaceLive(GROUP, st.kind, st.version, [], st.namespace ? [st.namespace] : undefined);
    }
    const fresh = [...want.entries()].filter(([id]) => !this.listings.has(id));
    for (const [id, w] of fresh) this.listings.set(id, { id, kind: w.kind, version: w.version, namespace: w.namespace });
    await pool(fresh, this.opts.concurrency ?? 4, async ([id, w]) => {
      if (gen !== this.generation) return;
      const st = this.listings.get(id);
      if (!st) return;
      const apiVersion = `${GROUP}/${w.version}`;
      const on404 = (): Promise<ClusterError> => explain404(client, w.kind, w.version);
      const listing = new LiveListing(
        client,
        collectionPath(GROUP, w.version, w.kind, w.namespace),
        whatOf('list', w.kind, w.namespace),
        { apiVersion, kind: w.kind },
        {
          onList: (items) => {
            if (this.listings.get(id) !== st) return;
            if (index.replaceLive(GROUP, w.kind, w.version, items, w.namespace ? [w.namespace] : undefined).size) this.scheduleEmit();
          },
          onEvent: (type, obj) => {
            if (this.listings.get(id) !== st) return;
            const k = type === 'DELETED' ? index.removeLive(obj as Obj) : index.upsertLive(obj as Obj);
            if (k) this.scheduleEmit();
          },
          onHealth: (problem) => {
            st.problem = problem;
            this.refreshHealth();
          },
        },
        this.opts.backoff,
        on404,
      );
      st.listing = listing;
      try {
        await listing.initialList();
      } catch (e) {
        st.listing = undefined;
        if (e instanceof ClusterError && e.reason === 'version-not-served') {
          st.notServed = e.message;
          const note = e.message;
          if (!this.notes.includes(note)) this.notes.push(note);
          return;
        }
        throw e;
      }
      if (!initial && gen === this.generation && this.opts.watch !== false) listing.startWatching();
    });
  }

  /** After a workspace change: start/stop listings when the kinds or versions in use changed. */
  private reconcileListings(): void {
    const gen = this.generation;
    const want = this.wantedListings();
    const same = want.size === this.listings.size && [...want.keys()].every((k) => this.listings.has(k));
    if (same) return;
    this.reconcileChain = this.reconcileChain.then(async () => {
      if (gen !== this.generation || !this.client) return;
      try {
        await this.syncListings(gen, false);
        this.refreshHealth();
      } catch (e) {
        if (gen !== this.generation) return;
        this.status = 'error';
        this.message = errorMessage(e);
      }
      this.scheduleEmit();
    });
  }

  private refreshHealth(): void {
    if (this.status === 'stopped' || this.status === 'error' || this.status === 'loading') return;
    const problems = [...this.listings.values()].map((l) => l.problem).filter((p): p is string => !!p);
    const next = problems.length ? 'reconnecting' : 'live';
    const msg = problems.length ? problems[0] : this.notes.length ? this.notes.join(' ') : undefined;
    if (next !== this.status || msg !== this.message) {
      this.status = next;
      this.message = msg;
      this.scheduleEmit();
    }
  }

  private scheduleEmit(): void {
    if (this.status === 'stopped' || this.emitTimer) return;
    const throttle = this.opts.throttleMs ?? 200;
    const wait = Math.max(0, this.lastEmit + throttle - Date.now());
    this.emitTimer = setTimeout(() => {
      this.emitTimer = undefined;
      if (this.status === 'stopped' || this.status === 'loading') return;
      this.lastEmit = Date.now();
      this.onSummary(this.summary());
    }, wait);
  }

  summary(): DriftSummary {
    const s: DriftSummary = {
      context: this.context,
      namespaces: [...this.namespaces],
      status: this.status,
      entries: this.status === 'error' || !this.index ? [] : this.index.list().map((e) => ({ ...e, changes: [...e.changes] })),
    };
    if (this.message) s.message = this.message;
    return s;
  }

  /** Normalised YAML of one side of an entry, Secret values masked. Undefined for an unknown key. */
  document(key: string, side: 'workspace' | 'cluster'): string | undefined {
    return this.index?.document(key, side);
  }

  /** Current request counts etc., for tests. */
  get listingCount(): number {
    return this.listings.size;
  }

  get running(): boolean {
    return this.status !== 'stopped';
  }

  private async closeListings(): Promise<void> {
    const all = [...this.listings.values()];
    this.listings.clear();
    await Promise.all(all.map((l) => l.listing?.stop()));
  }

  /** Stop watches and timers. Emits a final 'stopped' summary unless `notify` is false. */
  async stop(notify = true): Promise<void> {
    this.generation++;
    const wasRunning = this.status !== 'stopped';
    this.status = 'stopped';
    if (this.emitTimer) clearTimeout(this.emitTimer);
    this.emitTimer = undefined;
    await this.closeListings();
    this.client?.close();
    this.client = undefined;
    await this.reconcileChain.catch(() => undefined);
    if (notify && wasRunning) this.onSummary(this.summary());
  }
}

/** One-shot comparison (CLI): list once, no watches. */
export async function diffOnce(
  opts: DiffSessionOptions,
  context: string,
  namespaces: string[],
  desired: (DesiredItem & { source?: unknown })[],
): Promise<{ summary: DriftSummary; session: DiffSession }> {
  const session = new DiffSession({ ...opts, watch: false });
  session.setDesired(desired);
  const summary = await session.start(context, namespaces);
  await session.stop(false);
  return { summary, session };
}
