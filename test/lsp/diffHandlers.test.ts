// The diff handlers during a live session (in-process test cluster): a workspace change hands over only the
// changed files' resources, the server's ignore rules are taken when it says they changed (no file-system reads
// per keystroke), and FileTrackingWorkspace reports which files' parses changed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { IgnoreRule } from '../../server/src/engine/ignore';
import { FileTrackingWorkspace, registerDiffHandlers, type WorkspaceChangeListener } from '../../server/src/lsp/diffHandlers';
import * as P from '../../server/src/lsp/protocol';
import { startTestCluster, type TestCluster } from '../cluster-server/index';

const mapping = (name: string, timeout: number, prefix = `/${name}/`) =>
  `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  prefix: ${prefix}\n  service: ${name}:80\n  timeout_ms: ${timeout}\n`;

const state = (s: P.DriftSummary, name: string) => s.entries.find((e) => e.name === name)?.state;

/** A connection that keeps the handlers and the diffChanged summaries; waitFor waits for a summary that matches. */
function fakeConnection() {
  const handlers = new Map<string, (p: unknown) => unknown>();
  const summaries: P.DriftSummary[] = [];
  const waiters: (() => void)[] = [];
  const conn = {
    onRequest: (m: string, h: (p: unknown) => unknown) => void handlers.set(m, h),
    sendNotification: async (m: string, p: unknown) => {
      if (m !== P.DiffChangedNotification) return;
      summaries.push(p as P.DriftSummary);
      for (const w of waiters.splice(0)) w();
    },
  };
  const waitFor = async (what: string, ok: (s: P.DriftSummary) => boolean): Promise<P.DriftSummary> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const last = summaries.at(-1);
      if (last && ok(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        waiters.push(() => (clearTimeout(t), r()));
      });
    }
  };
  return { conn, handlers, waitFor };
}

describe('lsp: FileTrackingWorkspace', () => {
  it('reports files whose parse changed: new, edited and removed files; the same text or an unknown file is no change', () => {
    const ws = new FileTrackingWorkspace();
    ws.setFile('file:///w/a.yaml', mapping('a', 1));
    ws.setFile('file:///w/b.yaml', mapping('b', 1));
    assert.deepStrictEqual([...ws.takeChangedFiles()].sort(), ['file:///w/a.yaml', 'file:///w/b.yaml']);
    assert.deepStrictEqual([...ws.takeChangedFiles()], [], 'taken once');
    ws.setFile('file:///w/a.yaml', mapping('a', 1));
    ws.removeFile('file:///w/nope.yaml');
    assert.deepStrictEqual([...ws.takeChangedFiles()], []);
    ws.setFile('file:///w/a.yaml', mapping('a', 2));
    ws.removeFile('file:///w/b.yaml');
    ws.setFiles([{ uri: 'file:///w/c.yaml', text: mapping('c', 1) }]);
    assert.deepStrictEqual([...ws.takeChangedFiles()].sort(), ['file:///w/a.yaml', 'file:///w/b.yaml', 'file:///w/c.yaml']);
  });
});

describe('lsp: diff handlers update a live session from the changed files only (in-process test cluster)', function () {
  this.timeout(60_000);
  let tmp: string;
  let cluster: TestCluster;
  let kubeconfig: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-lsp-diff-'));
    kubeconfig = path.join(tmp, 'kubeconfig');
    fs.writeFileSync(path.join(tmp, 'live.yaml'), [mapping('a', 9000), mapping('b', 1), mapping('c', 1)].join('---\n'));
    cluster = await startTestCluster({ kubeconfigPath: kubeconfig, seed: [path.join(tmp, 'live.yaml')] });
  });

  after(async () => {
    await cluster?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reads only the changed files, takes new ignore rules on request, and a full update when told nothing', async () => {
    const ws = new FileTrackingWorkspace();
    const uri = (n: string) => pathToFileURL(path.join(tmp, `${n}.yaml`)).href;
    for (const n of ['a', 'b', 'c']) ws.setFile(uri(n), mapping(n, n === 'a' ? 3000 : 1));
    ws.takeChangedFiles();

    // Count what the handlers read of the workspace.
    const reads = { parsed: [] as string[], resources: 0, uris: 0 };
    const counting = {
      resources: () => (reads.resources++, ws.resources()),
      uris: () => (reads.uris++, ws.uris()),
      parsed: (u: string) => (reads.parsed.push(u), ws.parsed(u)),
    };
    const { conn, handlers, waitFor } = fakeConnection();
    let listener: WorkspaceChangeListener | undefined;
    let rules: IgnoreRule[] = [];
    // The folder's settings file would ignore what makes a drift: it must not be read, the server hands the rules in.
    fs.writeFileSync(path.join(tmp, '.edgepolicy.yaml'), 'diff:\n  ignore:\n    - kind: Mapping\n      pointer: /spec/timeout_ms\n');
    const h = registerDiffHandlers(conn as never, () => counting, (cb) => (listener = cb), {
      env: {},
      throttleMs: 20,
      ignoreRules: () => rules,
      folders: () => [tmp],
    });
    try {
      const first = (await handlers.get(P.DiffStartRequest)!({ kubeconfig, allowExec: false, context: 'edgepolicy-demo', namespaces: ['shop'] })) as P.DriftSummary;
      assert.strictEqual(first.status, 'live', first.message);
      assert.deepStrictEqual([state(first, 'a'), state(first, 'b'), state(first, 'c')], ['changed', 'in-sync', 'in-sync']);

      // Count full replacements of the session's desired side: changed files are applied by difference.
      const session = h.session()!;
      let fullUpdates = 0;
      const setDesired = session.setDesired.bind(session);
      session.setDesired = (items) => {
        fullUpdates++;
        setDesired(items);
      };

      // An edit of b: only b is read again.
      reads.parsed.length = 0;
      reads.resources = 0;
      reads.uris = 0;
      ws.setFile(uri('b'), mapping('b', 7));
      listener!(ws.takeChangedFiles());
      await waitFor('b changed', (s) => state(s, 'b') === 'changed');
      assert.deepStrictEqual(reads, { parsed: [uri('b')], resources: 0, uris: 0 });

      // c deleted, d added: only those two.
      reads.parsed.length = 0;
      ws.removeFile(uri('c'));
      ws.setFile(uri('d'), mapping('d', 1));
      listener!(ws.takeChangedFiles());
      const s2 = await waitFor('c cluster-only, d workspace-only', (s) => state(s, 'c') === 'cluster-only' && state(s, 'd') === 'workspace-only');
      assert.deepStrictEqual(reads.parsed.sort(), [uri('c'), uri('d')]);
      assert.strictEqual(s2.entries.find((e) => e.name === 'd')!.uri, uri('d'));
      assert.strictEqual(state(s2, 'b'), 'changed', 'unchanged files keep their resources');
      assert.strictEqual(fullUpdates, 0, 'edits, a deletion and a new file are applied by difference');

      // New ignore rules from the server's settings.
      rules = [{ kind: 'Mapping', name: 'a', pointer: '/spec/timeout_ms' }];
      h.ignoreRulesChanged();
      await waitFor('a ignored', (s) => state(s, 'a') === 'in-sync');

      // No change list (a re-index): everything is read again.
      reads.parsed.length = 0;
      listener!(undefined);
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(reads.uris === 1 && reads.parsed.length === 3, JSON.stringify(reads));
      assert.strictEqual(fullUpdates, 1, 'a re-index replaces the whole desired side');
    } finally {
      await h.dispose();
    }
  });

  it('counts only files inside the workspace folders: not an untitled document, not a file opened from elsewhere', async () => {
    const folder = path.join(tmp, 'repo');
    const elsewhere = path.join(tmp, 'elsewhere');
    const ws = new FileTrackingWorkspace();
    const inFolder = pathToFileURL(path.join(folder, 'a.yaml')).href;
    const outside = pathToFileURL(path.join(elsewhere, 'b.yaml')).href;
    // A folder whose name starts like the workspace folder's is outside it.
    const lookalike = pathToFileURL(path.join(`${folder}-old`, 'c.yaml')).href;
    const untitled = 'untitled:Untitled-1';
    ws.setFile(inFolder, mapping('a', 9000));
    ws.setFile(outside, mapping('b', 1));
    ws.setFile(lookalike, mapping('c', 1));
    ws.setFile(untitled, mapping('scratch', 1));
    ws.takeChangedFiles();

    const { conn, handlers, waitFor } = fakeConnection();
    let listener: WorkspaceChangeListener | undefined;
    let folders = [folder];
    const h = registerDiffHandlers(conn as never, () => ws, (cb) => (listener = cb), {
      env: {},
      throttleMs: 20,
      ignoreRules: () => [],
      folders: () => folders,
    });
    const sides = (s: P.DriftSummary) => Object.fromEntries(s.entries.map((e) => [e.name, `${e.state}${e.uri ? ` ${e.uri}` : ''}`]));
    try {
      const first = (await handlers.get(P.DiffStartRequest)!({ kubeconfig, allowExec: false, context: 'edgepolicy-demo', namespaces: ['shop'] })) as P.DriftSummary;
      assert.strictEqual(first.status, 'live', first.message);
      // b and c are compared as the cluster's only: the open copies outside the folder are not the workspace's.
      assert.deepStrictEqual(sides(first), { a: `in-sync ${inFolder}`, b: 'cluster-only', c: 'cluster-only' });

      // Edits of those documents change nothing; an edit inside the folder does.
      ws.setFile(untitled, mapping('scratch', 2));
      ws.setFile(outside, mapping('b', 2));
      ws.setFile(inFolder, mapping('a', 1));
      listener!(ws.takeChangedFiles());
      const edited = await waitFor('a changed', (s) => state(s, 'a') === 'changed');
      assert.deepStrictEqual(sides(edited), { a: `changed ${inFolder}`, b: 'cluster-only', c: 'cluster-only' });

      // The folder of b becomes a workspace folder (the server re-indexes and says nothing in particular changed).
      folders = [folder, elsewhere];
      listener!(undefined);
      const added = await waitFor('b counted', (s) => state(s, 'b') !== 'cluster-only');
      assert.deepStrictEqual(sides(added), { a: `changed ${inFolder}`, b: `changed ${outside}`, c: 'cluster-only' });
    } finally {
      await h.dispose();
    }
  });

  it('without a folder list every file counts, but an untitled document still does not', async () => {
    const ws = new FileTrackingWorkspace();
    const file = pathToFileURL(path.join(tmp, 'anywhere', 'a.yaml')).href;
    ws.setFile(file, mapping('a', 9000));
    ws.setFile('untitled:Untitled-2', mapping('scratch', 1));
    const { conn, handlers } = fakeConnection();
    const h = registerDiffHandlers(conn as never, () => ws, () => undefined, { env: {}, throttleMs: 20, ignoreRules: () => [] });
    try {
      const first = (await handlers.get(P.DiffStartRequest)!({ kubeconfig, allowExec: false, context: 'edgepolicy-demo', namespaces: ['shop'] })) as P.DriftSummary;
      assert.strictEqual(first.status, 'live', first.message);
      assert.deepStrictEqual(
        first.entries.map((e) => [e.name, e.state]),
        [
          ['a', 'in-sync'],
          ['b', 'cluster-only'],
          ['c', 'cluster-only'],
        ],
      );
    } finally {
      await h.dispose();
    }
  });
});
