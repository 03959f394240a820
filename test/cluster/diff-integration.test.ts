// Integration tests of the cluster diff (DiffSession, runDiff) against a Kubernetes API server.
//
// Target: the project's test API server (test/cluster-server, started in-process) by default, or a real cluster
// when EDGEPOLICY_TEST_CONTEXT names a context (EDGEPOLICY_TEST_KUBECONFIG optionally names the kubeconfig; the
// cluster needs the getambassador.io CRDs, and the tests create and delete their own namespaces with kubectl).
//
// Cluster state is seeded and changed through the real kubectl (`kubectl apply --server-side`, `kubectl patch`, ...),
// as a user would. Our code only reads.
//
// Case selection by target: every case runs against both targets, except those that need the test server's knobs
// (fault injection, the request log, rewriting credentials, compaction, restarting the server). Those are declared
// in the `knobs` block and only exist for the test-server target; that is a choice of target, not a skip.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestCluster, type TestCluster } from '../cluster-server/index';
import { Workspace } from '../../server/src/engine/workspace';
import { DiffSession, type DiffSessionOptions } from '../../server/src/cluster/session';
import { USER_AGENT } from '../../server/src/cluster/client';
import { runDiff } from '../../server/src/cli/diff';
import { run } from '../../server/src/cli/main';
import type { DriftEntry, DriftSummary } from '../../server/src/lsp/protocol';
import * as P from '../../server/src/lsp/protocol';
import { registerDiffHandlers } from '../../server/src/lsp/diffHandlers';
import { Recorder, TcpProxy, closedPort } from './helpers';

const FIXTURES = path.resolve(__dirname, '../fixtures/diff');
/** Fixtures of the cluster suites themselves (Ingress annotation). */
const CLUSTER_FIXTURES = path.resolve(__dirname, '../fixtures/cluster/diff');
/** A real cluster is the target when EDGEPOLICY_TEST_CONTEXT is set; else the in-process test server. */
const REAL_CLUSTER = !!process.env['EDGEPOLICY_TEST_CONTEXT'];

interface Target {
  name: 'test-server' | 'real-cluster';
  /** Explicit kubeconfig file; undefined = the environment's (KUBECONFIG, else ~/.kube/config). */
  kubeconfig?: string;
  /** `--kubeconfig FILE` for kubectl and the CLI, or nothing. */
  kubeconfigArgs: string[];
  /** Environment our code reads KUBECONFIG/HOME from. */
  env: Record<string, string | undefined>;
  context: string;
  /** Only for the test server: fault knobs, request log, ... */
  cluster?: TestCluster;
  stop(): Promise<void>;
}

function kubectl(t: Target, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the test server runs in this process.
    const p = execFile('kubectl', [...t.kubeconfigArgs, '--context', t.context, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, out, errOut) =>
      err ? reject(new Error(`kubectl ${args.join(' ')} failed: ${errOut || err.message}`)) : resolve(out),
    );
    p.stdin!.end(input ?? '');
  });
}

function fixture(name: string, ns: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8').replace(/__NS__/g, ns);
}

async function startTarget(tmp: string): Promise<Target> {
  const ctx = process.env['EDGEPOLICY_TEST_CONTEXT'];
  if (ctx) {
    const kc = process.env['EDGEPOLICY_TEST_KUBECONFIG'] || undefined;
    return { name: 'real-cluster', kubeconfig: kc, kubeconfigArgs: kc ? ['--kubeconfig', kc] : [], env: kc ? {} : { ...process.env }, context: ctx, stop: async () => undefined };
  }
  const kubeconfig = path.join(tmp, 'kubeconfig');
  const cluster = await startTestCluster({ kubeconfigPath: kubeconfig });
  return { name: 'test-server', kubeconfig, kubeconfigArgs: ['--kubeconfig', kubeconfig], env: {}, context: 'edgepolicy-demo', cluster, stop: () => cluster.stop() };
}

let nsCounter = 0;
const createdNamespaces: string[] = [];
async function newNamespace(t: Target): Promise<string> {
  const ns = `ep-diff-${process.pid}-${++nsCounter}`;
  await kubectl(t, ['create', 'namespace', ns]);
  createdNamespaces.push(ns);
  return ns;
}

/** A namespace seeded as the tests expect: Git applied, one resource not synced, one hotfix, one hand edit. */
async function seedDrifted(t: Target): Promise<string> {
  const ns = await newNamespace(t);
  await kubectl(t, ['apply', '--server-side', '--field-manager', 'gitops', '-f', '-'], fixture('workspace.yaml', ns));
  await kubectl(t, ['delete', '-n', ns, 'mappings.getambassador.io', 'search-suggest']);
  await kubectl(t, ['apply', '--server-side', '--field-manager', 'hotfixer', '-f', '-'], fixture('cluster-extra.yaml', ns));
  await kubectl(t, ['patch', '-n', ns, 'mappings.getambassador.io', 'checkout', '--type', 'merge', '-p', '{"spec":{"timeout_ms":9000}}']);
  return ns;
}

/** The fixtures for namespace `ns`, as files of `dir` (default: where they are). */
function workspaceFor(ns: string, files = ['workspace.yaml'], dir = FIXTURES): Workspace {
  const ws = new Workspace();
  for (const f of files) ws.setFile(pathToFileURL(path.join(dir, f)).href, fixture(f, ns));
  return ws;
}

function states(entries: DriftEntry[]): Record<string, string> {
  return Object.fromEntries(entries.map((e) => [`${e.kind}/${e.name}`, e.state + (e.changes.length ? ` ${e.changes.join(',')}` : '')]));
}

function entryState(s: DriftSummary, kind: string, name: string): string | undefined {
  return s.entries.find((e) => e.kind === kind && e.name === name)?.state;
}

function captureIo(cwd: string, env: Record<string, string | undefined>) {
  const io = { out: '', err: '', cwd, env, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

describe('cluster diff integration', function () {
  this.timeout(60_000);
  let tmp: string;
  let t: Target;
  const sessions: DiffSession[] = [];

  const open = (opts: Partial<DiffSessionOptions> = {}, rec?: Recorder): DiffSession => {
    const s = new DiffSession({ allowExec: true, kubeconfig: t.kubeconfig, env: t.env, throttleMs: 50, backoff: { initialMs: 100, maxMs: 500 }, ...opts }, rec?.push);
    sessions.push(s);
    return s;
  };

  /** A running session on `ns` with the fixture workspace, recording its summaries. */
  const live = async (ns: string): Promise<{ s: DiffSession; rec: Recorder; first: DriftSummary }> => {
    const rec = new Recorder();
    const s = open({}, rec);
    s.setResources(workspaceFor(ns).resources());
    const first = await s.start(t.context, [ns]);
    assert.equal(first.status, 'live', first.message);
    return { s, rec, first };
  };

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-diff-it-'));
    t = await startTarget(tmp);
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.stop(false)));
  });
  after(async () => {
    if (t?.name === 'real-cluster') for (const ns of createdNamespaces) await kubectl(t, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
    await t?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('states (kubectl-applied state)', () => {
    it('reports in-sync, changed, workspace-only and cluster-only; normalisation hides server-managed fields', async () => {
      const ns = await seedDrifted(t);
      const s = open();
      s.setResources(workspaceFor(ns).resources());
      const sum = await s.start(t.context, [ns]);
      assert.equal(sum.status, 'live', sum.message);
      assert.deepEqual(states(sum.entries), {
        'Host/shop': 'in-sync',
        'Mapping/checkout': 'changed /spec/timeout_ms',
        'Mapping/debug-hotfix': 'cluster-only',
        'Mapping/images': 'in-sync',
        'Mapping/search-suggest': 'workspace-only',
        'Mapping/storefront': 'in-sync',
      });
      const checkout = sum.entries.find((e) => e.name === 'checkout')!;
      assert.equal(checkout.key, `getambassador.io/v3alpha1/Mapping/${ns}/checkout`);
      assert.ok(checkout.uri!.endsWith('/workspace.yaml'));
      assert.equal(checkout.line, 14, '0-based line of the document start');
      assert.equal(sum.entries.find((e) => e.name === 'images')!.key, `getambassador.io/v2/Mapping/${ns}/images`);
      const cluster = s.document(checkout.key, 'cluster')!;
      const git = s.document(checkout.key, 'workspace')!;
      assert.match(cluster, /timeout_ms: 9000/);
      assert.match(git, /timeout_ms: 3000/);
      for (const doc of [cluster, git]) assert.doesNotMatch(doc, /managedFields|resourceVersion|uid:|creationTimestamp|generation/);
    });

    it('a field added by hand with kubectl is drift; an ignore rule hides it', async () => {
      const ns = await newNamespace(t);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], fixture('workspace.yaml', ns));
      await kubectl(t, ['patch', '-n', ns, 'hosts.getambassador.io', 'shop', '--type', 'merge', '-p', '{"metadata":{"labels":{"hotfix":"yes"}},"spec":{"mappingSelector":{"matchLabels":{"team":"web"}}}}']);
      const s = open();
      s.setResources(workspaceFor(ns).resources());
      const sum = await s.start(t.context, [ns]);
      assert.equal(states(sum.entries)['Host/shop'], 'changed /metadata/labels,/spec/mappingSelector');
      s.setIgnoreRules([
        { kind: 'Host', pointer: '/metadata/labels/hotfix' },
        { kind: 'Host', name: 'shop', pointer: '/spec/mappingSelector' },
        { kind: 'Mapping', namespace: ns, name: 'search-suggest' },
      ]);
      const after = s.summary();
      assert.equal(states(after.entries)['Host/shop'], 'in-sync');
      assert.equal(states(after.entries)['Mapping/search-suggest'], undefined);
    });

    it('client-side kubectl apply (last-applied annotation) compares in sync', async () => {
      const ns = await newNamespace(t);
      await kubectl(t, ['apply', '-f', '-'], fixture('workspace.yaml', ns));
      const s = open();
      s.setResources(workspaceFor(ns).resources());
      const sum = await s.start(t.context, [ns]);
      assert.ok(
        sum.entries.every((e) => e.state === 'in-sync'),
        JSON.stringify(states(sum.entries)),
      );
      assert.equal(sum.entries.length, 5);
    });

    it('with no namespaces chosen it compares every namespace (cluster scope)', async () => {
      const ns = await seedDrifted(t);
      const s = open();
      s.setResources(workspaceFor(ns).resources());
      const sum = await s.start(t.context, []);
      assert.equal(sum.status, 'live', sum.message);
      const mine = sum.entries.filter((e) => e.namespace === ns);
      assert.equal(states(mine)['Mapping/debug-hotfix'], 'cluster-only');
      assert.equal(states(mine)['Mapping/checkout'], 'changed /spec/timeout_ms');
    });
  });

  describe('resources defined in getambassador.io/config annotations (compared with the live Service)', () => {
    const ann = (ns: string, lines: string[]): string =>
      fixture('service-annotation.yaml', ns).replace(/( {4}getambassador\.io\/config: \|\n)(?: {6}.*\n)+/, (_m, head: string) => head + lines.map((l) => `      ${l}\n`).join(''));
    const legacy = ['apiVersion: ambassador/v2', 'kind: Mapping', 'name: legacy', 'host: shop.example.com', 'prefix: /legacy/', 'service: legacy:8080'];
    const annKey = (ns: string, name = 'legacy', version = 'v2'): string => `getambassador.io/${version}/Mapping/${ns}/${name}@Service/${ns}/legacy`;
    const annotated = (s: DriftSummary): DriftEntry[] => s.entries.filter((e) => e.annotationOf);

    it('in sync with the live annotation; a CR of the same name is another resource', async () => {
      const ns = await newNamespace(t);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], fixture('service-annotation.yaml', ns));
      const s = open();
      s.setResources(workspaceFor(ns, ['service-annotation.yaml']).resources());
      const sum = await s.start(t.context, [ns]);
      assert.equal(sum.status, 'live', sum.message);
      assert.deepEqual(sum.entries.map((e) => [e.key, e.state]), [[annKey(ns), 'in-sync']]);
      const e = sum.entries[0]!;
      assert.deepEqual(e.annotationOf, { kind: 'Service', namespace: ns, name: 'legacy' });
      assert.ok(e.uri!.endsWith('/service-annotation.yaml'));
      assert.equal(e.line, 9, 'the annotation document inside the Service (0-based line)');
      const cluster = s.document(e.key, 'cluster')!;
      assert.match(cluster, new RegExp(`^# from the getambassador\\.io/config annotation of Service ${ns}/legacy in the cluster`));
      assert.match(cluster, /timeout_ms: 3000/);
      assert.doesNotMatch(cluster, /clusterIP|ports:|last-applied|managedFields/, 'only the annotation resource is shown');

      // A Mapping CR with the same name appears as a CR of its own; the annotation entry does not move.
      await kubectl(
        t,
        ['apply', '--server-side', '-f', '-'],
        `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: legacy\n  namespace: ${ns}\nspec:\n  hostname: shop.example.com\n  prefix: /legacy/\n  service: legacy:8080\n`,
      );
      const again = await s.start(t.context, [ns]);
      assert.deepEqual(again.entries.map((x) => [x.key, x.state]).sort(), [
        [annKey(ns), 'in-sync'],
        [`getambassador.io/v3alpha1/Mapping/${ns}/legacy`, 'cluster-only'],
      ]);
    });

    it('a change inside the annotation is reported as pointers into the resource; other Service changes are not drift', async () => {
      const ns = await newNamespace(t);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], ann(ns, [...legacy, 'timeout_ms: 9000', 'rewrite: /']));
      await kubectl(t, ['annotate', '-n', ns, 'service', 'legacy', 'example.com/owner=web-team']);
      await kubectl(t, ['patch', '-n', ns, 'service', 'legacy', '--type', 'merge', '-p', '{"spec":{"ports":[{"port":9090}]}}']);
      const s = open();
      s.setResources(workspaceFor(ns, ['service-annotation.yaml']).resources());
      const sum = await s.start(t.context, [ns]);
      assert.deepEqual(states(sum.entries), { 'Mapping/legacy': 'changed /spec/rewrite,/spec/timeout_ms' });
      assert.match(s.document(annKey(ns), 'cluster')!, /timeout_ms: 9000/);
      assert.match(s.document(annKey(ns), 'workspace')!, /timeout_ms: 3000/);
    });

    it('only in Git (no Service, or a Service without the annotation) is workspace-only', async () => {
      const ns = await newNamespace(t);
      const s = open();
      s.setResources(workspaceFor(ns, ['service-annotation.yaml']).resources());
      const none = await s.start(t.context, [ns]);
      assert.deepEqual(none.entries.map((e) => [e.key, e.state]), [[annKey(ns), 'workspace-only']]);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], `apiVersion: v1\nkind: Service\nmetadata:\n  name: legacy\n  namespace: ${ns}\n  annotations:\n    example.com/owner: web\nspec:\n  ports:\n    - port: 8080\n`);
      const bare = await s.start(t.context, [ns]);
      assert.deepEqual(bare.entries.map((e) => [e.key, e.state]), [[annKey(ns), 'workspace-only']]);
      assert.match(s.document(annKey(ns), 'cluster')!, /# not present in the live annotation/);
    });

    it("only in the cluster's annotation is cluster-only, at the version the annotation names", async () => {
      const ns = await newNamespace(t);
      const extra = ['---', 'apiVersion: getambassador.io/v3alpha1', 'kind: Mapping', 'metadata:', '  name: legacy-admin', 'spec:', '  hostname: admin.example.com', '  prefix: /admin/', '  service: legacy:8081'];
      await kubectl(t, ['apply', '--server-side', '-f', '-'], ann(ns, [...legacy, 'timeout_ms: 3000', ...extra]));
      const s = open();
      s.setResources(workspaceFor(ns, ['service-annotation.yaml']).resources());
      const sum = await s.start(t.context, [ns]);
      assert.deepEqual(sum.entries.map((e) => [e.key, e.state]).sort(), [
        [annKey(ns), 'in-sync'],
        [annKey(ns, 'legacy-admin', 'v3alpha1'), 'cluster-only'],
      ]);
      const admin = sum.entries.find((e) => e.name === 'legacy-admin')!;
      assert.equal(admin.uri, undefined);
      assert.deepEqual(admin.annotationOf, { kind: 'Service', namespace: ns, name: 'legacy' });
      assert.match(s.document(admin.key, 'cluster')!, /prefix: \/admin\//);
      assert.match(s.document(admin.key, 'workspace')!, /# not defined in the workspace/);
    });

    it('a live annotation edit with kubectl updates the session (edit, revert, remove, delete the Service)', async () => {
      const ns = await newNamespace(t);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], fixture('service-annotation.yaml', ns));
      const rec = new Recorder();
      const s = open({}, rec);
      s.setResources(workspaceFor(ns, ['service-annotation.yaml']).resources());
      const first = await s.start(t.context, [ns]);
      assert.equal(entryState(first, 'Mapping', 'legacy'), 'in-sync');

      await kubectl(t, ['annotate', '--overwrite', '-n', ns, 'service', 'legacy', `getambassador.io/config=${[...legacy, 'timeout_ms: 1'].join('\n')}\n`]);
      const edited = await rec.waitFor((x) => entryState(x, 'Mapping', 'legacy') === 'changed', 'annotation edit seen');
      assert.deepEqual(edited.entries.find((e) => e.name === 'legacy')!.changes, ['/spec/timeout_ms']);
      assert.equal(edited.status, 'live');

      await kubectl(t, ['annotate', '--overwrite', '-n', ns, 'service', 'legacy', `getambassador.io/config=${[...legacy, 'timeout_ms: 3000'].join('\n')}\n`]);
      await rec.waitFor((x) => entryState(x, 'Mapping', 'legacy') === 'in-sync', 'annotation reverted');

      // A second document added in the cluster shows up as cluster-only, keyed by the Service.
      await kubectl(t, ['annotate', '--overwrite', '-n', ns, 'service', 'legacy', `getambassador.io/config=${[...legacy, 'timeout_ms: 3000', '---', 'apiVersion: ambassador/v2', 'kind: Mapping', 'name: hotfix', 'prefix: /hotfix/', 'service: legacy:8080'].join('\n')}\n`]);
      const hot = await rec.waitFor((x) => entryState(x, 'Mapping', 'hotfix') === 'cluster-only', 'hotfix document seen');
      assert.equal(hot.entries.find((e) => e.name === 'hotfix')!.key, annKey(ns, 'hotfix'));

      await kubectl(t, ['annotate', '-n', ns, 'service', 'legacy', 'getambassador.io/config-']);
      await rec.waitFor((x) => entryState(x, 'Mapping', 'legacy') === 'workspace-only' && entryState(x, 'Mapping', 'hotfix') === undefined, 'annotation removed');

      await kubectl(t, ['apply', '--server-side', '--force-conflicts', '-f', '-'], fixture('service-annotation.yaml', ns));
      await rec.waitFor((x) => entryState(x, 'Mapping', 'legacy') === 'in-sync', 'annotation applied again');
      await kubectl(t, ['delete', '-n', ns, 'service', 'legacy']);
      const gone = await rec.waitFor((x) => entryState(x, 'Mapping', 'legacy') === 'workspace-only', 'Service deleted');
      assert.equal(annotated(gone).length, 1);
    });

    it('CLI: file and line point at the annotation document; JSON names the Service', async () => {
      const ns = await newNamespace(t);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], ann(ns, [...legacy, 'timeout_ms: 9000']));
      const dir = path.join(tmp, `cli-ann-${ns}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'legacy.yaml'), fixture('service-annotation.yaml', ns));
      const args = ['--context', t.context, ...t.kubeconfigArgs, '-n', ns];
      const text = captureIo(dir, t.env);
      assert.equal(await runDiff(args, text), 2, text.err);
      assert.match(text.out, new RegExp(`changed\\s+Mapping ${ns}/legacy \\(annotation of Service ${ns}/legacy\\)\\s+legacy\\.yaml:10\\n\\s+/spec/timeout_ms\\n`));
      assert.equal(fs.readFileSync(path.join(dir, 'legacy.yaml'), 'utf8').split('\n')[9]!.trim(), 'apiVersion: ambassador/v2', 'line 10 is the annotation document');
      const json = captureIo(dir, t.env);
      assert.equal(await runDiff([...args, '--format', 'json'], json), 2);
      assert.deepEqual(JSON.parse(json.out).resources, [
        { kind: 'Mapping', namespace: ns, name: 'legacy', state: 'changed', changes: ['/spec/timeout_ms'], file: 'legacy.yaml', line: 10, annotationOf: { kind: 'Service', namespace: ns, name: 'legacy' } },
      ]);
    });
  });

  describe('resources defined in getambassador.io/config annotations of Ingresses (networking.k8s.io/v1)', () => {
    const file = path.join(CLUSTER_FIXTURES, 'ingress-annotation.yaml');
    const ingressYaml = (ns: string): string => fs.readFileSync(file, 'utf8').replace(/__NS__/g, ns);
    const ingressWorkspace = (ns: string): Workspace => {
      const ws = new Workspace();
      ws.setFile(pathToFileURL(file).href, ingressYaml(ns));
      return ws;
    };
    const key = (ns: string): string => `getambassador.io/v2/Mapping/${ns}/storefront-legacy@Ingress/${ns}/storefront`;
    const doc = ['apiVersion: getambassador.io/v2', 'kind: Mapping', 'name: storefront-legacy', 'host: shop.example.com', 'prefix: /old-shop/', 'service: storefront:8080'];

    it('in sync with the live Ingress annotation; a kubectl edit of the annotation is seen live as changed', async () => {
      const ns = await newNamespace(t);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], ingressYaml(ns));
      const rec = new Recorder();
      const s = open({}, rec);
      s.setResources(ingressWorkspace(ns).resources());
      const sum = await s.start(t.context, [ns]);
      assert.equal(sum.status, 'live', sum.message);
      assert.deepEqual(sum.entries.map((e) => [e.key, e.state]), [[key(ns), 'in-sync']]);
      const e = sum.entries[0]!;
      assert.deepEqual(e.annotationOf, { kind: 'Ingress', namespace: ns, name: 'storefront' });
      assert.ok(e.uri!.endsWith('/ingress-annotation.yaml'));
      const cluster = s.document(e.key, 'cluster')!;
      assert.match(cluster, new RegExp(`^# from the getambassador\\.io/config annotation of Ingress ${ns}/storefront in the cluster`));
      assert.match(cluster, /timeout_ms: 3000/);
      assert.doesNotMatch(cluster, /ingressClassName|rules:|managedFields/, 'only the annotation resource is shown');

      await kubectl(t, ['annotate', '--overwrite', '-n', ns, 'ingress', 'storefront', `getambassador.io/config=${[...doc, 'timeout_ms: 9000'].join('\n')}\n`]);
      const changed = await rec.waitFor((x) => entryState(x, 'Mapping', 'storefront-legacy') === 'changed', 'Ingress annotation edit seen');
      assert.deepEqual(changed.entries.find((x) => x.name === 'storefront-legacy')!.changes, ['/spec/timeout_ms']);
      assert.equal(changed.status, 'live');
      // Other Ingress changes (its rules) are not drift of the annotation resource.
      await kubectl(t, ['patch', '-n', ns, 'ingress', 'storefront', '--type', 'merge', '-p', '{"spec":{"ingressClassName":"other"}}']);
      await kubectl(t, ['annotate', '--overwrite', '-n', ns, 'ingress', 'storefront', `getambassador.io/config=${[...doc, 'timeout_ms: 3000'].join('\n')}\n`]);
      await rec.waitFor((x) => entryState(x, 'Mapping', 'storefront-legacy') === 'in-sync', 'annotation reverted');
      await kubectl(t, ['delete', '-n', ns, 'ingress', 'storefront']);
      await rec.waitFor((x) => entryState(x, 'Mapping', 'storefront-legacy') === 'workspace-only', 'Ingress deleted');
    });

    it('changed in the live Ingress annotation (first list): pointers into the resource, both documents shown', async () => {
      const ns = await newNamespace(t);
      const live = ingressYaml(ns).replace('timeout_ms: 3000', 'timeout_ms: 9000\n      rewrite: /');
      await kubectl(t, ['apply', '--server-side', '-f', '-'], live);
      const s = open();
      s.setResources(ingressWorkspace(ns).resources());
      const sum = await s.start(t.context, [ns]);
      assert.equal(sum.status, 'live', sum.message);
      assert.deepEqual(states(sum.entries), { 'Mapping/storefront-legacy': 'changed /spec/rewrite,/spec/timeout_ms' });
      assert.match(s.document(key(ns), 'cluster')!, /timeout_ms: 9000/);
      assert.match(s.document(key(ns), 'workspace')!, /timeout_ms: 3000/);
      // The CLI names the Ingress as the owner.
      const dir = path.join(tmp, `cli-ing-${ns}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'ingress.yaml'), ingressYaml(ns));
      const io = captureIo(dir, t.env);
      assert.equal(await runDiff(['--context', t.context, ...t.kubeconfigArgs, '-n', ns, '--format', 'json'], io), 2, io.err);
      assert.deepEqual(JSON.parse(io.out).resources, [
        {
          kind: 'Mapping',
          namespace: ns,
          name: 'storefront-legacy',
          state: 'changed',
          changes: ['/spec/rewrite', '/spec/timeout_ms'],
          file: 'ingress.yaml',
          line: 10,
          annotationOf: { kind: 'Ingress', namespace: ns, name: 'storefront' },
        },
      ]);
    });
  });

  describe('live updates', () => {
    it('a change made with kubectl reaches the session as an updated summary', async () => {
      const ns = await seedDrifted(t);
      const { rec, first } = await live(ns);
      assert.equal(entryState(first, 'Mapping', 'storefront'), 'in-sync');

      await kubectl(t, ['patch', '-n', ns, 'mappings.getambassador.io', 'storefront', '--type', 'merge', '-p', '{"spec":{"prefix":"/store/"}}']);
      const changed = await rec.waitFor((x) => entryState(x, 'Mapping', 'storefront') === 'changed', 'storefront changed');
      assert.deepEqual(changed.entries.find((e) => e.name === 'storefront')!.changes, ['/spec/prefix']);
      assert.equal(changed.status, 'live');

      await kubectl(t, ['apply', '--server-side', '--force-conflicts', '--field-manager', 'gitops', '-f', '-'], fixture('workspace.yaml', ns));
      await rec.waitFor(
        (x) => entryState(x, 'Mapping', 'search-suggest') === 'in-sync' && entryState(x, 'Mapping', 'storefront') === 'in-sync',
        'sync applied',
      );

      await kubectl(t, ['delete', '-n', ns, 'mappings.getambassador.io', 'debug-hotfix']);
      await rec.waitFor((x) => entryState(x, 'Mapping', 'debug-hotfix') === undefined, 'hotfix deleted');

      await kubectl(t, ['delete', '-n', ns, 'hosts.getambassador.io', 'shop']);
      await rec.waitFor((x) => entryState(x, 'Host', 'shop') === 'workspace-only', 'host deleted');
    });

    it('workspace edits recompute the affected entries, and a new apiVersion starts a listing at that version', async () => {
      const ns = await seedDrifted(t);
      const rec = new Recorder();
      const s = open({}, rec);
      const ws = workspaceFor(ns);
      s.setResources(ws.resources());
      await s.start(t.context, [ns]);
      const uri = pathToFileURL(path.join(FIXTURES, 'workspace.yaml')).href;
      ws.setFile(uri, fixture('workspace.yaml', ns).replace('timeout_ms: 3000', 'timeout_ms: 9000'));
      s.setResources(ws.resources());
      await rec.waitFor((x) => entryState(x, 'Mapping', 'checkout') === 'in-sync', 'checkout in sync after the edit');
      // The Host moves to v2 in Git: the session must now also list hosts at v2 to compare it.
      ws.setFile(uri, fixture('workspace.yaml', ns).replace('timeout_ms: 3000', 'timeout_ms: 9000').replace(/apiVersion: getambassador.io\/v3alpha1\nkind: Host/, 'apiVersion: getambassador.io/v2\nkind: Host'));
      s.setResources(ws.resources());
      const moved = await rec.waitFor(
        (x) => x.entries.some((e) => e.kind === 'Host' && e.key.startsWith('getambassador.io/v2/') && e.state === 'in-sync'),
        'host compared at v2',
      );
      assert.equal(moved.entries.filter((e) => e.kind === 'Host').length, 1);
    });
  });

  describe('pagination', () => {
    it('lists every object with a small page size', async () => {
      const ns = await newNamespace(t);
      const docs = Array.from(
        { length: 7 },
        (_, i) => `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: page-${i}\n  namespace: ${ns}\nspec:\n  prefix: /p${i}/\n  service: s${i}\n`,
      ).join('---\n');
      await kubectl(t, ['apply', '--server-side', '-f', '-'], docs);
      t.cluster?.clearLog();
      const s = open({ client: { pageSize: 2 } });
      const sum = await s.start(t.context, [ns]);
      assert.equal(sum.entries.filter((e) => e.state === 'cluster-only').length, 7);
      if (t.cluster) {
        const lists = t.cluster.requestLog().filter((r) => r.userAgent === USER_AGENT && r.verb === 'list' && r.resource === 'mappings' && r.namespace === ns);
        assert.equal(lists.length, 4, 'four pages of two');
        assert.ok(lists.every((r) => r.query['limit'] === '2'));
        assert.equal(lists.filter((r) => r.query['continue']).length, 3);
      }
    });
  });

  describe('CLI: edgepolicy diff', () => {
    it('JSON output, exit 2 on drift, file relative to cwd and 1-based line', async () => {
      const ns = await seedDrifted(t);
      const dir = path.join(tmp, `cli-${ns}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'routes.yaml'), fixture('workspace.yaml', ns));
      const io = captureIo(dir, t.env);
      const code = await runDiff(['--context', t.context, ...t.kubeconfigArgs, '--namespace', ns, '--format', 'json'], io);
      assert.equal(code, 2, io.err);
      const out = JSON.parse(io.out) as { context: string; notes: string[]; resources: Record<string, unknown>[] };
      assert.equal(out.context, t.context);
      assert.deepEqual(out.notes, [], 'a complete comparison has no notes');
      const checkout = out.resources.find((r) => r['name'] === 'checkout')!;
      assert.deepEqual(checkout, { kind: 'Mapping', namespace: ns, name: 'checkout', state: 'changed', changes: ['/spec/timeout_ms'], file: 'routes.yaml', line: 15, annotationOf: null });
      const hotfix = out.resources.find((r) => r['name'] === 'debug-hotfix')!;
      assert.equal(hotfix['state'], 'cluster-only');
      assert.equal(hotfix['file'], null);

      const text = captureIo(dir, t.env);
      assert.equal(await runDiff(['--context', t.context, ...t.kubeconfigArgs, '-n', ns], text), 2);
      assert.match(text.out, /changed\s+Mapping .*\/checkout\s+routes\.yaml:15\n\s+\/spec\/timeout_ms/);
      assert.match(text.out, /Drift: 3 of 6 resource\(s\) \(1 changed, 1 workspace-only, 1 cluster-only\); 3 in sync\./);
    });

    it('exit 0 when in sync (with .edgepolicy.yaml ignore rules), exit 3 on errors', async () => {
      const ns = await newNamespace(t);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], fixture('workspace.yaml', ns));
      await kubectl(t, ['patch', '-n', ns, 'mappings.getambassador.io', 'checkout', '--type', 'merge', '-p', '{"spec":{"timeout_ms":1}}']);
      const dir = path.join(tmp, `cli-sync-${ns}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'routes.yaml'), fixture('workspace.yaml', ns));
      const args = ['--context', t.context, ...t.kubeconfigArgs, '-n', ns];
      const drift = captureIo(dir, t.env);
      assert.equal(await runDiff(args, drift), 2);
      fs.copyFileSync(path.join(FIXTURES, 'edgepolicy.yaml'), path.join(dir, '.edgepolicy.yaml'));
      const io = captureIo(dir, t.env);
      assert.equal(await runDiff(args, io), 0, io.out + io.err);
      assert.match(io.out, /In sync: 5 resource\(s\) match the cluster\./);

      const bad = captureIo(dir, t.env);
      assert.equal(await runDiff(['--context', 'no-such-context', ...t.kubeconfigArgs, '--format', 'json'], bad), 3);
      assert.match(bad.err, /Context "no-such-context" not found/);
      assert.equal(JSON.parse(bad.out).error.includes('no-such-context'), true);
      const usage = captureIo(dir, t.env);
      assert.equal(await run(['diff', '--format', 'xml'], usage), 3);
      assert.match(usage.err, /invalid value 'xml' for --format/);
      const help = captureIo(dir, t.env);
      assert.equal(await runDiff(['--help'], help), 0);
      assert.match(help.out, /^Usage: edgepolicy diff/);
    });
  });

  describe('LSP handlers', () => {
    it('listNamespaces, diffStart, diffChanged after a kubectl change, diffDocument, diffStop', async () => {
      const ns = await seedDrifted(t);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], fixture('service-annotation.yaml', ns));
      const handlers = new Map<string, (p: unknown) => unknown>();
      const rec = new Recorder();
      const conn = {
        onRequest: (m: string, h: (p: unknown) => unknown) => void handlers.set(m, h),
        sendNotification: async (m: string, p: unknown) => void (m === P.DiffChangedNotification && rec.push(p as DriftSummary)),
      };
      // The workspace's files are in its folder (only those count on the workspace side).
      const folder = path.join(tmp, `lsp-${ns}`);
      fs.mkdirSync(folder);
      let ws = workspaceFor(ns, ['workspace.yaml', 'service-annotation.yaml'], folder);
      const listeners: (() => void)[] = [];
      fs.copyFileSync(path.join(FIXTURES, 'edgepolicy.yaml'), path.join(folder, '.edgepolicy.yaml'));
      const h = registerDiffHandlers(conn as never, () => ws, (cb) => listeners.push(cb), { env: t.env, throttleMs: 50, folders: () => [folder] });
      const call = async <R>(m: string, p: unknown): Promise<R> => (await handlers.get(m)!(p)) as R;
      try {
        const base = { kubeconfig: t.kubeconfig, allowExec: true };
        const nss = await call<P.ListNamespacesResult>(P.ListNamespacesRequest, { ...base, context: t.context });
        assert.equal(nss.error, undefined);
        assert.ok(nss.namespaces.includes(ns));
        const ctxs = await call<P.ListContextsResult>(P.ListContextsRequest, base);
        assert.ok(ctxs.contexts.some((c) => c.name === t.context));

        const sum = await call<P.DiffStartResult>(P.DiffStartRequest, { ...base, context: t.context, namespaces: [ns] });
        assert.equal(sum.status, 'live', sum.message);
        // .edgepolicy.yaml in the folder ignores checkout's timeout_ms.
        assert.equal(entryState(sum, 'Mapping', 'checkout'), 'in-sync');
        assert.equal(entryState(sum, 'Mapping', 'debug-hotfix'), 'cluster-only');
        const doc = await call<P.DiffDocumentResult>(P.DiffDocumentRequest, { key: `getambassador.io/v3alpha1/Mapping/${ns}/debug-hotfix`, side: 'cluster' });
        assert.match(doc.text, /prefix: \/debug\//);
        const missing = await call<P.DiffDocumentResult>(P.DiffDocumentRequest, { key: `getambassador.io/v3alpha1/Mapping/${ns}/debug-hotfix`, side: 'workspace' });
        assert.match(missing.text, /not defined in the workspace/);
        // The annotation resource: compared with the live Service's annotation; its documents say so.
        const legacy = sum.entries.find((e) => e.name === 'legacy')!;
        assert.equal(legacy.state, 'in-sync');
        assert.equal(legacy.key, `getambassador.io/v2/Mapping/${ns}/legacy@Service/${ns}/legacy`);
        const annDoc = await call<P.DiffDocumentResult>(P.DiffDocumentRequest, { key: legacy.key, side: 'workspace' });
        assert.match(annDoc.text, new RegExp(`^# from the getambassador\\.io/config annotation of Service ${ns}/legacy in the workspace`));
        assert.match(annDoc.text, /prefix: \/legacy\//);

        await kubectl(t, ['patch', '-n', ns, 'mappings.getambassador.io', 'storefront', '--type', 'merge', '-p', '{"spec":{"service":"moved:80"}}']);
        await rec.waitFor((x) => entryState(x, 'Mapping', 'storefront') === 'changed', 'diffChanged after kubectl patch');

        // The workspace changes: the editor adds the hotfix to Git.
        ws = workspaceFor(ns, ['workspace.yaml', 'cluster-extra.yaml'], folder);
        for (const l of listeners) l();
        await rec.waitFor((x) => entryState(x, 'Mapping', 'debug-hotfix') === 'in-sync', 'diffChanged after a workspace change');

        assert.equal(await call(P.DiffStopRequest, null), null);
        await rec.waitFor((x) => x.status === 'stopped', 'stopped notification');
        assert.equal(h.session(), undefined);
      } finally {
        await h.dispose();
      }
    });
  });

  describe('clear errors (any target)', () => {
    it('no kubeconfig', async () => {
      const s = open({ kubeconfig: undefined, env: { KUBECONFIG: path.join(tmp, 'missing-kubeconfig') } });
      const sum = await s.start(t.context, []);
      assert.equal(sum.status, 'error');
      assert.match(sum.message!, /No kubeconfig found: nothing at KUBECONFIG/);
    });

    it('context not found', async () => {
      const sum = await open().start('not-a-context', []);
      assert.equal(sum.status, 'error');
      assert.match(sum.message!, /Context "not-a-context" not found/);
    });

    it('unreachable cluster (closed port) fails fast with the address', async () => {
      const port = await closedPort();
      const kc = path.join(tmp, 'closed.yaml');
      fs.writeFileSync(
        kc,
        `apiVersion: v1\nkind: Config\ncurrent-context: closed\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:${port}\ncontexts:\n- name: closed\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: do-not-print-me\n`,
      );
      // What happened is in the result below; mocha's time-out catches a hang.
      const sum = await open({ kubeconfig: kc }).start('closed', []);
      assert.equal(sum.status, 'error');
      assert.match(sum.message!, new RegExp(`Cannot reach the cluster of context "closed" \\(https://127\\.0\\.0\\.1:${port}\\): connection refused`));
      assert.doesNotMatch(sum.message!, /do-not-print-me/);
    });
  });

  describe('stop', () => {
    it('leaves no timers or sockets behind', async () => {
      const ns = await seedDrifted(t);
      await new Promise((r) => setTimeout(r, 200));
      const count = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap' || r === 'TLSSocketWrap').length;
      const before = count();
      const { s, rec } = await live(ns);
      await kubectl(t, ['patch', '-n', ns, 'mappings.getambassador.io', 'storefront', '--type', 'merge', '-p', '{"spec":{"prefix":"/x/"}}']);
      await rec.waitFor((x) => entryState(x, 'Mapping', 'storefront') === 'changed', 'change seen');
      assert.ok(count() > before, 'watches hold sockets while running');
      await s.stop();
      assert.equal(rec.all.at(-1)!.status, 'stopped');
      let after = count();
      for (let i = 0; i < 40 && after > before; i++) {
        await new Promise((r) => setTimeout(r, 50));
        after = count();
      }
      assert.ok(after <= before, `resources before ${before}, after stop ${after}`);
    });
  });

  // ---- cases that need the test server's knobs (fault injection, request log, credentials, connection cuts).
  // Selected by target: they are only registered when the target is the test server.
  if (!REAL_CLUSTER) describe('test-server knobs', () => {
    const knobs = (): TestCluster => {
      if (!t.cluster) throw new Error('the test-server target did not start');
      return t.cluster;
    };
    afterEach(() => t.cluster?.setFaults({}));

    it('our requests are only get, list and watch (request log, by user agent)', async () => {
      const ns = await seedDrifted(t);
      knobs().clearLog();
      const { rec } = await live(ns);
      await kubectl(t, ['patch', '-n', ns, 'mappings.getambassador.io', 'storefront', '--type', 'merge', '-p', '{"spec":{"prefix":"/y/"}}']);
      await rec.waitFor((x) => entryState(x, 'Mapping', 'storefront') === 'changed', 'change seen');
      const dir = path.join(tmp, `log-${ns}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'w.yaml'), fixture('workspace.yaml', ns));
      await runDiff(['--context', t.context, ...t.kubeconfigArgs, '-n', ns], captureIo(dir, t.env));
      const ours = knobs().requestLog().filter((r) => r.userAgent === USER_AGENT);
      const kubectlWrites = knobs().requestLog().filter((r) => r.userAgent !== USER_AGENT && r.verb === 'patch');
      assert.ok(ours.length > 20, `saw ${ours.length} requests of ours`);
      assert.ok(kubectlWrites.length >= 1, 'the log does hold the test writes (made by kubectl)');
      // Lists and watches only (a 'get' would be discovery after a 404, which this cluster does not give).
      const verbs = [...new Set(ours.map((r) => r.verb))].sort();
      assert.ok(verbs.includes('list') && verbs.includes('watch') && verbs.every((v) => ['get', 'list', 'watch'].includes(v)), verbs.join());
      assert.ok(ours.some((r) => r.resource === 'services' && r.verb === 'watch'), 'Services are watched (annotation resources)');
      assert.ok(
        ours.some((r) => r.group === 'networking.k8s.io' && r.resource === 'ingresses' && r.verb === 'watch' && r.path === `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`),
        'Ingresses are listed and watched at networking.k8s.io/v1',
      );
      assert.deepEqual([...new Set(ours.map((r) => r.method))], ['GET']);
      const watches = ours.filter((r) => r.verb === 'watch');
      assert.ok(watches.every((r) => r.query['allowWatchBookmarks'] === 'true' && r.query['resourceVersion']));
    });

    it('401: authentication failure', async () => {
      const kc = knobs().writeKubeconfig(path.join(tmp, 'bad-token.yaml'), { token: 'wrong-token-value' });
      const sum = await open({ kubeconfig: kc }).start('edgepolicy-demo', []);
      assert.equal(sum.status, 'error');
      assert.match(sum.message!, /Authentication failed \(401 Unauthorized\).*user "edgepolicy-demo-token"/);
      assert.doesNotMatch(sum.message!, /wrong-token-value/);
      knobs().setFaults({ unauthorized: true });
      const sum2 = await open().start(t.context, []);
      assert.match(sum2.message!, /401/);
    });

    it('403: forbidden names the resource and the verb', async () => {
      const ns = await newNamespace(t);
      knobs().setFaults({ forbidden: [{ resource: 'hosts', verb: 'list' }] });
      const sum = await open().start(t.context, [ns]);
      assert.equal(sum.status, 'error');
      assert.match(sum.message!, new RegExp(`Forbidden \\(403\\): context "${t.context}" may not list hosts\\.getambassador\\.io in namespace "${ns}"`));
      assert.match(sum.message!, /choose namespaces you can read \(the namespace pick of Diff against cluster, or --namespace in the CLI\)\.$/);
    });

    it('403 at the cluster scope falls back to the workspace namespaces', async () => {
      const ns = await seedDrifted(t);
      knobs().setFaults({ forbidden: [{ resource: '*', verb: 'list', namespace: '' }] });
      const s = open();
      s.setResources(workspaceFor(ns).resources());
      const sum = await s.start(t.context, []);
      assert.equal(sum.status, 'live', sum.message);
      assert.match(sum.message!, /cluster scope is forbidden; comparing the workspace's namespaces only/);
      assert.equal(states(sum.entries)['Mapping/checkout'], 'changed /spec/timeout_ms');
    });

    it('403 on services: annotation resources are left out with a note, CRs are still compared', async () => {
      const ns = await seedDrifted(t);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], fixture('service-annotation.yaml', ns));
      const s = open();
      s.setResources(workspaceFor(ns, ['workspace.yaml', 'service-annotation.yaml']).resources());
      knobs().setFaults({ forbidden: [{ resource: 'services', verb: 'list', namespace: ns }] });
      const sum = await s.start(t.context, [ns]);
      assert.equal(sum.status, 'live', sum.message);
      assert.match(
        sum.message!,
        new RegExp(`annotations of Services in namespace ${ns} are not compared .*Forbidden \\(403\\): context "${t.context}" may not list services in namespace "${ns}"`),
      );
      assert.equal(sum.entries.some((e) => e.annotationOf), false, 'not shown as workspace-only');
      assert.equal(states(sum.entries)['Mapping/checkout'], 'changed /spec/timeout_ms');
      assert.equal(states(sum.entries)['Mapping/debug-hotfix'], 'cluster-only');

      // Forbidden at the cluster scope only (no namespaces chosen): the same, without a namespace.
      knobs().setFaults({ forbidden: [{ resource: 'services', verb: 'list', namespace: '' }] });
      const all = await s.start(t.context, []);
      assert.equal(all.status, 'live', all.message);
      assert.match(all.message!, /annotations of Services are not compared .*may not list services at the cluster scope/);
      assert.equal(states(all.entries.filter((e) => e.namespace === ns))['Mapping/checkout'], 'changed /spec/timeout_ms');

      knobs().setFaults({});
      const ok = await s.start(t.context, [ns]);
      assert.equal(ok.message, undefined);
      assert.deepEqual(
        ok.entries.filter((e) => e.annotationOf).map((e) => [e.name, e.state]),
        [['legacy', 'in-sync']],
      );
    });

    it('CLI JSON output carries the notes of a partial comparison (403 on services, cluster-scope fallback)', async () => {
      const ns = await seedDrifted(t);
      await kubectl(t, ['apply', '--server-side', '-f', '-'], fixture('service-annotation.yaml', ns));
      const dir = path.join(tmp, `cli-notes-${ns}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'routes.yaml'), fixture('workspace.yaml', ns));
      fs.writeFileSync(path.join(dir, 'legacy.yaml'), fixture('service-annotation.yaml', ns));
      knobs().setFaults({ forbidden: [{ resource: 'services', verb: 'list', namespace: ns }] });
      const io = captureIo(dir, t.env);
      assert.equal(await runDiff(['--context', t.context, ...t.kubeconfigArgs, '-n', ns, '--format', 'json'], io), 2, io.err);
      const out = JSON.parse(io.out) as { notes: string[]; resources: Record<string, unknown>[] };
      assert.equal(out.notes.length, 1, out.notes.join('\n'));
      assert.match(out.notes[0]!, new RegExp(`annotations of Services in namespace ${ns} are not compared .*may not list services in namespace "${ns}"`));
      assert.equal(out.resources.some((r) => r['annotationOf']), false);
      assert.match(io.err, /edgepolicy: note: .*annotations of Services/);

      knobs().setFaults({ forbidden: [{ resource: '*', verb: 'list', namespace: '' }] });
      const all = captureIo(dir, t.env);
      // -f is --format.
      assert.equal(await runDiff(['--context', t.context, ...t.kubeconfigArgs, '-f', 'json'], all), 2, all.err);
      const allOut = JSON.parse(all.out) as { notes: string[] };
      assert.ok(
        allOut.notes.some((n) => /cluster scope is forbidden; comparing the workspace's namespaces only/.test(n)),
        allOut.notes.join('\n'),
      );
    });

    it('403 on namespaces: listNamespaces answers with an error, not a crash', async () => {
      knobs().setFaults({ forbidden: [{ resource: 'namespaces', verb: 'list' }] });
      const handlers = new Map<string, (p: unknown) => unknown>();
      const conn = { onRequest: (m: string, h: (p: unknown) => unknown) => void handlers.set(m, h), sendNotification: async () => undefined };
      const h = registerDiffHandlers(conn as never, () => workspaceFor('x'), () => undefined, { env: t.env });
      const r = (await handlers.get(P.ListNamespacesRequest)!({ kubeconfig: t.kubeconfig, allowExec: false, context: t.context })) as P.ListNamespacesResult;
      assert.deepEqual(r.namespaces, []);
      assert.match(r.error!, /may not list namespaces/);
      await h.dispose();
    });

    it('a large namespace (3,000 Mappings) is listed page by page', async () => {
      knobs().setFaults({ enormousList: { count: 3000, resource: 'mappings', namespace: 'big' } });
      knobs().clearLog();
      const sum = await open({ client: { pageSize: 500 } }).start(t.context, ['big']);
      assert.equal(sum.status, 'live', sum.message);
      assert.equal(sum.entries.filter((e) => e.kind === 'Mapping' && e.state === 'cluster-only').length, 3000);
      const pages = knobs()
        .requestLog()
        .filter((r) => r.userAgent === USER_AGENT && r.verb === 'list' && r.resource === 'mappings');
      assert.equal(pages.length, 6);
    });

    it('404: CRDs not installed', async () => {
      knobs().setFaults({ missingGroups: ['getambassador.io'] });
      const sum = await open().start(t.context, []);
      assert.equal(sum.status, 'error');
      assert.match(sum.message!, /Emissary-ingress CRDs are not installed.*API group getambassador\.io does not exist/);
    });

    it('slow responses: a timeout gives a clear message quickly; a slow but in-time server works', async () => {
      knobs().setFaults({ delayMs: 1500 });
      // What happened is in the result below; mocha's time-out catches a hang.
      const sum = await open({ client: { timeoutMs: 400 } }).start(t.context, []);
      assert.equal(sum.status, 'error');
      assert.match(sum.message!, /no answer within 0\.4 s/);
      knobs().setFaults({ delayMs: 100 });
      const ok = await open({ client: { timeoutMs: 2000 } }).start(t.context, []);
      assert.equal(ok.status, 'live', ok.message);
    });

    it('429 / 503 with Retry-After: bounded retries, then a clear message', async () => {
      const ns = await newNamespace(t);
      knobs().clearLog();
      knobs().setFaults({ errorStatus: { status: 429, retryAfterSeconds: 0, times: 2, resources: ['mappings'], verbs: ['list'] } });
      const ok = await open().start(t.context, [ns]);
      assert.equal(ok.status, 'live', ok.message);
      const tries = knobs()
        .requestLog()
        .filter((r) => r.userAgent === USER_AGENT && r.resource === 'mappings' && r.verb === 'list');
      assert.deepEqual(
        tries.map((r) => r.status),
        [429, 429, 200],
      );
      knobs().setFaults({ errorStatus: { status: 503, retryAfterSeconds: 0, resources: ['mappings'], verbs: ['list'] } });
      // What happened is in the result below; mocha's time-out catches a hang.
      const bad = await open({ client: { maxRetries: 2 } }).start(t.context, [ns]);
      assert.equal(bad.status, 'error');
      assert.match(bad.message!, /answered 503 to list mappings\.getambassador\.io .*gave up after 3 attempt\(s\)/);
      knobs().setFaults({ errorStatus: { status: 429, retryAfterSeconds: 3600, resources: ['mappings'], verbs: ['list'] } });
      const long = await open().start(t.context, [ns]);
      assert.match(long.message!, /429 Too Many Requests.*Retry-After: 3600/);
    });

    it('TLS: a wrong certificate authority is reported as a TLS error', async () => {
      const other = await startTestCluster({});
      try {
        const kc = path.join(tmp, 'wrong-ca.yaml');
        const text = fs.readFileSync(t.kubeconfig!, 'utf8').replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${Buffer.from(other.caCert).toString('base64')}`);
        fs.writeFileSync(kc, text);
        const sum = await open({ kubeconfig: kc }).start(t.context, []);
        assert.equal(sum.status, 'error');
        assert.match(sum.message!, /TLS error talking to the cluster of context/);
      } finally {
        await other.stop();
      }
    });

    it('broken answers: a truncated list body is a clear error after bounded retries, not a crash', async () => {
      knobs().setFaults({ truncateBody: { verbs: ['list'], resources: ['mappings'] } });
      const sum = await open({ client: { retryBaseMs: 10 } }).start(t.context, []);
      assert.equal(sum.status, 'error');
      assert.match(sum.message!, /to list mappings\.getambassador\.io in all namespaces is not JSON \(.*, cut off mid-document\); gave up after 4 attempt\(s\)\.$/);
    });

    it('watch lost: reconnects (status reconnecting, then live) and catches up', async () => {
      const ns = await seedDrifted(t);
      const { rec } = await live(ns);
      knobs().setFaults({ watchGarbage: true, dropWatchAfterMs: 300 });
      await rec.waitFor((x) => x.status === 'reconnecting', 'reconnecting');
      knobs().setFaults({});
      await kubectl(t, ['patch', '-n', ns, 'mappings.getambassador.io', 'images', '--type', 'merge', '-p', '{"spec":{"prefix":"/img/"}}']);
      const back = await rec.waitFor((x) => x.status === 'live' && entryState(x, 'Mapping', 'images') === 'changed', 'live again with the change');
      assert.equal(back.message, undefined);
    });

    it('watch closed by the server: resumes from the last resourceVersion without a re-list', async () => {
      const ns = await seedDrifted(t);
      const { rec } = await live(ns);
      knobs().clearLog();
      knobs().setFaults({ dropWatchAfterEvents: 1 });
      await kubectl(t, ['patch', '-n', ns, 'mappings.getambassador.io', 'storefront', '--type', 'merge', '-p', '{"spec":{"prefix":"/z/"}}']);
      await rec.waitFor((x) => entryState(x, 'Mapping', 'storefront') === 'changed', 'first change seen');
      await kubectl(t, ['patch', '-n', ns, 'mappings.getambassador.io', 'storefront', '--type', 'merge', '-p', '{"spec":{"prefix":"/shop/","service":"other:1"}}']);
      const second = await rec.waitFor((x) => x.entries.find((e) => e.name === 'storefront')?.changes.join() === '/spec/service', 'second change seen after the watch was closed');
      assert.equal(second.status, 'live');
      assert.ok(rec.all.every((x) => x.status === 'live'), 'a graceful close is not reported as a problem');
      const log = knobs()
        .requestLog()
        .filter((r) => r.userAgent === USER_AGENT && r.resource === 'mappings' && r.namespace === ns);
      assert.ok(log.filter((r) => r.verb === 'watch').length >= 2, 'watched again');
      assert.equal(log.filter((r) => r.verb === 'list').length, 0, 'no re-list needed');
    });

    it('410 Gone: re-lists and keeps going', async () => {
      const ns = await seedDrifted(t);
      const { rec } = await live(ns);
      // Watches fail while the hotfix is deleted and the history compacted: resuming from the old version gets 410.
      knobs().setFaults({ forbidden: [{ resource: 'mappings', verb: 'watch' }], dropWatchAfterMs: 50 });
      await rec.waitFor((x) => x.status === 'reconnecting', 'reconnecting');
      await kubectl(t, ['delete', '-n', ns, 'mappings.getambassador.io', 'debug-hotfix']);
      knobs().compact();
      knobs().clearLog();
      knobs().setFaults({});
      await rec.waitFor((x) => x.status === 'live' && entryState(x, 'Mapping', 'debug-hotfix') === undefined, 'deletion seen after the re-list');
      const log = knobs()
        .requestLog()
        .filter((r) => r.userAgent === USER_AGENT && r.resource === 'mappings' && r.namespace === ns);
      assert.ok(log.some((r) => r.verb === 'list'), 're-listed after 410');
    });

    it('connection lost: reconnecting while the server is out of reach, live again after', async () => {
      const proxy = new TcpProxy(knobs().port);
      const port = await proxy.up(0);
      const kc = path.join(tmp, 'via-proxy.yaml');
      fs.writeFileSync(kc, fs.readFileSync(t.kubeconfig!, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`));
      const ns = await seedDrifted(t);
      const rec = new Recorder();
      const s = open({ kubeconfig: kc }, rec);
      s.setResources(workspaceFor(ns).resources());
      try {
        const sum = await s.start(t.context, [ns]);
        assert.equal(sum.status, 'live', sum.message);
        await proxy.down();
        const down = await rec.waitFor((x) => x.status === 'reconnecting', 'reconnecting');
        assert.match(down.message!, new RegExp(`127\\.0\\.0\\.1:${port}.*Reconnecting`));
        await kubectl(t, ['patch', '-n', ns, 'mappings.getambassador.io', 'storefront', '--type', 'merge', '-p', '{"spec":{"prefix":"/while-down/"}}']);
        await proxy.up(port);
        const back = await rec.waitFor((x) => x.status === 'live' && entryState(x, 'Mapping', 'storefront') === 'changed', 'live again, change caught up');
        assert.equal(back.message, undefined);
      } finally {
        await s.stop(false);
        await proxy.down();
      }
    });
  });
});
