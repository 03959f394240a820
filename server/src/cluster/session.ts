// A live diff session: the workspace's Ambassador resources against one kubeconfig context, kept current on both
// sides (watches for the cluster, setResources() for the workspace) and reported as throttled DriftSummary updates.
// Read-only: only get, list and watch requests are ever sent.
//
// Besides the getambassador.io kinds, Services (core v1) and Ingresses (networking.k8s.io/v1) are listed and watched:
// resources defined in their getambassador.io/config annotation are compared with the live annotation. When they
// may not be read (403), those resources are left out with a note, and the CR comparison goes on.
import type { DriftSummary } from '../lsp/protocol';
import type { Resource } from '../engine/model';
import { ANNOTATION_OWNER_KINDS, DriftIndex, desiredFromResource, type DesiredItem, type IgnoreRule, type Obj } from '../engine/diff';
import { KubeClient, type ClientOptions } from './client';
import { ClusterError, errorMessage } from './errors';
import { loadKubeconfig, refuseExecUnlessAllowed, resolveContext, type KubeconfigSource, type ResolvedContext } from './kubeconfig';
import { DIFF_KINDS, GROUP, collectionPath, explain404, primaryVersion, resourceName } from './resources';
import { LiveListing, type BackoffOptions } from './watcher';
import { runLimited } from '../node/limit';

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

interface WantedListing {
  /** API group: getambassador.io for the CRs, '' (core) or networking.k8s.io for annotation owners. */
  group: string;
  kind: string;
  version: string;
  namespace?: string;
  primary: boolean;
  /** A Service/Ingress listing: only their getambassador.io/config annotation counts. */
  owner: boolean;
}

interface ListingState extends WantedListing {
  id: string;
  listing?: LiveListing;
  problem?: string;
  /** The cluster does not serve this kind/version: compared as empty, not watched. */
  notServed?: string;
  /** An owner listing that may not be read (403): its annotation resources are not compared. */
  unavailable?: string;
}

function listingId(kind: string, version: string, ns?: string): string {
  return `${kind}/${version}/${ns ?? '*'}`;
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
  /** The workspace side (a function: after an edit applied by difference, the whole list is built only if needed). */
  private desired: () => (DesiredItem & { source?: unknown })[] = () => [];
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
    this.desired = () => items;
    if (this.index) this.desiredChanged(this.index.setDesired(items));
  }

  /**
   * The workspace side after some files changed: `all` gives the new whole side (read only when needed: a restart,
   * or a change that cannot be applied by difference), `removed` and `added` the changed files' old and new items.
   */
  updateDesired(
    all: () => (DesiredItem & { source?: unknown })[],
    removed: (DesiredItem & { source?: unknown })[],
    added: (DesiredItem & { source?: unknown })[],
  ): void {
    this.desired = all;
    if (!this.index) return;
    const changed = this.index.updateDesired(removed, added);
    if (changed) this.desiredChanged(changed);
    else this.setDesired(all());
  }

  private desiredChanged(changed: Set<string>): void {
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

  /**
   * Start (or restart) against a context: its name in the kubeconfig, or one the caller resolved already (the CLI
   * resolves it before reading the workspace). Resolves with the first complete summary (or an error summary).
   */
  async start(context: string | ResolvedContext, namespaces: string[]): Promise<DriftSummary> {
    await this.stop(false);
    const gen = ++this.generation;
    this.context = typeof context === 'string' ? context : context.name;
    this.namespaces = [...namespaces];
    this.notes = [];
    this.status = 'loading';
    this.message = undefined;
    try {
      const ctx = typeof context === 'string' ? resolveContext(loadKubeconfig(this.opts), context, this.opts.allowExec) : context;
      // A context resolved by the caller is held to the same rule as one resolved here.
      if (typeof context !== 'string') refuseExecUnlessAllowed(ctx, this.opts.allowExec);
      this.context = ctx.name;
      this.client = new KubeClient(ctx, this.opts.client);
      this.index = new DriftIndex({ defaultNamespace: ctx.namespace || 'default', ignore: this.ignore, namespaces: this.namespaces });
      this.index.setDesired(this.desired());
      this.scopes = this.namespaces.length ? this.namespaces : [undefined];
      try {
        await this.syncListings(gen, true);
      } catch (e) {
        // Not allowed to list at the cluster scope: fall back to the namespaces the workspace (and context) use.
        if (e instanceof ClusterError && e.reason === 'forbidden' && !this.namespaces.length && gen === this.generation) {
          const nss = [...new Set([...this.index.desiredNamespaces(), ctx.namespace || 'default'])].sort();
          const tried = [...this.listings.values()];
          await this.closeListings();
          // Whatever the cluster-scope listings did get must not linger (other namespaces' objects).
          for (const st of tried) this.dropContribution(st);
          this.scopes = nss;
          this.notes.push(`Listing at the cluster scope is forbidden; comparing the workspace's namespaces only (${nss.join(', ')}).`);
          await this.syncListings(gen, true);
        } else throw e;
      }
      if (gen !== this.generation) return this.summary();
      this.status = 'live';
      this.message = this.noteText();
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

  /**
   * The listings the desired side needs: per kind, each version the workspace uses (v3alpha1 when none), per scope;
   * and the annotation owners (Services, Ingresses) per scope.
   */
  private wantedListings(): Map<string, WantedListing> {
    const used = this.index!.desiredVersions();
    const want = new Map<string, WantedListing>();
    for (const kind of DIFF_KINDS) {
      const versions = used.get(`${GROUP}/${kind}`);
      const primary = primaryVersion(kind, versions);
      const all = new Set(versions ?? []);
      all.add(primary);
      for (const version of all)
        for (const ns of this.scopes) want.set(listingId(kind, version, ns), { group: GROUP, kind, version, namespace: ns, primary: version === primary, owner: false });
    }
    for (const o of ANNOTATION_OWNER_KINDS)
      for (const ns of this.scopes) want.set(listingId(o.kind, o.version, ns), { group: o.group, kind: o.kind, version: o.version, namespace: ns, primary: true, owner: true });
    return want;
  }

  /** Forget what a listing contributed (only its namespace for a namespaced listing). */
  private dropContribution(st: ListingState): void {
    const index = this.index!;
    const nss = st.namespace ? [st.namespace] : undefined;
    if (st.owner) {
      index.replaceOwners(st.kind, [], nss);
      if (st.unavailable) index.setOwnersReadable(st.kind, st.namespace, true);
    } else index.replaceLive(st.group, st.kind, st.version, [], nss);
  }

  /** Bring the set of listings in line with what is wanted; new ones are listed (and watched unless `initial`). */
  private async syncListings(gen: number, initial: boolean): Promise<void> {
    const index = this.index!;
    const client = this.client!;
    const want = this.wantedListings();
    for (const w of want.values()) if (w.primary && !w.owner) index.setPrimaryVersion(GROUP, w.kind, w.version);
    for (const [id, st] of [...this.listings]) {
      if (want.has(id)) continue;
      this.listings.delete(id);
      await st.listing?.stop();
      this.dropContribution(st);
    }
    const fresh = [...want.entries()].filter(([id]) => !this.listings.has(id));
    for (const [id, w] of fresh) this.listings.set(id, { id, ...w });
    await runLimited(fresh, this.opts.concurrency ?? 4, async ([id, w]) => {
      if (gen !== this.generation) return;
      const st = this.listings.get(id);
      if (!st) return;
      const apiVersion = w.group ? `${w.group}/${w.version}` : w.version;
      const nss = w.namespace ? [w.namespace] : undefined;
      const on404 = w.owner
        ? async (): Promise<ClusterError> =>
            new ClusterError('version-not-served', `The cluster of context "${client.contextName}" does not serve ${resourceName(w.kind, w.group)} at ${apiVersion}.`, 404)
        : (): Promise<ClusterError> => explain404(client, w.kind, w.version);
      const listing = new LiveListing(
        client,
        collectionPath(w.group, w.version, w.kind, w.namespace),
        { verb: 'list', resource: resourceName(w.kind, w.group), namespace: w.namespace },
        { apiVersion, kind: w.kind },
        {
          onList: (items) => {
            if (this.listings.get(id) !== st) return;
            const changed = w.owner ? index.replaceOwners(w.kind, items, nss) : index.replaceLive(GROUP, w.kind, w.version, items, nss);
            if (changed.size) this.scheduleEmit();
          },
          onEvent: (type, obj) => {
            if (this.listings.get(id) !== st) return;
            if (w.owner) {
              if ((type === 'DELETED' ? index.removeOwner(obj as Obj) : index.upsertOwner(obj as Obj)).size) this.scheduleEmit();
              return;
            }
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
          // A cluster without Ingresses (or at another version) cannot have annotations on them: nothing to say.
          if (w.owner) return;
          const note = e.message;
          if (!this.notes.includes(note)) this.notes.push(note);
          return;
        }
        if (w.owner && e instanceof ClusterError && e.reason === 'forbidden') {
          // Not allowed to read Services/Ingresses here: their annotation resources cannot be compared; CRs still are.
          if (this.listings.get(id) !== st) return;
          st.unavailable = e.message;
          if (index.setOwnersReadable(w.kind, w.namespace, false).size) this.scheduleEmit();
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

  /** The session's notes, one sentence or more each: fallbacks, kinds not served, annotation owners that may not be read. */
  noteList(): string[] {
    const all = [...this.notes];
    for (const o of ANNOTATION_OWNER_KINDS) {
      const denied = [...this.listings.values()].filter((l) => l.owner && l.kind === o.kind && l.unavailable);
      if (!denied.length) continue;
      const where = denied.some((l) => !l.namespace) ? '' : ` in namespace${denied.length > 1 ? 's' : ''} ${denied.map((l) => l.namespace).join(', ')}`;
      all.push(`Resources defined in getambassador.io/config annotations of ${o.kind === 'Ingress' ? 'Ingresses' : `${o.kind}s`}${where} are not compared (listed neither as drift nor as in sync): ${denied[0]!.unavailable}`);
    }
    return all;
  }

  /** The notes as one message (the summary's), undefined when there are none. */
  private noteText(): string | undefined {
    const all = this.noteList();
    return all.length ? all.join(' ') : undefined;
  }

  private refreshHealth(): void {
    if (this.status === 'stopped' || this.status === 'error' || this.status === 'loading') return;
    const problems = [...this.listings.values()].map((l) => l.problem).filter((p): p is string => !!p);
    const next = problems.length ? 'reconnecting' : 'live';
    const msg = problems.length ? problems[0] : this.noteText();
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

/**
 * One-shot comparison (CLI): list once, no watches. `notes` are the notes of summary.message one by one (empty when
 * the comparison failed: then summary.message is the error).
 */
export async function diffOnce(
  opts: DiffSessionOptions,
  context: string | ResolvedContext,
  namespaces: string[],
  desired: (DesiredItem & { source?: unknown })[],
): Promise<{ summary: DriftSummary; notes: string[] }> {
  const session = new DiffSession({ ...opts, watch: false });
  session.setDesired(desired);
  const summary = await session.start(context, namespaces);
  const notes = summary.status === 'error' ? [] : session.noteList();
  await session.stop(false);
  return { summary, notes };
}
