// Cross-resource analysis (EP2xx findings and the route table) kept up to date change by change.
//
// A from-scratch analysis (analyzeResources in ./checks) builds one route model over every resource and runs
// every check over it. Here the same model and the same check functions are used, but their results are kept
// in buckets, each tied to the part of the workspace it depends on:
//
//   g:<groupId>    route-group checks of one group (EP200..EP204, EP220)       <- the group's members
//   d:<dupKey>     EP210 for one kind/namespace/name                           <- its definitions
//   r:<resource>   EP221 references of one resource                            <- the resource (known names fixed)
//   p:<resource>   EP230/EP231 of one Mapping                                  <- the resource
//   conf           EP212/EP213 (Listeners, singletons, AuthServices, Module)   <- resources of those kinds
//   tcp            TCPMapping groups                                           <- every TCPMapping
//   hostnames      EP211                                                       <- Hosts
//
// When Mappings (or other non-global kinds) change, only the buckets they touch are recomputed: the route
// model is rebuilt for the affected groups alone (groups are independent once the Hosts and the `ambassador`
// Module are fixed), by running the unchanged builder and checks on that subset. Changes to Hosts, Modules,
// TLSContexts, resolvers or Secrets (which every resource may depend on), option changes and very large
// change sets fall back to a full rebuild. Pure: no I/O.
import type { Finding, Resource, RouteHost, RouteTable } from './model';
import { compareFindings } from './model';
import type { GroupDetail, HostEntry, RouteModel, TcpGroupDetail } from './routes';
import { buildRouteModel, compareOrigin, compareRouteWeight, compareStrings, duplicateKey, groupRouteWeight, inAmbassadorScope, sortKey } from './routes';
import type { CheckOptions } from './checks';
import { attachProblems } from './checks';
import { createContext } from './checks/context';
import type { CollectedFinding } from './checks/context';
import { checkConflicts } from './checks/conflicts';
import { checkGroups } from './checks/groups';
import { checkPatterns } from './checks/patterns';
import type { KnownNames } from './checks/references';
import { checkReferencesOf, knownNames } from './checks/references';

/**
 * Kinds whose change can affect any other resource's results: a change to one of them rebuilds everything.
 * They include every kind that defines names references resolve against (TLSContexts, Hosts, resolvers), so
 * the known names computed by full() stay valid until the next full().
 */
const GLOBAL_KINDS = new Set(['Host', 'Module', 'TLSContext', 'ConsulResolver', 'KubernetesEndpointResolver', 'KubernetesServiceResolver']);
/** Kinds read by the EP212/EP213 checks. */
const CONF_KINDS = new Set(['Listener', 'RateLimitService', 'TracingService', 'AuthService', 'Module']);

export type IncrementalOptions = CheckOptions & { defaultNamespace: string };

export class IncrementalAnalysis {
  private opts: IncrementalOptions;
  private ns: string;
  private ambassadorId: string;

  // Scope and duplicates
  private readonly inScope = new Set<Resource>();
  /** Definitions per kind/namespace/name key, in file order; the last one is the active one. */
  private readonly dups = new Map<string, Resource[]>();
  private readonly activeOf = new Map<string, Resource>();
  /** Active resources of the kinds handled as sets (everything but Mappings). */
  private readonly activeByKind = new Map<string, Set<Resource>>();

  // Route groups
  private readonly groupOf = new Map<Resource, string>();
  private readonly members = new Map<string, Set<Resource>>();
  /** Every group, in Emissary's route order. */
  private ordered: GroupDetail[] = [];
  /** The group detail of each id in `ordered` (built with the other indexes). */
  private readonly detailOf = new Map<string, GroupDetail>();
  private readonly weights = new WeakMap<GroupDetail, (string | number)[]>();
  private hosts: HostEntry[] = [];
  private tcp: TcpGroupDetail[] = [];
  private table: RouteTable | undefined;
  /** Names references resolve against, from the last full() (providers are GLOBAL_KINDS; Secrets come from the options). */
  private known: KnownNames = { tlsContexts: new Set(), resolvers: new Set(), secrets: new Set() };

  // Findings
  private readonly buckets = new Map<string, CollectedFinding[]>();
  private readonly byUri = new Map<string, Map<string, Finding[]>>();
  private readonly ids = new WeakMap<Resource, number>();
  private nextId = 1;
  private dirty = new Set<string>();

  constructor(opts: IncrementalOptions) {
    this.opts = opts;
    this.ns = opts.defaultNamespace;
    this.ambassadorId = opts.ambassadorId ?? 'default';
  }

  // ---- Queries

  /** Cross-resource findings of one file, in the from-scratch order (position, code, message). */
  findingsFor(uri: string): Finding[] {
    const m = this.byUri.get(uri);
    if (!m) return [];
    const out: Finding[] = [];
    for (const list of m.values()) for (const f of list) out.push(f);
    return out.sort(compareFindings);
  }

  /** URIs that have cross-resource findings. */
  urisWithFindings(): IterableIterator<string> {
    return this.byUri.keys();
  }

  /** URIs whose cross-resource findings may have changed since the last call. */
  takeDirty(): Set<string> {
    const d = this.dirty;
    this.dirty = new Set();
    return d;
  }

  routeTable(): RouteTable {
    this.table ??= this.assemble();
    return this.table;
  }

  // ---- Updates

  /** Rebuilds everything from `resources` (file order). */
  full(resources: Resource[], opts: IncrementalOptions = this.opts): void {
    this.opts = opts;
    this.ns = opts.defaultNamespace;
    this.ambassadorId = opts.ambassadorId ?? 'default';
    for (const key of [...this.buckets.keys()]) this.setBucket(key, []);
    this.inScope.clear();
    this.dups.clear();
    this.activeOf.clear();
    this.activeByKind.clear();
    this.groupOf.clear();
    this.members.clear();
    this.detailOf.clear();
    this.table = undefined;
    this.unindexed = undefined;

    const model = buildRouteModel(resources, this.opts);
    this.hosts = model.hosts;
    this.tcp = model.tcpGroups;
    this.ordered = model.groups.slice();
    // The indexes an update needs are built by the first update: a one-off check never pays for them.
    this.unindexed = model;

    const byKey = new Map<string, CollectedFinding[]>();
    const put = (key: string, c: CollectedFinding) => {
      const list = byKey.get(key);
      if (list) list.push(c);
      else byKey.set(key, [c]);
    };
    for (const c of this.run(model, checkGroups)) put(c.groupIds.length ? `g:${c.groupIds[0]}` : 'tcp', c);
    for (const c of this.run(model, checkConflicts)) {
      const code = c.finding.code;
      put(code === 'EP210' ? `d:${duplicateKey(c.subject, this.ns)}` : code === 'EP211' ? 'hostnames' : 'conf', c);
    }
    const known = (this.known = knownNames(model.active, this.opts, this.ns));
    for (const c of this.run(model, (ctx) => checkReferencesOf(ctx, model.active, known))) put(`r:${this.idOf(c.subject)}`, c);
    for (const c of this.run(model, checkPatterns)) put(`p:${this.idOf(c.subject)}`, c);
    for (const [key, list] of byKey) this.setBucket(key, list);
  }

  /** The model of the last full build, until its indexes are built (see index()). */
  private unindexed: RouteModel | undefined;

  /** Builds the indexes updates need now (e.g. while the editor is idle) rather than on the first update. */
  index(): void {
    const model = this.unindexed;
    if (!model) return;
    this.unindexed = undefined;
    for (const r of model.inScope) {
      this.inScope.add(r);
      const key = duplicateKey(r, this.ns);
      const list = this.dups.get(key);
      if (list) list.push(r);
      else this.dups.set(key, [r]);
    }
    for (const [key, list] of this.dups) this.activeOf.set(key, list[list.length - 1]);
    for (const r of model.active) if (r.kind !== 'Mapping') this.kindSet(r.kind).add(r);
    for (const g of model.groups) this.addGroup(g);
  }

  /**
   * Applies a change: `removed` resources are gone, `added` ones are new (a moved or edited document yields new
   * Resource objects). Returns false when the change needs a full rebuild (the caller then calls full()).
   */
  update(removed: Iterable<Resource>, added: Iterable<Resource>): boolean {
    const rem = [...removed];
    const add = [...added];
    for (const r of rem) if (GLOBAL_KINDS.has(r.kind)) return false;
    for (const r of add) if (GLOBAL_KINDS.has(r.kind)) return false;
    if (rem.length === 0 && add.length === 0) return true;
    this.index();
    this.table = undefined;

    // 1. Scope and duplicate keys.
    const dirtyKeys = new Set<string>();
    const leftScope: Resource[] = [];
    const enteredScope: Resource[] = [];
    for (const r of rem) {
      if (!this.inScope.delete(r)) continue;
      const key = duplicateKey(r, this.ns);
      const list = this.dups.get(key);
      if (list) {
        const i = list.indexOf(r);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.dups.delete(key);
      }
      dirtyKeys.add(key);
      leftScope.push(r);
    }
    for (const r of add) {
      if (this.inScope.has(r) || !inAmbassadorScope(r, this.ambassadorId)) continue;
      this.inScope.add(r);
      const key = duplicateKey(r, this.ns);
      let list = this.dups.get(key);
      if (!list) this.dups.set(key, (list = []));
      let i = list.length;
      while (i > 0 && compareOrigin(list[i - 1], r) > 0) i--;
      list.splice(i, 0, r);
      dirtyKeys.add(key);
      enteredScope.push(r);
    }

    // 2. Which resources stop or start being the active definition of their key.
    const leaving: Resource[] = [];
    const entering: Resource[] = [];
    for (const key of dirtyKeys) {
      const before = this.activeOf.get(key);
      const list = this.dups.get(key);
      const after = list ? list[list.length - 1] : undefined;
      if (before === after) continue;
      if (before) leaving.push(before);
      if (after) {
        entering.push(after);
        this.activeOf.set(key, after);
      } else this.activeOf.delete(key);
    }

    const dirtyGroups = new Set<string>();
    let tcpDirty = false;
    let confDirty = false;
    for (const r of leaving) {
      if (r.kind === 'Mapping') {
        const id = this.groupOf.get(r);
        if (id !== undefined) {
          dirtyGroups.add(id);
          this.members.get(id)?.delete(r);
          this.groupOf.delete(r);
        }
      } else this.activeByKind.get(r.kind)?.delete(r);
      if (r.kind === 'TCPMapping') tcpDirty = true;
      if (CONF_KINDS.has(r.kind)) confDirty = true;
      this.setBucket(`r:${this.idOf(r)}`, []);
    }
    const enteringMappings: Resource[] = [];
    for (const r of entering) {
      if (r.kind === 'Mapping') enteringMappings.push(r);
      else this.kindSet(r.kind).add(r);
      if (r.kind === 'TCPMapping') tcpDirty = true;
      if (CONF_KINDS.has(r.kind)) confDirty = true;
    }

    // 3. Route groups: find the groups of the new Mappings, then rebuild every group whose members changed. A
    //    group made of new Mappings only is complete after the first build (a Mapping edited or moved in place).
    const base = this.baseResources();
    const fresh = new Map<string, GroupDetail>();
    let hosts: HostEntry[] | undefined;
    if (enteringMappings.length > 0) {
      const m1 = buildRouteModel([...base, ...enteringMappings], this.opts, this.hosts);
      hosts = m1.hosts;
      for (const g of m1.groups) {
        const id = g.group.groupId;
        dirtyGroups.add(id);
        fresh.set(id, g);
        let set = this.members.get(id);
        if (!set) this.members.set(id, (set = new Set()));
        for (const d of g.members) {
          set.add(d.mapping.resource);
          this.groupOf.set(d.mapping.resource, id);
        }
      }
    }
    if (dirtyGroups.size > 0) {
      const rebuild: Resource[] = [];
      const done: GroupDetail[] = [];
      for (const id of dirtyGroups) {
        const set = this.members.get(id);
        const f = fresh.get(id);
        if (!set || set.size === 0) {
          this.members.delete(id);
        } else if (f && f.members.length === set.size) done.push(f);
        else for (const r of set) rebuild.push(r);
      }
      if (rebuild.length > 0) {
        const m2 = buildRouteModel([...base, ...rebuild], this.opts, this.hosts);
        hosts = m2.hosts;
        for (const g of m2.groups) done.push(g);
      }
      this.reorder(dirtyGroups, done);
      const byGroup = new Map<string, CollectedFinding[]>();
      if (done.length > 0) {
        for (const c of this.run(this.partialModel({ groups: done, hosts: hosts ?? [] }), checkGroups)) {
          const key = c.groupIds[0];
          const list = byGroup.get(key);
          if (list) list.push(c);
          else byGroup.set(key, [c]);
        }
      }
      for (const id of dirtyGroups) this.setBucket(`g:${id}`, byGroup.get(id) ?? []);
    }

    // 4. TCP groups (few): all of them.
    if (tcpDirty) {
      const m3 = buildRouteModel([...(this.activeByKind.get('TCPMapping') ?? [])].sort(compareOrigin), this.opts);
      this.tcp = m3.tcpGroups;
      this.setBucket('tcp', this.run({ ...m3, groups: [], hosts: this.hosts }, checkGroups));
    }

    // 5. EP210 for the keys that changed.
    if (dirtyKeys.size > 0) {
      const defs: Resource[] = [];
      for (const key of dirtyKeys) {
        const list = this.dups.get(key);
        if (list && list.length > 1) for (const r of list) defs.push(r);
      }
      const byKey = new Map<string, CollectedFinding[]>();
      if (defs.length > 0) {
        for (const c of this.run(this.partialModel({ inScope: defs }), checkConflicts)) {
          const key = duplicateKey(c.subject, this.ns);
          const list = byKey.get(key);
          if (list) list.push(c);
          else byKey.set(key, [c]);
        }
      }
      for (const key of dirtyKeys) this.setBucket(`d:${key}`, byKey.get(key) ?? []);
    }

    // 6. EP212/EP213 over all resources of those kinds.
    if (confDirty) {
      const active: Resource[] = [];
      for (const kind of CONF_KINDS) for (const r of this.activeByKind.get(kind) ?? []) active.push(r);
      active.sort(compareOrigin);
      this.setBucket('conf', this.run(this.partialModel({ active }), checkConflicts));
    }

    // 7. References of the resources that became active, against the names of the last full() (unchanged:
    //    their providers are GLOBAL_KINDS).
    if (entering.length > 0) {
      const byRes = new Map<Resource, CollectedFinding[]>();
      const known = this.known;
      for (const c of this.run(this.partialModel({}), (ctx) => checkReferencesOf(ctx, entering, known))) {
        const list = byRes.get(c.subject);
        if (list) list.push(c);
        else byRes.set(c.subject, [c]);
      }
      for (const r of entering) this.setBucket(`r:${this.idOf(r)}`, byRes.get(r) ?? []);
    }

    // 8. Regex and exact-host checks of Mappings that entered or left the scope.
    for (const r of leftScope) this.setBucket(`p:${this.idOf(r)}`, []);
    const patternSubjects = enteredScope.filter((r) => r.kind === 'Mapping');
    if (patternSubjects.length > 0) {
      const byRes = new Map<Resource, CollectedFinding[]>();
      const modules = [...(this.activeByKind.get('Module') ?? [])].sort(compareOrigin);
      for (const c of this.run(this.partialModel({ inScope: patternSubjects, active: modules }), checkPatterns)) {
        const list = byRes.get(c.subject);
        if (list) list.push(c);
        else byRes.set(c.subject, [c]);
      }
      for (const r of patternSubjects) this.setBucket(`p:${this.idOf(r)}`, byRes.get(r) ?? []);
    }
    return true;
  }

  // ---- Internals

  private idOf(r: Resource): number {
    let id = this.ids.get(r);
    if (id === undefined) this.ids.set(r, (id = this.nextId++));
    return id;
  }

  private kindSet(kind: string): Set<Resource> {
    let set = this.activeByKind.get(kind);
    if (!set) this.activeByKind.set(kind, (set = new Set()));
    return set;
  }

  /** Active Modules: what a partial route build needs besides the Mappings and the analysed Hosts (file order). */
  private baseResources(): Resource[] {
    return [...(this.activeByKind.get('Module') ?? [])].sort(compareOrigin);
  }

  private partialModel(part: Partial<RouteModel>): RouteModel {
    return {
      table: { hosts: [], groups: [], tcp: [] },
      groups: [],
      tcpGroups: [],
      hosts: [],
      active: [],
      inScope: [],
      defaultNamespace: this.ns,
      ...part,
    };
  }

  private run(model: RouteModel, check: (ctx: ReturnType<typeof createContext>['ctx']) => void): CollectedFinding[] {
    const { ctx, collected } = createContext(model, this.opts);
    check(ctx);
    return collected;
  }

  private addGroup(g: GroupDetail): void {
    const id = g.group.groupId;
    this.detailOf.set(id, g);
    const set = new Set<Resource>();
    for (const d of g.members) {
      set.add(d.mapping.resource);
      this.groupOf.set(d.mapping.resource, id);
    }
    this.members.set(id, set);
  }

  private setBucket(key: string, collected: CollectedFinding[]): void {
    const old = this.buckets.get(key);
    if (old) {
      for (const c of old) {
        const uri = c.finding.uri;
        this.dirty.add(uri);
        const m = this.byUri.get(uri);
        if (m) {
          m.delete(key);
          if (m.size === 0) this.byUri.delete(uri);
        }
      }
    }
    if (collected.length === 0) {
      if (old) this.buckets.delete(key);
      return;
    }
    this.buckets.set(key, collected);
    for (const c of collected) {
      const uri = c.finding.uri;
      this.dirty.add(uri);
      let m = this.byUri.get(uri);
      if (!m) this.byUri.set(uri, (m = new Map()));
      const list = m.get(key);
      if (list) list.push(c.finding);
      else m.set(key, [c.finding]);
    }
  }

  private weightOf(g: GroupDetail): (string | number)[] {
    let w = this.weights.get(g);
    if (!w) this.weights.set(g, (w = groupRouteWeight(g)));
    return w;
  }

  /**
   * Route order as routeOrder() sorts it: by route weight, then by creation order (the first member's
   * `name.namespace`, then file order), both descending. A total order, so groups can be placed one by one.
   */
  private before(a: GroupDetail, b: GroupDetail): number {
    const fa = a.members[0].mapping;
    const fb = b.members[0].mapping;
    return (
      compareRouteWeight(this.weightOf(b), this.weightOf(a)) ||
      compareStrings(sortKey(fb.name, fb.namespace), sortKey(fa.name, fa.namespace)) ||
      compareOrigin(fb.resource, fa.resource)
    );
  }

  /** Index of the first group of the route order that does not come before `g`. */
  private position(g: GroupDetail): number {
    const ordered = this.ordered;
    let lo = 0;
    let hi = ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.before(ordered[mid], g) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Takes the groups of `ids` out of the route order and puts `details` (their new versions) in place. */
  private reorder(ids: Set<string>, details: GroupDetail[]): void {
    for (const id of ids) {
      const old = this.detailOf.get(id);
      if (!old) continue;
      this.detailOf.delete(id);
      const at = this.position(old);
      if (this.ordered[at] === old) this.ordered.splice(at, 1);
      else this.ordered = this.ordered.filter((g) => g !== old); // not where the order puts it: cannot happen
    }
    for (const g of details) {
      this.ordered.splice(this.position(g), 0, g);
      this.detailOf.set(g.group.groupId, g);
    }
  }

  /** The route table from the groups kept, in Emissary's route order, with problems from the findings. */
  private assemble(): RouteTable {
    const ordered = this.ordered;
    const hostRoutes = new Map<Resource, RouteHost>();
    const hosts = this.hosts.map((h) => {
      const route: RouteHost = { ...h.route, groupIds: [] };
      hostRoutes.set(h.resource, route);
      return route;
    });
    for (const g of ordered) for (const h of g.hostEntries) hostRoutes.get(h.resource)?.groupIds.push(g.group.groupId);

    // Problems: codes of findings that name the group, or whose subject is one of its members. Set on the
    // group objects themselves, as a from-scratch analysis does.
    attachProblems(ordered, this.tcp, this.buckets.values());
    const groupsOut = ordered.map((g) => g.group);
    const tcp = this.tcp.map((t) => t.route);
    return { hosts, groups: groupsOut, tcp };
  }
}
