// Hardening, entry point 1 of 3: the engine in process (Workspace, the way the language server feeds it open
// editor text) and the disk scanner the CLI and the language server share (server/src/node/scan.ts).
// Every hostile input must end in a finding with a clear message or a skip with its reason: never an exception,
// never a hang, never runaway memory.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../server/src/engine/workspace';
import { scanPaths, readTextFile, type ScanResult } from '../../server/src/node/scan';
import { URI } from 'vscode-uri';
import { CONTENT_CASES, GOOD_MAPPING, LIMITS, bigYaml, collidingMappings, editorText, manyUnknownFields, mkfifo, tempDir, writeContentCases } from './inputs';
import { assertBounded, measure } from './measure';

const GOOD_URI = 'file:///hardening/good.yaml';

function engineWithGood(errors: string[]): Workspace {
  const ws = new Workspace({ onError: (where, e) => errors.push(`${where}: ${e instanceof Error ? e.message : String(e)}`) });
  ws.setFile(GOOD_URI, GOOD_MAPPING);
  return ws;
}

/** Everything the language server asks of the engine after an edit. */
function exercise(ws: Workspace): void {
  ws.allFindings();
  ws.routeTable();
  for (const r of ws.resources()) {
    r.locate(['spec', 'prefix'], 'value');
    r.locate(['metadata', 'name'], 'key');
  }
}

describe('hardening: engine Workspace (editor text, in process)', function () {
  this.timeout(60000);

  for (const c of CONTENT_CASES) {
    const outcome = c.expect.kind === 'skip' ? `skipped with reason ${c.expect.reason}` : `${c.expect.code} ${c.expect.message}`;
    it(`${c.what}: ${outcome}, bounded time and memory`, async () => {
      const errors: string[] = [];
      const ws = engineWithGood(errors);
      const uri = `file:///hardening/${c.file}`;
      const text = editorText(c.bytes());
      const m = await measure(() => {
        ws.setFile(uri, text);
        exercise(ws);
      });
      assertBounded(c.id, m, LIMITS.caseMs, LIMITS.rssGrowthBytes);
      assert.deepStrictEqual(errors, [], 'no checker, validator or route builder failure');
      const parsed = ws.parsed(uri)!;
      const findings = ws.findingsFor(uri);
      if (c.expect.kind === 'skip') {
        assert.match(parsed.skipped ?? '(not skipped)', c.expect.reason);
        assert.deepStrictEqual(findings, [], 'a skipped file has no findings');
        assert.strictEqual(parsed.resources.length, 0);
      } else {
        const e = c.expect;
        assert.strictEqual(parsed.skipped, undefined, 'analysed, not skipped');
        const f = findings.find((x) => x.code === e.code && e.message.test(x.message));
        assert.ok(f, `expected ${e.code} ${e.message}; got ${JSON.stringify(findings.map((x) => [x.code, x.message]))}`);
        if (e.line !== undefined) assert.strictEqual(f.range.start.line, e.line, 'finding on the right line');
        assert.strictEqual(parsed.resources.length, e.resources);
      }
      // The neighbour file is still analysed normally.
      assert.ok(ws.resources().some((r) => r.name === 'good'), 'the good Mapping is still in the workspace');
      assert.deepStrictEqual(ws.findingsFor(GOOD_URI).filter((f) => f.code === 'EP001'), []);
    });
  }

  it('a 50 MB editor text is skipped with its size as the reason, within 30 s', async () => {
    const errors: string[] = [];
    const ws = engineWithGood(errors);
    const text = bigYaml(LIMITS.hugeBytes).toString('utf8');
    const m = await measure(() => {
      ws.setFile('file:///hardening/huge.yaml', text);
      exercise(ws);
    });
    assertBounded('50 MB text', m, LIMITS.hugeMs, LIMITS.rssGrowthBytes);
    assert.match(ws.parsed('file:///hardening/huge.yaml')!.skipped ?? '', /^file is larger than 5242880 bytes; not analysed$/);
    assert.deepStrictEqual(ws.findingsFor('file:///hardening/huge.yaml'), []);
    assert.deepStrictEqual(errors, []);
  });

  it('typing each hostile text into one document in turn (incremental updates) stays bounded and ends clean', async () => {
    const errors: string[] = [];
    const ws = engineWithGood(errors);
    const uri = 'file:///hardening/edited.yaml';
    const m = await measure(() => {
      for (const c of CONTENT_CASES) {
        ws.setFile(uri, editorText(c.bytes()));
        exercise(ws);
      }
      ws.setFile(uri, GOOD_MAPPING.replace(/good/g, 'edited'));
      exercise(ws);
    });
    assertBounded('all cases in sequence', m, LIMITS.caseMs * 3, LIMITS.rssGrowthBytes);
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(ws.findingsFor(uri), [], 'the final, good text has no findings left over from earlier texts');
    assert.deepStrictEqual(ws.resources().map((r) => r.name).sort(), ['edited', 'good']);
  });
});

describe('hardening: engine time on repeated keys (regressions of locate.ts FastScanner.keyAt)', function () {
  this.timeout(120000);

  // keyAt used to look for a ` #` comment with text.indexOf(' #', p), scanning to the end of the FILE for every
  // key it read: (keys located) x (file size), i.e. quadratic in documents and cubic in one document's keys.
  // Before the fix: 3,000 colliding Mappings 3-8 s (16 s before ranges were memoised), 1,000 unknown fields 11-24 s;
  // after it, about 0.7 s and 0.2 s on an idle 2-core machine.
  it('3,000 Mappings sharing 7 names in one 320 KB file (fuzz seed 20261125 case 12): all findings within 10 s', async () => {
    const ws = new Workspace();
    const m = await measure(() => {
      ws.setFile('file:///hardening/colliding.yaml', collidingMappings(3000));
      return [...ws.allFindings().values()].flat();
    });
    // Every Mapping shares its name with 427 others: one EP210 each.
    assert.strictEqual(m.value.filter((f) => f.code === 'EP210').length, 3000);
    assertBounded('3,000 colliding Mappings', m, LIMITS.caseMs, LIMITS.rssGrowthBytes);
  });

  it('a Mapping with 1,000 unknown fields (20 KB): 1,000 EP100 within 10 s', async () => {
    const ws = new Workspace();
    const m = await measure(() => {
      ws.setFile('file:///hardening/fields.yaml', manyUnknownFields(1000));
      return ws.findingsFor('file:///hardening/fields.yaml');
    });
    assert.strictEqual(m.value.filter((f) => f.code === 'EP100').length, 1000);
    assertBounded('1,000 unknown fields', m, LIMITS.caseMs, LIMITS.rssGrowthBytes);
  });
});

describe('hardening: disk scanner (scan.ts, shared by the CLI and the language server)', function () {
  this.timeout(60000);
  let tmp: ReturnType<typeof tempDir>;
  let root: string;
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  const reasons = (r: ScanResult) => Object.fromEntries(r.skipped.map((s) => [rel(s.path), s.reason]));

  beforeEach(() => {
    tmp = tempDir('scan');
    root = fs.realpathSync(tmp.dir);
  });
  afterEach(() => tmp.cleanup());

  it('reads every content case from disk and skips binary / invalid UTF-8 files with their reason', async () => {
    writeContentCases(root);
    const m = await measure(() => scanPaths([root]));
    assertBounded('scan', m, LIMITS.caseMs, LIMITS.rssGrowthBytes);
    const r = m.value;
    const skipped = reasons(r);
    for (const c of CONTENT_CASES) {
      // Templates are skipped by the engine (they are valid text); the scanner only refuses bytes it cannot decode.
      if (c.id === 'binary' || c.id === 'invalid-utf8') assert.match(skipped[c.file] ?? '(not skipped)', c.expect.kind === 'skip' ? c.expect.reason : /never/);
      else assert.ok(r.files.some((f) => rel(f.path) === c.file), `${c.file} is read`);
    }
    const bom = r.files.find((f) => f.path.endsWith('bom.yaml'))!;
    assert.strictEqual(bom.text.charCodeAt(0), 0x61, 'the BOM is removed: the text starts with "apiVersion"');
    assert.deepStrictEqual(r.errors, []);
  });

  it('a 50 MB file is skipped by its size without being read, within 30 s', async () => {
    const huge = path.join(root, 'huge.yaml');
    fs.writeFileSync(huge, bigYaml(LIMITS.hugeBytes));
    fs.writeFileSync(path.join(root, 'good.yaml'), GOOD_MAPPING);
    // Records every read of a file's bytes (readTextFile opens a file, checks its size on the descriptor, reads).
    const fsp = fs.promises as { open: typeof fs.promises.open };
    const original = fsp.open;
    const read: string[] = [];
    fsp.open = (async (p: fs.PathLike, ...rest: unknown[]) => {
      const h = await (original as (...a: unknown[]) => Promise<fs.promises.FileHandle>).call(fs.promises, p, ...rest);
      const readBytes = h.read.bind(h) as (...a: unknown[]) => unknown;
      h.read = ((...a: unknown[]) => {
        read.push(path.basename(String(p)));
        return readBytes(...a);
      }) as typeof h.read;
      return h;
    }) as typeof fs.promises.open;
    let m: Awaited<ReturnType<typeof measure<ScanResult>>>;
    try {
      m = await measure(() => scanPaths([root]));
    } finally {
      fsp.open = original;
    }
    assert.deepStrictEqual(read, ['good.yaml'], 'the huge file is never read');
    assertBounded('scan with a 50 MB file', m, LIMITS.hugeMs, LIMITS.rssGrowthBytes);
    assert.match(reasons(m.value)['huge.yaml'] ?? '', /^file is larger than 5242880 bytes \(52428\d\d\d\); not analysed$/);
    assert.deepStrictEqual(m.value.files.map((f) => rel(f.path)), ['good.yaml']);
  });

  it('symlink loops (folders linking to their ancestors, a file linking to itself) end, and each file is read once', async () => {
    fs.mkdirSync(path.join(root, 'a', 'b', 'c'), { recursive: true });
    fs.writeFileSync(path.join(root, 'top.yaml'), GOOD_MAPPING);
    fs.writeFileSync(path.join(root, 'a', 'b', 'c', 'deep.yaml'), 'k: 1\n');
    fs.symlinkSync(root, path.join(root, 'a', 'b', 'c', 'to-root')); // ancestor, absolute
    fs.symlinkSync('..', path.join(root, 'a', 'b', 'up')); // parent, relative
    fs.symlinkSync('.', path.join(root, 'a', 'self')); // itself
    fs.symlinkSync(path.join(root, 'a', 'b'), path.join(root, 'a', 'b', 'c', 'to-b')); // grandparent
    fs.symlinkSync('loop.yaml', path.join(root, 'loop.yaml')); // a file link to itself
    fs.symlinkSync('ping.yaml', path.join(root, 'pong.yaml')); // two links to each other
    fs.symlinkSync('pong.yaml', path.join(root, 'ping.yaml'));
    const m = await measure(() => scanPaths([root]));
    assertBounded('scan with link loops', m, LIMITS.caseMs, LIMITS.rssGrowthBytes);
    const r = m.value;
    assert.deepStrictEqual(r.files.map((f) => rel(f.path)).sort(), ['a/b/c/deep.yaml', 'top.yaml']);
    const why = reasons(r);
    for (const f of ['loop.yaml', 'ping.yaml', 'pong.yaml']) assert.strictEqual(why[f], 'symbolic link loop', f);
    assert.deepStrictEqual(r.errors, []);
  });

  it('a file deleted between listing and reading is skipped as "deleted while being read" (scanner read hook)', async () => {
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(root, `f${i}.yaml`), `k: ${i}\n`);
    // scan.ts has no hook of its own: wrap fs.promises.open (how readTextFile starts reading) so that the file
    // disappears at the worst moment, after the listing, right before the read.
    const fsp = fs.promises as { open: typeof fs.promises.open };
    const original = fsp.open;
    fsp.open = (async (p: fs.PathLike, ...rest: unknown[]) => {
      if (/f1\d\.yaml$/.test(String(p))) fs.unlinkSync(String(p));
      return (original as (...a: unknown[]) => Promise<fs.promises.FileHandle>).call(fs.promises, p, ...rest);
    }) as typeof fs.promises.open;
    let r: ScanResult;
    try {
      r = (await measure(() => scanPaths([root]))).value;
    } finally {
      fsp.open = original;
    }
    const why = reasons(r);
    for (let i = 10; i < 20; i++) assert.strictEqual(why[`f${i}.yaml`], 'deleted while being read');
    assert.deepStrictEqual(r.files.map((f) => rel(f.path)).sort(), Array.from({ length: 10 }, (_, i) => `f${i}.yaml`).sort());
    assert.deepStrictEqual(r.errors, []);
  });

  it('files created and deleted concurrently with the scan never make it throw; what it reports is consistent', async () => {
    const N = 1500;
    const names = Array.from({ length: N }, (_, i) => `churn-${i}.yaml`);
    for (const n of names) fs.writeFileSync(path.join(root, n), `name: ${n}\n`);
    let stop = false;
    let deleted = 0;
    let created = 0;
    // Another writer: removes files and adds new ones while the scan lists, stats and reads.
    const churn = (async () => {
      let i = 0;
      while (!stop) {
        const victim = path.join(root, names[(i * 7919) % N]);
        await fs.promises.rm(victim, { force: true }).then(() => deleted++);
        await fs.promises.writeFile(path.join(root, `late-${i}.yaml`), 'late: 1\n').then(() => created++);
        i++;
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    let r: ScanResult;
    try {
      const m = await measure(() => scanPaths([root], { concurrency: 4 }));
      assertBounded('scan under churn', m, LIMITS.caseMs, LIMITS.rssGrowthBytes);
      r = m.value;
    } finally {
      stop = true;
      await churn;
    }
    assert.ok(deleted > 0 && created > 0, 'the churn really ran during the scan');
    for (const f of r.files) assert.strictEqual(f.text, /late-/.test(f.path) ? 'late: 1\n' : `name: ${path.basename(f.path)}\n`);
    for (const s of r.skipped) {
      // Depending on the step the file vanished at (realpath, stat, read): three wordings, each naming the cause.
      assert.match(s.reason, /^(deleted while being read|broken symbolic link or deleted while scanning|no such file or directory)$/, `${rel(s.path)}: ${s.reason}`);
    }
    assert.deepStrictEqual(r.errors, []);
  });

  it('a FIFO named .yaml never blocks the scan: skipped as "not a regular file" when named, passed over in a folder', async () => {
    const fifo = path.join(root, 'pipe.yaml');
    assert.ok(mkfifo(fifo), 'mkfifo works here');
    fs.writeFileSync(path.join(root, 'good.yaml'), GOOD_MAPPING);
    const named = await measure(() => scanPaths([fifo, path.join(root, 'good.yaml')]));
    assertBounded('named FIFO', named, LIMITS.caseMs, LIMITS.rssGrowthBytes);
    assert.strictEqual(reasons(named.value)['pipe.yaml'], 'not a regular file');
    assert.deepStrictEqual(named.value.files.map((f) => rel(f.path)), ['good.yaml']);
    const walked = await measure(() => scanPaths([root]));
    assertBounded('folder with a FIFO', walked, LIMITS.caseMs, LIMITS.rssGrowthBytes);
    assert.deepStrictEqual(walked.value.files.map((f) => rel(f.path)), ['good.yaml']);
  });

  it('a directory where a file is expected is reported as "is a directory" (readTextFile) and walked when scanned', async () => {
    const dirYaml = path.join(root, 'looks-like-a-file.yaml');
    fs.mkdirSync(dirYaml);
    fs.writeFileSync(path.join(dirYaml, 'inner.yaml'), GOOD_MAPPING);
    assert.deepStrictEqual(await readTextFile(dirYaml), { reason: 'is a directory' });
    const r = await scanPaths([dirYaml]);
    assert.deepStrictEqual(r.files.map((f) => rel(f.path)), ['looks-like-a-file.yaml/inner.yaml']);
  });

  it('an unreadable file (EACCES) is skipped as "permission denied"; a chmod 000 file is handled either way', async () => {
    fs.writeFileSync(path.join(root, 'denied.yaml'), GOOD_MAPPING);
    fs.writeFileSync(path.join(root, 'mode000.yaml'), GOOD_MAPPING);
    fs.chmodSync(path.join(root, 'mode000.yaml'), 0o000);
    // The tests run as root, which reads mode-000 files anyway, so the EACCES path is driven by failing the read
    // the way the kernel would for another user (same error code and message shape).
    const fsp = fs.promises as { open: typeof fs.promises.open };
    const original = fsp.open;
    fsp.open = (async (p: fs.PathLike, ...rest: unknown[]) => {
      if (String(p).endsWith('denied.yaml')) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${String(p)}'`), { code: 'EACCES', errno: -13, syscall: 'open' });
      }
      return (original as (...a: unknown[]) => Promise<fs.promises.FileHandle>).call(fs.promises, p, ...rest);
    }) as typeof fs.promises.open;
    let r: ScanResult;
    try {
      r = await scanPaths([root]);
    } finally {
      fsp.open = original;
    }
    const why = reasons(r);
    assert.strictEqual(why['denied.yaml'], 'permission denied');
    const isRoot = process.getuid?.() === 0;
    if (isRoot) assert.ok(r.files.some((f) => rel(f.path) === 'mode000.yaml'), 'root reads a mode-000 file');
    else assert.strictEqual(why['mode000.yaml'], 'permission denied');
  });

  it('a dangling link is skipped as "broken symbolic link", the rest is read', async () => {
    fs.writeFileSync(path.join(root, 'good.yaml'), GOOD_MAPPING);
    fs.symlinkSync(path.join(root, 'nowhere.yaml'), path.join(root, 'dangling.yaml'));
    const r = await scanPaths([root]);
    assert.strictEqual(reasons(r)['dangling.yaml'], 'broken symbolic link');
    assert.deepStrictEqual(r.files.map((f) => rel(f.path)), ['good.yaml']);
    assert.strictEqual(r.files[0].uri, URI.file(path.join(root, 'good.yaml')).toString());
  });
});
