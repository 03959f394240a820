// Workspace handling of the BUILT server (dist/server.js): several roots, renames, settings changes, severity
// overrides, skipped files, edit latency and the node-ipc transport. Needs `npm run build` first.
import * as assert from 'assert';
import { fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { codesOf, fileUri, indexedClient, SERVER, stopAndRemove, tempWorkspace, TestClient } from './client';

describe('language server: multi-root workspace, renames and settings (dist/server.js)', function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient;
  const a = () => path.join(dir, 'a');
  const b = () => path.join(dir, 'b');
  const settings: Record<string, unknown> = { edgepolicy: { exclude: [] }, files: { exclude: {} } };

  before(async () => {
    dir = tempWorkspace('multi');
    // A file the scanner must skip, with the reason logged.
    fs.writeFileSync(path.join(dir, 'a', 'blob.yaml'), Buffer.from([0x61, 0x00, 0x62, 0x0a]));
    client = await indexedClient({ folders: [a(), b()], settings });
  });

  after(() => stopAndRemove(client, dir));

  it('indexes every folder (.yaml and .yml) and logs skipped files with their reason', async () => {
    assert.match(client.logs.find((l) => /^indexed /.test(l))!, /^indexed 3 YAML file\(s\) in 2 folder\(s\)/);
    await client.waitFor('the binary file reported as skipped', () => client.logs.some((l) => l.includes('blob.yaml') && /binary/.test(l)));
    const ep100 = await client.diagnosticsFor(fileUri(path.join(b(), 'extra.yml')), (d) => d.length > 0);
    assert.deepStrictEqual(codesOf(ep100), ['EP100']);
    assert.deepStrictEqual(ep100[0].range.start, { line: 6, character: 8 });
  });

  it('reports a collision across two workspace folders on both sides', async () => {
    for (const [f, other] of [[a(), 'b'], [b(), 'a']]) {
      const d = await client.diagnosticsFor(fileUri(path.join(f, 'routes.yaml')), (x) => codesOf(x).includes('EP200'));
      const split = d.find((x) => x.code === 'EP200')!;
      assert.strictEqual(split.severity, 2, 'warning by default');
      // Both folders have a routes.yaml: the message names the other one with its folder.
      const message = typeof split.message === 'string' ? split.message : split.message.value;
      assert.ok(message.includes(`(${other}/routes.yaml)`), message);
    }
  });

  it('turns codes off or changes their severity through edgepolicy.severity', async () => {
    const ra = fileUri(path.join(a(), 'routes.yaml'));
    settings.edgepolicy = { exclude: [], severity: { EP200: 'error' } };
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.diagnosticsFor(ra, (d) => d.some((x) => x.code === 'EP200' && x.severity === 1), 'EP200 as error');
    settings.edgepolicy = { exclude: [], severity: { EP200: 'off' } };
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.diagnosticsFor(ra, (d) => d.length === 0, 'EP200 switched off');
    settings.edgepolicy = { exclude: [] };
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.diagnosticsFor(ra, (d) => codesOf(d).includes('EP200'), 'EP200 back');
  });

  it('re-indexes when exclude settings change (edgepolicy.exclude and files.exclude)', async () => {
    const ra = fileUri(path.join(a(), 'routes.yaml'));
    const extra = fileUri(path.join(b(), 'extra.yml'));
    settings.edgepolicy = { exclude: ['routes.yaml'] };
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.diagnosticsFor(ra, (d) => d.length === 0, 'no collision once one side is excluded');
    settings.files = { exclude: { '**/*.yml': true } };
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.diagnosticsFor(extra, (d) => d.length === 0, 'files.exclude drops extra.yml');
    settings.edgepolicy = { exclude: [] };
    settings.files = { exclude: {} };
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.diagnosticsFor(ra, (d) => codesOf(d).includes('EP200'), 'collision back');
    await client.diagnosticsFor(extra, (d) => d.length === 1, 'extra.yml back');
  });

  it('moves diagnostics with a renamed file (workspace/didRenameFiles)', async () => {
    const from = path.join(b(), 'extra.yml');
    const to = path.join(b(), 'renamed.yaml');
    fs.renameSync(from, to);
    void client.conn.sendNotification('workspace/didRenameFiles', { files: [{ oldUri: fileUri(from), newUri: fileUri(to) }] });
    await client.diagnosticsFor(fileUri(from), (d) => d.length === 0, 'old name cleared');
    const moved = await client.diagnosticsFor(fileUri(to), (d) => d.length === 1, 'new name reported');
    assert.deepStrictEqual(codesOf(moved), ['EP100']);
  });

  it('follows a renamed folder, and a folder moved in from outside the workspace', async () => {
    const outside = fs.mkdtempSync(path.join(path.dirname(dir), 'edgepolicy-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'bad.yaml'), fs.readFileSync(path.join(b(), 'renamed.yaml')));
      const inside = path.join(a(), 'moved');
      fs.renameSync(outside, inside);
      void client.conn.sendNotification('workspace/didRenameFiles', { files: [{ oldUri: fileUri(outside), newUri: fileUri(inside) }] });
      await client.diagnosticsFor(fileUri(path.join(inside, 'bad.yaml')), (d) => codesOf(d).includes('EP100'), 'moved-in file indexed');
      const again = path.join(a(), 'moved-again');
      fs.renameSync(inside, again);
      void client.conn.sendNotification('workspace/didRenameFiles', { files: [{ oldUri: fileUri(inside), newUri: fileUri(again) }] });
      await client.diagnosticsFor(fileUri(path.join(inside, 'bad.yaml')), (d) => d.length === 0, 'old folder cleared');
      await client.diagnosticsFor(fileUri(path.join(again, 'bad.yaml')), (d) => codesOf(d).includes('EP100'), 'new folder indexed');
      fs.rmSync(again, { recursive: true });
      void client.conn.sendNotification('workspace/didDeleteFiles', { files: [{ uri: fileUri(again) }] });
      await client.diagnosticsFor(fileUri(path.join(again, 'bad.yaml')), (d) => d.length === 0, 'deleted folder cleared');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('puts an unsaved edit ahead of the disk and reports it quickly', async () => {
    const rb = path.join(b(), 'routes.yaml');
    const u = fileUri(rb);
    const text = fs.readFileSync(rb, 'utf8');
    client.open(u, text);
    const started = Date.now();
    client.change(u, text.replace('/shared/', '/team-b/'));
    await client.diagnosticsFor(fileUri(path.join(a(), 'routes.yaml')), (d) => d.length === 0, 'collision resolved by the edit');
    const ms = Date.now() - started;
    // The debounce is 60 ms; the bound is generous so a loaded CI machine does not make this flaky.
    assert.ok(ms < 3000, `keystroke to diagnostics took ${ms} ms`);
    // Disk changes of an open file do not override the editor text.
    client.watched([{ uri: u, type: 2 }]);
    const table = (await client.conn.sendRequest('edgepolicy/routes')) as { groups: { prefix: string }[] };
    assert.deepStrictEqual(table.groups.map((g) => g.prefix).sort(), ['/shared/', '/team-b/']);
    client.close(u);
    await client.diagnosticsFor(fileUri(path.join(a(), 'routes.yaml')), (d) => codesOf(d).includes('EP200'), 'disk text again');
  });
});

describe('language server: node-ipc transport (dist/server.js --node-ipc)', function () {
  this.timeout(20000);

  it('initializes and answers over node IPC, as VS Code starts it', async () => {
    assert.ok(fs.existsSync(SERVER), 'run `npm run build` first');
    const child = fork(SERVER, ['--node-ipc'], { silent: true });
    const conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    conn.listen();
    try {
      const init = (await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} })) as {
        capabilities: { hoverProvider?: boolean };
        serverInfo?: { name: string };
      };
      assert.strictEqual(init.serverInfo?.name, 'edgepolicy');
      assert.strictEqual(init.capabilities.hoverProvider, true);
      await conn.sendNotification('initialized', {});
      const table = (await conn.sendRequest('edgepolicy/routes')) as { groups: unknown[] };
      assert.deepStrictEqual(table.groups, []);
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
    } finally {
      conn.dispose();
      child.kill();
    }
  });

  it('refuses to start without a transport and says how to run it', async () => {
    const child = fork(SERVER, [], { silent: true });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.strictEqual(code, 2);
    assert.match(stderr, /--stdio/);
  });
});
