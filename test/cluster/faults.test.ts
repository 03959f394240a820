// How our cluster client and DiffSession meet a failing API server, driven by the test server's fault knobs.
// For every fault: a clear one-line message (never a stack), bounded retries with backoff where a retry can help,
// recovery once the fault is gone (a new start, or the running session going live again), and nothing left
// running after session.stop() (timers, sockets, child processes: process.getActiveResourcesInfo() before/after).
// Also: what an exec credential plugin prints, and the kubeconfig's credentials, never reach a message or a log.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { startTestCluster, type Faults, type TestCluster } from '../cluster-server/index';
import { DiffSession, type DiffSessionOptions } from '../../server/src/cluster/session';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_PAGE_SIZE, KubeClient, USER_AGENT, type ClientOptions } from '../../server/src/cluster/client';
import { loadKubeconfig, resolveContext } from '../../server/src/cluster/kubeconfig';
import { runDiff } from '../../server/src/cli/diff';
import { registerDiffHandlers } from '../../server/src/lsp/diffHandlers';
import * as P from '../../server/src/lsp/protocol';
import type { DriftSummary } from '../../server/src/lsp/protocol';
import { Recorder, TcpProxy, closedPort, expectNothingLeft, settledResources, socketsOnPort } from './helpers';

const CONTEXT = 'edgepolicy-demo';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type KubeconfigDoc = any;

function mapping(name: string, ns: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: { name, namespace: ns }, spec: { prefix: `/${name}/`, service: `${name}:80`, ...spec } };
}

/** A message fit for a user: one line, no stack frames. */
function assertClearMessage(message: string | undefined, re: RegExp): void {
  assert.ok(message, 'a message');
  assert.match(message, re);
  assert.doesNotMatch(message, /\n|\bat .*\(.*:\d+:\d+\)|node:internal/, 'one line, no stack');
}

describe('cluster faults: clear messages, bounded retries, recovery, nothing left after stop', function () {
  this.timeout(60_000);
  let tmp: string;
  let cluster: TestCluster;
  let kubeconfig: string;
  let nsCounter = 0;
  const sessions: DiffSession[] = [];

  const newNs = (): string => {
    const ns = `faults-${++nsCounter}`;
    cluster.apply([mapping('seed', ns)]);
    return ns;
  };
  const open = (opts: Partial<DiffSessionOptions> & { client?: ClientOptions } = {}, rec?: Recorder): DiffSession => {
    const s = new DiffSession(
      { allowExec: true, kubeconfig, env: {}, throttleMs: 30, backoff: { initialMs: 50, maxMs: 300 }, ...opts, client: { retryBaseMs: 20, ...opts.client } },
      rec?.push,
    );
    sessions.push(s);
    return s;
  };
  /** Writes a variant of the test cluster's kubeconfig. */
  const variant = (name: string, edit: (doc: KubeconfigDoc) => void, base = kubeconfig): string => {
    const doc = YAML.parse(fs.readFileSync(base, 'utf8')) as KubeconfigDoc;
    edit(doc);
    const file = path.join(tmp, name);
    fs.writeFileSync(file, YAML.stringify(doc), { mode: 0o600 });
    return file;
  };
  /** Our requests in the log for `resource` with `verb` (in `ns` when given). */
  const ours = (resource: string, verb: string, ns?: string) =>
    cluster.requestLog().filter((r) => r.userAgent === USER_AGENT && r.resource === resource && r.verb === verb && (ns === undefined || r.namespace === ns));
  const entryNamed = (s: DriftSummary, name: string): boolean => s.entries.some((e) => e.name === name);

  /** Runs `body`, stops every session it opened, then checks that nothing it started is still running. */
  const leakFree = (body: () => Promise<void>) => async (): Promise<void> => {
    const before = await settledResources();
    try {
      await body();
    } finally {
      await Promise.all(sessions.splice(0).map((s) => s.stop(false)));
    }
    await expectNothingLeft(before);
    assert.equal(socketsOnPort(cluster.port), 0, 'no socket to or from the test server is open');
  };

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-faults-'));
    kubeconfig = path.join(tmp, 'kubeconfig');
    cluster = await startTestCluster({ kubeconfigPath: kubeconfig });
  });
  afterEach(async () => {
    cluster.setFaults({});
    await Promise.all(sessions.splice(0).map((s) => s.stop(false)));
  });
  after(async () => {
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('at start: an error summary, then a clean start once the fault is gone', () => {
    interface StartFault {
      name: string;
      faults: (ns: string) => Faults;
      client?: ClientOptions;
      message: (ns: string) => RegExp;
      /** Our list requests for mappings in the namespace while the fault held (bounded retries). */
      attempts?: number;
      /** Least gaps (ms) between those attempts: the backoff or the server's Retry-After. */
      gapsMs?: number[];
      /** A fault no retry can mend: no request of ours was sent twice. */
      noRetry?: boolean;
    }
    const q = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const FAULTS: StartFault[] = [
      {
        name: '401 Unauthorized',
        faults: () => ({ unauthorized: true }),
        message: () => /^Authentication failed \(401 Unauthorized\) at the cluster of context "edgepolicy-demo" \(https:\/\/127\.0\.0\.1:\d+\): the credentials of user "edgepolicy-demo-token" were rejected\./,
        noRetry: true,
      },
      {
        name: '403 Forbidden',
        faults: () => ({ forbidden: [{ resource: 'mappings', verb: 'list' }] }),
        message: (ns) => new RegExp(`^Forbidden \\(403\\): context "edgepolicy-demo" may not list mappings\\.getambassador\\.io in namespace "${ns}"\\. Ask for RBAC`),
        attempts: 1,
        noRetry: true,
      },
      {
        name: '404 for the CRD group',
        faults: () => ({ missingGroups: ['getambassador.io'] }),
        message: () => /^The Emissary-ingress CRDs are not installed in the cluster of context "edgepolicy-demo": the API group getambassador\.io does not exist/,
        noRetry: true,
      },
      {
        name: '429 with Retry-After (the wait the server asks for)',
        faults: () => ({ errorStatus: { status: 429, retryAfterSeconds: 1, verbs: ['list'], resources: ['mappings'] } }),
        client: { maxRetries: 1 },
        message: (ns) => new RegExp(`answered 429 Too Many Requests to list mappings\\.getambassador\\.io in namespace "${ns}" \\(Retry-After: 1\\).*; gave up after 2 attempt\\(s\\)\\.$`),
        attempts: 2,
        gapsMs: [950],
      },
      {
        name: '503 with Retry-After: 0',
        faults: () => ({ errorStatus: { status: 503, retryAfterSeconds: 0, verbs: ['list'], resources: ['mappings'] } }),
        client: { maxRetries: 2 },
        message: (ns) => new RegExp(`answered 503 to list mappings\\.getambassador\\.io in namespace "${ns}" \\(Retry-After: 0\\).*; gave up after 3 attempt\\(s\\)\\.$`),
        attempts: 3,
      },
      {
        name: '500 with a Retry-After longer than the client accepts: no retry',
        faults: () => ({ errorStatus: { status: 500, retryAfterSeconds: 3600, verbs: ['list'], resources: ['mappings'] } }),
        message: () => /answered 500 to list mappings\.getambassador\.io .*\(Retry-After: 3600\).*; gave up after 1 attempt\(s\)\.$/,
        attempts: 1,
      },
      {
        name: 'slow responses',
        faults: () => ({ delayMs: 1500 }),
        client: { timeoutMs: 400 },
        message: () => /^Cannot reach the cluster of context "edgepolicy-demo" \(https:\/\/127\.0\.0\.1:\d+\): no answer within 0\.4 s \(list /,
      },
      {
        name: 'truncated JSON',
        faults: (ns) => ({ truncateBody: { verbs: ['list'], resources: ['mappings'], namespaces: [ns] } }),
        client: { maxRetries: 2, retryBaseMs: 100 },
        message: (ns) => new RegExp(`to list mappings\\.getambassador\\.io in namespace "${ns}" is not JSON \\(\\d+ bytes, cut off mid-document\\); gave up after 3 attempt\\(s\\)\\.$`),
        attempts: 3,
        gapsMs: [95, 195],
      },
      {
        name: 'invalid JSON',
        faults: (ns) => ({ invalidJson: { verbs: ['list'], resources: ['mappings'], namespaces: [ns] } }),
        client: { maxRetries: 2, retryBaseMs: 100 },
        message: (ns) => new RegExp(`to list mappings\\.getambassador\\.io in namespace "${ns}" is not JSON \\(\\d+ bytes, garbled\\); gave up after 3 attempt\\(s\\)\\.$`),
        attempts: 3,
        gapsMs: [95, 195],
      },
      {
        name: 'an enormous list from a server that ignores limit (body over the cap, Content-Length)',
        faults: (ns) => ({ enormousList: { count: 3000, namespace: ns }, ignoreLimit: true }),
        client: { maxBodyBytes: 256 * 1024 },
        message: (ns) =>
          new RegExp(
            `^The cluster of context "edgepolicy-demo" \\(https://127\\.0\\.0\\.1:\\d+\\) sent more than 256 KiB for one list page \\(list mappings\\.getambassador\\.io in namespace "${q(ns)}", at most 500 objects asked for\\); compare fewer namespaces \\(the namespace pick of Diff against cluster, or --namespace in the CLI\\)\\.$`,
          ),
        attempts: 1,
      },
      {
        name: 'an enormous list from a server that ignores limit (chunked body over the cap)',
        faults: (ns) => ({ enormousList: { count: 3000, namespace: ns }, ignoreLimit: true, chunkedBodies: true }),
        client: { maxBodyBytes: 256 * 1024 },
        message: (ns) => new RegExp(`sent more than 256 KiB for one list page \\(list mappings\\.getambassador\\.io in namespace "${q(ns)}", at most 500 objects asked for\\); compare fewer namespaces`),
        attempts: 1,
      },
    ];

    for (const f of FAULTS) {
      it(
        f.name,
        leakFree(async () => {
          const ns = newNs();
          cluster.clearLog();
          cluster.setFaults(f.faults(ns));
          const s = open({ client: f.client });
          const sum = await s.start(CONTEXT, [ns]);
          assert.equal(sum.status, 'error');
          assertClearMessage(sum.message, f.message(ns));
          assert.deepEqual(sum.entries, []);
          const tries = ours('mappings', 'list', ns);
          if (f.attempts !== undefined) assert.equal(tries.length, f.attempts, `attempts: ${tries.map((r) => r.status).join(',')}`);
          if (f.noRetry) {
            const sent = cluster.requestLog().filter((r) => r.userAgent === USER_AGENT && r.verb === 'list').map((r) => `${r.path}?${new URLSearchParams(r.query)}`);
            assert.ok(sent.length >= 1);
            assert.deepEqual(sent.filter((x, i) => sent.indexOf(x) !== i), [], 'no request repeated');
          }
          f.gapsMs?.forEach((least, i) => {
            const gap = Date.parse(tries[i + 1]!.time) - Date.parse(tries[i]!.time);
            assert.ok(gap >= least, `attempt ${i + 2} came ${gap} ms after attempt ${i + 1} (at least ${least} expected)`);
          });
          // The fault is gone: the same session starts cleanly.
          cluster.setFaults({});
          const ok = await s.start(CONTEXT, [ns]);
          assert.equal(ok.status, 'live', ok.message);
          assert.ok(entryNamed(ok, 'seed'));
        }),
      );
    }

    it(
      'unreachable host: a closed port fails fast; the server coming back (a relay on that port) works',
      leakFree(async () => {
        const port = await closedPort();
        const kc = variant('closed.yaml', (d) => (d.clusters[0].cluster.server = `https://127.0.0.1:${port}`));
        const ns = newNs();
        const s = open({ kubeconfig: kc });
        // "connection refused" (not a time-out) in the message is what says it failed at once.
        const sum = await s.start(CONTEXT, [ns]);
        assert.equal(sum.status, 'error');
        assertClearMessage(sum.message, new RegExp(`^Cannot reach the cluster of context "edgepolicy-demo" \\(https://127\\.0\\.0\\.1:${port}\\): connection refused \\(list `));
        const relay = new TcpProxy(cluster.port);
        await relay.up(port);
        try {
          const ok = await s.start(CONTEXT, [ns]);
          assert.equal(ok.status, 'live', ok.message);
        } finally {
          await s.stop(false);
          await relay.down();
        }
      }),
    );

    it(
      'unreachable host: an address nothing answers on gives a clear message within the timeout',
      leakFree(async () => {
        // 192.0.2.1 is reserved for documentation (TEST-NET-1): packets go nowhere, or the network says so at once.
        const kc = variant('blackhole.yaml', (d) => (d.clusters[0].cluster.server = 'https://192.0.2.1:6443'));
        // Bounded by the 0.5 s time-out: the message names it (or the network refused at once); mocha catches a hang.
        const sum = await open({ kubeconfig: kc, client: { timeoutMs: 500 } }).start(CONTEXT, []);
        assert.equal(sum.status, 'error');
        assertClearMessage(
          sum.message,
          /^Cannot reach the cluster of context "edgepolicy-demo" \(https:\/\/192\.0\.2\.1:6443\): (no answer within 0\.5 s|network unreachable|host unreachable|connection timed out|connection refused) \(list /,
        );
      }),
    );

    it(
      'TLS: a certificate authority the kubeconfig does not trust; the right CA works',
      leakFree(async () => {
        const other = await startTestCluster({});
        try {
          const kc = variant('wrong-ca.yaml', (d) => (d.clusters[0].cluster['certificate-authority-data'] = Buffer.from(other.caCert).toString('base64')));
          const s = open({ kubeconfig: kc });
          const sum = await s.start(CONTEXT, []);
          assert.equal(sum.status, 'error');
          assertClearMessage(
            sum.message,
            /^TLS error talking to the cluster of context "edgepolicy-demo" \(https:\/\/127\.0\.0\.1:\d+\): the server's certificate is not signed by the certificate authority the kubeconfig trusts \([A-Z_]+\)\. Check certificate-authority/,
          );
          const ok = await open().start(CONTEXT, []);
          assert.equal(ok.status, 'live', ok.message);
        } finally {
          await other.stop();
        }
      }),
    );

    it(
      'TLS: a certificate for another name says it does not match the server name; tls-server-name fixes it',
      leakFree(async () => {
        // A cluster whose certificate names only api.elsewhere.test, reached at https://127.0.0.1:<port>.
        const elsewhere = await startTestCluster({ serverCertNames: { dns: ['api.elsewhere.test'] } });
        try {
          const kc = elsewhere.writeKubeconfig(path.join(tmp, 'elsewhere.yaml'));
          const s = open({ kubeconfig: kc });
          const sum = await s.start(CONTEXT, []);
          assert.equal(sum.status, 'error');
          assertClearMessage(
            sum.message,
            new RegExp(
              `^TLS error talking to the cluster of context "edgepolicy-demo" \\(https://127\\.0\\.0\\.1:${elsewhere.port}\\): the server's certificate does not match the server name "127\\.0\\.0\\.1" \\(the certificate is for DNS:api\\.elsewhere\\.test\\) \\(ERR_TLS_CERT_ALTNAME_INVALID\\)\\. Use a server address the certificate names, or set tls-server-name in the kubeconfig\\.$`,
            ),
          );
          const named = variant('elsewhere-named.yaml', (d) => (d.clusters[0].cluster['tls-server-name'] = 'api.elsewhere.test'), kc);
          const ok = await open({ kubeconfig: named }).start(CONTEXT, []);
          assert.equal(ok.status, 'live', ok.message);
        } finally {
          await Promise.all(sessions.splice(0).map((x) => x.stop(false)));
          await elsewhere.stop();
        }
      }),
    );
  });

  describe('enormous lists', () => {
    it(
      'pages of 500 by default (limit=500 on every request), all objects arrive',
      leakFree(async () => {
        const ns = newNs();
        cluster.setFaults({ enormousList: { count: 1200, namespace: ns } });
        cluster.clearLog();
        const sum = await open().start(CONTEXT, [ns]);
        assert.equal(sum.status, 'live', sum.message);
        assert.equal(sum.entries.filter((e) => e.kind === 'Mapping').length, 1201);
        const pages = ours('mappings', 'list', ns);
        assert.equal(pages.length, 3);
        assert.ok(pages.every((r) => r.query['limit'] === String(DEFAULT_PAGE_SIZE)));
        assert.equal(DEFAULT_PAGE_SIZE, 500);
      }),
    );

    it(
      'a server that ignores limit: one page is fine while it is under the cap',
      leakFree(async () => {
        const ns = newNs();
        cluster.setFaults({ enormousList: { count: 1200, namespace: ns }, ignoreLimit: true, chunkedBodies: true });
        cluster.clearLog();
        const sum = await open().start(CONTEXT, [ns]);
        assert.equal(sum.status, 'live', sum.message);
        assert.equal(sum.entries.filter((e) => e.kind === 'Mapping').length, 1201);
        assert.equal(ours('mappings', 'list', ns).length, 1);
      }),
    );

    it('the page size is clamped to 1..5000 and the body cap defaults to 64 MiB', () => {
      const cfg = loadKubeconfig({ kubeconfig, env: {} });
      const ctx = resolveContext(cfg, CONTEXT, false);
      assert.equal(new KubeClient(ctx).maxBodyBytes, 64 * 1024 * 1024);
      assert.equal(DEFAULT_MAX_BODY_BYTES, 64 * 1024 * 1024);
      assert.equal(new KubeClient(ctx, { pageSize: 0 }).pageSize, 500);
      assert.equal(new KubeClient(ctx, { pageSize: 1_000_000 }).pageSize, 5000);
      assert.equal(new KubeClient(ctx, { pageSize: Number.NaN }).pageSize, 500);
      assert.equal(new KubeClient(ctx, { pageSize: 20 }).pageSize, 20);
    });

    it(
      'the default cap: an answer announcing more than 64 MiB is refused before it is read',
      leakFree(async () => {
        // A plain-http server that announces 70 MB and sends a few bytes: nothing near 64 MiB is ever allocated.
        let served = 0;
        const big = http.createServer((_req, res) => {
          served++;
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(70 * 1024 * 1024) });
          res.write('{"items":[');
        });
        await new Promise<void>((r) => big.listen(0, '127.0.0.1', () => r()));
        const port = (big.address() as net.AddressInfo).port;
        try {
          const kc = variant('big.yaml', (d) => {
            d.clusters[0].cluster = { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true };
          });
          const sum = await open({ kubeconfig: kc }).start(CONTEXT, ['big']);
          assert.equal(sum.status, 'error');
          assertClearMessage(sum.message, /sent more than 64 MiB for one list page \(list [a-z]+\.getambassador\.io in namespace "big", at most 500 objects asked for\); compare fewer namespaces \(the namespace pick of Diff against cluster, or --namespace in the CLI\)\.$/);
          assert.ok(served >= 1 && served <= 4, `no retries of a too-large answer (${served} requests, one per listing started)`);
        } finally {
          big.closeAllConnections();
          await new Promise<void>((r) => big.close(() => r()));
        }
      }),
    );
  });

  describe('network error messages', () => {
    it('a network error without a known code still names a reason (never an empty one)', () => {
      const ctx = resolveContext(loadKubeconfig({ kubeconfig, env: {} }), CONTEXT, false);
      const client = new KubeClient(ctx) as unknown as { networkError(e: Error, what: { verb: 'list'; resource: string }): Error };
      const what = { verb: 'list' as const, resource: 'mappings.getambassador.io' };
      const text = (e: Error): string => client.networkError(e, what).message;
      assert.match(text(new Error('socket went away')), /^Cannot reach the cluster of context "edgepolicy-demo" \(https:\/\/127\.0\.0\.1:\d+\): network error \(list mappings\.getambassador\.io in all namespaces\)\.$/);
      assert.match(text(Object.assign(new Error('x'), { code: 'EWEIRD' })), /: network error \(EWEIRD\) \(list /);
      assert.match(text(Object.assign(new Error('x'), { code: 'EHOSTUNREACH' })), /: host unreachable \(list /);
      assert.match(text(Object.assign(new Error('x'), { code: '' })), /: network error \(list /);
      for (const m of [text(new Error('socket went away')), text(Object.assign(new Error('x'), { code: '' }))]) assert.doesNotMatch(m, /:\s+\(|\): \(/);
    });
  });

  describe('while live: reconnecting with backoff, then live again with what changed meanwhile', () => {
    /** A live session on a fresh namespace, then `faults` plus dropped watches; waits for the reconnecting state. */
    const liveThenFault = async (faults: Faults, message: RegExp, client: ClientOptions = {}): Promise<{ ns: string; rec: Recorder; s: DiffSession }> => {
      const ns = newNs();
      const rec = new Recorder();
      const s = open({ client }, rec);
      const first = await s.start(CONTEXT, [ns]);
      assert.equal(first.status, 'live', first.message);
      cluster.setFaults({ ...faults, dropWatchAfterMs: 50 });
      const down = await rec.waitFor((x) => x.status === 'reconnecting' && message.test(x.message ?? ''), `reconnecting with ${message}`);
      assertClearMessage(down.message, / Reconnecting \(attempt \d+\)…$/);
      return { ns, rec, s };
    };
    const recovers = async (ns: string, rec: Recorder): Promise<void> => {
      cluster.setFaults({});
      cluster.apply([mapping('while-down', ns)]);
      const back = await rec.waitFor((x) => x.status === 'live' && entryNamed(x, 'while-down'), 'live again with the change');
      assert.equal(back.message, undefined);
    };

    it(
      '401 on the watch; reconnects are spaced by the backoff (no hot loop)',
      leakFree(async () => {
        const { ns, rec } = await liveThenFault({ unauthorized: true }, /Authentication failed \(401 Unauthorized\)/);
        cluster.clearLog();
        await new Promise((r) => setTimeout(r, 1500));
        const tries = ours('mappings', 'watch', ns).length;
        // Backoff 50, 100, 200, 300, 300, ... ms: about 8 tries in 1.5 s; a hot loop would make hundreds.
        assert.ok(tries >= 2 && tries <= 12, `${tries} watch attempts in 1.5 s`);
        await recovers(ns, rec);
      }),
    );

    it(
      '403 on the watch',
      leakFree(async () => {
        const { ns, rec } = await liveThenFault({ forbidden: [{ resource: 'mappings', verb: 'watch' }] }, /Forbidden \(403\): context "edgepolicy-demo" may not watch mappings\.getambassador\.io/);
        await recovers(ns, rec);
      }),
    );

    it(
      '404 on the watch (the CRDs went away)',
      leakFree(async () => {
        const { ns, rec } = await liveThenFault({ missingGroups: ['getambassador.io'] }, /does not serve [a-z]+\.getambassador\.io \(404 Not Found to watch /);
        await recovers(ns, rec);
      }),
    );

    it(
      '503 with Retry-After on the watch',
      leakFree(async () => {
        const { ns, rec } = await liveThenFault({ errorStatus: { status: 503, retryAfterSeconds: 0, verbs: ['watch'] } }, /answered 503 to watch /);
        await recovers(ns, rec);
      }),
    );

    it(
      'a watch stream that sends garbage',
      leakFree(async () => {
        const { ns, rec } = await liveThenFault({ watchGarbage: true }, /The watch on [a-z.]+ at the cluster of context "edgepolicy-demo" .* sent a line that is not JSON; reconnecting\./);
        await recovers(ns, rec);
      }),
    );

    it(
      'slow responses on reconnect',
      leakFree(async () => {
        const { ns, rec } = await liveThenFault({ delayMs: 1500 }, /no answer within 0\.4 s \(watch /, { timeoutMs: 400 });
        await recovers(ns, rec);
      }),
    );

    it(
      'connection lost (the server out of reach, then back)',
      leakFree(async () => {
        const relay = new TcpProxy(cluster.port);
        const port = await relay.up(0);
        try {
          const kc = variant('relay.yaml', (d) => (d.clusters[0].cluster.server = `https://127.0.0.1:${port}`));
          const ns = newNs();
          const rec = new Recorder();
          const s = open({ kubeconfig: kc }, rec);
          assert.equal((await s.start(CONTEXT, [ns])).status, 'live');
          await relay.down();
          const down = await rec.waitFor((x) => x.status === 'reconnecting', 'reconnecting');
          assertClearMessage(down.message, new RegExp(`127\\.0\\.0\\.1:${port}.*Reconnecting \\(attempt \\d+\\)…$`));
          cluster.apply([mapping('while-down', ns)]);
          await relay.up(port);
          await rec.waitFor((x) => x.status === 'live' && entryNamed(x, 'while-down'), 'live again, change caught up');
          await s.stop(false);
        } finally {
          await relay.down();
        }
      }),
    );

    /**
     * A re-list is forced the way a real cluster forces one: watches fail while something changes and the history is
     * compacted, so resuming gets 410 Gone. The re-list then meets `faults`.
     */
    const relistMeets = async (faults: Faults, message: RegExp, client: ClientOptions = {}): Promise<{ ns: string; rec: Recorder }> => {
      const { ns, rec } = await liveThenFault({ forbidden: [{ resource: 'mappings', verb: 'watch' }] }, /403/, client);
      cluster.apply([mapping('while-down', ns)]);
      cluster.compact();
      cluster.clearLog();
      cluster.setFaults(faults);
      const bad = await rec.waitFor((x) => x.status === 'reconnecting' && message.test(x.message ?? ''), `re-list fails with ${message}`);
      assertClearMessage(bad.message, / Reconnecting \(attempt \d+\)…$/);
      assert.ok(ours('mappings', 'watch', ns).some((r) => r.status === 200), 'the watch resumed (and got 410)');
      return { ns, rec };
    };

    it(
      '410 on the watch, then a truncated list: bounded retries per re-list, live again when the list is whole',
      leakFree(async () => {
        const { ns, rec } = await relistMeets(
          { truncateBody: { verbs: ['list'], resources: ['mappings'], namespaces: [] } },
          /is not JSON \(\d+ bytes, cut off mid-document\); gave up after 3 attempt\(s\)\./,
          { maxRetries: 2 },
        );
        assert.ok(ours('mappings', 'list', ns).length >= 3, 'three attempts per re-list');
        cluster.setFaults({});
        await rec.waitFor((x) => x.status === 'live' && entryNamed(x, 'while-down') && x.message === undefined, 'live after the re-list');
      }),
    );

    it(
      '410 on the watch, then invalid JSON on the re-list',
      leakFree(async () => {
        const { ns, rec } = await relistMeets({ invalidJson: { verbs: ['list'], resources: ['mappings'] } }, /is not JSON \(\d+ bytes, garbled\); gave up after \d attempt\(s\)\./);
        void ns;
        cluster.setFaults({});
        await rec.waitFor((x) => x.status === 'live' && entryNamed(x, 'while-down') && x.message === undefined, 'live after the re-list');
      }),
    );

    it(
      'a watch event (and then the re-list) over the body cap; live again once the huge object is gone',
      leakFree(async () => {
        const ns = newNs();
        const rec = new Recorder();
        const s = open({ client: { maxBodyBytes: 64 * 1024 } }, rec);
        assert.equal((await s.start(CONTEXT, [ns])).status, 'live');
        // One Mapping of ~100 KiB: its watch event is over the cap, and so is any list page holding it.
        cluster.apply([mapping('huge', ns, { headers: { 'x-padding': 'p'.repeat(100 * 1024) } })]);
        const bad = await rec.waitFor((x) => x.status === 'reconnecting', 'reconnecting');
        assertClearMessage(bad.message, /(sent one event of more than 64 KiB; it was closed|sent more than 64 KiB for one list page).* Reconnecting \(attempt \d+\)…$/);
        cluster.server.remove('getambassador.io/v3alpha1', 'Mapping', 'huge', ns);
        cluster.apply([mapping('after-huge', ns)]);
        await rec.waitFor((x) => x.status === 'live' && entryNamed(x, 'after-huge') && !entryNamed(x, 'huge'), 'live again');
      }),
    );
  });

  describe('exec credential plugins and kubeconfig credentials', () => {
    const SECRETS = {
      token: 'tok-SECRET-aaaa1111',
      password: 'pw-SECRET-bbbb2222',
      key: 'key-SECRET-cccc3333',
      stderr: 'exec-SECRET-dddd4444',
      stdout: 'exec-SECRET-eeee5555',
      url: 'url-SECRET-ffff6666',
      gcp: 'gcp-SECRET-gggg7777',
      oidc: 'oidc-SECRET-hhhh8888',
      refresh: 'refresh-SECRET-iiii9999',
    };
    const forms = Object.values(SECRETS).flatMap((s) => [s, Buffer.from(s).toString('base64')]);
    let plugins: string;
    let counter: string;

    const script = (name: string, body: string): string => {
      const file = path.join(plugins, name);
      fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return file;
    };
    const withUser = (file: string, user: Record<string, unknown>, server?: string): string =>
      variant(file, (d) => {
        d.users[0].user = user;
        if (server) d.clusters[0].cluster.server = server;
      });

    before(() => {
      plugins = path.join(tmp, 'plugins');
      fs.mkdirSync(plugins);
      counter = path.join(tmp, 'plugin-runs');
      script('fail.sh', `echo "error: refresh failed for token ${SECRETS.stderr}" >&2\necho "partial ${SECRETS.stderr}"\nexit 1`);
      script('garbage.sh', `echo "token=${SECRETS.stdout} (not an ExecCredential)"\necho "${SECRETS.stderr}" >&2`);
      script('hang.sh', 'exec sleep 30');
      script(
        'ok.sh',
        [
          '[ -n "$KUBERNETES_EXEC_INFO" ] || exit 3',
          'echo run >> "$RUNS"',
          'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\\n\' "$TOKEN"',
        ].join('\n'),
      );
    });

    it(
      'a rejected exec credential (401) is fetched again once, as kubectl does',
      leakFree(async () => {
        fs.rmSync(counter, { force: true });
        // The first run prints a stale token, later runs the valid one.
        const rotate = script(
          'rotate.sh',
          [
            'n=$(cat "$RUNS" 2>/dev/null | wc -l)',
            'echo run >> "$RUNS"',
            'if [ "$n" -eq 0 ]; then t=stale-token; else t="$TOKEN"; fi',
            'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\\n\' "$t"',
          ].join('\n'),
        );
        const kc = withUser('exec-rotate.yaml', exec(rotate, [
          { name: 'TOKEN', value: cluster.token },
          { name: 'RUNS', value: counter },
        ]));
        const ns = newNs();
        const sum = await open({ kubeconfig: kc }).start(CONTEXT, [ns]);
        assert.equal(sum.status, 'live', sum.message);
        assert.ok(entryNamed(sum, 'seed'));
        assert.equal(fs.readFileSync(counter, 'utf8').trim().split('\n').length, 2, 'run again once after the 401s, not once per request');
      }),
    );

    const exec = (command: string, env: { name: string; value: string }[] = []): Record<string, unknown> => ({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command, env, interactiveMode: 'Never' },
    });

    it(
      'a working plugin (relative to the kubeconfig): its token is used, it runs once per session',
      leakFree(async () => {
        fs.rmSync(counter, { force: true });
        const kc = withUser('exec-ok.yaml', exec('./plugins/ok.sh', [
          { name: 'TOKEN', value: cluster.token },
          { name: 'RUNS', value: counter },
        ]));
        const ns = newNs();
        const rec = new Recorder();
        const s = open({ kubeconfig: kc }, rec);
        const sum = await s.start(CONTEXT, [ns]);
        assert.equal(sum.status, 'live', sum.message);
        cluster.apply([mapping('later', ns)]);
        await rec.waitFor((x) => entryNamed(x, 'later'), 'watch event');
        assert.equal(fs.readFileSync(counter, 'utf8').trim().split('\n').length, 1, 'one run for every list and watch of the session');
      }),
    );

    it(
      'a failing plugin: exit code, no output; garbage output: no output either; a hung plugin is stopped; a missing one named',
      leakFree(async () => {
        const fail = await open({ kubeconfig: withUser('exec-fail.yaml', exec(path.join(plugins, 'fail.sh'))) }).start(CONTEXT, []);
        assert.equal(fail.status, 'error');
        assertClearMessage(
          fail.message,
          /^The exec credential plugin of user "edgepolicy-demo-token" \(fail\.sh\) failed \(exit code 1\)\. Its output is not shown because it may contain credentials; run the command in a terminal to see why\.$/,
        );
        const garbage = await open({ kubeconfig: withUser('exec-garbage.yaml', exec(path.join(plugins, 'garbage.sh'))) }).start(CONTEXT, []);
        assertClearMessage(garbage.message, /\(garbage\.sh\) exited 0 but did not print an ExecCredential with status\.token or a client certificate and key \(its output is not shown\)\.$/);
        // The message names the 0.3 s time-out that stopped the plugin; mocha's time-out catches a hang.
        const hang = await open({ kubeconfig: withUser('exec-hang.yaml', exec(path.join(plugins, 'hang.sh'))), client: { execTimeoutMs: 300 } }).start(CONTEXT, []);
        assertClearMessage(hang.message, /\(hang\.sh\) did not finish within 0\.3 s and was stopped\.$/);
        const missing = await open({ kubeconfig: withUser('exec-missing.yaml', exec('edgepolicy-no-such-plugin')) }).start(CONTEXT, []);
        assertClearMessage(missing.message, /could not be started: command "edgepolicy-no-such-plugin" not found\./);
        for (const m of [fail.message!, garbage.message!, hang.message!]) for (const f of forms) assert.ok(!m.includes(f), `message holds ${f}`);
      }),
    );

    it(
      'no kubeconfig credential ever appears in a message, a summary, a log line or CLI output',
      leakFree(async () => {
        const keyPem = `-----BEGIN PRIVATE KEY-----\n${SECRETS.key}\n-----END PRIVATE KEY-----\n`;
        const certPem = `-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n`;
        const b64 = (x: string): string => Buffer.from(x).toString('base64');
        // A fake id-token (header.payload.signature) and a refresh token; the issuer is a closed port: nothing may be asked of it.
        const issuer = `https://127.0.0.1:${await closedPort()}`;
        const jwt = (claims: Record<string, unknown>): string =>
          [{ alg: 'RS256', typ: 'JWT' }, claims].map((o) => Buffer.from(JSON.stringify(o)).toString('base64url')).join('.') + '.c2lnbmF0dXJl';
        const oidc = (claims: Record<string, unknown>): Record<string, unknown> => ({
          'id-token': jwt(claims),
          'refresh-token': SECRETS.refresh,
          'client-id': 'edgepolicy-test',
          'client-secret': SECRETS.refresh,
          'idp-issuer-url': issuer,
        });
        const cases: [string, string][] = [
          ['token', withUser('s-token.yaml', { token: SECRETS.token })],
          ['password', withUser('s-basic.yaml', { username: 'admin', password: SECRETS.password })],
          ['client key', withUser('s-key.yaml', { 'client-certificate-data': b64(certPem), 'client-key-data': b64(keyPem) })],
          ['exec stderr', withUser('s-exec.yaml', exec(path.join(plugins, 'fail.sh')))],
          ['exec stdout', withUser('s-exec2.yaml', exec(path.join(plugins, 'garbage.sh')))],
          ['gcp auth provider', withUser('s-gcp.yaml', { 'auth-provider': { name: 'gcp', config: { 'access-token': SECRETS.gcp, expiry: '2000-01-01T00:00:00Z', 'cmd-path': path.join(plugins, 'fail.sh') } } })],
          ['oidc expired id-token', withUser('s-oidc.yaml', { 'auth-provider': { name: 'oidc', config: oidc({ exp: 946684800, sub: SECRETS.oidc }) } })],
          ['oidc valid id-token', withUser('s-oidc3.yaml', { 'auth-provider': { name: 'oidc', config: oidc({ exp: 4102444800, sub: SECRETS.oidc }) } })],
          ['oidc unreadable id-token', withUser('s-oidc2.yaml', { 'auth-provider': { name: 'oidc', config: { ...oidc({}), 'id-token': SECRETS.oidc } } })],
          ['userinfo in the server URL', withUser('s-url.yaml', { token: SECRETS.token }, `https://admin:${SECRETS.url}@127.0.0.1:${cluster.port}`)],
          ['unreachable', withUser('s-closed.yaml', { token: SECRETS.token }, `https://127.0.0.1:${await closedPort()}`)],
        ];
        // Everything our code says: summaries, LSP log lines and answers, CLI stdout/stderr, console and process output.
        const said: string[] = [];
        const restore: (() => void)[] = [];
        for (const name of ['log', 'info', 'warn', 'error', 'debug'] as const) {
          const orig = console[name];
          console[name] = (...a: unknown[]) => void said.push(a.map(String).join(' '));
          restore.push(() => (console[name] = orig));
        }
        for (const stream of [process.stdout, process.stderr]) {
          const orig = stream.write.bind(stream);
          stream.write = ((chunk: unknown, ...rest: unknown[]) => {
            said.push(String(chunk));
            return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
          }) as typeof stream.write;
          restore.push(() => (stream.write = orig as typeof stream.write));
        }
        const messages: Record<string, string> = {};
        const cliDir = fs.mkdtempSync(path.join(tmp, 'cli-'));
        try {
          for (const [name, kc] of cases) {
            const sum = await open({ kubeconfig: kc }).start(CONTEXT, []);
            said.push(JSON.stringify(sum));
            messages[name] = sum.message ?? sum.status;

            const handlers = new Map<string, (p: unknown) => unknown>();
            const conn = {
              onRequest: (m: string, h: (p: unknown) => unknown) => void handlers.set(m, h),
              sendNotification: async (_m: string, p: unknown) => void said.push(JSON.stringify(p)),
            };
            const h = registerDiffHandlers(conn as never, () => ({ resources: () => [] }) as never, () => undefined, { env: {}, throttleMs: 20, log: (l) => void said.push(l) });
            try {
              said.push(JSON.stringify(await handlers.get(P.ListContextsRequest)!({ kubeconfig: kc, allowExec: true })));
              said.push(JSON.stringify(await handlers.get(P.ListNamespacesRequest)!({ kubeconfig: kc, allowExec: true, context: CONTEXT })));
              said.push(JSON.stringify(await handlers.get(P.DiffStartRequest)!({ kubeconfig: kc, allowExec: true, context: CONTEXT, namespaces: [] })));
            } finally {
              await h.dispose();
            }

            const io = { out: '', err: '', cwd: cliDir, env: {}, stdout: (x: string) => void (io.out += x), stderr: (x: string) => void (io.err += x) };
            await runDiff(['--context', CONTEXT, '--kubeconfig', kc, '--format', 'json'], io);
            said.push(io.out, io.err);
          }
        } finally {
          for (const r of restore) r();
        }
        const text = said.join('\n');
        for (const f of forms) assert.ok(!text.includes(f), `"${f}" appeared in what our code said: ${said.filter((x) => x.includes(f)).join(' | ').slice(0, 2000)}`);
        // And each case did fail (or work) for the stated reason, in words.
        assert.match(messages['token']!, /401 Unauthorized/);
        assert.match(messages['password']!, /401 Unauthorized/);
        assert.match(messages['client key']!, /^Cannot use the client certificate or key of user "edgepolicy-demo-token" \(context "edgepolicy-demo"\)/);
        assert.match(messages['exec stderr']!, /failed \(exit code 1\)/);
        assert.match(messages['exec stdout']!, /did not print an ExecCredential/);
        assert.match(messages['gcp auth provider']!, /The gcp auth provider of user "edgepolicy-demo-token" has no valid access token, and edgepolicy does not run its refresh command/);
        assert.match(
          messages['oidc expired id-token']!,
          /^The oidc auth provider of user "edgepolicy-demo-token" has an id-token that has expired; edgepolicy does not refresh it\. Log in again with kubectl or kubelogin/,
        );
        // An id-token that has not expired is sent (this server does not know it).
        assert.match(messages['oidc valid id-token']!, /401 Unauthorized/);
        assert.match(messages['oidc unreadable id-token']!, /^The oidc auth provider of user "edgepolicy-demo-token" has no id-token with a readable expiry; edgepolicy does not refresh it\./);
        assert.match(messages['userinfo in the server URL']!, /\(401 Unauthorized\) at the cluster of context "edgepolicy-demo" \(https:\/\/127\.0\.0\.1:\d+\)/);
        assert.match(messages['unreachable']!, /connection refused/);
      }),
    );
  });
});
