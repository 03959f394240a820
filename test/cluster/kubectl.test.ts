// Proof that the test cluster is faithful enough: the real kubectl drives it.
// Needs a kubectl binary on PATH (or in $KUBECTL). On Debian: apt-get install -y kubernetes-client.
// Every kubectl run gets a temporary kubeconfig and cache directory; ~/.kube is never touched.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as YAML from 'yaml';
import { startTestCluster, type TestCluster } from '../cluster-server/index';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'cluster', 'basic');

function findKubectl(): string | undefined {
  const explicit = process.env['KUBECTL'];
  if (explicit) return explicit;
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'kubectl');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('real kubectl against the test cluster', function () {
  this.timeout(60000);
  let kubectl: string;
  let c: TestCluster;
  let dir: string;
  let kubeconfig: string;

  before(() => {
    const found = findKubectl();
    if (!found) {
      throw new Error('kubectl was not found on PATH (nor in $KUBECTL). Install it, e.g. on Debian: apt-get install -y kubernetes-client');
    }
    kubectl = found;
  });

  async function fresh(seed = true): Promise<void> {
    c = await startTestCluster(seed ? { seed: [FIXTURES] } : {});
    dir = mkdtempSync(path.join(os.tmpdir(), 'ep-kubectl-'));
    kubeconfig = c.writeKubeconfig(path.join(dir, 'kubeconfig'));
  }

  afterEach(async () => {
    await c?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function env(): NodeJS.ProcessEnv {
    return { PATH: process.env['PATH'], HOME: dir, KUBECONFIG: kubeconfig, KUBECTL_EXTERNAL_DIFF: '', LANG: 'C' };
  }
  function args(a: string[]): string[] {
    return ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...a];
  }

  function k(...a: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(kubectl, args(a), { env: env(), timeout: 45000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }
  async function ok(...a: string[]): Promise<string> {
    const r = await k(...a);
    assert.equal(r.code, 0, `kubectl ${a.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  it('apply --server-side of the fixtures, then get -A -o yaml shows the content at the preferred version', async () => {
    await fresh(false);
    const out = await ok('apply', '--server-side', '-f', FIXTURES);
    assert.equal((out.match(/serverside-applied/g) ?? []).length, 11, out);
    assert.match(out, /mapping\.getambassador\.io\/catalog serverside-applied/);
    const list = YAML.parse(await ok('get', 'mappings', '-A', '-o', 'yaml'));
    assert.equal(list.kind, 'List');
    const byName = new Map<string, any>(list.items.map((m: any) => [m.metadata.name, m]));
    assert.deepEqual([...byName.keys()].sort(), ['cart', 'catalog', 'quote', 'quote-canary']);
    for (const m of list.items) assert.equal(m.apiVersion, 'getambassador.io/v2', 'v2 is the preferred version');
    assert.equal(byName.get('catalog').metadata.namespace, 'shop');
    assert.equal(byName.get('catalog').spec.rewrite, '/');
    assert.equal(byName.get('catalog').spec.timeout_ms, 3000);
    assert.equal(byName.get('quote-canary').spec.weight, 10);
    assert.deepEqual(byName.get('quote').metadata.labels, { app: 'quote', tier: 'backend' });
    const log = c.requestLog().filter((e) => e.verb === 'patch');
    assert.equal(log.length, 11);
    assert.ok(log.every((e) => e.contentType?.startsWith('application/apply-patch+yaml') && e.query['fieldManager'] === 'kubectl'));
    assert.ok(log.every((e) => /^kubectl[^ ]*\/v1\./.test(e.userAgent)), "kubectl user agent recorded");
    // a second server-side apply changes nothing
    const again = await ok('apply', '--server-side', '-f', FIXTURES);
    assert.match(again, /mapping\.getambassador\.io\/quote serverside-applied/);
    const rvBefore = c.server.resourceVersion;
    await ok('apply', '--server-side', '-f', FIXTURES);
    assert.equal(c.server.resourceVersion, rvBefore, 'no-op applies do not write');
  });

  it('resource.version.group names pick the version', async () => {
    await fresh();
    const v3 = JSON.parse(await ok('get', 'mappings.v3alpha1.getambassador.io', 'cart', '-n', 'shop', '-o', 'json'));
    assert.equal(v3.apiVersion, 'getambassador.io/v3alpha1');
    const v2 = JSON.parse(await ok('get', 'mappings.v2.getambassador.io', 'cart', '-n', 'shop', '-o', 'json'));
    assert.equal(v2.apiVersion, 'getambassador.io/v2');
    assert.equal(v2.metadata.uid, v3.metadata.uid);
    const listener = JSON.parse(await ok('get', 'listeners', 'https', '-n', 'edge', '-o', 'json'));
    assert.equal(listener.apiVersion, 'getambassador.io/v3alpha1', 'Listener only exists at v3alpha1');
  });

  it('get prints the server-side tables (CRD printer columns), per namespace and across namespaces', async () => {
    await fresh();
    const hosts = await ok('get', 'hosts', '-n', 'shop');
    const [header, row] = hosts.trim().split('\n');
    assert.match(header!, /^NAME\s+HOSTNAME\s+STATE\s+PHASE COMPLETED\s+PHASE PENDING\s+AGE$/);
    assert.match(row!, /^shop\s+shop\.example\.com\s+\d+s$/);
    const all = await ok('get', 'mappings', '-A');
    assert.match(all.split('\n')[0]!, /^NAMESPACE\s+NAME\s+SOURCE HOST\s+SOURCE PREFIX\s+DEST SERVICE\s+STATE\s+REASON$/);
    assert.match(all, /\nshop\s+cart\s+shop\.example\.com\s+\/cart\/\s+cart\.shop:8080/);
    const empty = await k('get', 'hosts', '-n', 'default');
    assert.equal(empty.code, 0);
    assert.match(empty.stderr, /No resources found in default namespace/);
    const byCategory = await ok('get', 'ambassador-crds', '-n', 'shop', '-o', 'name');
    assert.deepEqual(byCategory.trim().split('\n').sort(), ['host.getambassador.io/shop', 'mapping.getambassador.io/cart', 'mapping.getambassador.io/catalog', 'tlscontext.getambassador.io/shop-tls']);
    const svc = await ok('get', 'svc', '-n', 'default');
    assert.match(svc, /quote\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP/);
  });

  it('label selectors and --chunk-size pagination', async () => {
    await fresh();
    const names = async (...a: string[]): Promise<string[]> => (await ok('get', 'mappings', '-A', '-o', 'name', ...a)).trim().split('\n').filter((x) => x).sort();
    assert.deepEqual(await names('-l', 'app=quote'), ['mapping.getambassador.io/quote', 'mapping.getambassador.io/quote-canary']);
    assert.deepEqual(await names('-l', 'app!=quote'), ['mapping.getambassador.io/cart', 'mapping.getambassador.io/catalog']);
    assert.deepEqual(await names('-l', 'tier in (canary,backend),app notin (catalog)'), ['mapping.getambassador.io/quote', 'mapping.getambassador.io/quote-canary']);
    assert.deepEqual(await names('-l', '!tier'), ['mapping.getambassador.io/cart']);
    c.clearLog();
    assert.equal((await names('--chunk-size=2')).length, 4);
    const lists = c.requestLog().filter((e) => e.verb === 'list' && e.resource === 'mappings');
    assert.equal(lists.length, 2, JSON.stringify(lists.map((e) => e.query)));
    assert.ok(lists.every((e) => e.query['limit'] === '2'));
    assert.ok(lists[1]!.query['continue'], 'the second page asks with the continue token');
  });

  it('create, patch --type merge, delete', async () => {
    await fresh();
    const file = path.join(dir, 'new.yaml');
    writeFileSync(file, YAML.stringify({ apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: { name: 'fresh', namespace: 'shop' }, spec: { hostname: '*', prefix: '/fresh/', service: 'fresh:80' } }));
    assert.match(await ok('create', '-f', file), /mapping\.getambassador\.io\/fresh created/);
    const dup = await k('create', '-f', file);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /AlreadyExists.*mappings\.getambassador\.io "fresh" already exists/);
    assert.match(await ok('patch', 'mapping', 'fresh', '-n', 'shop', '--type', 'merge', '-p', '{"spec":{"prefix":"/patched/"}}'), /mapping\.getambassador\.io\/fresh patched/);
    assert.equal(await ok('get', 'mapping', 'fresh', '-n', 'shop', '-o', 'jsonpath={.spec.prefix} {.metadata.generation}'), '/patched/ 2');
    const jsonPatch = await ok('patch', 'mapping', 'fresh', '-n', 'shop', '--type', 'json', '-p', '[{"op":"add","path":"/spec/timeout_ms","value":250}]');
    assert.match(jsonPatch, /patched/);
    assert.match(await ok('delete', 'mapping', 'fresh', '-n', 'shop'), /mapping\.getambassador\.io "fresh" deleted/);
    const gone = await k('get', 'mapping', 'fresh', '-n', 'shop');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /NotFound.*mappings\.getambassador\.io "fresh" not found/);
    const missing = await k('delete', 'mapping', 'never-was');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);
  });

  it('client-side apply records last-applied and re-applies as unchanged', async () => {
    await fresh(false);
    await ok('apply', '-f', path.join(FIXTURES, '00-namespaces.yaml'));
    const first = await ok('apply', '-f', path.join(FIXTURES, '10-mappings.yaml'));
    assert.match(first, /mapping\.getambassador\.io\/quote created/);
    const second = await ok('apply', '-f', path.join(FIXTURES, '10-mappings.yaml'));
    assert.match(second, /mapping\.getambassador\.io\/quote unchanged/);
    const live = JSON.parse(await ok('get', 'mapping', 'quote', '-o', 'json'));
    assert.ok(live.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
  });

  it('diff exits 0 when in sync and 1 with a unified diff when drifted', async () => {
    await fresh(false);
    await ok('apply', '--server-side', '-f', FIXTURES);
    const clean = await k('diff', '-f', FIXTURES);
    assert.equal(clean.code, 0, clean.stderr + clean.stdout);
    assert.equal(clean.stdout, '');
    await ok('patch', 'mapping', 'quote', '--type', 'merge', '-p', '{"spec":{"prefix":"/changed/"}}');
    const drift = await k('diff', '-f', path.join(FIXTURES, '10-mappings.yaml'));
    assert.equal(drift.code, 1, drift.stderr);
    assert.match(drift.stdout, /^-\s+prefix: \/changed\/$/m);
    assert.match(drift.stdout, /^\+\s+prefix: \/backend\/$/m);
    assert.doesNotMatch(drift.stdout, /catalog/, 'only the drifted object is shown');
    assert.ok(c.requestLog().some((e) => e.verb === 'patch' && e.query['dryRun'] === 'All'), 'diff uses server-side dry run');
    assert.equal(JSON.parse(await ok('get', 'mapping', 'quote', '-o', 'json')).spec.prefix, '/changed/', 'dry run wrote nothing');
  });

  it('get --watch streams a change made while it runs', async () => {
    await fresh();
    const child = spawn(kubectl, args(['get', 'mappings', '-n', 'default', '--watch']), { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const waitFor = async (re: RegExp, what: string): Promise<void> => {
      const t0 = Date.now();
      while (!re.test(out)) {
        if (Date.now() - t0 > 20000 || child.exitCode !== null) throw new Error(`${what}: no match for ${re}; stdout: ${out}; stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor(/quote-canary/, 'initial list');
      // wait until the watch is open before changing anything
      const t0 = Date.now();
      while (!c.requestLog().some((e) => e.verb === 'watch' && e.resource === 'mappings')) {
        if (Date.now() - t0 > 20000) throw new Error(`kubectl never opened a watch; stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      c.apply([{ apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: { name: 'quote', namespace: 'default' }, spec: { hostname: '*', prefix: '/watched/', service: 'quote:80' } }]);
      await waitFor(/quote\s+\/watched\//, 'watch event');
      const watchReq = c.requestLog().find((e) => e.verb === 'watch')!;
      assert.ok(watchReq.query['resourceVersion'], 'kubectl resumes from the list resourceVersion');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('403 from the forbidden knob is printed as Forbidden with verb and resource', async () => {
    await fresh();
    c.setFaults({ forbidden: [{ resource: 'mappings', verb: 'list' }] });
    const r = await k('get', 'mappings', '-n', 'shop');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(Forbidden\): mappings\.getambassador\.io is forbidden: User "edgepolicy-demo" cannot list resource "mappings" in API group "getambassador\.io" in the namespace "shop"/);
    assert.equal(JSON.parse(await ok('get', 'mapping', 'cart', '-n', 'shop', '-o', 'json')).metadata.name, 'cart', 'get is still allowed');
  });

  it('404 for the group (CRDs not installed): kubectl says the resource type does not exist', async () => {
    await fresh();
    c.setFaults({ missingGroups: ['getambassador.io'] });
    const r = await k('get', 'mappings');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the server doesn't have a resource type "mappings"/);
    assert.match(await ok('get', 'ns', 'default', '-o', 'name'), /namespace\/default/);
  });

  it('401: kubectl asks to log in', async () => {
    await fresh();
    c.setFaults({ unauthorized: true });
    const r = await k('get', 'ns');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /You must be logged in to the server/);
  });

  it('the client-certificate context authenticates with the CA-signed certificate', async () => {
    await fresh();
    c.clearLog();
    const out = await ok('--context', 'edgepolicy-demo-cert', 'get', 'hosts', '-n', 'shop', '-o', 'name');
    assert.equal(out.trim(), 'host.getambassador.io/shop');
    const log = c.requestLog().filter((e) => e.resource === 'hosts');
    assert.ok(log.length > 0);
    assert.ok(log.every((e) => e.user === 'edgepolicy-demo'));
    // a kubeconfig whose token is wrong is rejected even though the cluster is reachable
    const bad = c.writeKubeconfig(path.join(dir, 'bad'), { token: 'wrong-token' });
    const r = await new Promise<Run>((resolve) =>
      execFile(kubectl, ['--kubeconfig', bad, '--cache-dir', path.join(dir, 'cache2'), 'get', 'ns'], { env: env() }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, stdout: String(stdout), stderr: String(stderr) }),
      ),
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /You must be logged in to the server/);
  });
});
