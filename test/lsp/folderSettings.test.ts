// Unit tests (no server process) of the per-folder settings: compiled exclude globs, isExcluded with each
// folder's own globs, and FolderSettings combining VS Code settings with each folder's .edgepolicy.yaml.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ExcludeMatcher, isExcluded } from '../../server/src/lsp/exclude';
import { FolderSettings } from '../../server/src/lsp/folderSettings';

describe('lsp: ExcludeMatcher and isExcluded per folder', () => {
  it('matches a path or any folder above it; a leading slash is relative to the folder; `!` is literal', () => {
    const m = new ExcludeMatcher(['**/charts', '/generated/**', '*.rendered.yaml', '!keep.yaml']);
    assert.ok(m.matches('charts/x/values.yaml'));
    assert.ok(m.matches('deep/charts/a.yaml'));
    assert.ok(m.matches('generated/a.yaml'));
    assert.ok(m.matches('api.rendered.yaml'));
    assert.ok(!m.matches('routes.yaml'), 'a negated glob does not exclude everything else');
    assert.ok(!m.matches('src/generated.yaml'));
    assert.ok(!new ExcludeMatcher([]).matches('a.yaml'));
  });

  it('uses each folder\'s own globs, relative to that folder', () => {
    const root = path.resolve(os.tmpdir(), 'ep-exclude');
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    const folders = [
      { folder: a, exclude: new ExcludeMatcher(['routes.yaml']) },
      { folder: b, exclude: new ExcludeMatcher(['gen/**']) },
    ];
    assert.ok(isExcluded(path.join(a, 'routes.yaml'), folders));
    assert.ok(!isExcluded(path.join(b, 'routes.yaml'), folders), 'a\'s glob does not apply in b');
    assert.ok(isExcluded(path.join(b, 'gen', 'x.yaml'), folders));
    assert.ok(!isExcluded(path.join(a, 'gen', 'x.yaml'), folders));
    assert.ok(isExcluded(path.join(a, 'node_modules', 'x.yaml'), folders), 'node_modules always');
    assert.ok(!isExcluded(path.join(root, 'elsewhere.yaml'), folders));
  });
});

describe('lsp: FolderSettings', () => {
  let dir: string;
  const a = () => path.join(dir, 'a');
  const b = () => path.join(dir, 'b');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-folder-settings-'));
    fs.mkdirSync(a());
    fs.mkdirSync(b());
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('combines each folder\'s .edgepolicy.yaml with its VS Code settings (settings win) and says what changed', async () => {
    fs.writeFileSync(path.join(a(), '.edgepolicy.yaml'), 'severity:\n  EP200: info\n  EP221: warning\nexclude:\n  - gen/**\ndiff:\n  ignore:\n    - kind: Host\n');
    const s = new FolderSettings();
    s.setFolders([a(), b()]);
    s.setClientSettings(undefined, { edgepolicy: { severity: { EP231: 'hint' } } });
    s.setClientSettings(a(), { edgepolicy: { severity: { EP200: 'error', EP999: 'loud' }, exclude: ['tmp/**'] }, files: { exclude: { '**/*.bak.yaml': true, '**/x': false } } });
    s.setClientSettings(b(), { edgepolicy: { severity: { EP200: 'none' } } });
    for (const f of [a(), b()]) await s.readProjectFile(f);
    assert.deepStrictEqual(s.recompute(), { exclude: true, severity: true, ignore: true });
    assert.deepStrictEqual(s.severityFor(path.join(a(), 'routes.yaml')), { EP200: 'error', EP221: 'warning' });
    assert.deepStrictEqual(s.severityFor(path.join(b(), 'sub', 'routes.yaml')), { EP200: 'off' });
    assert.deepStrictEqual(s.severityFor(path.join(dir, 'loose.yaml')), { EP231: 'hint' }, 'outside the folders: the window');
    assert.deepStrictEqual(s.severityFor(undefined), { EP231: 'hint' });
    assert.deepStrictEqual([...s.excludeGlobs(a())].sort(), ['**/*.bak.yaml', '**/.edgepolicy.yaml', '**/.git', '**/node_modules', 'gen/**', 'tmp/**']);
    assert.ok(isExcluded(path.join(a(), 'gen', 'x.yaml'), s.excludes()));
    assert.ok(!isExcluded(path.join(b(), 'gen', 'x.yaml'), s.excludes()));
    assert.ok(isExcluded(path.join(b(), '.edgepolicy.yaml'), s.excludes()), 'the settings file is not a manifest');
    assert.deepStrictEqual(s.ignoreRules(), [{ kind: 'Host' }]);
    assert.deepStrictEqual(s.recompute(), { exclude: false, severity: false, ignore: false }, 'nothing changed');

    fs.writeFileSync(path.join(a(), '.edgepolicy.yaml'), 'severity:\n  EP200: info\n  EP221: warning\nexclude:\n  - gen/**\n');
    await s.readProjectFile(a());
    assert.deepStrictEqual(s.recompute(), { exclude: false, severity: false, ignore: true });
    fs.rmSync(path.join(a(), '.edgepolicy.yaml'));
    await s.readProjectFile(a());
    assert.deepStrictEqual(s.recompute(), { exclude: true, severity: true, ignore: false });
    assert.deepStrictEqual(s.severityFor(path.join(a(), 'routes.yaml')), { EP200: 'error' });
  });

  it('knows a folder\'s settings file, and turns its problems into diagnostics with ranges', async () => {
    const s = new FolderSettings();
    s.setFolders([a(), b()]);
    assert.strictEqual(s.folderOfProjectFile(path.join(a(), '.edgepolicy.yaml')), a());
    assert.strictEqual(s.folderOfProjectFile(path.join(a(), 'sub', '.edgepolicy.yaml')), undefined);
    assert.strictEqual(s.folderOfProjectFile(path.join(a(), 'routes.yaml')), undefined);
    fs.writeFileSync(path.join(b(), '.edgepolicy.yaml'), 'exclude:\n  - 7\n');
    await s.readProjectFile(b());
    s.recompute();
    const diags = s.projectDiagnostics();
    assert.deepStrictEqual(diags.map((d) => [path.basename(path.dirname(d.file)), d.diagnostics.length]), [
      ['a', 0],
      ['b', 1],
    ]);
    assert.deepStrictEqual(diags[1]!.diagnostics[0]!.range, { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } });
    assert.match(String(diags[1]!.diagnostics[0]!.message), /exclude\[0\]: expected a non-empty glob pattern/);
  });

  it('an unreadable settings file is reported and applies nothing', async function () {
    if (process.platform === 'win32' || process.getuid?.() === 0) {
      // Root reads any file: make it unreadable another way (a folder in its place).
      fs.mkdirSync(path.join(a(), '.edgepolicy.yaml'));
    } else {
      fs.writeFileSync(path.join(a(), '.edgepolicy.yaml'), 'severity:\n  EP200: off\n', { mode: 0o000 });
    }
    const s = new FolderSettings();
    s.setFolders([a()]);
    await s.readProjectFile(a());
    s.recompute();
    assert.deepStrictEqual(s.severityFor(path.join(a(), 'x.yaml')), {});
    const d = s.projectDiagnostics()[0]!.diagnostics;
    assert.strictEqual(d.length, 1);
    assert.match(String(d[0]!.message), /\.edgepolicy\.yaml cannot be read: (is a directory|permission denied)/);
  });
});
