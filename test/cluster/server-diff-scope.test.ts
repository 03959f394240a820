// The language server's live diff counts only files inside its workspace folders: an untitled document or a YAML
// file opened from elsewhere is not part of the desired state. Drives the BUILT server (test/lsp/client.ts) against
// the project's test API server, or the real context named by EDGEPOLICY_TEST_CONTEXT (the test creates nothing
// in the cluster; it only reads the namespace it names).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestCluster, type TestCluster } from '../cluster-server/index';
import { TestClient, fileUri } from '../lsp/client';
import * as P from '../../server/src/lsp/protocol';

const mapping = (name: string, ns: string) =>
  `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  prefix: /${name}/\n  service: ${name}\n`;

describe('language server live diff: which files are the workspace side', function () {
  this.timeout(60_000);
  let tmp: string;
  let cluster: TestCluster | undefined;
  let client: TestClient | undefined;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-diff-scope-'));
    if (!process.env['EDGEPOLICY_TEST_CONTEXT']) cluster = await startTestCluster({ kubeconfigPath: path.join(tmp, 'kubeconfig') });
  });
  after(async () => {
    await client?.stop();
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const startParams = (ns: string): P.DiffStartParams => {
    const real = process.env['EDGEPOLICY_TEST_CONTEXT'];
    return {
      kubeconfig: real ? process.env['EDGEPOLICY_TEST_KUBECONFIG'] || undefined : cluster!.kubeconfigPath,
      allowExec: true,
      context: real ?? 'edgepolicy-demo',
      namespaces: [ns],
    };
  };

  it('leaves out untitled documents and files outside the folders; a file inside counts', async () => {
    const ns = `ep-scope-${process.pid}`;
    const folder = path.join(tmp, 'repo');
    const elsewhere = path.join(tmp, 'repo-other');
    fs.mkdirSync(folder);
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(folder, 'routes.yaml'), mapping('inside', ns));
    const outsideFile = path.join(elsewhere, 'routes.yaml');
    fs.writeFileSync(outsideFile, mapping('outside', ns));

    client = new TestClient({ folders: [folder] });
    await client.initialize();
    await client.indexed();
    // Each with a mistake: its diagnostics show that the server has read the document.
    const withMistake = (name: string) => `${mapping(name, ns)}  timeout_ms: soon\n`;
    client.open('untitled:Untitled-1', withMistake('untitled'));
    client.open(fileUri(outsideFile), withMistake('outside'));
    await client.diagnosticsFor('untitled:Untitled-1', (d) => d.length > 0);
    await client.diagnosticsFor(fileUri(outsideFile), (d) => d.length > 0);

    const summary = (await client.conn.sendRequest(P.DiffStartRequest, startParams(ns))) as P.DiffStartResult;
    try {
      const names = summary.entries.filter((e) => e.kind === 'Mapping').map((e) => `${e.name}:${e.state}`);
      assert.ok(names.includes('inside:workspace-only'), `the folder's Mapping is compared: ${names.join(', ')}`);
      assert.ok(!names.some((n) => n.startsWith('untitled:')), `an untitled document is not desired state: ${names.join(', ')}`);
      assert.ok(!names.some((n) => n.startsWith('outside:')), `a file outside the folders is not desired state: ${names.join(', ')}`);
    } finally {
      await client.conn.sendRequest(P.DiffStopRequest);
    }
  });

  it('in a window without folders, the open files are the workspace side', async () => {
    const ns = `ep-scope-nofolder-${process.pid}`;
    const file = path.join(tmp, 'single', 'routes.yaml');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, mapping('single', ns));
    await client?.stop();
    client = new TestClient({ folders: [] });
    await client.initialize();
    client.open(fileUri(file), `${mapping('single', ns)}  timeout_ms: soon\n`);
    await client.diagnosticsFor(fileUri(file), (d) => d.length > 0);
    const summary = (await client.conn.sendRequest(P.DiffStartRequest, startParams(ns))) as P.DiffStartResult;
    try {
      const names = summary.entries.filter((e) => e.kind === 'Mapping').map((e) => `${e.name}:${e.state}`);
      assert.deepEqual(names, ['single:workspace-only']);
    } finally {
      await client.conn.sendRequest(P.DiffStopRequest);
    }
  });
});
