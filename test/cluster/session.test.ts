// Kubeconfig handling and the DiffSession's behaviour that needs no API server (errors before connecting).
// Talking to a server is covered by diff-integration.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { listContexts, loadKubeconfig, resolveContext, userRunsProgram } from '../../server/src/cluster/kubeconfig';
import { DiffSession } from '../../server/src/cluster/session';
import { isClusterError } from '../../server/src/cluster/errors';
import { collectionPath, resourceName } from '../../server/src/cluster/resources';
import { runLimited } from '../../server/src/node/limit';
import { registerDiffHandlers } from '../../server/src/lsp/diffHandlers';
import * as P from '../../server/src/lsp/protocol';

function kubeconfig(opts: {
  current?: string;
  clusters?: [string, string][];
  users?: [string, Record<string, unknown>][];
  contexts?: [string, string, string, string?][];
}): string {
  const lines: string[] = ['apiVersion: v1', 'kind: Config'];
  if (opts.current) lines.push(`current-context: ${opts.current}`);
  lines.push('clusters:');
  for (const [name, server] of opts.clusters ?? []) lines.push(`- name: ${name}`, '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true');
  lines.push('users:');
  for (const [name, user] of opts.users ?? []) lines.push(`- name: ${name}`, `  user: ${JSON.stringify(user)}`);
  lines.push('contexts:');
  for (const [name, cluster, user, ns] of opts.contexts ?? [])
    lines.push(`- name: ${name}`, '  context:', `    cluster: ${cluster}`, `    user: ${user}`, ...(ns ? [`    namespace: ${ns}`] : []));
  return lines.join('\n') + '\n';
}

describe('cluster: kubeconfig', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-kc-'));
    fs.writeFileSync(
      path.join(dir, 'a.yaml'),
      kubeconfig({
        current: 'alpha',
        clusters: [['c1', 'https://127.0.0.1:1']],
        users: [['u1', { token: 'secret-token-a' }]],
        contexts: [
          ['alpha', 'c1', 'u1', 'team-a'],
          ['shared', 'c1', 'u1'],
        ],
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'b.yaml'),
      kubeconfig({
        current: 'beta',
        clusters: [
          ['c1', 'https://127.0.0.1:2'],
          ['c2', 'https://127.0.0.1:3'],
        ],
        users: [
          ['u2', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'false' } }],
          ['u3', { 'auth-provider': { name: 'gcp', config: { 'cmd-path': '/bin/false' } } }],
        ],
        contexts: [
          ['beta', 'c2', 'u2'],
          ['shared', 'c2', 'u2'],
          ['gamma', 'c2', 'u3'],
        ],
      }),
    );
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'clusters: [\n  token: abc-secret\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('merges KUBECONFIG files like kubectl: first definition and first current-context win, missing files skipped', () => {
    const env = { KUBECONFIG: [path.join(dir, 'missing.yaml'), path.join(dir, 'a.yaml'), path.join(dir, 'b.yaml')].join(path.delimiter) };
    const cfg = loadKubeconfig({ env });
    assert.deepEqual(cfg.files, [path.join(dir, 'a.yaml'), path.join(dir, 'b.yaml')]);
    assert.equal(cfg.currentContext, 'alpha');
    assert.deepEqual(
      cfg.contexts.map((c) => c.name),
      ['alpha', 'shared', 'beta', 'gamma'],
    );
    assert.equal(cfg.clusters.find((c) => c.name === 'c1')!.server, 'https://127.0.0.1:1');
    assert.equal(cfg.contexts.find((c) => c.name === 'shared')!.cluster, 'c1');
    const ctxs = listContexts(cfg);
    assert.deepEqual(
      ctxs.map((c) => [c.name, c.current]),
      [
        ['alpha', true],
        ['shared', false],
        ['beta', false],
        ['gamma', false],
      ],
    );
    assert.deepEqual(ctxs[0], { name: 'alpha', cluster: 'c1', user: 'u1', namespace: 'team-a', current: true });
  });

  it('an explicit path wins over KUBECONFIG; HOME/.kube/config is the fallback', () => {
    const env = { KUBECONFIG: path.join(dir, 'a.yaml') };
    assert.equal(loadKubeconfig({ env, kubeconfig: path.join(dir, 'b.yaml') }).currentContext, 'beta');
    assert.equal(loadKubeconfig({ env: {}, kubeconfig: 'b.yaml', cwd: dir }).currentContext, 'beta');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-home-'));
    try {
      fs.mkdirSync(path.join(home, '.kube'));
      fs.copyFileSync(path.join(dir, 'a.yaml'), path.join(home, '.kube', 'config'));
      assert.equal(loadKubeconfig({ env: { HOME: home } }).currentContext, 'alpha');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('never writes the kubeconfig (files unchanged after resolving another context)', () => {
    const before = fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8');
    const mtime = fs.statSync(path.join(dir, 'a.yaml')).mtimeMs;
    const cfg = loadKubeconfig({ env: { KUBECONFIG: path.join(dir, 'a.yaml') } });
    const ctx = resolveContext(cfg, 'shared', false);
    assert.equal(ctx.kc.getCurrentContext(), 'shared');
    assert.equal(cfg.currentContext, 'alpha');
    assert.equal(fs.readFileSync(path.join(dir, 'a.yaml'), 'utf8'), before);
    assert.equal(fs.statSync(path.join(dir, 'a.yaml')).mtimeMs, mtime);
  });

  it('clear errors: no kubeconfig, context not found, invalid file (without its content)', () => {
    const none = (): unknown => loadKubeconfig({ env: { KUBECONFIG: path.join(dir, 'nope.yaml') } });
    assert.throws(none, (e: unknown) => isClusterError(e, 'no-kubeconfig') && /No kubeconfig found/.test((e as Error).message));
    // Says how to name one, in the editor and in the CLI.
    assert.throws(none, /Set KUBECONFIG, or name a kubeconfig file \(the edgepolicy\.kubeconfig setting in the editor, or --kubeconfig in the CLI\)/);
    assert.throws(
      () => loadKubeconfig({ env: {}, kubeconfig: path.join(dir, 'nope.yaml') }),
      (e: unknown) => isClusterError(e, 'no-kubeconfig') && /Kubeconfig file not found/.test((e as Error).message),
    );
    const cfg = loadKubeconfig({ env: { KUBECONFIG: path.join(dir, 'a.yaml') } });
    assert.throws(
      () => resolveContext(cfg, 'prod', true),
      (e: unknown) => isClusterError(e, 'context-not-found') && /Context "prod" not found.*Known contexts: alpha, shared/.test((e as Error).message),
    );
    assert.throws(
      () => loadKubeconfig({ env: { KUBECONFIG: path.join(dir, 'broken.yaml') } }),
      (e: unknown) => isClusterError(e, 'bad-kubeconfig') && !/abc-secret/.test((e as Error).message) && /line \d+/.test((e as Error).message),
    );
  });

  it('allowExec=false refuses exec and command-running auth providers; allowExec=true accepts them', () => {
    const cfg = loadKubeconfig({ env: { KUBECONFIG: path.join(dir, 'b.yaml') } });
    for (const name of ['beta', 'gamma']) {
      assert.throws(
        () => resolveContext(cfg, name, false),
        (e: unknown) => isClusterError(e, 'exec-not-allowed') && /untrusted workspace/.test((e as Error).message),
      );
      assert.equal(resolveContext(cfg, name, true).name, name);
    }
    assert.equal(userRunsProgram(cfg.users.find((u) => u.name === 'u2')), true);
    assert.equal(userRunsProgram({ name: 'x', token: 't' } as never), false);
  });
});

describe('cluster: resource names and paths', () => {
  it('names resources as the API server does, in every group (the core group has no suffix)', () => {
    assert.equal(resourceName('Mapping'), 'mappings.getambassador.io');
    assert.equal(resourceName('Service', ''), 'services');
    assert.equal(resourceName('Ingress', 'networking.k8s.io'), 'ingresses.networking.k8s.io');
    assert.equal(collectionPath('', 'v1', 'Service', 'shop'), '/api/v1/namespaces/shop/services');
    assert.equal(collectionPath('networking.k8s.io', 'v1', 'Ingress'), '/apis/networking.k8s.io/v1/ingresses');
  });
});

describe('runLimited (the session\'s first lists, the scan\'s file reads)', () => {
  it('runs every item, never more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await runLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => setImmediate(r));
      done.push(n);
      running--;
    });
    assert.deepEqual([...done].sort(), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(most, 3);
    await runLimited([], 4, async () => assert.fail('no items, no calls'));
  });

  it('starts no further item after the first failure and rejects with it', async () => {
    const started: number[] = [];
    await assert.rejects(
      runLimited([1, 2, 3, 4, 5, 6], 2, async (n) => {
        started.push(n);
        await new Promise<void>((r) => setImmediate(r));
        if (n === 2) throw new Error('forbidden');
      }),
      /forbidden/,
    );
    // 1 and 2 ran together; 2 failed while 1's worker took 3: nothing after that.
    assert.deepEqual(started, [1, 2, 3]);
  });
});

describe('cluster: DiffSession without a reachable server', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-sess-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports a missing kubeconfig / unknown context as an error summary', async () => {
    const s = new DiffSession({ allowExec: false, env: { KUBECONFIG: path.join(dir, 'none') } });
    const sum = await s.start('x', []);
    assert.equal(sum.status, 'error');
    assert.match(sum.message!, /No kubeconfig found/);
    assert.deepEqual(sum.entries, []);
    await s.stop();
  });

  it('in an untrusted workspace, refuses a context the caller resolved whose user runs a credential plugin', async () => {
    fs.writeFileSync(
      path.join(dir, 'exec.yaml'),
      kubeconfig({ current: 'x', clusters: [['c', 'https://127.0.0.1:1']], users: [['u', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token' } }]], contexts: [['x', 'c', 'u']] }),
    );
    const ctx = resolveContext(loadKubeconfig({ kubeconfig: path.join(dir, 'exec.yaml'), env: {} }), 'x', true);
    const s = new DiffSession({ allowExec: false, env: {} });
    const sum = await s.start(ctx, []);
    assert.equal(sum.status, 'error');
    assert.match(sum.message!, /Context "x" authenticates with a credential plugin \(user "u" runs a program\).*Trust the workspace/);
    await s.stop();
  });

  it('reports a closed port quickly as unreachable, naming the server but not the token', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer();
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    fs.writeFileSync(
      path.join(dir, 'kc.yaml'),
      kubeconfig({ current: 'x', clusters: [['c', `https://127.0.0.1:${port}`]], users: [['u', { token: 'tok-should-not-leak' }]], contexts: [['x', 'c', 'u']] }),
    );
    const s = new DiffSession({ allowExec: false, kubeconfig: path.join(dir, 'kc.yaml'), env: {} });
    // "connection refused" (not a time-out) is what says it failed at once; mocha's time-out catches a hang.
    const sum = await s.start('x', []);
    assert.equal(sum.status, 'error');
    assert.match(sum.message!, new RegExp(`Cannot reach the cluster of context "x" \\(https://127\\.0\\.0\\.1:${port}\\): connection refused`));
    assert.doesNotMatch(sum.message!, /tok-should-not-leak/);
    await s.stop();
  });
});

describe('lsp: diff handlers (no server needed)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-h-'));
    fs.writeFileSync(
      path.join(dir, 'kc.yaml'),
      kubeconfig({
        current: 'two',
        clusters: [['c', 'https://127.0.0.1:1']],
        users: [
          ['u', { token: 't' }],
          ['x', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'false' } }],
        ],
        contexts: [
          ['one', 'c', 'u'],
          ['two', 'c', 'u', 'edge'],
          ['plugin', 'c', 'x'],
        ],
      }),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function fakeConnection() {
    const handlers = new Map<string, (p: unknown) => unknown>();
    const notes: { method: string; params: unknown }[] = [];
    const conn = {
      onRequest: (method: string, h: (p: unknown) => unknown) => void handlers.set(method, h),
      sendNotification: async (method: string, params: unknown) => void notes.push({ method, params }),
    };
    return { conn, handlers, notes, call: async (m: string, p: unknown) => handlers.get(m)!(p) };
  }

  it('registers every diff request and answers listContexts / errors clearly', async () => {
    const f = fakeConnection();
    let changed: (() => void) | undefined;
    const h = registerDiffHandlers(
      f.conn as never,
      () => ({ resources: () => [] }) as never,
      (cb) => (changed = cb),
      { env: { KUBECONFIG: path.join(dir, 'kc.yaml') } },
    );
    for (const m of [P.ListContextsRequest, P.ListNamespacesRequest, P.DiffStartRequest, P.DiffStopRequest, P.DiffDocumentRequest]) assert.ok(f.handlers.has(m), m);
    const ctxs = (await f.call(P.ListContextsRequest, { allowExec: false })) as { contexts: { name: string; current: boolean }[] };
    assert.deepEqual(
      ctxs.contexts.map((c) => [c.name, c.current]),
      [
        ['two', true],
        ['one', false],
        ['plugin', false],
      ],
    );
    const missing = (await f.call(P.ListContextsRequest, { allowExec: false, kubeconfig: path.join(dir, 'nope.yaml') })) as { contexts: unknown[]; error: string };
    assert.deepEqual(missing.contexts, []);
    assert.match(missing.error, /Kubeconfig file not found/);
    const ns = (await f.call(P.ListNamespacesRequest, { allowExec: false, context: 'plugin' })) as { namespaces: string[]; error: string };
    assert.deepEqual(ns.namespaces, []);
    assert.match(ns.error, /credential plugin/);
    const sum = (await f.call(P.DiffStartRequest, { allowExec: false, context: 'nope', namespaces: [] })) as { status: string; message: string };
    assert.equal(sum.status, 'error');
    assert.match(sum.message, /Context "nope" not found/);
    const doc = (await f.call(P.DiffDocumentRequest, { key: 'getambassador.io/v3alpha1/Mapping/default/x', side: 'cluster' })) as { text: string };
    assert.match(doc.text, /not part of the current diff/);
    changed!();
    assert.equal(await f.call(P.DiffStopRequest, null), null);
    assert.equal(h.session(), undefined);
    await h.dispose();
  });
});
