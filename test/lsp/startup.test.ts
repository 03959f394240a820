// Startup of the BUILT server (dist/server.js): a routes request sent while the workspace is still being indexed
// waits for the first index (an empty table would read "no Mappings found"), and the index shows progress.
// Needs `npm run build` first.
import * as assert from 'assert';
import * as fs from 'fs';
import { tempWorkspace, TestClient } from './client';

describe('language server: startup (dist/server.js)', function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient | undefined;

  beforeEach(() => {
    dir = tempWorkspace('basic');
  });

  afterEach(async () => {
    await client?.stop();
    client = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a routes request sent right after initialize with the indexed groups, not an empty table', async () => {
    client = new TestClient({ folders: [dir], progress: true });
    await client.initialize();
    // No waiting for the index: this is what the extension does as soon as the server runs.
    const table = (await client.conn.sendRequest('edgepolicy/routes')) as { groups: { prefix: string }[]; hosts: unknown[] };
    const prefixes = table.groups.map((g) => g.prefix);
    assert.ok(prefixes.includes('/pay/') && prefixes.includes('/quote/') && prefixes.includes('/legacy/'), prefixes.join(', '));
    assert.strictEqual(table.hosts.length, 1);
  });

  it('reports the indexing as work-done progress', async () => {
    client = new TestClient({ folders: [dir], progress: true });
    await client.initialize();
    await client.indexed();
    const c = client;
    await c.waitFor('progress end', () => c.progress.some((p) => p.kind === 'end'));
    assert.strictEqual(c.progress[0].kind, 'begin');
    assert.strictEqual(c.progress[0].title, 'Edge Policy');
    assert.ok(c.progress.some((p) => p.kind === 'report' && /^Indexing \d+ files$/.test(p.message ?? '')), JSON.stringify(c.progress));
  });
});
