import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readTextFile, scanPaths } from '../../server/src/node/scan';

describe('scanPaths', () => {
  let root: string;

  const write = (rel: string, content: string | Buffer) => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  };
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');

  before(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-scan-')));
    write('a.yaml', 'a: 1\n');
    write('b.YML', 'b: 2\n');
    write('notes.txt', 'not yaml\n');
    write('node_modules/pkg/x.yaml', 'x: 1\n');
    write('.git/y.yaml', 'y: 1\n');
    write('vendor/z.yaml', 'z: 1\n');
    write('sub/deep/c.yaml', 'c: 3\n');
    write('sub/skip-me.yaml', 's: 1\n');
    write('bin.yaml', Buffer.from([0x61, 0x3a, 0x00, 0x01]));
    write('latin1.yaml', Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    write('bom.yaml', '\uFEFFbom: true\n');
    write('big.yaml', 'big: ' + 'x'.repeat(2000) + '\n');
    fs.symlinkSync(root, path.join(root, 'sub', 'loop')); // a folder link back to the root
    fs.symlinkSync(path.join(root, 'a.yaml'), path.join(root, 'sub', 'a-link.yaml')); // same file twice
    fs.symlinkSync(path.join(root, 'missing.yaml'), path.join(root, 'broken.yaml'));
  });

  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('finds YAML files, skips node_modules/.git and excluded globs, survives link loops, reads each file once', async () => {
    const r = await scanPaths([root], { exclude: ['vendor/**', '**/skip-me.yaml'], maxFileBytes: 1000 });
    assert.deepEqual(
      r.files.map((f) => rel(f.path)),
      ['a.yaml', 'b.YML', 'bom.yaml', 'sub/deep/c.yaml'],
    );
    const bom = r.files.find((f) => f.path.endsWith('bom.yaml'));
    assert.equal(bom?.text, 'bom: true\n');
    assert.ok(r.files[0].uri.startsWith('file:///'));
    const reasons = Object.fromEntries(r.skipped.map((s) => [rel(s.path), s.reason]));
    assert.match(reasons['bin.yaml'], /binary content/);
    assert.match(reasons['latin1.yaml'], /not valid UTF-8/);
    assert.match(reasons['big.yaml'], /larger than 1000 bytes/);
    assert.match(reasons['broken.yaml'], /broken symbolic link/);
    assert.deepEqual(r.errors, []);
  });

  it('applies exclude patterns relative to cwd too', async () => {
    const r = await scanPaths(['sub'], { cwd: root, exclude: ['sub/deep/**'] });
    // sub/loop leads back to the root: its files are scanned through the link, the root's `sub` is not entered
    // again, and a.yaml is read once (first met as sub/a-link.yaml).
    assert.deepEqual(
      r.files.map((f) => rel(f.path)),
      ['sub/a-link.yaml', 'sub/loop/b.YML', 'sub/loop/big.yaml', 'sub/loop/bom.yaml', 'sub/loop/vendor/z.yaml', 'sub/skip-me.yaml'],
    );
  });

  it('reads explicitly named files whatever their extension, and reports missing paths as errors', async () => {
    const r = await scanPaths([path.join(root, 'notes.txt'), path.join(root, 'nope.yaml')], {});
    assert.deepEqual(
      r.files.map((f) => f.text),
      ['not yaml\n'],
    );
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0].message, /no such file/);
  });

  it('reports a file that vanished as missing instead of throwing', async () => {
    const gone = path.join(root, 'gone.yaml');
    fs.writeFileSync(gone, 'g: 1\n');
    fs.rmSync(gone);
    const r = await readTextFile(gone);
    assert.ok('reason' in r && r.missing === true);
    const s = await scanPaths([gone], {});
    assert.deepEqual(s.files, []);
    assert.equal(s.errors.length, 1);
  });

  it('handles many files in parallel, sorted by path', async () => {
    const dir = path.join(root, 'many');
    for (let i = 0; i < 60; i++) write(`many/f${String(i).padStart(2, '0')}.yaml`, `i: ${i}\n`);
    const r = await scanPaths([dir], { concurrency: 4 });
    assert.equal(r.files.length, 60);
    assert.deepEqual(
      r.files.map((f) => f.text),
      Array.from({ length: 60 }, (_, i) => `i: ${i}\n`),
    );
  });
  it('the synchronous scan (the CLI\'s) reports exactly what the asynchronous one does', async () => {
    for (const opts of [{ exclude: ['vendor/**', '**/skip-me.yaml'], maxFileBytes: 1000 }, {}, { cwd: root, exclude: ['sub/deep/**'] }]) {
      const a = await scanPaths([root, path.join(root, 'notes.txt'), path.join(root, 'nope.yaml')], opts);
      const s = await scanPaths([root, path.join(root, 'notes.txt'), path.join(root, 'nope.yaml')], { ...opts, sync: true });
      assert.deepEqual(s, a, JSON.stringify(opts));
      assert.ok(a.files.length > 0 && a.skipped.length > 0 && a.errors.length === 1, 'the case covers files, skips and errors');
    }
  });

  it('reads a file the same way with and without blocking calls, and never waits on a FIFO', async () => {
    for (const f of ['a.yaml', 'bom.yaml', 'bin.yaml', 'latin1.yaml', 'big.yaml', 'sub', 'missing.yaml']) {
      assert.deepEqual(await readTextFile(path.join(root, f), 1000, true), await readTextFile(path.join(root, f), 1000), f);
    }
    const fifo = path.join(root, 'pipe-only-here', 'pipe.yaml');
    fs.mkdirSync(path.dirname(fifo));
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo works here');
    // Opening a FIFO for reading would wait for a writer: both readers refuse it without waiting.
    assert.deepEqual(await readTextFile(fifo, undefined, true), { reason: 'not a regular file' });
    assert.deepEqual(await readTextFile(fifo), { reason: 'not a regular file' });
    const r = await scanPaths([fifo, path.dirname(fifo)], { sync: true });
    assert.deepEqual(r.skipped, [{ path: fifo, reason: 'not a regular file' }]);
    fs.rmSync(path.dirname(fifo), { recursive: true });
  });
});
