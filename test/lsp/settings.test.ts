// Per-folder settings of the BUILT server (dist/server.js): resource-scoped VS Code settings requested per
// workspace folder, each folder's `.edgepolicy.yaml` (severity, exclude, problems as diagnostics), re-read when
// the file watcher reports it changed, VS Code settings winning over the file. Needs `npm run build` first.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { codesOf, fileUri, indexedClient, stopAndRemove, tempWorkspace, TestClient } from './client';

const EP200 = (d: { code?: unknown; severity?: number }[]) => d.find((x) => x.code === 'EP200')?.severity;

describe('language server: settings per workspace folder and .edgepolicy.yaml (dist/server.js)', function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient;
  const a = () => path.join(dir, 'a');
  const b = () => path.join(dir, 'b');
  const ra = () => fileUri(path.join(a(), 'routes.yaml'));
  const rb = () => fileUri(path.join(b(), 'routes.yaml'));
  const extra = () => fileUri(path.join(b(), 'extra.yml'));
  const configA = () => path.join(a(), '.edgepolicy.yaml');
  const settings: Record<string, unknown> = { edgepolicy: { exclude: [] }, files: { exclude: {} } };
  const scoped: Record<string, Record<string, unknown>> = {};

  /** Writes (or deletes, for undefined) a/.edgepolicy.yaml and tells the server through the file watcher. */
  function writeConfigA(text: string | undefined): void {
    const existed = fs.existsSync(configA());
    if (text === undefined) fs.rmSync(configA(), { force: true });
    else fs.writeFileSync(configA(), text);
    client.watched([{ uri: fileUri(configA()), type: text === undefined ? 3 : existed ? 2 : 1 }]);
  }

  function settingsChanged(): void {
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
  }

  before(async () => {
    dir = tempWorkspace('multi');
    // Folder a's own settings file, present at startup.
    fs.writeFileSync(path.join(dir, 'a', '.edgepolicy.yaml'), 'severity:\n  EP200: info\n');
    client = await indexedClient({ folders: [a(), b()], settings, scopedSettings: scoped });
  });

  after(() => stopAndRemove(client, dir));

  it('requests edgepolicy and files settings for each workspace folder (scopeUri) and for the window', async () => {
    const items = client.configurationRequests;
    for (const folder of [a(), b()]) {
      for (const section of ['edgepolicy', 'files']) {
        assert.ok(items.some((i) => i.scopeUri === fileUri(folder) && i.section === section), `${section} for ${folder}`);
      }
    }
    assert.ok(items.some((i) => !i.scopeUri && i.section === 'edgepolicy'));
  });

  it('applies a folder\'s .edgepolicy.yaml to that folder only; the file itself is not indexed', async () => {
    const da = await client.diagnosticsFor(ra(), (d) => EP200(d) !== undefined);
    const db = await client.diagnosticsFor(rb(), (d) => EP200(d) !== undefined);
    assert.strictEqual(EP200(da), 3, 'info in folder a (its .edgepolicy.yaml)');
    assert.strictEqual(EP200(db), 2, 'warning (the default) in folder b');
    assert.match(client.logs.find((l) => /^indexed /.test(l))!, /^indexed 3 YAML file\(s\)/);
    assert.strictEqual(client.diagnostics.get(fileUri(configA()))?.length ?? 0, 0);
  });

  it('edgepolicy.severity of a folder overrides its file, and only in that folder', async () => {
    scoped[fileUri(a())] = { edgepolicy: { exclude: [], severity: { EP200: 'error' } } };
    settingsChanged();
    await client.diagnosticsFor(ra(), (d) => EP200(d) === 1, 'EP200 as error in a (VS Code setting over the file)');
    assert.strictEqual(EP200(client.diagnostics.get(rb())!), 2, 'b keeps the default');
    scoped[fileUri(b())] = { edgepolicy: { exclude: [], severity: { EP200: 'off' } } };
    settingsChanged();
    await client.diagnosticsFor(rb(), (d) => d.length === 0, 'EP200 off in b');
    assert.strictEqual(EP200(client.diagnostics.get(ra())!), 1);
    delete scoped[fileUri(a())];
    delete scoped[fileUri(b())];
    settingsChanged();
    await client.diagnosticsFor(ra(), (d) => EP200(d) === 3, 'back to the file\'s info');
    await client.diagnosticsFor(rb(), (d) => EP200(d) === 2, 'back to the default');
  });

  it('edgepolicy.exclude of one folder leaves out files of that folder only', async () => {
    scoped[fileUri(b())] = { edgepolicy: { exclude: ['routes.yaml', 'extra.yml'] } };
    settingsChanged();
    await client.diagnosticsFor(ra(), (d) => d.length === 0, 'no collision once b/routes.yaml is excluded');
    await client.diagnosticsFor(extra(), (d) => d.length === 0, 'b/extra.yml excluded');
    // The same names in folder a are not excluded: a/routes.yaml is still indexed.
    const table = (await client.conn.sendRequest('edgepolicy/routes')) as { groups: { members: { name: string }[] }[] };
    assert.deepStrictEqual(table.groups.flatMap((g) => g.members.map((m) => m.name)), ['team-a']);
    delete scoped[fileUri(b())];
    settingsChanged();
    await client.diagnosticsFor(ra(), (d) => codesOf(d).includes('EP200'), 'collision back');
    await client.diagnosticsFor(extra(), (d) => d.length === 1, 'extra.yml back');
  });

  it('re-reads .edgepolicy.yaml when the watcher reports a change: severity, exclude, deletion', async () => {
    writeConfigA('severity:\n  EP200: hint\n');
    await client.diagnosticsFor(ra(), (d) => EP200(d) === 4, 'EP200 as hint after the file changed');
    writeConfigA('exclude:\n  - routes.yaml\n');
    await client.diagnosticsFor(rb(), (d) => d.length === 0, 'a/routes.yaml excluded by the file: no collision in b');
    await client.waitFor('a re-index', () => client.logs.some((l) => /^indexed .*\(\.edgepolicy\.yaml changed\)/.test(l)));
    writeConfigA(undefined);
    await client.diagnosticsFor(ra(), (d) => EP200(d) === 2, 'file deleted: the default warning');
    await client.diagnosticsFor(rb(), (d) => EP200(d) === 2);
    writeConfigA('severity:\n  EP200: info\n');
    await client.diagnosticsFor(ra(), (d) => EP200(d) === 3, 'file created again');
  });

  it('reports problems of .edgepolicy.yaml as diagnostics on its lines (and logs them); good entries still apply', async () => {
    const uri = fileUri(configA());
    writeConfigA('severity:\n  EP200: error\n  EP201: loud\nexlude: []\n');
    const d = await client.diagnosticsFor(uri, (x) => x.length === 2, '.edgepolicy.yaml problems');
    assert.deepStrictEqual(
      d.map((x) => [x.range.start.line, x.range.end.character, x.severity, x.source]),
      [
        [2, 13, 1, 'edgepolicy'],
        [3, 10, 1, 'edgepolicy'],
      ],
    );
    assert.match(String(d[0]!.message), /severity\.EP201: invalid level "loud"/);
    assert.match(String(d[1]!.message), /unknown key "exlude"/);
    await client.diagnosticsFor(ra(), (x) => EP200(x) === 1, 'the valid entry applies');
    assert.ok(client.logs.some((l) => l.endsWith(`${path.join(a(), '.edgepolicy.yaml')}:3: ${String(d[0]!.message)}`)));
    writeConfigA('severity: [\n');
    await client.diagnosticsFor(uri, (x) => x.length === 1 && /YAML syntax error/.test(String(x[0]!.message)), 'syntax error');
    await client.diagnosticsFor(ra(), (x) => EP200(x) === 2, 'a broken file applies nothing');
    writeConfigA('severity:\n  EP200: info\n');
    await client.diagnosticsFor(uri, (x) => x.length === 0, 'problems cleared once fixed');
  });

  it('an opened .edgepolicy.yaml is not analysed as a manifest', async () => {
    const uri = fileUri(configA());
    const before = client.publishes.length;
    client.open(uri, 'severity:\n  EP200: info\n  bad: [\n');
    client.change(uri, 'severity:\n  EP200: info\n  bad: [x\n');
    await client.hover(uri, { line: 0, character: 1 });
    assert.ok(!client.publishes.slice(before).some((p) => p.uri === uri && p.diagnostics.some((x) => x.code === 'EP001')));
    client.close(uri);
  });
});
