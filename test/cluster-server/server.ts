// A Kubernetes-API-compatible HTTPS server for tests and the demo: discovery, OpenAPI stubs,
// CRUD + patch + server-side apply, list pagination and selectors, watches with bookmarks and
// 410 Gone, Table output, bearer-token and client-certificate authentication, fault knobs and a
// request log. Objects live in memory; nothing is persisted.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import * as YAML from 'yaml';
import { createCertAuthority, DEFAULT_SERVER_NAMES, type CertAuthority, type ServerCertNames } from './certs';
import {
  clone,
  deepEqual,
  deletePath,
  fieldSet,
  fieldsV1,
  getPath,
  isObject,
  jsonPatch,
  mergePatch,
  PatchError,
  setPath,
  strategicMergePatch,
  type FieldSet,
  type Json,
  type JsonObject,
} from './patch';
import { AMBASSADOR_GROUP, groupVersion, qualifiedName, RESOURCE_TYPES, typeKey, VERBS, type ResourceType } from './resources';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';
import type { FaultMatch, Faults, RequestLogEntry } from './types';

export interface ClusterServerOptions {
  /** Bearer token → user name. A random token for user "edgepolicy-demo" is added when empty. */
  tokens?: Record<string, string>;
  /** Token for the /__test/* admin endpoints (random when unset). */
  adminToken?: string;
  faults?: Faults;
  /** Kubernetes version reported by /version. */
  gitVersion?: string;
  /** How many watch events are kept for resuming watches (older resourceVersions get 410 Gone). */
  eventWindow?: number;
  /** Names in the server certificate (default DNS localhost, IP 127.0.0.1): others make clients see a name mismatch. */
  serverCertNames?: ServerCertNames;
}

interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: FieldSet;
}

interface Stored {
  type: ResourceType;
  obj: JsonObject;
  owners: Owner[];
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
interface WatchEvent {
  rv: number;
  type: EventType;
  tkey: string;
  obj: JsonObject;
}

interface Watcher {
  tkey: string;
  deliver(ev: WatchEvent): void;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: JsonObject,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
  status(): JsonObject {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

interface RouteInfo {
  verb: string;
  type?: ResourceType;
  group?: string;
  version?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  watch: boolean;
}

const NAME_DESCRIPTION = 'Name must be unique within a namespace.';
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_BODY = 16 * 1024 * 1024;

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 3) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  return y < 8 ? `${y}y${d % 365}d` : `${y}y`;
}

function meta(obj: JsonObject): JsonObject {
  if (!isObject(obj['metadata'])) obj['metadata'] = {};
  return obj['metadata'] as JsonObject;
}
function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function objKey(t: ResourceType, ns: string, name: string): string {
  return `${typeKey(t)}|${ns}|${name}`;
}

function parseAccept(accept: string): Array<{ type: string; params: Record<string, string> }> {
  return accept.split(',').map((part) => {
    const [type, ...rest] = part.split(';').map((x) => x.trim());
    const params: Record<string, string> = {};
    for (const r of rest) {
      const eq = r.indexOf('=');
      if (eq > 0) params[r.slice(0, eq).trim()] = r.slice(eq + 1).trim();
    }
    return { type: (type ?? '').toLowerCase(), params };
  });
}

function matchesFault(m: FaultMatch | undefined, info: RouteInfo): boolean {
  if (!m) return false;
  if (m.verbs?.length && !m.verbs.includes(info.verb) && !m.verbs.includes('*')) return false;
  if (m.resources?.length) {
    const r = info.type?.plural ?? '';
    if (!m.resources.includes(r) && !(r !== '' && m.resources.includes('*'))) return false;
  }
  if (m.namespaces?.length && !m.namespaces.includes(info.namespace ?? '')) return false;
  return true;
}

export class ClusterServer {
  readonly ca: CertAuthority;
  readonly adminToken: string;
  readonly tokens: Record<string, string>;
  private server: https.Server;
  private objects = new Map<string, Stored>();
  private rv = 1000;
  /** Watches may resume from any resourceVersion >= horizon. */
  private horizon = 1000;
  private events: WatchEvent[] = [];
  private watchers = new Set<Watcher>();
  private faults: Faults = {};
  private errorBudget: number | undefined;
  private log: RequestLogEntry[] = [];
  private sockets = new Set<import("node:stream").Duplex>();
  private bigListCache: { key: string; items: JsonObject[] } | undefined;
  private clusterIpSeq = 10;
  private readonly gitVersion: string;
  private readonly eventWindow: number;
  port = 0;

  constructor(opts: ClusterServerOptions = {}) {
    this.ca = createCertAuthority(7, opts.serverCertNames ?? DEFAULT_SERVER_NAMES);
    this.adminToken = opts.adminToken ?? randomBytes(24).toString('hex');
    this.tokens = { ...(opts.tokens ?? {}) };
    if (Object.keys(this.tokens).length === 0) this.tokens[randomBytes(24).toString('hex')] = 'edgepolicy-demo';
    this.gitVersion = opts.gitVersion ?? 'v1.30.0-edgepolicy-test';
    this.eventWindow = opts.eventWindow ?? 10000;
    this.setFaults(opts.faults ?? {});
    this.server = https.createServer(
      {
        cert: this.ca.server.certPem,
        key: this.ca.server.keyPem,
        ca: this.ca.certPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) => {
          const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
          if (!res.headersSent) this.sendStatusError(res, e);
          else res.destroy();
        });
      },
    );
    // Long idle keep-alive: a server closing an idle connection just as a client reuses it for a
    // POST/PATCH makes the client fail (non-idempotent requests are not retried).
    this.server.keepAliveTimeout = 120_000;
    this.server.headersTimeout = 125_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('tlsClientError', () => {
      /* a client that rejects our CA or hangs up mid-handshake: nothing to do */
    });
    // namespaces that exist in every cluster
    for (const ns of ['default', 'kube-system', 'kube-public']) this.ensureNamespace(ns);
  }

  listen(port = 0, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    for (const w of [...this.watchers]) this.watchers.delete(w);
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  // ---- knobs ------------------------------------------------------------------------

  setFaults(f: Faults): void {
    this.faults = clone(f ?? {});
    this.errorBudget = this.faults.errorStatus?.times;
  }
  getFaults(): Faults {
    return clone(this.faults);
  }
  requestLog(): RequestLogEntry[] {
    return clone(this.log);
  }
  clearLog(): void {
    this.log = [];
  }
  /** Forget all retained watch events: every resourceVersion older than now gets 410 Gone. */
  compact(): void {
    this.events = [];
    this.horizon = this.rv;
  }
  get resourceVersion(): number {
    return this.rv;
  }

  /**
   * Creates or replaces objects as a seeding step (no auth, no faults, no request log).
   * Namespaces named by namespaced objects are created when missing; objects without a
   * namespace land in "default". Returns the stored objects.
   */
  apply(objs: unknown[]): JsonObject[] {
    const out: JsonObject[] = [];
    for (const raw of objs) {
      if (!isObject(raw)) continue;
      const { type, version } = this.typeOf(raw);
      const obj = clone(raw);
      const m = meta(obj);
      const name = str(m['name']);
      if (!name) throw new Error(`${String(obj['kind'])} without metadata.name cannot be seeded`);
      const ns = type.namespaced ? (str(m['namespace']) ?? 'default') : '';
      if (type.namespaced) {
        m['namespace'] = ns;
        this.ensureNamespace(ns);
      } else delete m['namespace'];
      const existing = this.objects.get(objKey(type, ns, name));
      const manager = 'edgepolicy-seed';
      if (existing) {
        const next = this.prepareReplace(type, existing, obj, version, manager, 'Update', true);
        out.push(this.commit('MODIFIED', type, ns, name, next.obj, next.owners));
      } else {
        const created = this.prepareCreate(type, ns, obj, version, manager, 'Update');
        out.push(this.commit('ADDED', type, ns, name, created.obj, created.owners));
      }
    }
    return out.map((o) => clone(o));
  }

  /** Deletes an object directly (seeding/test helper). Returns whether it existed. */
  remove(apiVersionOrGroup: string, kind: string, name: string, namespace = 'default'): boolean {
    const { type } = this.typeOf({ apiVersion: apiVersionOrGroup, kind });
    const ns = type.namespaced ? namespace : '';
    const s = this.objects.get(objKey(type, ns, name));
    if (!s) return false;
    this.doDelete(type, s);
    return true;
  }

  /** Every stored object, as stored (apiVersion as last written). */
  snapshot(): JsonObject[] {
    return [...this.objects.values()].map((s) => clone(s.obj));
  }

  clientCert(user: string, groups?: string[]): { certPem: string; keyPem: string } {
    return this.ca.issueClient(user, groups);
  }

  private typeOf(raw: JsonObject): { type: ResourceType; version: string } {
    const apiVersion = str(raw['apiVersion']) ?? '';
    const kind = str(raw['kind']) ?? '';
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const type = RESOURCE_TYPES.find((t) => t.group === group && t.kind === kind);
    if (!type) throw new Error(`the test cluster does not serve ${kind || '(no kind)'} in ${apiVersion || '(no apiVersion)'}`);
    if (!type.versions.includes(version)) throw new Error(`the test cluster serves ${kind} at ${type.versions.join(', ')}, not ${version}`);
    return { type, version };
  }

  private ensureNamespace(ns: string): void {
    const t = RESOURCE_TYPES.find((x) => x.kind === 'Namespace')!;
    if (this.objects.has(objKey(t, '', ns))) return;
    const created = this.prepareCreate(t, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'v1', 'edgepolicy-seed', 'Update');
    this.commit('ADDED', t, '', ns, created.obj, created.owners);
  }

  // ---- object lifecycle -----------------------------------------------------------

  private nextRv(): number {
    return ++this.rv;
  }

  private prepareCreate(type: ResourceType, ns: string, input: JsonObject, version: string, manager: string, operation: 'Apply' | 'Update'): Stored {
    const obj = clone(input);
    obj['apiVersion'] = groupVersion(type.group, version);
    obj['kind'] = type.kind;
    const m = meta(obj);
    if (type.namespaced) m['namespace'] = ns;
    else delete m['namespace'];
    for (const k of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'selfLink']) delete m[k];
    if (type.statusSubresource && type.custom) delete obj['status'];
    this.defaults(type, obj);
    m['uid'] = randomUUID();
    m['generation'] = 1;
    m['creationTimestamp'] = nowIso();
    const owners: Owner[] = [];
    const fs = fieldSet(obj, false);
    if (fs.size) owners.push({ manager, operation, apiVersion: groupVersion(type.group, version), time: nowIso(), fields: fs });
    return { type, obj, owners };
  }

  /** Defaults that depend on nothing but the object (applied configurations get them too). */
  private staticDefaults(type: ResourceType, obj: JsonObject): void {
    if (type.kind !== 'Service' || !isObject(obj['spec']) || !Array.isArray(obj['spec']['ports'])) return;
    for (const p of obj['spec']['ports']) {
      if (!isObject(p)) continue;
      p['protocol'] ??= 'TCP';
      if (p['targetPort'] === undefined && p['port'] !== undefined) p['targetPort'] = p['port'];
    }
  }

  private defaults(type: ResourceType, obj: JsonObject): void {
    this.staticDefaults(type, obj);
    // ObjectMeta drops empty maps and lists (they are omitempty in the API types)
    const m = meta(obj);
    for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences']) {
      const v = m[k];
      if (v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0)) delete m[k];
    }
    if (type.kind === 'Namespace') {
      const m = meta(obj);
      const labels = isObject(m['labels']) ? (m['labels'] as JsonObject) : {};
      labels['kubernetes.io/metadata.name'] = str(m['name']) ?? '';
      m['labels'] = labels;
      obj['spec'] = { finalizers: ['kubernetes'], ...(isObject(obj['spec']) ? obj['spec'] : {}) };
      obj['status'] = { phase: 'Active' };
    } else if (type.kind === 'Service') {
      const spec = isObject(obj['spec']) ? (obj['spec'] as JsonObject) : {};
      spec['type'] ??= 'ClusterIP';
      spec['sessionAffinity'] ??= 'None';
      if (spec['type'] !== 'ExternalName' && spec['clusterIP'] === undefined) {
        const n = this.clusterIpSeq++;
        spec['clusterIP'] = `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
        spec['clusterIPs'] = [spec['clusterIP']];
      }
      obj['spec'] = spec;
      if (!isObject(obj['status'])) obj['status'] = { loadBalancer: {} };
    } else if (type.kind === 'Ingress') {
      if (!isObject(obj['spec'])) obj['spec'] = {};
      if (!isObject(obj['status'])) obj['status'] = { loadBalancer: {} };
    } else if (type.kind === 'Secret') {
      obj['type'] ??= 'Opaque';
      if (isObject(obj['stringData'])) {
        const data = isObject(obj['data']) ? (obj['data'] as JsonObject) : {};
        for (const [k, v] of Object.entries(obj['stringData'])) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
        obj['data'] = data;
        delete obj['stringData'];
      }
    }
  }

  /** Builds the next state of an existing object from a full replacement `input`. */
  private prepareReplace(
    type: ResourceType,
    cur: Stored,
    input: JsonObject,
    version: string,
    manager: string,
    operation: 'Apply' | 'Update',
    seed = false,
    subresource?: string,
  ): Stored {
    const obj = clone(input);
    obj['apiVersion'] = groupVersion(type.group, version);
    obj['kind'] = type.kind;
    const m = meta(obj);
    const cm = meta(cur.obj);
    for (const k of ['uid', 'creationTimestamp', 'namespace', 'name', 'deletionTimestamp']) {
      if (cm[k] !== undefined) m[k] = cm[k]!;
      else delete m[k];
    }
    delete m['managedFields'];
    delete m['resourceVersion'];
    if (type.statusSubresource && !seed) {
      if (subresource === 'status') {
        // only status may change through /status
        const keepStatus = obj['status'];
        const next = clone(cur.obj);
        if (keepStatus === undefined) delete next['status'];
        else next['status'] = keepStatus;
        Object.keys(obj).forEach((k) => delete obj[k]);
        Object.assign(obj, next);
        delete meta(obj)['managedFields'];
        delete meta(obj)['resourceVersion'];
      } else if (type.custom || type.kind !== 'Namespace') {
        if (cur.obj['status'] !== undefined) obj['status'] = clone(cur.obj['status']);
        else delete obj['status'];
      }
    }
    this.defaults(type, obj);
    m['generation'] = nextGeneration(cur.obj, obj);
    const owners = this.updateOwners(type, cur, obj, version, manager, operation, subresource);
    return { type, obj, owners };
  }

  private updateOwners(
    type: ResourceType,
    cur: Stored,
    next: JsonObject,
    version: string,
    manager: string,
    operation: 'Apply' | 'Update',
    subresource?: string,
    applied?: FieldSet,
  ): Owner[] {
    const before = fieldSet(cur.obj, false);
    const after = fieldSet(next, false);
    const changed = new Set<string>();
    for (const f of after) {
      const p = JSON.parse(f) as string[];
      if (!before.has(f) || !deepEqual(getPath(cur.obj, p), getPath(next, p))) changed.add(f);
    }
    const owners = cur.owners.map((o) => ({ ...o, fields: new Set([...o.fields].filter((f) => after.has(f))) }));
    const mine = applied ?? changed;
    for (const o of owners) {
      if (o.manager === manager && o.operation === operation) continue;
      for (const f of mine) if (changed.has(f) || applied) o.fields.delete(f);
    }
    let me = owners.find((o) => o.manager === manager && o.operation === operation && o.subresource === subresource);
    if (applied) {
      if (!me) {
        me = { manager, operation, apiVersion: groupVersion(type.group, version), time: nowIso(), fields: new Set(), subresource };
        owners.push(me);
      }
      me.fields = new Set(applied);
    } else if (changed.size) {
      if (!me) {
        me = { manager, operation, apiVersion: groupVersion(type.group, version), time: nowIso(), fields: new Set(), subresource };
        owners.push(me);
      }
      for (const f of changed) me.fields.add(f);
    }
    if (me) {
      me.time = nowIso();
      me.apiVersion = groupVersion(type.group, version);
    }
    return owners.filter((o) => o.fields.size > 0);
  }

  private commit(type: EventType, t: ResourceType, ns: string, name: string, obj: JsonObject, allOwners: Owner[]): JsonObject {
    const m = meta(obj);
    const rv = this.nextRv();
    m['resourceVersion'] = String(rv);
    const owners = presentOwners(obj, allOwners);
    m['managedFields'] = owners.map((o) => ({
      manager: o.manager,
      operation: o.operation,
      apiVersion: o.apiVersion,
      time: o.time,
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsV1(o.fields),
      ...(o.subresource ? { subresource: o.subresource } : {}),
    }));
    const key = objKey(t, ns, name);
    if (type === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, { type: t, obj, owners });
    const ev: WatchEvent = { rv, type, tkey: typeKey(t), obj: clone(obj) };
    this.events.push(ev);
    if (this.events.length > this.eventWindow) {
      const dropped = this.events.splice(0, this.events.length - this.eventWindow);
      this.horizon = dropped[dropped.length - 1]!.rv;
    }
    for (const w of [...this.watchers]) if (w.tkey === ev.tkey) w.deliver(ev);
    return obj;
  }

  private doDelete(t: ResourceType, s: Stored): JsonObject {
    const m = meta(s.obj);
    const ns = str(m['namespace']) ?? '';
    const name = str(m['name']) ?? '';
    if (t.kind === 'Namespace') {
      // Real clusters finalize namespaces asynchronously; here the contents go at once.
      for (const other of [...this.objects.values()]) {
        if (other.type.namespaced && meta(other.obj)['namespace'] === name) this.doDelete(other.type, other);
      }
    }
    const finalizers = m['finalizers'];
    if (Array.isArray(finalizers) && finalizers.length > 0 && t.kind !== 'Namespace') {
      if (m['deletionTimestamp']) return s.obj;
      const obj = clone(s.obj);
      meta(obj)['deletionTimestamp'] = nowIso();
      return this.commit('MODIFIED', t, ns, name, obj, s.owners);
    }
    const obj = clone(s.obj);
    return this.commit('DELETED', t, ns, name, obj, s.owners);
  }

  // ---- HTTP -----------------------------------------------------------------------

  private authenticate(req: IncomingMessage): string | undefined {
    const auth = req.headers['authorization'];
    if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) {
      const tok = auth.replace(/^bearer\s+/i, '').trim();
      for (const [t, user] of Object.entries(this.tokens)) {
        const a = Buffer.from(t);
        const b = Buffer.from(tok);
        if (a.length === b.length && timingSafeEqual(a, b)) return user;
      }
      return undefined; // a wrong token is not rescued by a certificate
    }
    const sock = req.socket as TLSSocket;
    if (sock.authorized) {
      const cert = sock.getPeerCertificate();
      const cn = cert?.subject?.CN;
      if (typeof cn === 'string' && cn) return cn;
    }
    return undefined;
  }

  private isAdmin(req: IncomingMessage): boolean {
    const auth = req.headers['authorization'];
    if (typeof auth !== 'string') return false;
    const a = Buffer.from(auth.replace(/^bearer\s+/i, '').trim());
    const b = Buffer.from(this.adminToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private parseBody(text: string, contentType: string): Json {
    if (!text.trim()) throw new ApiError(400, 'BadRequest', 'the request body is empty');
    try {
      if (/yaml/i.test(contentType)) return YAML.parse(text) as Json;
      return JSON.parse(text) as Json;
    } catch (e) {
      throw new ApiError(400, 'BadRequest', `the body of the request could not be decoded: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  private route(method: string, pathname: string, q: URLSearchParams): RouteInfo {
    let segs: string[];
    try {
      segs = pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
    } catch {
      throw new ApiError(400, 'BadRequest', 'the request path is not valid URL encoding');
    }
    const info: RouteInfo = { verb: 'get', watch: false };
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 2) {
      info.group = '';
      info.version = segs[1];
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 3) {
      info.group = segs[1];
      info.version = segs[2];
      rest = segs.slice(3);
    } else {
      if (segs[0] === 'apis' && segs.length === 2) info.group = segs[1];
      return info;
    }
    if (rest.length === 0) return info;
    if (rest[0] === 'watch') {
      info.watch = true;
      rest = rest.slice(1);
    }
    const types = RESOURCE_TYPES.filter((t) => t.group === info.group && t.versions.includes(info.version!));
    const find = (plural: string): ResourceType | undefined => types.find((t) => t.plural === plural);
    let plural: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && find(rest[2]!)?.namespaced) {
      info.namespace = rest[1];
      plural = rest[2];
      info.name = rest[3];
      info.subresource = rest[4];
      if (rest.length > 5) plural = '\0';
    } else {
      plural = rest[0];
      info.name = rest[1];
      info.subresource = rest[2];
      if (rest.length > 3) plural = '\0';
    }
    info.type = plural ? find(plural) : undefined;
    if (!info.type) {
      info.verb = method === 'GET' ? 'get' : method.toLowerCase();
      info.name = undefined;
      info.namespace = undefined;
      info.subresource = undefined;
      throw Object.assign(new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}), { info });
    }
    const isWatch = info.watch || q.get('watch') === '1' || q.get('watch') === 'true';
    info.watch = isWatch;
    switch (method) {
      case 'GET':
        info.verb = isWatch ? 'watch' : info.name ? 'get' : 'list';
        break;
      case 'POST':
        info.verb = 'create';
        break;
      case 'PUT':
        info.verb = 'update';
        break;
      case 'PATCH':
        info.verb = 'patch';
        break;
      case 'DELETE':
        info.verb = info.name ? 'delete' : 'deletecollection';
        break;
      default:
        info.verb = method.toLowerCase();
    }
    return info;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (url.pathname.startsWith('/__test/')) return this.handleAdmin(req, res, url);
    const method = (req.method ?? 'GET').toUpperCase();
    let info: RouteInfo;
    let routeError: ApiError | undefined;
    try {
      info = this.route(method, url.pathname, url.searchParams);
    } catch (e) {
      routeError = e as ApiError;
      info = (e as { info?: RouteInfo }).info ?? { verb: 'get', watch: false };
    }
    const user = this.faults.unauthorized ? undefined : this.authenticate(req);
    const entry: RequestLogEntry = {
      time: new Date().toISOString(),
      verb: info.verb,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      userAgent: String(req.headers['user-agent'] ?? ''),
      user: user ?? '',
      status: 0,
      ...(info.group !== undefined ? { group: info.group } : {}),
      ...(info.version !== undefined ? { version: info.version } : {}),
      ...(info.type ? { resource: info.type.plural } : {}),
      ...(info.subresource ? { subresource: info.subresource } : {}),
      ...(info.namespace ? { namespace: info.namespace } : {}),
      ...(info.name ? { name: info.name } : {}),
      ...(req.headers['content-type'] ? { contentType: String(req.headers['content-type']) } : {}),
      ...(req.headers['accept'] ? { accept: String(req.headers['accept']) } : {}),
    };
    this.log.push(entry);
    res.on('finish', () => {
      if (!entry.status) entry.status = res.statusCode;
    });
    const origWriteHead = res.writeHead.bind(res);
    res.writeHead = ((code: number, ...args: unknown[]) => {
      entry.status = code;
      return (origWriteHead as (...a: unknown[]) => ServerResponse)(code, ...args);
    }) as typeof res.writeHead;

    if (!user) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    if (this.faults.delayMs) await new Promise((r) => setTimeout(r, this.faults.delayMs));
    const es = this.faults.errorStatus;
    if (es && matchesFault(es, info) && (this.errorBudget === undefined || this.errorBudget > 0)) {
      if (this.errorBudget !== undefined) this.errorBudget--;
      const retry = es.retryAfterSeconds ?? 1;
      const reason = es.status === 429 ? 'TooManyRequests' : es.status === 503 ? 'ServiceUnavailable' : es.status === 504 ? 'Timeout' : 'InternalError';
      const message = es.status === 429 ? 'Too many requests, please try again later.' : `the server is currently unable to handle the request (injected ${es.status})`;
      throw new ApiError(es.status, reason, message, { retryAfterSeconds: retry }, { 'Retry-After': String(retry) });
    }
    if (info.group && this.faults.missingGroups?.includes(info.group)) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    if (routeError) throw routeError;
    if (info.type) this.checkForbidden(info, user);
    if (info.type) return this.handleResource(req, res, url, info, user);
    return this.handleNonResource(req, res, url, info);
  }

  private checkForbidden(info: RouteInfo, user: string): void {
    const t = info.type!;
    const hit = (this.faults.forbidden ?? []).some(
      (r) =>
        (r.resource === '*' || r.resource === t.plural || r.resource === qualifiedName(t)) &&
        (r.verb === '*' || r.verb === info.verb) &&
        (r.namespace === undefined || r.namespace === (info.namespace ?? '')) &&
        (r.user === undefined || r.user === user),
    );
    if (!hit) return;
    const what = info.name ? `${qualifiedName(t)} "${info.name}"` : qualifiedName(t);
    const sub = info.subresource ? `${t.plural}/${info.subresource}` : t.plural;
    const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
    throw new ApiError(
      403,
      'Forbidden',
      `${what} is forbidden: User "${user}" cannot ${info.verb} resource "${sub}" in API group "${t.group}" ${scope}`,
      { ...(info.name ? { name: info.name } : {}), group: t.group, kind: t.plural },
    );
  }

  // ---- responses ------------------------------------------------------------------

  private sendStatusError(res: ServerResponse, e: ApiError): void {
    const body = JSON.stringify(e.status());
    res.writeHead(e.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...(e.headers ?? {}), 'Cache-Control': 'no-cache, private' });
    res.end(body);
  }

  private sendJson(res: ServerResponse, code: number, body: unknown, info?: RouteInfo, contentType = 'application/json'): void {
    let text = JSON.stringify(body);
    if (info && matchesFault(this.faults.invalidJson, info)) text = `{"kind": "Status", this is not JSON <<<${text.slice(0, 40)}`;
    else if (info && matchesFault(this.faults.truncateBody, info)) text = text.slice(0, Math.floor(text.length / 2));
    if (this.faults.chunkedBodies) {
      res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' });
      // in pieces, as a stream would arrive
      const piece = 64 * 1024;
      for (let i = 0; i < text.length; i += piece) res.write(text.slice(i, i + piece));
      res.end();
      return;
    }
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
    res.end(text);
  }

  // ---- non-resource paths: version, discovery, openapi, health -----------------------

  private visibleTypes(): ResourceType[] {
    const missing = new Set(this.faults.missingGroups ?? []);
    return RESOURCE_TYPES.filter((t) => !missing.has(t.group));
  }

  private groups(): Array<{ name: string; versions: string[] }> {
    const out: Array<{ name: string; versions: string[] }> = [];
    for (const t of this.visibleTypes()) {
      if (!t.group) continue;
      let g = out.find((x) => x.name === t.group);
      if (!g) out.push((g = { name: t.group, versions: [] }));
      for (const v of t.versions) if (!g.versions.includes(v)) g.versions.push(v);
    }
    // order versions as Kubernetes does: GA by major desc, then beta, then alpha
    const rank = (v: string): [number, number, number] => {
      const m = v.match(/^v(\d+)(?:(alpha|beta)(\d+))?$/);
      if (!m) return [3, 0, 0];
      return [m[2] === 'alpha' ? 2 : m[2] === 'beta' ? 1 : 0, -Number(m[1]), -Number(m[3] ?? 0)];
    };
    for (const g of out) g.versions.sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
    });
    return out;
  }

  private resourceList(group: string, version: string): JsonObject {
    const resources: Json[] = [];
    for (const t of this.visibleTypes().filter((x) => x.group === group && x.versions.includes(version))) {
      resources.push({
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: VERBS,
        ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
        ...(t.categories.length ? { categories: t.categories } : {}),
        storageVersionHash: Buffer.from(`${t.group}/${t.kind}`).toString('base64').slice(0, 11),
      });
      if (t.statusSubresource) {
        resources.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
  }

  private aggregatedDiscovery(core: boolean, apiVersion: string): JsonObject {
    const groups = core ? [{ name: '', versions: ['v1'] }] : this.groups();
    return {
      kind: 'APIGroupDiscoveryList',
      apiVersion,
      metadata: {},
      items: groups.map((g) => ({
        metadata: { name: g.name, creationTimestamp: null },
        versions: g.versions.map((v) => ({
          version: v,
          freshness: 'Current',
          resources: this.visibleTypes()
            .filter((t) => t.group === g.name && t.versions.includes(v))
            .map((t) => ({
              resource: t.plural,
              responseKind: { group: t.group, version: v, kind: t.kind },
              scope: t.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: t.singular,
              verbs: VERBS,
              ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
              ...(t.categories.length ? { categories: t.categories } : {}),
              ...(t.statusSubresource
                ? { subresources: [{ subresource: 'status', responseKind: { group: t.group, version: v, kind: t.kind }, verbs: ['get', 'patch', 'update'] }] }
                : {}),
            })),
        })),
      })),
    };
  }

  private handleNonResource(req: IncomingMessage, res: ServerResponse, url: URL, info: RouteInfo): void {
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const accept = parseAccept(String(req.headers['accept'] ?? ''));
    const wantsAggregated = accept.find((a) => a.params['g'] === 'apidiscovery.k8s.io' && a.params['as'] === 'APIGroupDiscoveryList' && (a.params['v'] === 'v2' || a.params['v'] === 'v2beta1'));
    if (method(req) !== 'GET') throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    if (p === '/version') {
      const m = this.gitVersion.match(/^v(\d+)\.(\d+)/);
      return this.sendJson(res, 200, {
        major: m?.[1] ?? '1',
        minor: m?.[2] ?? '30',
        gitVersion: this.gitVersion,
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2024-01-01T00:00:00Z',
        goVersion: 'go1.22.0',
        compiler: 'gc',
        platform: 'linux/amd64',
      }, info);
    }
    if (p === '/healthz' || p === '/livez' || p === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (p === '/api' || p === '/apis') {
      if (wantsAggregated) {
        const v = wantsAggregated.params['v']!;
        return this.sendJson(res, 200, this.aggregatedDiscovery(p === '/api', `apidiscovery.k8s.io/${v}`), info, `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
      }
      if (p === '/api') {
        return this.sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }] }, info);
      }
      return this.sendJson(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: this.groups().map((g) => ({
          name: g.name,
          versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
          preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
        })),
      }, info);
    }
    if (p === '/api/v1') return this.sendJson(res, 200, this.resourceList('', 'v1'), info);
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^\/apis\/([^/]+)$/))) {
      const g = this.groups().find((x) => x.name === m![1]);
      if (!g) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
      return this.sendJson(res, 200, {
        kind: 'APIGroup',
        apiVersion: 'v1',
        name: g.name,
        versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
      }, info);
    }
    if ((m = p.match(/^\/apis\/([^/]+)\/([^/]+)$/))) {
      const g = this.groups().find((x) => x.name === m![1]);
      if (!g || !g.versions.includes(m[2]!)) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
      return this.sendJson(res, 200, this.resourceList(m[1]!, m[2]!), info);
    }
    if (p === '/openapi/v2') return this.sendOpenApiV2(req, res);
    if (p === '/openapi/v3') {
      const paths: JsonObject = { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${this.openApiHash('api/v1')}` } };
      for (const g of this.groups()) {
        for (const v of g.versions) {
          const k = `apis/${g.name}/${v}`;
          paths[k] = { serverRelativeURL: `/openapi/v3/${k}?hash=${this.openApiHash(k)}` };
        }
      }
      return this.sendJson(res, 200, { paths }, info);
    }
    if ((m = p.match(/^\/openapi\/v3\/(api\/v1|apis\/([^/]+)\/([^/]+))$/))) {
      const group = m[2] ?? '';
      const version = m[3] ?? 'v1';
      if (group && !this.groups().some((g) => g.name === group && g.versions.includes(version))) {
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
      }
      return this.sendJson(res, 200, this.openApiV3(group, version), info);
    }
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  }

  private openApiHash(k: string): string {
    const missing = (this.faults.missingGroups ?? []).join(',');
    return Buffer.from(`${k}|${missing}`).toString('hex').slice(0, 32).toUpperCase();
  }

  /** A minimal OpenAPI v3 document: one path per resource whose PATCH accepts fieldValidation. */
  private openApiV3(group: string, version: string): JsonObject {
    const paths: JsonObject = {};
    const schemas: JsonObject = {};
    const gvk = (t: ResourceType): JsonObject => ({ group: t.group, version, kind: t.kind });
    const param = (name: string): JsonObject => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
    for (const t of this.visibleTypes().filter((x) => x.group === group && x.versions.includes(version))) {
      const ref = `${group ? group.split('.').reverse().join('.') : 'io.k8s.api.core'}.${version}.${t.kind}`;
      schemas[ref] = {
        type: 'object',
        description: `${t.kind} (served by the edgepolicy test cluster; fields are not validated).`,
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
        'x-kubernetes-group-version-kind': [gvk(t)],
      };
      const base = `/${group ? `apis/${group}` : 'api'}/${version}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.plural}/{name}`;
      const op = (action: string, extra: string[] = []): JsonObject => ({
        operationId: `${action}${t.kind}`,
        parameters: [param('dryRun'), param('fieldManager'), ...extra.map(param)],
        responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } } },
        'x-kubernetes-action': action,
        'x-kubernetes-group-version-kind': gvk(t),
      });
      paths[base] = {
        get: { ...op('get'), parameters: [] },
        put: op('put', ['fieldValidation']),
        patch: op('patch', ['fieldValidation', 'force']),
        delete: op('delete'),
      };
    }
    return { openapi: '3.0.0', info: { title: 'Kubernetes', version: this.gitVersion }, paths, components: { schemas } };
  }

  /**
   * OpenAPI v2 (kubectl asks for protobuf). No definitions, but one path per resource whose
   * PATCH operation carries x-kubernetes-group-version-kind and a dryRun query parameter:
   * older kubectl (1.20) reads that to decide whether `kubectl diff` may use server dry-run.
   */
  private sendOpenApiV2(req: IncomingMessage, res: ServerResponse): void {
    const types = this.visibleTypes();
    const ops = [
      { method: 'get', action: 'get', params: [] as string[] },
      { method: 'put', action: 'put', params: ['dryRun', 'fieldManager', 'fieldValidation'] },
      { method: 'delete', action: 'delete', params: ['dryRun'] },
      { method: 'patch', action: 'patch', params: ['dryRun', 'fieldManager', 'fieldValidation', 'force'] },
    ];
    const paths: Array<{ path: string; t: ResourceType; version: string }> = [];
    for (const t of types) {
      for (const v of t.versions) {
        paths.push({ path: `/${t.group ? `apis/${t.group}` : 'api'}/${v}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.plural}/{name}`, t, version: v });
      }
    }
    const accept = String(req.headers['accept'] ?? '');
    if (/protobuf/.test(accept)) {
      const PATH_ITEM_FIELD: Record<string, number> = { get: 2, put: 3, delete: 5, patch: 8 };
      const pathMsgs = paths.map(({ path, t, version }) => {
        const item = Buffer.concat(
          ops.map((o) => {
            const gvkYaml = `group: "${t.group}"\nkind: ${t.kind}\nversion: ${version}\n`;
            const op = Buffer.concat([
              pbString(5, `${o.action}${t.kind}`),
              // ParametersItem{parameter{non_body_parameter{query_parameter_sub_schema{in, name, type}}}}
              ...o.params.map((name) => pbMessage(8, pbMessage(1, pbMessage(2, pbMessage(3, Buffer.concat([pbString(2, 'query'), pbString(4, name), pbString(6, 'string')])))))),
              // NamedAny{name, Any{yaml}}
              pbMessage(13, Buffer.concat([pbString(1, 'x-kubernetes-action'), pbMessage(2, pbString(2, `${o.action}\n`))])),
              pbMessage(13, Buffer.concat([pbString(1, 'x-kubernetes-group-version-kind'), pbMessage(2, pbString(2, gvkYaml))])),
            ]);
            return pbMessage(PATH_ITEM_FIELD[o.method]!, op);
          }),
        );
        return pbMessage(2, Buffer.concat([pbString(1, path), pbMessage(2, item)]));
      });
      const info = Buffer.concat([pbString(1, 'Kubernetes'), pbString(2, this.gitVersion)]);
      const doc = Buffer.concat([pbString(1, '2.0'), pbMessage(2, info), pbMessage(8, Buffer.concat(pathMsgs))]);
      res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': doc.length });
      res.end(doc);
      return;
    }
    const jsonPaths: JsonObject = {};
    for (const { path, t, version } of paths) {
      const item: JsonObject = {};
      for (const o of ops) {
        item[o.method] = {
          operationId: `${o.action}${t.kind}`,
          parameters: o.params.map((name) => ({ name, in: 'query', type: 'string', uniqueItems: true })),
          responses: { '200': { description: 'OK' } },
          'x-kubernetes-action': o.action,
          'x-kubernetes-group-version-kind': { group: t.group, kind: t.kind, version },
        };
      }
      jsonPaths[path] = item;
    }
    this.sendJson(res, 200, { swagger: '2.0', info: { title: 'Kubernetes', version: this.gitVersion }, paths: jsonPaths, definitions: {} });
  }

  // ---- resources --------------------------------------------------------------------

  private async handleResource(req: IncomingMessage, res: ServerResponse, url: URL, info: RouteInfo, user: string): Promise<void> {
    const t = info.type!;
    const q = url.searchParams;
    const version = info.version!;
    if (t.namespaced && info.namespace === undefined && info.verb !== 'list' && info.verb !== 'watch') {
      if (info.verb === 'create' || info.verb === 'deletecollection') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    if (info.subresource && !(info.subresource === 'status' && t.statusSubresource) && !(t.kind === 'Namespace' && info.subresource === 'finalize')) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    const ns = t.namespaced ? (info.namespace ?? '') : '';
    const dryRun = q.getAll('dryRun').includes('All');
    const userAgent = String(req.headers['user-agent'] ?? '');
    const defaultManager = userAgent.split('/')[0] || 'unknown';
    const manager = q.get('fieldManager') ?? defaultManager;
    switch (info.verb) {
      case 'get': {
        const s = this.mustGet(t, ns, info.name!);
        return this.sendObjects(req, res, t, version, [s.obj], info, undefined);
      }
      case 'list':
        return this.handleList(req, res, t, version, info, q);
      case 'watch':
        return this.handleWatch(req, res, t, version, info, q);
      case 'create': {
        const body = this.parseBody(await this.readBody(req), String(req.headers['content-type'] ?? ''));
        const obj = this.checkBody(body, t, version, ns);
        const m = meta(obj);
        if (!str(m['name']) && str(m['generateName'])) m['name'] = `${m['generateName']}${randomBytes(3).toString('hex').slice(0, 5)}`;
        const name = str(m['name']);
        if (!name) throw this.invalid(t, '', 'metadata.name', 'Required value', 'name or generateName is required');
        this.checkName(t, name);
        if (t.namespaced) this.requireNamespace(ns);
        if (this.objects.has(objKey(t, ns, name))) {
          throw new ApiError(409, 'AlreadyExists', `${qualifiedName(t)} "${name}" already exists`, { name, group: t.group, kind: t.plural });
        }
        const created = this.prepareCreate(t, ns, obj, version, q.get('fieldManager') ?? defaultManager, 'Update');
        const result = dryRun ? this.dryRunView(created.obj, created.owners) : this.commit('ADDED', t, ns, name, created.obj, created.owners);
        return this.sendJson(res, 201, this.present(result, t, version), info);
      }
      case 'update': {
        const body = this.parseBody(await this.readBody(req), String(req.headers['content-type'] ?? ''));
        const obj = this.checkBody(body, t, version, ns);
        const m = meta(obj);
        const name = info.name!;
        if (str(m['name']) !== undefined && m['name'] !== name) {
          throw new ApiError(400, 'BadRequest', `the name of the object (${String(m['name'])}) does not match the name on the URL (${name})`);
        }
        m['name'] = name;
        const cur = this.mustGet(t, ns, name);
        const rv = str(m['resourceVersion']);
        if (!rv && t.custom) throw this.invalid(t, name, 'metadata.resourceVersion', 'Invalid value: 0x0', 'must be specified for an update');
        if (rv && rv !== meta(cur.obj)['resourceVersion']) throw this.conflict(t, name);
        const next = this.prepareReplace(t, cur, obj, version, manager, 'Update', false, info.subresource);
        return this.finishWrite(res, t, version, ns, name, cur, next, dryRun, info);
      }
      case 'patch':
        return this.handlePatch(req, res, t, version, info, ns, q, manager, dryRun);
      case 'delete': {
        const name = info.name!;
        const cur = this.mustGet(t, ns, name);
        const text = await this.readBody(req);
        if (text.trim()) {
          const opts = this.parseBody(text, String(req.headers['content-type'] ?? ''));
          const pre = isObject(opts) && isObject(opts['preconditions']) ? opts['preconditions'] : undefined;
          const cm = meta(cur.obj);
          if (pre && ((pre['uid'] && pre['uid'] !== cm['uid']) || (pre['resourceVersion'] && pre['resourceVersion'] !== cm['resourceVersion']))) {
            throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedName(t)} "${name}": the precondition does not match the object`, { name, group: t.group, kind: t.plural });
          }
        }
        const result = dryRun ? clone(cur.obj) : this.doDelete(t, cur);
        return this.sendJson(res, 200, this.present(result, t, version), info);
      }
      case 'deletecollection': {
        const matched = this.select(t, ns, info, q);
        const deleted = dryRun ? matched.map((s) => clone(s.obj)) : matched.map((s) => this.doDelete(t, s));
        return this.sendJson(res, 200, {
          kind: `${t.kind}List`,
          apiVersion: groupVersion(t.group, version),
          metadata: { resourceVersion: String(this.rv) },
          items: deleted.map((o) => this.present(o, t, version)),
        }, info);
      }
      default:
        throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    void user;
  }

  private dryRunView(obj: JsonObject, owners: Owner[]): JsonObject {
    const out = clone(obj);
    const m = meta(out);
    m['managedFields'] = presentOwners(obj, owners).map((o) => ({ manager: o.manager, operation: o.operation, apiVersion: o.apiVersion, time: o.time, fieldsType: 'FieldsV1', fieldsV1: fieldsV1(o.fields) }));
    return out;
  }

  private finishWrite(res: ServerResponse, t: ResourceType, version: string, ns: string, name: string, cur: Stored, next: Stored, dryRun: boolean, info: RouteInfo): void {
    const unchanged = deepEqual(this.comparable(cur.obj), this.comparable(next.obj)) && this.sameOwners(cur.owners, presentOwners(next.obj, next.owners));
    let result: JsonObject;
    if (dryRun) {
      result = this.dryRunView(next.obj, next.owners);
      meta(result)['resourceVersion'] = meta(cur.obj)['resourceVersion']!;
    } else if (unchanged) {
      result = cur.obj; // no-op writes keep the resourceVersion, as on a real server
    } else {
      const finalizers = meta(next.obj)['finalizers'];
      if (meta(next.obj)['deletionTimestamp'] && !(Array.isArray(finalizers) && finalizers.length)) {
        result = this.commit('DELETED', t, ns, name, next.obj, next.owners);
      } else {
        result = this.commit('MODIFIED', t, ns, name, next.obj, next.owners);
      }
    }
    this.sendJson(res, 200, this.present(result, t, version), info);
  }

  private comparable(o: JsonObject): JsonObject {
    const c = clone(o);
    const m = meta(c);
    delete m['managedFields'];
    delete m['resourceVersion'];
    delete c['apiVersion'];
    return c;
  }
  private sameOwners(a: Owner[], b: Owner[]): boolean {
    if (a.length !== b.length) return false;
    return a.every((o, i) => {
      const p = b[i]!;
      return o.manager === p.manager && o.operation === p.operation && o.fields.size === p.fields.size && [...o.fields].every((f) => p.fields.has(f));
    });
  }

  private async handlePatch(req: IncomingMessage, res: ServerResponse, t: ResourceType, version: string, info: RouteInfo, ns: string, q: URLSearchParams, manager: string, dryRun: boolean): Promise<void> {
    const ctype = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const text = await this.readBody(req);
    const name = info.name!;
    if (ctype === 'application/apply-patch+yaml' || ctype === 'application/apply-patch+cbor') {
      if (!q.get('fieldManager')) throw new ApiError(400, 'BadRequest', 'PATCH requests with apply content type require fieldManager');
      const body = this.parseBody(text, 'yaml');
      const obj = this.checkBody(body, t, version, ns);
      const m = meta(obj);
      if (str(m['name']) !== undefined && m['name'] !== name) {
        throw new ApiError(400, 'BadRequest', `the name of the object (${String(m['name'])}) does not match the name on the URL (${name})`);
      }
      m['name'] = name;
      const force = q.get('force') === 'true';
      return this.serverSideApply(res, t, version, info, ns, name, obj, manager, force, dryRun);
    }
    const cur = this.mustGet(t, ns, name);
    let patch: Json;
    try {
      patch = JSON.parse(text) as Json;
    } catch (e) {
      throw new ApiError(400, 'BadRequest', `error decoding patch: ${(e as Error).message}`);
    }
    const base = this.present(cur.obj, t, version) as Json;
    let patched: Json;
    try {
      if (ctype === 'application/merge-patch+json') patched = mergePatch(base, patch);
      else if (ctype === 'application/strategic-merge-patch+json') patched = strategicMergePatch(base, patch);
      else if (ctype === 'application/json-patch+json') patched = jsonPatch(base, patch);
      else throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
    } catch (e) {
      if (e instanceof PatchError) throw new ApiError(422, 'Invalid', `${qualifiedName(t)} "${name}" is invalid: ${e.message}`);
      throw e;
    }
    if (!isObject(patched)) throw new ApiError(422, 'Invalid', `${qualifiedName(t)} "${name}" is invalid: the patched object is not an object`);
    const obj = this.checkBody(patched, t, version, ns);
    const pm = meta(obj);
    if (pm['name'] !== name) throw new ApiError(422, 'Invalid', `${qualifiedName(t)} "${name}" is invalid: metadata.name: Invalid value: "${String(pm['name'])}": field is immutable`);
    const rv = str(pm['resourceVersion']);
    if (rv && rv !== meta(cur.obj)['resourceVersion']) throw this.conflict(t, name);
    const next = this.prepareReplace(t, cur, obj, version, manager, 'Update', false, info.subresource);
    return this.finishWrite(res, t, version, ns, name, cur, next, dryRun, info);
  }

  private serverSideApply(res: ServerResponse, t: ResourceType, version: string, info: RouteInfo, ns: string, name: string, applied: JsonObject, manager: string, force: boolean, dryRun: boolean): void {
    const skipStatus = t.statusSubresource && info.subresource !== 'status';
    const cur = this.objects.get(objKey(t, ns, name));
    this.staticDefaults(t, applied);
    const appliedFields = fieldSet(applied, skipStatus);
    if (!cur) {
      if (t.namespaced) this.requireNamespace(ns);
      this.checkName(t, name);
      const created = this.prepareCreate(t, ns, applied, version, manager, 'Apply');
      created.owners = appliedFields.size ? [{ manager, operation: 'Apply', apiVersion: groupVersion(t.group, version), time: nowIso(), fields: appliedFields }] : [];
      const result = dryRun ? this.dryRunView(created.obj, created.owners) : this.commit('ADDED', t, ns, name, created.obj, created.owners);
      return this.sendJson(res, 201, this.present(result, t, version), info);
    }
    const rv = str(meta(applied)['resourceVersion']);
    if (rv && rv !== meta(cur.obj)['resourceVersion']) throw this.conflict(t, name);
    // conflicts: fields another manager owns whose value this apply would change
    const conflicts: Array<{ manager: string; path: string[] }> = [];
    for (const f of appliedFields) {
      const path = JSON.parse(f) as string[];
      if (deepEqual(getPath(cur.obj, path), getPath(applied, path))) continue;
      for (const o of cur.owners) {
        if (o.manager === manager && o.operation === 'Apply') continue;
        if (o.fields.has(f)) conflicts.push({ manager: o.manager, path });
      }
    }
    if (conflicts.length && !force) {
      const msg = conflicts.map((c) => `conflict with "${c.manager}": .${c.path.join('.')}`);
      throw new ApiError(
        409,
        'Conflict',
        `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${msg.join('\n')}`,
        { name, group: t.group, kind: t.plural, causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: `.${c.path.join('.')}` })) },
      );
    }
    const next = clone(cur.obj);
    // fields this manager applied before but no longer applies go, unless someone else owns them
    const previous = cur.owners.find((o) => o.manager === manager && o.operation === 'Apply');
    for (const f of previous?.fields ?? []) {
      if (appliedFields.has(f)) continue;
      if (cur.owners.some((o) => o !== previous && o.fields.has(f))) continue;
      deletePath(next, JSON.parse(f) as string[]);
    }
    for (const f of appliedFields) {
      const path = JSON.parse(f) as string[];
      setPath(next, path, getPath(applied, path) ?? null);
    }
    // a key whose applied value is an empty map still exists in the result
    const m = meta(next);
    if (t.custom && t.statusSubresource && info.subresource !== 'status') next['status'] = clone(cur.obj['status'] ?? null);
    if (next['status'] === null) delete next['status'];
    this.defaults(t, next);
    next['apiVersion'] = groupVersion(t.group, version);
    m['generation'] = nextGeneration(cur.obj, next);
    const owners = this.updateOwners(t, cur, next, version, manager, 'Apply', info.subresource, appliedFields);
    this.finishWrite(res, t, version, ns, name, cur, { type: t, obj: next, owners }, dryRun, info);
  }

  private conflict(t: ResourceType, name: string): ApiError {
    return new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedName(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: t.group, kind: t.plural },
    );
  }

  private invalid(t: ResourceType, name: string, field: string, what: string, detail: string): ApiError {
    const kindName = t.group ? `${t.kind}.${t.group}` : t.kind;
    return new ApiError(422, 'Invalid', `${kindName} "${name}" is invalid: ${field}: ${what}: ${detail}`, {
      name,
      group: t.group,
      kind: t.kind,
      causes: [{ reason: `Field${what.split(':')[0]!.replace(/\s+/g, '')}`, message: `${what}: ${detail}`, field }],
    });
  }

  private checkName(t: ResourceType, name: string): void {
    const label = t.kind === 'Namespace' || t.kind === 'Service';
    const ok = label ? DNS1123_LABEL.test(name) && name.length <= 63 : DNS1123_SUBDOMAIN.test(name) && name.length <= 253;
    if (!ok) {
      const rule = label
        ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
        : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
      throw this.invalid(t, name, 'metadata.name', `Invalid value: "${name}"`, rule);
    }
  }

  private requireNamespace(ns: string): void {
    const nsType = RESOURCE_TYPES.find((x) => x.kind === 'Namespace')!;
    if (!this.objects.has(objKey(nsType, '', ns))) {
      throw new ApiError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    }
  }

  /** Checks apiVersion/kind/namespace of a request body and returns a copy to work on. */
  private checkBody(body: Json, t: ResourceType, version: string, ns: string): JsonObject {
    if (!isObject(body)) throw new ApiError(400, 'BadRequest', 'the request body must be a JSON or YAML object');
    const obj = clone(body);
    const gv = groupVersion(t.group, version);
    const av = str(obj['apiVersion']);
    const kind = str(obj['kind']);
    if (av !== undefined && av !== gv) {
      // other served versions of the same kind are converted (storage is version-agnostic)
      const slash = av.indexOf('/');
      const g = slash < 0 ? '' : av.slice(0, slash);
      const v = slash < 0 ? av : av.slice(slash + 1);
      if (g !== t.group || !t.versions.includes(v)) throw new ApiError(400, 'BadRequest', `the API version in the data (${av}) does not match the expected API version (${gv})`);
    }
    if (kind !== undefined && kind !== t.kind) throw new ApiError(400, 'BadRequest', `the kind in the data (${kind}) does not match the expected kind (${t.kind})`);
    const m = meta(obj);
    if (t.namespaced) {
      const bodyNs = str(m['namespace']);
      if (bodyNs && bodyNs !== ns) throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      m['namespace'] = ns;
    }
    return obj;
  }

  private mustGet(t: ResourceType, ns: string, name: string): Stored {
    const s = this.objects.get(objKey(t, ns, name));
    if (!s) throw new ApiError(404, 'NotFound', `${qualifiedName(t)} "${name}" not found`, { name, group: t.group, kind: t.plural });
    return s;
  }

  /** The object as served at `version`: storage keeps one copy, apiVersion follows the request. */
  private present(obj: JsonObject, t: ResourceType, version: string): JsonObject {
    const out = clone(obj);
    out['apiVersion'] = groupVersion(t.group, version);
    out['kind'] = t.kind;
    // reorder so apiVersion and kind come first, as real servers print them
    const { apiVersion, kind, ...rest } = out;
    return { apiVersion: apiVersion!, kind: kind!, ...rest };
  }

  private fieldsOf(t: ResourceType, obj: JsonObject): Record<string, string> {
    const m = meta(obj);
    const f: Record<string, string> = { 'metadata.name': str(m['name']) ?? '', 'metadata.namespace': str(m['namespace']) ?? '' };
    if (t.kind === 'Secret') f['type'] = str(obj['type']) ?? '';
    if (t.kind === 'Namespace') f['status.phase'] = str((obj['status'] as JsonObject | undefined)?.['phase']) ?? '';
    return f;
  }

  private makeMatcher(t: ResourceType, ns: string, info: RouteInfo, q: URLSearchParams): (obj: JsonObject) => boolean {
    let labelReqs: ReturnType<typeof parseLabelSelector> = [];
    let fieldReqs: ReturnType<typeof parseFieldSelector> = [];
    try {
      labelReqs = parseLabelSelector(q.get('labelSelector') ?? '');
      const allowed = ['metadata.name', 'metadata.namespace', ...(t.kind === 'Secret' ? ['type'] : []), ...(t.kind === 'Namespace' ? ['status.phase'] : [])];
      fieldReqs = parseFieldSelector(q.get('fieldSelector') ?? '', allowed);
    } catch (e) {
      if (e instanceof SelectorError) throw new ApiError(400, 'BadRequest', e.message);
      throw e;
    }
    const byName = info.name;
    return (obj) => {
      const m = meta(obj);
      if (t.namespaced && ns && m['namespace'] !== ns) return false;
      if (byName && m['name'] !== byName) return false;
      return matchLabels(labelReqs, isObject(m['labels']) ? (m['labels'] as Record<string, string>) : undefined) && matchFields(fieldReqs, this.fieldsOf(t, obj));
    };
  }

  private select(t: ResourceType, ns: string, info: RouteInfo, q: URLSearchParams): Stored[] {
    const match = this.makeMatcher(t, ns, info, q);
    const out: Stored[] = [];
    for (const s of this.objects.values()) if (s.type === t && match(s.obj)) out.push(s);
    return out;
  }

  private bigList(t: ResourceType): JsonObject[] {
    const b = this.faults.enormousList;
    if (!b || (b.resource ?? 'mappings') !== t.plural) return [];
    const ns = t.namespaced ? (b.namespace ?? 'default') : '';
    const key = `${t.plural}|${ns}|${b.count}`;
    if (this.bigListCache?.key === key) return this.bigListCache.items;
    const items: JsonObject[] = [];
    const ts = nowIso();
    for (let i = 0; i < b.count; i++) {
      const n = String(i).padStart(6, '0');
      items.push({
        apiVersion: groupVersion(t.group, t.versions[0]!),
        kind: t.kind,
        metadata: {
          name: `bulk-${t.singular}-${n}`,
          ...(ns ? { namespace: ns } : {}),
          uid: `00000000-0000-4000-8000-${n.padStart(12, '0')}`,
          resourceVersion: '1000',
          generation: 1,
          creationTimestamp: ts,
          labels: { 'edgepolicy.test/bulk': 'true' },
        },
        spec: t.kind === 'Mapping' ? { hostname: '*', prefix: `/bulk/${n}/`, service: `bulk-${n}` } : {},
      });
    }
    this.bigListCache = { key, items };
    return items;
  }

  private handleList(req: IncomingMessage, res: ServerResponse, t: ResourceType, version: string, info: RouteInfo, q: URLSearchParams): void {
    const ns = t.namespaced ? (info.namespace ?? '') : '';
    const match = this.makeMatcher(t, ns, info, q);
    const all: JsonObject[] = this.select(t, ns, info, q).map((s) => s.obj);
    for (const b of this.bigList(t)) if (match(b)) all.push(b);
    const sortKey = (o: JsonObject): string => `${str(meta(o)['namespace']) ?? ''}/${str(meta(o)['name']) ?? ''}`;
    all.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    let start = 0;
    let listRv = this.rv;
    const cont = q.get('continue');
    if (cont) {
      let tok: { rv: number; after: string };
      try {
        tok = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { rv: number; after: string };
        if (typeof tok.rv !== 'number' || typeof tok.after !== 'string') throw new Error('bad');
      } catch {
        throw new ApiError(400, 'BadRequest', 'continue key is not valid: the continue token could not be decoded');
      }
      if (tok.rv < this.horizon) {
        throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      listRv = tok.rv;
      start = all.findIndex((o) => sortKey(o) > tok.after);
      if (start < 0) start = all.length;
    }
    const limit = this.faults.ignoreLimit ? 0 : Number(q.get('limit') ?? '0');
    let page = all.slice(start);
    const metaOut: JsonObject = { resourceVersion: String(listRv) };
    if (limit > 0 && page.length > limit) {
      page = page.slice(0, limit);
      metaOut['continue'] = Buffer.from(JSON.stringify({ rv: listRv, after: sortKey(page[page.length - 1]!) })).toString('base64url');
      metaOut['remainingItemCount'] = all.length - start - limit;
    }
    this.sendObjects(req, res, t, version, page, info, metaOut);
  }

  private wantsTable(req: IncomingMessage): boolean {
    return parseAccept(String(req.headers['accept'] ?? '')).some((a) => a.params['as'] === 'Table' && a.params['g'] === 'meta.k8s.io');
  }

  /** get (listMeta undefined) or list response, as objects or as a Table. */
  private sendObjects(req: IncomingMessage, res: ServerResponse, t: ResourceType, version: string, objs: JsonObject[], info: RouteInfo, listMeta: JsonObject | undefined): void {
    if (this.wantsTable(req)) {
      const q = new URL(req.url ?? '/', 'https://x').searchParams;
      const table = this.table(t, version, objs, q.get('includeObject') ?? 'Metadata', true);
      table['metadata'] = listMeta ?? { resourceVersion: meta(objs[0]!)['resourceVersion']! };
      return this.sendJson(res, 200, table, info);
    }
    if (!listMeta) return this.sendJson(res, 200, this.present(objs[0]!, t, version), info);
    this.sendJson(res, 200, {
      apiVersion: groupVersion(t.group, version),
      kind: `${t.kind}List`,
      metadata: listMeta,
      items: objs.map((o) => this.present(o, t, version)),
    }, info);
  }

  private table(t: ResourceType, version: string, objs: JsonObject[], includeObject: string, withColumns: boolean): JsonObject {
    const cols: Array<{ name: string; type: string; format: string; description: string; priority: number; cell: (o: JsonObject) => Json }> = [];
    const age = (o: JsonObject): string => {
      const ts = str(meta(o)['creationTimestamp']);
      return ts ? humanDuration(Date.now() - Date.parse(ts)) : '<unknown>';
    };
    cols.push({ name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0, cell: (o) => str(meta(o)['name']) ?? '' });
    if (t.columns) {
      for (const c of t.columns) {
        cols.push({
          name: c.name,
          type: c.type === 'date' ? 'date' : c.type,
          format: '',
          description: c.description ?? '',
          priority: c.priority ?? 0,
          cell: (o) => {
            const v = getPath(o, c.jsonPath.split('.').filter((x) => x));
            if (c.type === 'date') return typeof v === 'string' ? humanDuration(Date.now() - Date.parse(v)) : null;
            return v === undefined ? null : (v as Json);
          },
        });
      }
    } else if (t.kind === 'Namespace') {
      cols.push({ name: 'Status', type: 'string', format: '', description: 'The status of the namespace', priority: 0, cell: (o) => str((o['status'] as JsonObject | undefined)?.['phase']) ?? '' });
      cols.push({ name: 'Age', type: 'string', format: '', description: 'CreationTimestamp', priority: 0, cell: age });
    } else if (t.kind === 'Service') {
      const spec = (o: JsonObject): JsonObject => (isObject(o['spec']) ? (o['spec'] as JsonObject) : {});
      cols.push({ name: 'Type', type: 'string', format: '', description: 'Service type', priority: 0, cell: (o) => str(spec(o)['type']) ?? 'ClusterIP' });
      cols.push({ name: 'Cluster-IP', type: 'string', format: '', description: 'Cluster IP', priority: 0, cell: (o) => str(spec(o)['clusterIP']) ?? '<none>' });
      cols.push({ name: 'External-IP', type: 'string', format: '', description: 'External IP', priority: 0, cell: (o) => (Array.isArray(spec(o)['externalIPs']) ? (spec(o)['externalIPs'] as string[]).join(',') : '<none>') });
      cols.push({
        name: 'Port(s)',
        type: 'string',
        format: '',
        description: 'Ports',
        priority: 0,
        cell: (o) => {
          const ports = Array.isArray(spec(o)['ports']) ? (spec(o)['ports'] as JsonObject[]) : [];
          return ports.length ? ports.map((p) => `${String(p['port'])}${p['nodePort'] ? `:${String(p['nodePort'])}` : ''}/${String(p['protocol'] ?? 'TCP')}`).join(',') : '<none>';
        },
      });
      cols.push({ name: 'Age', type: 'string', format: '', description: 'CreationTimestamp', priority: 0, cell: age });
      cols.push({
        name: 'Selector',
        type: 'string',
        format: '',
        description: 'Selector',
        priority: 1,
        cell: (o) => (isObject(spec(o)['selector']) ? Object.entries(spec(o)['selector'] as JsonObject).map(([k, v]) => `${k}=${String(v)}`).join(',') : '<none>'),
      });
    } else if (t.kind === 'Ingress') {
      const spec = (o: JsonObject): JsonObject => (isObject(o['spec']) ? (o['spec'] as JsonObject) : {});
      const list = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? (v.filter((x) => isObject(x)) as JsonObject[]) : []);
      cols.push({ name: 'Class', type: 'string', format: '', description: 'Ingress class', priority: 0, cell: (o) => str(spec(o)['ingressClassName']) ?? '<none>' });
      cols.push({
        name: 'Hosts',
        type: 'string',
        format: '',
        description: 'Hosts',
        priority: 0,
        cell: (o) => list(spec(o)['rules']).map((r) => str(r['host']) ?? '*').join(',') || '*',
      });
      cols.push({
        name: 'Address',
        type: 'string',
        format: '',
        description: 'Address',
        priority: 0,
        cell: (o) => {
          const lb = isObject(o['status']) && isObject((o['status'] as JsonObject)['loadBalancer']) ? ((o['status'] as JsonObject)['loadBalancer'] as JsonObject) : {};
          return list(lb['ingress']).map((i) => str(i['ip']) ?? str(i['hostname']) ?? '').filter((x) => x).join(',');
        },
      });
      cols.push({ name: 'Ports', type: 'string', format: '', description: 'Ports', priority: 0, cell: (o) => (list(spec(o)['tls']).length ? '80, 443' : '80') });
      cols.push({ name: 'Age', type: 'string', format: '', description: 'CreationTimestamp', priority: 0, cell: age });
    } else if (t.kind === 'Secret') {
      cols.push({ name: 'Type', type: 'string', format: '', description: 'Secret type', priority: 0, cell: (o) => str(o['type']) ?? 'Opaque' });
      cols.push({ name: 'Data', type: 'integer', format: '', description: 'Number of keys', priority: 0, cell: (o) => (isObject(o['data']) ? Object.keys(o['data']).length : 0) });
      cols.push({ name: 'Age', type: 'string', format: '', description: 'CreationTimestamp', priority: 0, cell: age });
    } else {
      cols.push({ name: 'Age', type: 'date', format: '', description: 'CreationTimestamp', priority: 0, cell: age });
    }
    const rowObject = (o: JsonObject): Json | undefined => {
      if (includeObject === 'None') return undefined;
      if (includeObject === 'Object') return this.present(o, t, version);
      const m = clone(meta(o));
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: m };
    };
    return {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: {},
      ...(withColumns ? { columnDefinitions: cols.map(({ cell: _c, ...d }) => d) } : {}),
      rows: objs.map((o) => {
        const ro = rowObject(o);
        return { cells: cols.map((c) => c.cell(o)), ...(ro !== undefined ? { object: ro } : {}) };
      }),
    };
  }

  // ---- watch ------------------------------------------------------------------------

  private handleWatch(req: IncomingMessage, res: ServerResponse, t: ResourceType, version: string, info: RouteInfo, q: URLSearchParams): void {
    const ns = t.namespaced ? (info.namespace ?? '') : '';
    const match = this.makeMatcher(t, ns, info, q);
    const asTable = this.wantsTable(req);
    const includeObject = q.get('includeObject') ?? 'Metadata';
    const rvParam = q.get('resourceVersion') ?? '';
    const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
    const sendInitial = q.get('sendInitialEvents') === 'true';
    const timeoutSec = Number(q.get('timeoutSeconds') ?? '0');
    res.writeHead(200, {
      'Content-Type': asTable ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    let sent = 0;
    let columnsSent = false;
    let closed = false;
    const timers: NodeJS.Timeout[] = [];
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.watchers.delete(watcher);
      for (const tm of timers) clearTimeout(tm), clearInterval(tm);
      res.end();
    };
    const writeLine = (o: unknown): void => {
      if (closed) return;
      res.write(`${JSON.stringify(o)}\n`);
    };
    const emit = (type: EventType, obj: JsonObject): void => {
      if (closed) return;
      let object: JsonObject;
      if (asTable) {
        object = this.table(t, version, [obj], includeObject, !columnsSent);
        object['metadata'] = { resourceVersion: meta(obj)['resourceVersion']! };
        columnsSent = true;
      } else object = this.present(obj, t, version);
      writeLine({ type, object });
      sent++;
      const limit = this.faults.dropWatchAfterEvents;
      if (limit !== undefined && sent >= limit) {
        // an abrupt end, as when a proxy or the API server drops the connection
        closed = true;
        this.watchers.delete(watcher);
        for (const tm of timers) clearTimeout(tm), clearInterval(tm);
        res.end();
      }
    };
    const bookmark = (annotations?: Record<string, string>): void => {
      writeLine({
        type: 'BOOKMARK',
        object: {
          kind: t.kind,
          apiVersion: groupVersion(t.group, version),
          metadata: { resourceVersion: String(this.rv), creationTimestamp: null, ...(annotations ? { annotations } : {}) },
        },
      });
    };
    const watcher: Watcher = {
      tkey: typeKey(t),
      deliver: (ev) => {
        if (ev.type === 'MODIFIED' || ev.type === 'ADDED' || ev.type === 'DELETED') {
          if (match(ev.obj)) emit(ev.type, ev.obj);
        }
      },
    };
    req.on('close', close);
    res.on('close', close);
    // The client may have gone while this request waited (delayMs): then there is nothing to stream to.
    if (req.socket.destroyed || res.destroyed) return close();
    // where the stream starts
    const initialState = rvParam === '' || rvParam === '0' || sendInitial;
    if (!initialState) {
      const from = Number(rvParam);
      if (!Number.isFinite(from)) {
        writeLine({ type: 'ERROR', object: new ApiError(400, 'BadRequest', `invalid resource version: ${rvParam}`).status() });
        return close();
      }
      if (from < this.horizon) {
        writeLine({ type: 'ERROR', object: new ApiError(410, 'Expired', `too old resource version: ${from} (${this.horizon + 1})`).status() });
        return close();
      }
      for (const ev of this.events) if (ev.rv > from && ev.tkey === watcher.tkey) watcher.deliver(ev);
    } else {
      const current = [...this.objects.values()].filter((s) => s.type === t && match(s.obj)).map((s) => s.obj);
      for (const b of this.bigList(t)) if (match(b)) current.push(b);
      for (const o of current) emit('ADDED', o);
      if (sendInitial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    }
    if (closed) return;
    if (this.faults.watchGarbage) {
      res.write('this is not a watch event {{{\n');
    }
    this.watchers.add(watcher);
    if (bookmarks) {
      const iv = setInterval(() => bookmark(), this.faults.bookmarkIntervalMs ?? 5000);
      timers.push(iv);
    }
    if (timeoutSec > 0) timers.push(setTimeout(close, timeoutSec * 1000));
    if (this.faults.dropWatchAfterMs !== undefined) timers.push(setTimeout(() => res.destroy(), this.faults.dropWatchAfterMs));
  }

  // ---- admin endpoints (never used by product code) ---------------------------------

  private async handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!this.isAdmin(req)) throw new ApiError(401, 'Unauthorized', 'Unauthorized (admin token required)');
    const m = method(req);
    const p = url.pathname;
    if (p === '/__test/faults') {
      if (m === 'GET') return this.sendJson(res, 200, this.getFaults());
      if (m === 'POST' || m === 'PUT') {
        const body = this.parseBody(await this.readBody(req), 'json');
        if (!isObject(body)) throw new ApiError(400, 'BadRequest', 'faults must be a JSON object');
        this.setFaults(url.searchParams.get('merge') === 'true' ? { ...this.faults, ...(body as Faults) } : (body as Faults));
        return this.sendJson(res, 200, this.getFaults());
      }
      if (m === 'DELETE') {
        this.setFaults({});
        return this.sendJson(res, 200, {});
      }
    }
    if (p === '/__test/log') {
      if (m === 'GET') return this.sendJson(res, 200, { items: this.requestLog() });
      if (m === 'DELETE') {
        this.clearLog();
        return this.sendJson(res, 200, { items: [] });
      }
    }
    if (p === '/__test/apply' && m === 'POST') {
      const text = await this.readBody(req);
      let docs: unknown[];
      try {
        docs = YAML.parseAllDocuments(text).map((d) => d.toJSON() as unknown).filter((d) => d !== null && d !== undefined);
      } catch (e) {
        throw new ApiError(400, 'BadRequest', `could not parse the objects: ${(e as Error).message}`);
      }
      const flat = docs.flatMap((d) => (isObject(d) && Array.isArray(d['items']) && /List$/.test(String(d['kind'])) ? (d['items'] as unknown[]) : [d]));
      try {
        return this.sendJson(res, 200, { items: this.apply(flat) });
      } catch (e) {
        throw new ApiError(422, 'Invalid', (e as Error).message);
      }
    }
    if (p === '/__test/compact' && m === 'POST') {
      this.compact();
      return this.sendJson(res, 200, { resourceVersion: String(this.rv) });
    }
    throw new ApiError(404, 'NotFound', 'unknown admin endpoint');
  }
}

/** Ownership only of fields the object has (write-only fields such as Secret stringData vanish). */
function presentOwners(obj: JsonObject, owners: Owner[]): Owner[] {
  const have = fieldSet(obj, false);
  return owners.map((o) => ({ ...o, fields: new Set([...o.fields].filter((f) => have.has(f))) })).filter((o) => o.fields.size > 0);
}

/** generation moves when anything but metadata/status changes */
function nextGeneration(prev: JsonObject, next: JsonObject): number {
  const strip = (o: JsonObject): JsonObject => {
    const c = clone(o);
    delete c['metadata'];
    delete c['status'];
    delete c['apiVersion'];
    return c;
  };
  return (Number(meta(prev)['generation']) || 1) + (deepEqual(strip(next), strip(prev)) ? 0 : 1);
}

function method(req: IncomingMessage): string {
  return (req.method ?? 'GET').toUpperCase();
}

function pbMessage(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}
function pbString(field: number, s: string): Buffer {
  return pbMessage(field, Buffer.from(s, 'utf8'));
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

export { AMBASSADOR_GROUP };
