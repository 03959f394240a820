// Exec credential plugins run once per credential in a process, not once per client: the cache of
// execCredential.ts (reuse until expirationTimestamp, a bounded time without one, shared runs, dropped on a 401),
// and the language server's "Diff against cluster" flow (namespace pick, then the session) against the test server.
// Each plugin is a shell script that counts its runs in a file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { ExecCredentialCache, NO_EXPIRY_REUSE_MS, execCredentials, type ExecConfig } from '../../server/src/cluster/execCredential';
import { KubeClient } from '../../server/src/cluster/client';
import { isClusterError } from '../../server/src/cluster/errors';
import { loadKubeconfig, resolveContext } from '../../server/src/cluster/kubeconfig';
import { registerDiffHandlers } from '../../server/src/lsp/diffHandlers';
import * as P from '../../server/src/lsp/protocol';
import { startTestCluster, type TestCluster } from '../cluster-server/index';
import { expectNothingLeft, settledResources } from './helpers';

const CONTEXT = 'edgepolicy-demo';
const CREDENTIAL = `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"%s}}\\n'`;

describe('exec credentials: one plugin run per credential in the process', function () {
  this.timeout(60_000);
  let tmp: string;
  let counting: string;
  let slow: string;
  let rotating: string;
  let runsFile = '';
  let runsCounter = 0;

  const script = (name: string, lines: string[]): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, `#!/bin/sh\n${lines.join('\n')}\n`, { mode: 0o755 });
    return file;
  };
  /** A fresh run counter; returns the env entries that make a plugin count into it. */
  const freshRuns = (): { name: string; value: string }[] => {
    runsFile = path.join(tmp, `runs-${++runsCounter}`);
    return [{ name: 'RUNS', value: runsFile }];
  };
  const runs = (): number => (fs.existsSync(runsFile) ? fs.readFileSync(runsFile, 'utf8').trim().split('\n').length : 0);
  const execOf = (command: string, env: { name: string; value: string }[], args: string[] = []): ExecConfig => ({
    apiVersion: 'client.authentication.k8s.io/v1',
    command,
    args,
    env,
    interactiveMode: 'Never',
  });

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-exec-cache-'));
    // Prints $TOKEN, with $EXPIRES as status.expirationTimestamp when set.
    counting = script('counting.sh', [
      'echo run >> "$RUNS"',
      'e=""',
      '[ -n "$EXPIRES" ] && e=",\\"expirationTimestamp\\":\\"$EXPIRES\\""',
      `${CREDENTIAL} "$TOKEN" "$e"`,
    ]);
    // Prints $TOKEN once the file $HOLD (if set) is gone.
    slow = script('slow.sh', ['echo run >> "$RUNS"', 'while [ -n "$HOLD" ] && [ -e "$HOLD" ]; do sleep 0.05; done', `${CREDENTIAL} "$TOKEN" ""`]);
    // The first run prints a token the server rejects, later runs $TOKEN.
    rotating = script('rotating.sh', [
      'n=$(cat "$RUNS" 2>/dev/null | wc -l)',
      'echo run >> "$RUNS"',
      'if [ "$n" -eq 0 ]; then t=stale-token; else t="$TOKEN"; fi',
      `${CREDENTIAL} "$t" ""`,
    ]);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('ExecCredentialCache', () => {
    let clock = 0;
    let cache: ExecCredentialCache;
    const opts = { timeoutMs: 10_000 };
    beforeEach(() => {
      clock = Date.parse('2030-01-01T00:00:00Z');
      cache = new ExecCredentialCache({ now: () => clock });
    });

    it('without an expirationTimestamp: reused for a bounded time, then the plugin runs again', async () => {
      const exec = execOf(counting, [...freshRuns(), { name: 'TOKEN', value: 'tok-1' }]);
      const first = await cache.get('alice', exec, opts);
      const second = await cache.get('alice', exec, opts);
      assert.equal(first.token, 'tok-1');
      assert.equal(second, first);
      assert.equal(runs(), 1);
      clock += NO_EXPIRY_REUSE_MS - 1;
      await cache.get('alice', exec, opts);
      assert.equal(runs(), 1, 'still within the reuse time');
      clock += 1;
      await cache.get('alice', exec, opts);
      assert.equal(runs(), 2, 'run again after the reuse time');
    });

    it('with an expirationTimestamp: reused until shortly before it; one already past is never reused', async () => {
      const later = execOf(counting, [...freshRuns(), { name: 'TOKEN', value: 'tok-2' }, { name: 'EXPIRES', value: '2030-01-01T02:00:00Z' }]);
      await cache.get('alice', later, opts);
      clock = Date.parse('2030-01-01T01:59:00Z');
      const reused = await cache.get('alice', later, opts);
      assert.equal(reused.expires, Date.parse('2030-01-01T02:00:00Z'));
      assert.equal(runs(), 1, 'reused before expiry (also past the reuse time of credentials without one)');
      clock = Date.parse('2030-01-01T01:59:55Z');
      await cache.get('alice', later, opts);
      assert.equal(runs(), 2, 'not handed out seconds before it expires');

      const past = execOf(counting, [...freshRuns(), { name: 'TOKEN', value: 'tok-3' }, { name: 'EXPIRES', value: '2029-12-31T00:00:00Z' }]);
      await cache.get('alice', past, opts);
      await cache.get('alice', past, opts);
      assert.equal(runs(), 2, 'an expired credential is not kept');
    });

    it('keyed by user, command, args and env: another of them runs the plugin for itself', async () => {
      const env = [...freshRuns(), { name: 'TOKEN', value: 'tok-4' }];
      await cache.get('alice', execOf(counting, env), opts);
      await cache.get('bob', execOf(counting, env), opts);
      await cache.get('alice', execOf(counting, env, ['--profile', 'x']), opts);
      await cache.get('alice', execOf(counting, [...env, { name: 'EXTRA', value: '1' }]), opts);
      await cache.get('alice', execOf(counting, [env[0]!, { name: 'TOKEN', value: 'tok-5' }]), opts);
      assert.equal(runs(), 5);
      await cache.get('bob', execOf(counting, env), opts);
      await cache.get('alice', execOf(counting, env, ['--profile', 'x']), opts);
      assert.equal(runs(), 5, 'each remembered on its own');
    });

    it('forget(cred) after a rejection: the next caller runs the plugin; forgetting an older credential keeps the newer one', async () => {
      const exec = execOf(counting, [...freshRuns(), { name: 'TOKEN', value: 'tok-6' }]);
      const old = await cache.get('alice', exec, opts);
      cache.forget(old);
      const renewed = await cache.get('alice', exec, opts);
      assert.equal(runs(), 2);
      assert.notEqual(renewed, old);
      cache.forget(old);
      assert.equal(await cache.get('alice', exec, opts), renewed);
      assert.equal(runs(), 2);
    });

    it('a failing run is not remembered', async () => {
      const env = freshRuns();
      const failing = script('failing.sh', ['echo run >> "$RUNS"', 'exit 1']);
      for (let i = 0; i < 2; i++) {
        await assert.rejects(cache.get('alice', execOf(failing, env), opts), (e: unknown) => isClusterError(e, 'credential-plugin'));
      }
      assert.equal(runs(), 2);
    });

    it('callers that ask while the plugin runs share the run; one giving up does not stop it for the others; the last one stops it', async () => {
      const before = await settledResources();
      const hold = path.join(tmp, 'hold');
      fs.writeFileSync(hold, '');
      const exec = execOf(slow, [...freshRuns(), { name: 'TOKEN', value: 'tok-7' }, { name: 'HOLD', value: hold }]);
      const quitter = new AbortController();
      const a = cache.get('alice', exec, { ...opts, signal: quitter.signal });
      const b = cache.get('alice', exec, opts);
      quitter.abort();
      await assert.rejects(a, (e: unknown) => isClusterError(e, 'aborted'));
      fs.rmSync(hold);
      assert.equal((await b).token, 'tok-7');
      assert.equal(runs(), 1);

      // Everyone gives up: the plugin is stopped and nothing is remembered; the next caller starts a run of its own
      // (the stopped run would answer it with 'aborted').
      fs.writeFileSync(hold, '');
      const held = execOf(slow, [...freshRuns(), { name: 'TOKEN', value: 'tok-8' }, { name: 'HOLD', value: hold }]);
      const all = [new AbortController(), new AbortController()];
      const waits = all.map((c) => cache.get('alice', held, { ...opts, signal: c.signal }));
      for (const c of all) c.abort();
      for (const w of waits) await assert.rejects(w, (e: unknown) => isClusterError(e, 'aborted'));
      await expectNothingLeft(before);
      fs.rmSync(hold);
      assert.equal((await cache.get('alice', held, opts)).token, 'tok-8');
    });
  });

  describe('Diff against cluster (language server handlers, test cluster)', () => {
    let cluster: TestCluster;
    let kubeconfig: string;
    let live: string;

    before(async () => {
      kubeconfig = path.join(tmp, 'kubeconfig');
      live = path.join(tmp, 'live.yaml');
      fs.writeFileSync(
        live,
        'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: quote\n  namespace: shop\nspec:\n  prefix: /quote/\n  service: quote:80\n',
      );
      cluster = await startTestCluster({ kubeconfigPath: kubeconfig, seed: [live] });
    });

    after(async () => {
      execCredentials.clear();
      await cluster?.stop();
    });

    /** A kubeconfig whose user gets its token from `plugin`. */
    const withPlugin = (name: string, plugin: string, env: { name: string; value: string }[]): string => {
      const doc = YAML.parse(fs.readFileSync(kubeconfig, 'utf8')) as { users: { user: unknown }[] };
      doc.users[0]!.user = { exec: execOf(plugin, env) };
      const file = path.join(tmp, name);
      fs.writeFileSync(file, YAML.stringify(doc), { mode: 0o600 });
      return file;
    };

    /** The handlers on a fake connection; every log line, result and notification is kept (to look for the token). */
    const handlersFor = () => {
      const handlers = new Map<string, (p: unknown) => unknown>();
      const said: string[] = [];
      const conn = {
        onRequest: (m: string, h: (p: unknown) => unknown) => void handlers.set(m, h),
        sendNotification: async (_m: string, p: unknown) => void said.push(JSON.stringify(p)),
      };
      const h = registerDiffHandlers(conn as never, () => ({ resources: () => [] }), () => undefined, { env: {}, throttleMs: 20, log: (m) => said.push(m) });
      const call = async <T>(method: string, params: unknown): Promise<T> => {
        const r = (await handlers.get(method)!(params)) as T;
        said.push(JSON.stringify(r));
        return r;
      };
      return { h, call, said };
    };

    it('picking namespaces and then starting the diff runs the plugin once; the token is never said', async () => {
      const kc = withPlugin('exec-once.yaml', counting, [...freshRuns(), { name: 'TOKEN', value: cluster.token }]);
      const { h, call, said } = handlersFor();
      try {
        const picked = await call<P.ListNamespacesResult>(P.ListNamespacesRequest, { kubeconfig: kc, context: CONTEXT, allowExec: true });
        assert.equal(picked.error, undefined);
        assert.ok(picked.namespaces.includes('shop'), JSON.stringify(picked));
        const started = await call<P.DriftSummary>(P.DiffStartRequest, { kubeconfig: kc, context: CONTEXT, allowExec: true, namespaces: ['shop'] });
        assert.equal(started.status, 'live', started.message);
        assert.deepEqual(
          started.entries.map((e) => [e.name, e.state]),
          [['quote', 'cluster-only']],
        );
        assert.equal(runs(), 1, 'the session reuses the credential the namespace pick fetched');
      } finally {
        await h.dispose();
      }
      for (const line of said) assert.ok(!line.includes(cluster.token), 'the token appears in what the handlers said');
    });

    it('one client fetches a credential again when it is about to expire, and keeps one that is good for longer', async () => {
      const twice = async (expires: number): Promise<void> => {
        const kc = withPlugin(`exec-expires-${expires}.yaml`, counting, [...freshRuns(), { name: 'TOKEN', value: cluster.token }, { name: 'EXPIRES', value: new Date(expires).toISOString() }]);
        const client = new KubeClient(resolveContext(loadKubeconfig({ kubeconfig: kc, env: {} }), CONTEXT, true));
        try {
          for (let i = 0; i < 2; i++) await client.list('/api/v1/namespaces', { verb: 'list', resource: 'namespaces' });
        } finally {
          client.close();
        }
      };
      // Seconds from expiry: neither the client nor the process's cache keeps it.
      await twice(Date.now() + 3_000);
      assert.equal(runs(), 2);
      await twice(Date.now() + 3_600_000);
      assert.equal(runs(), 1);
    });

    it('a credential the API server rejects (401) is dropped from the cache: the next client does not reuse it', async () => {
      const kc = withPlugin('exec-rotating.yaml', rotating, [...freshRuns(), { name: 'TOKEN', value: cluster.token }]);
      const { h, call } = handlersFor();
      try {
        // The namespace pick gets the stale token, is rejected, runs the plugin again once and succeeds.
        const picked = await call<P.ListNamespacesResult>(P.ListNamespacesRequest, { kubeconfig: kc, context: CONTEXT, allowExec: true });
        assert.equal(picked.error, undefined);
        assert.equal(runs(), 2);
        const started = await call<P.DriftSummary>(P.DiffStartRequest, { kubeconfig: kc, context: CONTEXT, allowExec: true, namespaces: ['shop'] });
        assert.equal(started.status, 'live', started.message);
        assert.equal(runs(), 2, 'the session takes the accepted credential, not the rejected one');
      } finally {
        await h.dispose();
      }
    });
  });
});
