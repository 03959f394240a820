// Hardening, entry point 2 of 3: the CLI (`bin/edgepolicy check`, the BUILT dist/cli.js; needs `npm run build`).
// Each hostile file sits in its own folder next to a good Mapping. The CLI must finish in bounded time and memory,
// never exit 3 (internal error) or print a stack trace, report a finding with a clear message or print
// `edgepolicy: skipped <file>: <reason>` on stderr, and still check the good file.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CONTENT_CASES, GOOD_MAPPING, LIMITS, bigYaml, maxRssFrom, mkfifo, tempDir, writePreload } from './inputs';
import { MB } from './measure';

const REPO = path.resolve(__dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'edgepolicy');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  maxRss: number;
  json?: { findings: { code: string; message: string; file: string; line: number }[]; summary: { files: number; resources: number } };
}

let preload: string;

/** Runs `edgepolicy <args>` in `cwd`; kills it (and fails) past `timeoutMs`. */
function runCli(args: string[], cwd: string, timeoutMs: number, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, NODE_OPTIONS: `--require ${preload}`, EP_HARDEN_MAXRSS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`edgepolicy ${args.join(' ')} did not finish within ${timeoutMs} ms (hang)\nstderr: ${stderr.slice(0, 2000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const run: CliRun = { code, stdout, stderr: stderr.replace(/\n?EP_HARDEN_MAXRSS_KB=\d+\n/, ''), ms: performance.now() - t0, maxRss: maxRssFrom(stderr) ?? NaN };
      if (args.includes('json')) {
        try {
          run.json = JSON.parse(stdout);
        } catch {
          // left undefined: the assertion below shows stdout
        }
      }
      resolve(run);
    });
  });
}

function assertClean(r: CliRun): void {
  assert.notStrictEqual(r.code, 3, `exit 3 (usage/internal error)\nstderr: ${r.stderr}`);
  assert.ok(r.code === 0 || r.code === 1, `exit code ${r.code}\nstderr: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at .+:\d+:\d+/, 'no internal error, no stack trace');
}

describe('hardening: CLI `edgepolicy check` (dist/cli.js)', function () {
  this.timeout(120000);
  let tmp: ReturnType<typeof tempDir>;
  let baselineRss: number;

  before(async function () {
    if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first');
    tmp = tempDir('cli');
    preload = writePreload(tmp.dir);
    const base = path.join(tmp.dir, 'baseline');
    fs.mkdirSync(base);
    fs.writeFileSync(path.join(base, 'good.yaml'), GOOD_MAPPING);
    const r = await runCli(['check', '--format', 'json', '.'], base, 30000);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.ok(Number.isFinite(r.maxRss), 'the preload reports the peak RSS');
    baselineRss = r.maxRss;
  });
  after(() => tmp?.cleanup());

  function folderWith(name: string, files: Record<string, Buffer | string>): string {
    const dir = path.join(tmp.dir, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'good.yaml'), GOOD_MAPPING);
    for (const [f, b] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), b);
    return dir;
  }

  function assertBoundedRun(what: string, r: CliRun, maxMs: number): void {
    assert.ok(r.ms < maxMs, `${what}: took ${r.ms.toFixed(0)} ms (bound ${maxMs} ms)`);
    assert.ok(Number.isFinite(r.maxRss), 'peak RSS reported');
    const growth = r.maxRss - baselineRss;
    assert.ok(growth < LIMITS.rssGrowthBytes, `${what}: peak RSS ${(r.maxRss / MB).toFixed(0)} MB, ${(growth / MB).toFixed(0)} MB over a one-file run`);
  }

  for (const c of CONTENT_CASES) {
    const outcome = c.expect.kind === 'skip' ? `"skipped ${c.file}: …" on stderr` : `${c.expect.code} in the report`;
    it(`${c.what}: ${outcome}, bounded time and memory`, async () => {
      const dir = folderWith(c.id, { [c.file]: c.bytes() });
      const r = await runCli(['check', '--format', 'json', '.'], dir, LIMITS.caseMs * 4);
      assertClean(r);
      assertBoundedRun(c.id, r, LIMITS.caseMs);
      assert.ok(r.json, `JSON report on stdout:\n${r.stdout.slice(0, 500)}`);
      const mine = r.json.findings.filter((f) => f.file === c.file);
      if (c.expect.kind === 'skip') {
        const line = r.stderr.split('\n').find((l) => l.startsWith(`edgepolicy: skipped ${c.file}: `));
        assert.ok(line, `a skip line for ${c.file} on stderr; got:\n${r.stderr}`);
        assert.match(line, c.expect.reason);
        assert.deepStrictEqual(mine, []);
        assert.strictEqual(r.code, 0, 'a skipped file alone does not fail the check');
        assert.strictEqual(r.json.summary.resources, 1, 'the good Mapping is checked');
      } else {
        const e = c.expect;
        const f = mine.find((x) => x.code === e.code && e.message.test(x.message));
        assert.ok(f, `expected ${e.code} ${e.message} for ${c.file}; got ${JSON.stringify(r.json.findings)}`);
        if (e.line !== undefined) assert.strictEqual(f.line, e.line + 1, 'reported on the right (1-based) line');
        assert.strictEqual(r.code, 1, 'error findings fail the check');
        assert.strictEqual(r.json.summary.resources, 1 + e.resources);
        assert.doesNotMatch(r.stderr, new RegExp(`skipped ${c.file}`), 'analysed, not skipped');
      }
      assert.deepStrictEqual(r.json.findings.filter((x) => x.file === 'good.yaml'), [], 'the good file has no findings');
    });
  }

  it('all hostile files in one folder: one report, every skip named, text output', async () => {
    const files: Record<string, Buffer> = {};
    for (const c of CONTENT_CASES) files[c.file] = c.bytes();
    const dir = folderWith('all', files);
    const r = await runCli(['check', '.'], dir, LIMITS.caseMs * 4);
    assertClean(r);
    assertBoundedRun('all cases', r, LIMITS.caseMs);
    for (const c of CONTENT_CASES) {
      if (c.expect.kind === 'skip') assert.match(r.stderr, new RegExp(`^edgepolicy: skipped ${c.file.replace('.', '\\.')}: `, 'm'));
      else assert.match(r.stdout, new RegExp(`^${c.file.replace('.', '\\.')}:\\d+:\\d+: error ${c.expect.code} `, 'm'));
    }
    const resources = 1 + CONTENT_CASES.reduce((n, c) => n + (c.expect.kind === 'finding' ? c.expect.resources : 0), 0);
    assert.match(r.stdout, new RegExp(`\\(\\d+ files, ${resources} resources\\)`));
  });

  it('a 50 MB file: "skipped huge.yaml: file is larger than …" within 30 s', async () => {
    const dir = folderWith('huge', {});
    fs.writeFileSync(path.join(dir, 'huge.yaml'), bigYaml(LIMITS.hugeBytes));
    const r = await runCli(['check', '--format', 'json', '.'], dir, LIMITS.hugeMs * 2);
    assertClean(r);
    assertBoundedRun('50 MB', r, LIMITS.hugeMs);
    assert.match(r.stderr, /^edgepolicy: skipped huge\.yaml: file is larger than 5242880 bytes \(52428\d\d\d\); not analysed$/m);
    assert.strictEqual(r.code, 0);
    assert.deepStrictEqual(r.json?.summary, { files: 1, resources: 1, errors: 0, warnings: 0, infos: 0 });
  });

  it('symlink loops: the check ends, links to ancestors are not followed twice, self-links are named', async () => {
    const dir = folderWith('loops', {});
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a', 'b', 'inner.yaml'), GOOD_MAPPING.replace(/good/g, 'inner'));
    fs.symlinkSync(dir, path.join(dir, 'a', 'b', 'to-root'));
    fs.symlinkSync('..', path.join(dir, 'a', 'up'));
    fs.symlinkSync('self.yaml', path.join(dir, 'self.yaml'));
    const r = await runCli(['check', '--format', 'json', '.'], dir, LIMITS.caseMs * 4);
    assertClean(r);
    assertBoundedRun('loops', r, LIMITS.caseMs);
    assert.match(r.stderr, /^edgepolicy: skipped self\.yaml: symbolic link loop$/m);
    assert.strictEqual(r.json?.summary.files, 2, 'good.yaml and a/b/inner.yaml, each once');
    assert.deepStrictEqual(r.json?.findings, [], 'no duplicate-name findings from reading a file twice');
  });

  it('a file deleted between listing and reading: "skipped …: deleted while being read" (read hook in the child)', async () => {
    const dir = folderWith('vanish', { 'vanishing.yaml': GOOD_MAPPING.replace(/good/g, 'gone') });
    const r = await runCli(['check', '--format', 'json', '.'], dir, LIMITS.caseMs * 4, { EP_HARDEN_VANISH: 'vanishing\\.yaml$' });
    assertClean(r);
    assertBoundedRun('vanish', r, LIMITS.caseMs);
    assert.match(r.stderr, /^edgepolicy: skipped vanishing\.yaml: deleted while being read$/m);
    assert.ok(!fs.existsSync(path.join(dir, 'vanishing.yaml')), 'the hook really deleted it');
    assert.strictEqual(r.json?.summary.resources, 1);
  });

  it('an unreadable file: "skipped …: permission denied" (EACCES injected: root reads mode-000 files)', async () => {
    const dir = folderWith('denied', { 'denied.yaml': GOOD_MAPPING.replace(/good/g, 'denied') });
    fs.chmodSync(path.join(dir, 'denied.yaml'), 0o000);
    const r = await runCli(['check', '--format', 'json', '.'], dir, LIMITS.caseMs * 4, { EP_HARDEN_DENY: 'denied\\.yaml$' });
    assertClean(r);
    assert.match(r.stderr, /^edgepolicy: skipped denied\.yaml: permission denied$/m);
    assert.strictEqual(r.json?.summary.resources, 1);
  });

  it('a FIFO named on the command line: "skipped pipe.yaml: not a regular file", no blocking read', async () => {
    const dir = folderWith('fifo', {});
    assert.ok(mkfifo(path.join(dir, 'pipe.yaml')), 'mkfifo works here');
    const named = await runCli(['check', '--format', 'json', 'pipe.yaml', 'good.yaml'], dir, LIMITS.caseMs * 4);
    assertClean(named);
    assertBoundedRun('named FIFO', named, LIMITS.caseMs);
    assert.match(named.stderr, /^edgepolicy: skipped pipe\.yaml: not a regular file$/m);
    const walked = await runCli(['check', '--format', 'json', '.'], dir, LIMITS.caseMs * 4);
    assertClean(walked);
    assert.strictEqual(walked.json?.summary.files, 1);
  });

  it('a path that does not exist is a usage error (exit 3) with one clear line, not a crash', async () => {
    const dir = folderWith('missing', {});
    const r = await runCli(['check', 'nope.yaml'], dir, LIMITS.caseMs * 4);
    assert.strictEqual(r.code, 3);
    assert.strictEqual(r.stderr.trim(), "edgepolicy: cannot read 'nope.yaml': no such file or directory");
  });
});
