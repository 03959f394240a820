// File events of the BUILT server (dist/server.js): duplicate events in a batch are handled once, and a folder
// created inside an excluded path is not walked. Needs `npm run build` first.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { codesOf, fileUri, indexedClient, stopAndRemove, tempWorkspace, TestClient } from './client';

const FileCreated = 1;
const FileChanged = 2;
/** A Mapping with an unknown field (EP100): its diagnostics arrive after everything else in its batch was handled. */
const MARKER = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: NAME\nspec:\n  prefix: /NAME/\n  service: s:80\n  timeout_msx: 10\n';

describe('language server: file events (dist/server.js)', function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient;

  before(async () => {
    dir = tempWorkspace('basic');
    client = await indexedClient({ folders: [dir], settings: { edgepolicy: { exclude: ['generated/**'] }, files: { exclude: {} } } });
  });

  after(() => stopAndRemove(client, dir));

  /** Writes a marker file and returns its URI; sending it last in a batch tells when the batch was handled. */
  const marker = (name: string): string => {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, MARKER.replace(/NAME/g, name));
    return fileUri(file);
  };

  it('handles a file reported by several watchers in one batch once', async () => {
    const bin = path.join(dir, 'twice.yaml');
    fs.writeFileSync(bin, Buffer.from([0x61, 0x00, 0x62, 0x0a]));
    const m = marker('marker-one');
    const u = fileUri(bin);
    client.watched([
      { uri: u, type: FileCreated },
      { uri: u, type: FileChanged },
      { uri: u, type: FileCreated },
      { uri: m, type: FileCreated },
    ]);
    await client.diagnosticsFor(m, (d) => codesOf(d).includes('EP100'), 'EP100 on the marker');
    const skipped = client.logs.filter((l) => l.startsWith('skipped') && l.includes('twice.yaml'));
    assert.strictEqual(skipped.length, 1, skipped.join('\n'));
  });

  for (const excluded of ['node_modules', 'generated']) {
    it(`does not walk a folder created inside ${excluded}`, async () => {
      const pkg = path.join(dir, excluded, 'new-pkg');
      fs.mkdirSync(pkg, { recursive: true });
      fs.writeFileSync(path.join(pkg, 'binary.yaml'), Buffer.from([0x61, 0x00, 0x62, 0x0a]));
      fs.writeFileSync(path.join(pkg, 'mapping.yaml'), MARKER.replace(/NAME/g, 'vendored'));
      const m = marker(`marker-${excluded}`);
      client.watched([
        { uri: fileUri(pkg), type: FileCreated },
        { uri: m, type: FileCreated },
      ]);
      await client.diagnosticsFor(m, (d) => codesOf(d).includes('EP100'), 'EP100 on the marker');
      assert.deepStrictEqual(client.logs.filter((l) => l.includes('new-pkg')), []);
      assert.strictEqual(client.diagnostics.get(fileUri(path.join(pkg, 'mapping.yaml'))), undefined);
    });
  }
});
