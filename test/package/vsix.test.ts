// The VSIX that `npm run package` builds: packaged here by the same script (scripts/lib/vsce.mjs), from the
// current dist/ (run `npm run build` first), into a temporary folder. It must hold what VS Code runs and
// nothing else (.vscodeignore), name no path of this machine, and its bundles must run on their own.
import * as assert from 'assert';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as os from 'os';
import * as path from 'path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { readZip, type ZipEntry } from './zip';

const REPO = path.resolve(__dirname, '..', '..');
/** dist/validators/<mode>/<version>-<kind>.js: schema validators compiled at build time (scripts/build.mjs). */
const BUILT_VALIDATOR = /^extension\/dist\/validators\/(quick|detailed)\/v\w+-\w+\.js$/;
const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

/** Files package.json points VS Code at: the entry point, grammars and icons. */
function referencedFiles(): string[] {
  const c = manifest.contributes;
  const icons = [...Object.values(c.viewsContainers ?? {}), ...Object.values(c.views ?? {})]
    .flat()
    .map((v) => (v as { icon?: string }).icon)
    .filter((i): i is string => typeof i === 'string' && !i.startsWith('$('));
  const files = [manifest.main, ...(c.grammars ?? []).map((g: { path: string }) => g.path), ...icons];
  if (manifest.icon) files.push(manifest.icon);
  return [...new Set([...files, ...readmeImages()].map((f: string) => path.posix.normalize(f)))];
}

/** Images the README shows by a relative path: the extension's details page reads them from the VSIX. */
function readmeImages(): string[] {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  return [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((src) => !/^[a-z]+:/i.test(src));
}

describe('the VSIX (npm run package)', function () {
  this.timeout(120000);
  let dir: string;
  let entries: ZipEntry[];
  const names = (): string[] => entries.map((e) => e.name).sort();
  const text = (name: string): string => entries.find((e) => e.name === name)!.read().toString('utf8');

  before(async () => {
    for (const f of ['dist/client.js', 'dist/server.js']) {
      if (!fs.existsSync(path.join(REPO, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-vsix-'));
    const vsix = path.join(dir, 'edgepolicy.vsix');
    // What `npm run package` runs after the build, with another output file.
    assert.match(manifest.scripts.package, /\bnode scripts\/lib\/vsce\.mjs dist\/edgepolicy\.vsix$/);
    execFileSync(process.execPath, [path.join(REPO, 'scripts', 'lib', 'vsce.mjs'), vsix], { cwd: REPO, stdio: 'pipe' });
    entries = await readZip(fs.readFileSync(vsix));
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds the manifest, both bundles, the grammar, the icons, the README with its images and the LICENSE', () => {
    assert.ok(readmeImages().length > 0, 'the README shows screenshots');
    const have = new Set(names());
    for (const f of ['package.json', 'dist/client.js', 'dist/server.js', ...referencedFiles()]) {
      assert.ok(have.has(`extension/${f}`), `extension/${f} is in the VSIX (it has: ${[...have].join(', ')})`);
    }
    // The validators compiled at build time: two per served kind/version, the Mapping ones among them.
    const validators = names().filter((n) => BUILT_VALIDATOR.test(n));
    assert.strictEqual(validators.length, fs.readdirSync(path.join(REPO, 'dist', 'validators', 'quick')).length * 2);
    for (const mode of ['quick', 'detailed']) assert.ok(have.has(`extension/dist/validators/${mode}/v3alpha1-Mapping.js`), mode);
    const readme = names().filter((n) => /^extension\/readme\.md$/i.test(n));
    assert.strictEqual(readme.length, 1, 'one README');
    assert.match(text(readme[0]), /^# edgepolicy\n/);
    const license = names().filter((n) => /^extension\/license(\.txt|\.md)?$/i.test(n));
    assert.strictEqual(license.length, 1, 'one LICENSE');
    assert.strictEqual(text(license[0]), fs.readFileSync(path.join(REPO, 'LICENSE'), 'utf8'));
    assert.match(text('extension.vsixmanifest'), new RegExp(`<License>${license[0].replace(/\./g, '\\.')}</License>`));
  });

  it('holds nothing else: no sources, tests, schemas (bundled), node_modules, source maps or tooling', () => {
    const wanted = new Set(['package.json', 'dist/client.js', 'dist/server.js', ...referencedFiles()].map((f) => `extension/${f}`));
    const others = names().filter(
      (n) => !wanted.has(n) && !BUILT_VALIDATOR.test(n) && !/^extension\/(readme|license|license\.txt|license\.md|changelog)(\.md)?$/i.test(n) &&
        n !== 'extension.vsixmanifest' && n !== '[Content_Types].xml',
    );
    assert.deepStrictEqual(others, []);
    for (const n of names()) {
      if (wanted.has(n)) continue; // e.g. the README's screenshots under docs/
      assert.doesNotMatch(n, /\.(ts|map|mjs)$|\/(test|node_modules|schemas|scripts|server|examples|docs)\//, n);
    }
  });

  it('ships the repository\'s package.json unchanged', () => {
    assert.deepStrictEqual(JSON.parse(text('extension/package.json')), manifest);
  });

  it('names no path of this machine (the checkout, the home or temp folder, a user folder)', () => {
    const local = [REPO, `${os.homedir()}${path.sep}`, `${fs.realpathSync(os.tmpdir())}${path.sep}`].filter((p) => p.length > 2);
    for (const e of entries) {
      const t = e.read().toString('latin1');
      for (const p of local) assert.ok(!t.includes(p), `${e.name} contains ${p}`);
      assert.doesNotMatch(t, /\/home\/[\w.-]+\/|\/Users\/[\w.-]+\/|[A-Za-z]:\\\\?Users\\\\?/, e.name);
    }
  });

  it('the client bundle needs nothing beyond vscode and Node built-ins', () => {
    const required = [...text('extension/dist/client.js').matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
    assert.ok(required.includes('vscode'));
    const builtins = new Set(builtinModules);
    const other = [...new Set(required)].filter((r) => r !== 'vscode' && !r.startsWith('node:') && !builtins.has(r));
    assert.deepStrictEqual(other, []);
  });

  it('the packaged server runs from the extracted VSIX alone and reports schema errors (schemas bundled)', async () => {
    const ext = path.join(dir, 'extracted');
    for (const e of entries) {
      const to = path.join(ext, ...e.name.split('/'));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.writeFileSync(to, e.read());
    }
    const ws = path.join(dir, 'workspace');
    fs.mkdirSync(ws);
    const file = path.join(ws, 'routes.yaml');
    const yaml = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: quote\nspec:\n  prefix: /quote/\n  service: quote\n  timeout_msx: 5\n';
    fs.writeFileSync(file, yaml);
    // Started from the temporary folder: nothing of the repository (node_modules, schemas/) is on its way.
    const proc = spawn(process.execPath, [path.join(ext, 'extension', 'dist', 'server.js'), '--stdio'], { cwd: ext, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    const uri = URI.file(file).toString();
    const published = new Promise<Diagnostic[]>((resolve) => {
      conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
        if (p.uri === uri && p.diagnostics.length) resolve(p.diagnostics);
      });
    });
    conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
    conn.onRequest('client/registerCapability', () => null);
    conn.listen();
    const exited = new Promise<string>((resolve) => proc.once('exit', (code) => resolve(`the server exited (${code}): ${stderr}`)));
    try {
      await conn.sendRequest('initialize', { processId: process.pid, rootUri: URI.file(ws).toString(), workspaceFolders: [{ uri: URI.file(ws).toString(), name: 'ws' }], capabilities: {} });
      await conn.sendNotification('initialized', {});
      const diags = await Promise.race([published, exited.then((m) => Promise.reject(new Error(m)))]);
      assert.deepStrictEqual(
        diags.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.character]),
        [['EP100', 7, 2, 13]],
      );
      assert.match(String(diags[0].message), /timeout_msx.*timeout_ms/);
    } finally {
      await conn.sendRequest('shutdown').catch(() => undefined);
      await conn.sendNotification('exit').catch(() => undefined);
      conn.dispose();
      if (proc.exitCode === null) proc.kill();
    }
  });
});
