// Programmatic entry point of the Kubernetes-API-compatible test cluster.
//
//   const cluster = await startTestCluster({ seed: ['test/fixtures/cluster/basic'] });
//   cluster.writeKubeconfig(file);           // token context "edgepolicy-demo" (+ "-cert" context)
//   cluster.setFaults({ forbidden: [{ resource: 'mappings', verb: 'list' }] });
//   cluster.requestLog();                    // every API request: verb, path, query, user agent, user
//   await cluster.stop();
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as YAML from 'yaml';
import { ClusterServer } from './server';
import { RESOURCE_TYPES } from './resources';
import { isObject, type JsonObject } from './patch';
import type { Faults, RequestLogEntry } from './types';
import type { ServerCertNames } from './certs';

export type { Faults, FaultMatch, ForbiddenRule, RequestLogEntry } from './types';
export type { ServerCertNames } from './certs';
export type { JsonObject } from './patch';
export { ClusterServer } from './server';

export interface StartOptions {
  /** YAML/JSON files or directories (searched recursively for .yaml/.yml/.json) to load at start. */
  seed?: string[];
  /** Bearer token → user. Default: one random token for user "edgepolicy-demo". */
  tokens?: Record<string, string>;
  /** Admin token for /__test/* (random by default). */
  adminToken?: string;
  faults?: Faults;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Names in the server certificate (default DNS localhost + IP 127.0.0.1); e.g. another name to test name mismatches. */
  serverCertNames?: ServerCertNames;
  /** Write a kubeconfig here at start (see writeKubeconfig). */
  kubeconfigPath?: string;
  kubeconfig?: KubeconfigOptions;
}

export interface KubeconfigOptions {
  /** Name of the token context (default "edgepolicy-demo"); the client-cert context is `${context}-cert`. */
  context?: string;
  /** Default namespace of both contexts (omitted when unset). */
  namespace?: string;
  /** Which context is current: 'token' (default) or 'cert'. */
  current?: 'token' | 'cert';
  /** Bearer token to write (default: the cluster's first token). */
  token?: string;
  /** CN of the client certificate (default: the user of the chosen token). */
  certUser?: string;
}

export interface SeedResult {
  applied: number;
  /** Documents that were not loaded (unserved kind, no name, ...), with why. */
  skipped: Array<{ file: string; index: number; reason: string }>;
}

export interface TestCluster {
  url: string;
  port: number;
  /** PEM of the ephemeral CA that signed the server certificate (and client certificates). */
  caCert: string;
  /** The default bearer token and its user. */
  token: string;
  user: string;
  adminToken: string;
  kubeconfigPath?: string;
  seedResult: SeedResult;
  server: ClusterServer;
  writeKubeconfig(file: string, opts?: KubeconfigOptions): string;
  clientCert(user: string, groups?: string[]): { certPem: string; keyPem: string };
  /** Replaces all fault knobs. */
  setFaults(f: Faults): void;
  getFaults(): Faults;
  requestLog(): RequestLogEntry[];
  clearLog(): void;
  /** Creates or replaces objects (namespaces auto-created); watch events are sent as for API writes. */
  apply(objs: unknown[]): JsonObject[];
  /** Loads YAML/JSON files or directories like the seed option. */
  applyFiles(paths: string[]): SeedResult;
  remove(apiVersion: string, kind: string, name: string, namespace?: string): boolean;
  /** Every stored object. */
  objects(): JsonObject[];
  /** Drops retained watch history: watches from older resourceVersions get 410 Gone. */
  compact(): void;
  stop(): Promise<void>;
}

function collectFiles(p: string): string[] {
  const st = statSync(p);
  if (st.isFile()) return [p];
  const out: string[] = [];
  for (const e of readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(p, e.name);
    if (e.isDirectory()) out.push(...collectFiles(full));
    else if (/\.(ya?ml|json)$/i.test(e.name)) out.push(full);
  }
  return out;
}

/** Parses every document of the given files/dirs; List kinds are flattened. */
export function readManifests(paths: string[]): { docs: Array<{ file: string; index: number; obj: JsonObject }>; skipped: SeedResult['skipped'] } {
  const docs: Array<{ file: string; index: number; obj: JsonObject }> = [];
  const skipped: SeedResult['skipped'] = [];
  for (const p of paths) {
    for (const file of collectFiles(p)) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        skipped.push({ file, index: -1, reason: `unreadable: ${(e as Error).message}` });
        continue;
      }
      const parsed = YAML.parseAllDocuments(text);
      parsed.forEach((d, index) => {
        if (d.errors.length) {
          skipped.push({ file, index, reason: `YAML error: ${d.errors[0]!.message.split('\n')[0]}` });
          return;
        }
        const v = d.toJSON() as unknown;
        if (v === null || v === undefined) return;
        if (!isObject(v)) {
          skipped.push({ file, index, reason: 'not a mapping' });
          return;
        }
        const items = Array.isArray(v['items']) && /List$/.test(String(v['kind'])) ? v['items'] : [v];
        for (const it of items) if (isObject(it)) docs.push({ file, index, obj: it });
      });
    }
  }
  return { docs, skipped };
}

function served(obj: JsonObject): string | undefined {
  const av = String(obj['apiVersion'] ?? '');
  const kind = String(obj['kind'] ?? '');
  const slash = av.indexOf('/');
  const group = slash < 0 ? '' : av.slice(0, slash);
  const version = slash < 0 ? av : av.slice(slash + 1);
  const t = RESOURCE_TYPES.find((x) => x.group === group && x.kind === kind);
  if (!t) return `${kind || '(no kind)'} ${av || '(no apiVersion)'} is not served by the test cluster`;
  if (!t.versions.includes(version)) return `${kind} is served at ${t.versions.join(', ')}, not ${version}`;
  const name = isObject(obj['metadata']) ? obj['metadata']['name'] : undefined;
  if (typeof name !== 'string' || !name) return 'no metadata.name';
  return undefined;
}

function seedFrom(server: ClusterServer, paths: string[]): SeedResult {
  const { docs, skipped } = readManifests(paths);
  // Namespaces first, so their labels/annotations are the seed's and not the defaults
  const ordered = [...docs.filter((d) => d.obj['kind'] === 'Namespace'), ...docs.filter((d) => d.obj['kind'] !== 'Namespace')];
  let applied = 0;
  for (const d of ordered) {
    const why = served(d.obj);
    if (why) {
      skipped.push({ file: d.file, index: d.index, reason: why });
      continue;
    }
    try {
      server.apply([d.obj]);
      applied++;
    } catch (e) {
      skipped.push({ file: d.file, index: d.index, reason: (e as Error).message });
    }
  }
  return { applied, skipped };
}

export function kubeconfigYaml(
  url: string,
  caCert: string,
  token: string,
  cert: { certPem: string; keyPem: string },
  opts: KubeconfigOptions = {},
): string {
  const ctx = opts.context ?? 'edgepolicy-demo';
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  const ns = opts.namespace ? { namespace: opts.namespace } : {};
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: ctx, cluster: { server: url, 'certificate-authority-data': b64(caCert) } }],
    users: [
      { name: `${ctx}-token`, user: { token } },
      { name: `${ctx}-cert`, user: { 'client-certificate-data': b64(cert.certPem), 'client-key-data': b64(cert.keyPem) } },
    ],
    contexts: [
      { name: ctx, context: { cluster: ctx, user: `${ctx}-token`, ...ns } },
      { name: `${ctx}-cert`, context: { cluster: ctx, user: `${ctx}-cert`, ...ns } },
    ],
    'current-context': opts.current === 'cert' ? `${ctx}-cert` : ctx,
  };
  return YAML.stringify(config);
}

export async function startTestCluster(opts: StartOptions = {}): Promise<TestCluster> {
  for (const p of opts.seed ?? []) {
    if (!existsSync(p)) throw new Error(`seed path not found: ${p}`);
  }
  const server = new ClusterServer({ tokens: opts.tokens, adminToken: opts.adminToken, faults: opts.faults, serverCertNames: opts.serverCertNames });
  // seed before listening: nobody sees a half-seeded cluster, and a failure leaves nothing running
  const seedResult = opts.seed?.length ? seedFrom(server, opts.seed) : { applied: 0, skipped: [] };
  await server.listen(opts.port ?? 0);
  const [token, user] = Object.entries(server.tokens)[0]!;
  const certCache = new Map<string, { certPem: string; keyPem: string }>();
  const cluster: TestCluster = {
    url: server.url,
    port: server.port,
    caCert: server.ca.certPem,
    token,
    user,
    adminToken: server.adminToken,
    seedResult,
    server,
    writeKubeconfig(file, kopts = {}) {
      const tok = kopts.token ?? token;
      const certUser = kopts.certUser ?? server.tokens[tok] ?? user;
      let cert = certCache.get(certUser);
      if (!cert) certCache.set(certUser, (cert = server.clientCert(certUser)));
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      writeFileSync(file, kubeconfigYaml(server.url, server.ca.certPem, tok, cert, kopts), { mode: 0o600 });
      chmodSync(file, 0o600);
      return file;
    },
    clientCert: (u, g) => server.clientCert(u, g),
    setFaults: (f) => server.setFaults(f),
    getFaults: () => server.getFaults(),
    requestLog: () => server.requestLog(),
    clearLog: () => server.clearLog(),
    apply: (objs) => server.apply(objs),
    applyFiles: (paths) => seedFrom(server, paths),
    remove: (av, kind, name, ns) => server.remove(av, kind, name, ns),
    objects: () => server.snapshot(),
    compact: () => server.compact(),
    stop: () => server.close(),
  };
  if (opts.kubeconfigPath) {
    cluster.writeKubeconfig(opts.kubeconfigPath, opts.kubeconfig);
    cluster.kubeconfigPath = opts.kubeconfigPath;
  }
  return cluster;
}
