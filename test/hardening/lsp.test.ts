// Hardening, entry point 3 of 3: the language server over stdio (the BUILT dist/server.js, driven by the LSP
// engineer's test client; needs `npm run build`). A workspace folder full of hostile files must be indexed in
// bounded time and memory, every file the server leaves out must get a `window/logMessage` line (the "Edge
// Policy" output channel) naming the file and the reason, the analysed ones get their diagnostics, and each
// hostile document opened in the editor must still get completion and hover answers.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { fileUri, TestClient } from '../lsp/client';
import { CONTENT_CASES, GOOD_MAPPING, LIMITS, bigYaml, editorText, mkfifo, procMemory, resetPeakRss, tempDir, writeContentCases, writePreload } from './inputs';
import { MB } from './measure';

const SETTINGS = { edgepolicy: { exclude: [] }, files: { exclude: {} } };

/** The server's process id (the test client keeps its child process private). */
function serverPid(c: TestClient): number {
  const pid = c.pid;
  assert.ok(pid, 'server pid');
  return pid;
}

/** Starts a server with extra environment (e.g. NODE_OPTIONS for the preload); the client spawns with process.env. */
function startClient(folders: string[], env: Record<string, string>): TestClient {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(env)) {
    saved[k] = process.env[k];
    process.env[k] = env[k];
  }
  try {
    return new TestClient({ folders, settings: SETTINGS });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function within<T>(what: string, ms: number, p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const value = await Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
  return { value, ms: performance.now() - t0 };
}

describe('hardening: language server over stdio (dist/server.js)', function () {
  this.timeout(120000);
  let tmp: ReturnType<typeof tempDir>;
  let ws: string;
  let client: TestClient;
  let baselineRss: number;
  let indexMs: number;
  const at = (rel: string) => path.join(ws, rel);
  const skipLog = (file: string) => client.logs.find((l) => l.startsWith(`skipped ${file}: `));

  before(async function () {
    tmp = tempDir('lsp');
    const preload = writePreload(tmp.dir);

    // Baseline: the same server on a one-file workspace.
    const base = path.join(tmp.dir, 'baseline');
    fs.mkdirSync(base);
    fs.writeFileSync(path.join(base, 'good.yaml'), GOOD_MAPPING);
    const b = startClient([base], {});
    await b.initialize();
    await b.indexed();
    baselineRss = procMemory(serverPid(b))!.rss;
    await b.stop();

    fs.mkdirSync(path.join(tmp.dir, 'ws'));
    ws = fs.realpathSync(path.join(tmp.dir, 'ws'));
    writeContentCases(ws);
    fs.writeFileSync(at('good.yaml'), GOOD_MAPPING);
    fs.writeFileSync(at('huge.yaml'), bigYaml(LIMITS.hugeBytes));
    fs.mkdirSync(at('sub/deeper'), { recursive: true });
    fs.writeFileSync(at('sub/deeper/inner.yaml'), GOOD_MAPPING.replace(/good/g, 'inner'));
    fs.symlinkSync(ws, at('sub/deeper/to-root')); // folder link to an ancestor
    fs.symlinkSync('..', at('sub/up')); // relative link to the parent
    fs.symlinkSync('self.yaml', at('self.yaml')); // file link to itself
    fs.writeFileSync(at('vanishing.yaml'), GOOD_MAPPING.replace(/good/g, 'vanishing'));
    fs.writeFileSync(at('denied.yaml'), GOOD_MAPPING.replace(/good/g, 'denied'));
    fs.chmodSync(at('denied.yaml'), 0o000);
    assert.ok(mkfifo(at('pipe.yaml')), 'mkfifo works here');
    fs.mkdirSync(at('folder.yaml'));

    // The preload deletes vanishing.yaml right before the server reads it and fails the read of denied.yaml with
    // EACCES (root would read a mode-000 file): see PRELOAD_SOURCE in inputs.ts.
    client = startClient([ws], {
      NODE_OPTIONS: `--require ${preload}`,
      EP_HARDEN_VANISH: 'vanishing\\.yaml$',
      EP_HARDEN_DENY: 'denied\\.yaml$',
    });
    const t0 = performance.now();
    await client.initialize();
    await client.waitFor('the workspace index', () => client.logs.find((l) => /^indexed /.test(l)), LIMITS.hugeMs);
    indexMs = performance.now() - t0;
  });

  after(async () => {
    await client?.stop();
    tmp?.cleanup();
  });

  it('indexes the hostile folder within 30 s (50 MB file, link loops, FIFO included) and reads each file once', () => {
    assert.ok(indexMs < LIMITS.hugeMs, `indexing took ${indexMs.toFixed(0)} ms`);
    const indexed = client.logs.find((l) => /^indexed /.test(l))!;
    // Read: 13 content cases (not binary, not invalid UTF-8), good.yaml, sub/deeper/inner.yaml. Links to ancestors
    // add nothing; resources: good, inner and the four analysed Mappings of the content cases.
    const read = CONTENT_CASES.filter((c) => c.id !== 'binary' && c.id !== 'invalid-utf8').length + 2;
    const resources = 2 + CONTENT_CASES.reduce((n, c) => n + (c.expect.kind === 'finding' ? c.expect.resources : 0), 0);
    assert.match(indexed, new RegExp(`^indexed ${read} YAML file\\(s\\) in 1 folder\\(s\\): ${resources} Ambassador resource\\(s\\)`));
  });

  it('logs every file it leaves out, with its path and reason (window/logMessage)', async () => {
    const expected: [string, RegExp][] = [
      ...CONTENT_CASES.filter((c) => c.expect.kind === 'skip').map((c): [string, RegExp] => [c.file, (c.expect as { reason: RegExp }).reason]),
      ['huge.yaml', /^file is larger than 5242880 bytes \(52428\d\d\d\); not analysed$/],
      ['self.yaml', /^symbolic link loop$/],
      ['vanishing.yaml', /^deleted while being read$/],
      ['denied.yaml', /^permission denied$/],
    ];
    for (const [file, reason] of expected) {
      const line = await client.waitFor(`a skip line for ${file}`, () => skipLog(at(file)), 5000);
      assert.match(line.slice(`skipped ${at(file)}: `.length), reason, line);
    }
    assert.ok(!fs.existsSync(at('vanishing.yaml')), 'the file really vanished during the scan');
    assert.ok(!client.logs.some((l) => / failed: /.test(l)), `no handler failure: ${client.logs.filter((l) => / failed: /.test(l)).join('\n')}`);
  });

  it('publishes the expected diagnostic for each analysed hostile file, on the right line', async () => {
    for (const c of CONTENT_CASES) {
      if (c.expect.kind !== 'finding') continue;
      const e = c.expect;
      const match = (d: Diagnostic) => String(d.code) === e.code && e.message.test(typeof d.message === 'string' ? d.message : d.message.value);
      const ds = await client.diagnosticsFor(fileUri(at(c.file)), (d) => d.some(match), `${e.code} for ${c.file}`);
      const d = ds.find(match)!;
      if (e.line !== undefined) assert.strictEqual(d.range.start.line, e.line, `${c.file}: line`);
      assert.strictEqual(d.source, 'edgepolicy');
    }
    for (const c of CONTENT_CASES.filter((x) => x.expect.kind === 'skip')) {
      assert.deepStrictEqual(client.diagnostics.get(fileUri(at(c.file))) ?? [], [], `${c.file}: skipped, so no diagnostics`);
    }
    // Each Mapping appears once in the route table: the folder links to ancestors did not index a file twice.
    const routes = (await client.conn.sendRequest('edgepolicy/routes')) as { groups: { members: { name: string }[] }[] };
    const names = routes.groups.flatMap((g) => g.members.map((m) => m.name)).sort();
    assert.deepStrictEqual(names.filter((n) => n === 'good' || n === 'inner'), ['good', 'inner']);
  });

  for (const c of CONTENT_CASES) {
    it(`${c.what}, opened in the editor: each completion and hover answers within 10 s, RSS growth < 500 MB`, async () => {
      const pid = serverPid(client);
      assert.ok(resetPeakRss(pid), 'peak RSS reset');
      const before = procMemory(pid)!;
      const uri = fileUri(at(c.file));
      const text = editorText(c.bytes());
      client.open(uri, text);
      const lines = text.split('\n');
      for (const position of [
        { line: 0, character: 3 },
        { line: 3, character: 4 },
        { line: Math.max(0, lines.length - 2), character: 2 },
      ]) {
        const comp = await within(`completion in ${c.file}`, LIMITS.caseMs, client.completion(uri, position));
        assert.ok(Array.isArray(comp.value));
        const hover = await within(`hover in ${c.file}`, LIMITS.caseMs, client.hover(uri, position));
        assert.ok(hover.value === null || typeof hover.value === 'object');
      }
      client.close(uri);
      const after = procMemory(pid);
      assert.ok(after, 'the server is still running');
      const growth = after.hwm - before.rss;
      assert.ok(growth < LIMITS.rssGrowthBytes, `${c.id}: peak RSS ${(after.hwm / MB).toFixed(0)} MB, ${(growth / MB).toFixed(0)} MB over the RSS before the case`);
    });
  }

  it('after the hostile documents the server still analyses edits', async () => {
    const probe = fileUri(at('probe.yaml'));
    client.open(probe, GOOD_MAPPING.replace('service: good', 'service: good\n  prefx: 1').replace(/name: good/, 'name: probe'));
    await client.diagnosticsFor(probe, (d) => d.some((x) => x.code === 'EP100'), 'EP100 after the hostile documents');
    client.close(probe);
    assert.ok(!client.logs.some((l) => / failed: /.test(l)), `no handler failure: ${client.logs.filter((l) => / failed: /.test(l)).join('\n')}`);
  });

  it('a 50 MB document opened in the editor: completion answers within 30 s, RSS growth < 500 MB', async () => {
    assert.ok(resetPeakRss(serverPid(client)), 'peak RSS reset');
    const before = procMemory(serverPid(client))!;
    const uri = fileUri(path.join(tmp.dir, 'huge-open.yaml'));
    client.open(uri, bigYaml(LIMITS.hugeBytes).toString('utf8'));
    const r = await within('completion in a 50 MB document', LIMITS.hugeMs, client.completion(uri, { line: 5, character: 2 }));
    assert.ok(Array.isArray(r.value));
    const after = procMemory(serverPid(client))!;
    assert.ok(after.hwm - before.rss < LIMITS.rssGrowthBytes, `peak RSS ${(after.hwm / MB).toFixed(0)} MB, ${((after.hwm - before.rss) / MB).toFixed(0)} MB over the RSS before`);
    client.close(uri);
    await within('hover after closing it', LIMITS.caseMs, client.hover(fileUri(at('good.yaml')), { line: 0, character: 1 }));
  });

  it('a watched-file event for a folder named like a YAML file, or a file already gone: logged with the reason', async () => {
    client.watched([{ uri: fileUri(at('folder.yaml')), type: 2 }]);
    await client.waitFor('folder.yaml logged', () => skipLog(at('folder.yaml')), 5000);
    assert.strictEqual(skipLog(at('folder.yaml')), `skipped ${at('folder.yaml')}: is a directory`);
    client.watched([{ uri: fileUri(at('gone.yaml')), type: 1 }]);
    await client.waitFor('gone.yaml logged', () => skipLog(at('gone.yaml')), 5000);
    assert.strictEqual(skipLog(at('gone.yaml')), `skipped ${at('gone.yaml')}: no such file or directory`);
  });

  it('after all of the above, the memory is given back: server RSS within 500 MB of a one-file workspace', async () => {
    const pid = serverPid(client);
    // Give the collector a moment: the last cases leave large garbage behind.
    const m = await client.waitFor('RSS back under the bound', () => {
      const x = procMemory(pid);
      return x && x.rss - baselineRss < LIMITS.rssGrowthBytes ? x : undefined;
    }, 10000).catch(() => procMemory(pid));
    assert.ok(m, 'server still running');
    const growth = m.rss - baselineRss;
    assert.ok(growth < LIMITS.rssGrowthBytes, `RSS ${(m.rss / MB).toFixed(0)} MB, ${(growth / MB).toFixed(0)} MB over the baseline`);
    assert.strictEqual(client.stderr.match(/Error|FATAL|out of memory/i), null, `server stderr: ${client.stderr.slice(0, 1000)}`);
  });
});
