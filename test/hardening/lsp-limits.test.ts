// Language-server limits on hostile editor text (formerly known issues, fixed in server/src/lsp):
// - completion/hover never hand yaml-language-server a document nested deeper than the engine reads or larger
//   than any real resource (assist.ts declineReason), so a pathological document costs a linear scan only;
// - a document the editor opened and the engine skips (template, binary, too large) is named in one log line
//   with the reason (server.ts noteSkipped), like the files the disk scan skips.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { fileUri, TestClient } from '../lsp/client';
import { CONTENT_CASES, GOOD_MAPPING, LIMITS, editorText, procMemory, resetPeakRss, tempDir } from './inputs';
import { MB } from './measure';

describe('hardening: language server limits on editor text (server/src/lsp)', function () {
  this.timeout(120000);
  let tmp: ReturnType<typeof tempDir>;
  let client: TestClient;
  let pid: number;

  before(async () => {
    tmp = tempDir('lsp-limits');
    fs.mkdirSync(path.join(tmp.dir, 'ws'));
    fs.writeFileSync(path.join(tmp.dir, 'ws', 'good.yaml'), GOOD_MAPPING);
    client = new TestClient({ folders: [path.join(tmp.dir, 'ws')], settings: { edgepolicy: { exclude: [] }, files: { exclude: {} } } });
    await client.initialize();
    await client.indexed();
    pid = client.pid;
  });
  after(async () => {
    await client?.stop();
    tmp?.cleanup();
  });

  // yaml-language-server's parser has no nesting limit: before the guard, 300,000 levels cost ~1.5 s and over
  // 1 GB per request. The engine's js-yaml load stops at depth 100 with EP001; completion/hover stop there too.
  it('completion and hover in a 600 KB document of 300,000 nested flow sequences: each within 10 s, peak RSS growth < 500 MB', async () => {
    const uri = fileUri(path.join(tmp.dir, 'deep.yaml'));
    const n = 300000;
    const text = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: deep\nspec:\n  prefix: /a/\n  service: s\n  x: ' + '['.repeat(n) + ']'.repeat(n) + '\n';
    assert.ok(resetPeakRss(pid), 'peak RSS reset');
    const before = procMemory(pid)!;
    client.open(uri, text);
    const times: string[] = [];
    let worst = 0;
    for (const position of [{ line: 3, character: 4 }, { line: 7, character: 2 }]) {
      let t0 = performance.now();
      await client.completion(uri, position);
      worst = Math.max(worst, performance.now() - t0);
      times.push(`completion ${(performance.now() - t0).toFixed(0)} ms`);
      t0 = performance.now();
      await client.hover(uri, position);
      worst = Math.max(worst, performance.now() - t0);
      times.push(`hover ${(performance.now() - t0).toFixed(0)} ms`);
    }
    client.close(uri);
    const after = procMemory(pid);
    assert.ok(after, 'the server survived');
    const growth = after.hwm - before.rss;
    assert.ok(worst < LIMITS.caseMs && growth < LIMITS.rssGrowthBytes, `${times.join(', ')}; peak RSS growth ${(growth / MB).toFixed(0)} MB`);
  });

  // A skipped document gets no diagnostics, so the log line is the only place that says why.
  it('a Helm template opened from outside the workspace folders gets one logMessage naming it and the reason, not one per edit', async () => {
    const helm = CONTENT_CASES.find((c) => c.id === 'helm')!;
    const file = path.join(tmp.dir, 'outside', helm.file);
    const uri = fileUri(file);
    client.open(uri, editorText(helm.bytes()));
    await client.hover(uri, { line: 0, character: 1 });
    const line = await client
      .waitFor('a skip line for the opened template', () => client.logs.find((l) => l.includes(helm.file)), 3000)
      .catch(() => undefined);
    assert.ok(line, `no logMessage names ${helm.file}; logs: ${JSON.stringify(client.logs)}`);
    assert.match(line, /Helm\/Jinja template/);
    // A code action request analyses pending edits before answering, so each edit below is analysed on its own.
    const lines = () => client.logs.filter((l) => l.includes(helm.file));
    const analyse = async (text: string) => {
      client.change(uri, text);
      await client.codeActions(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    };
    const template = editorText(helm.bytes());
    await analyse('# one\n' + template); // still a template, first at another line
    await analyse('# one\n# two\n' + template);
    assert.strictEqual(lines().length, 1, `edits of a skipped document log again: ${JSON.stringify(lines())}`);
    await analyse(GOOD_MAPPING); // analysed: the next skip is news again
    await analyse(template);
    client.close(uri);
    assert.strictEqual(lines().length, 2, JSON.stringify(lines()));
  });
});
