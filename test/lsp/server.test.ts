// Drives the BUILT language server (dist/server.js --stdio) over the real protocol. `npm test` builds first;
// when running this file alone, run `npm run build` before.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { CompletionItem, Diagnostic, MarkupContent } from 'vscode-languageserver-protocol';
import { codesOf, fileUri, stopAndRemove, tempWorkspace, TestClient } from './client';

const CompletionItemKindSnippet = 15;
const DeprecatedTag = 1;
const FileCreated = 1;
const FileDeleted = 3;

function labels(items: CompletionItem[]): string[] {
  return items.map((i) => i.label);
}

function rangeOf(d: Diagnostic): string {
  return `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`;
}

function hoverText(h: { contents: unknown } | null): string {
  if (!h) return '';
  const c = h.contents as MarkupContent | string;
  return typeof c === 'string' ? c : c.value;
}

describe('language server over stdio (dist/server.js)', function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient;
  const uri = (rel: string) => fileUri(path.join(dir, rel));
  const read = (rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8');

  before(async () => {
    dir = tempWorkspace('basic');
    // node_modules cannot be committed as a fixture (it is git-ignored): create it here.
    fs.mkdirSync(path.join(dir, 'node_modules', 'pkg'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'node_modules', 'pkg', 'broken.yaml'),
      'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: vendored\nspec:\n  prefix: /v/\n  not_a_field: 1\n',
    );
    client = new TestClient({
      folders: [dir],
      settings: { edgepolicy: { exclude: ['generated/**'] }, files: { exclude: { '**/.hg': true } } },
    });
    const init = await client.initialize();
    assert.ok(init.capabilities.completionProvider, 'completion is offered');
    assert.ok(init.capabilities.hoverProvider, 'hover is offered');
    await client.indexed();
  });

  after(() => stopAndRemove(client, dir));

  it('indexes the workspace at startup and logs statistics, never file contents', () => {
    const line = client.logs.find((l) => /^indexed /.test(l))!;
    assert.match(line, /indexed 3 YAML file\(s\) in 1 folder\(s\): \d+ Ambassador resource\(s\), \d+ ms/);
    for (const l of client.logs) assert.doesNotMatch(l, /timeout_msx|example\/quote/, 'no file content in logs');
  });

  it('registers file watchers for YAML files', async () => {
    const reg = await client.waitFor('watcher registration', () =>
      client.registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles'),
    );
    assert.match(JSON.stringify(reg.registerOptions), /\*\*\/\*\.\{yaml,yml\}/);
  });

  it('publishes engine diagnostics for an unopened file: exact codes and ranges, nothing on the Deployment', async () => {
    const diags = await client.diagnosticsFor(uri('app.yaml'), (d) => d.length > 0);
    assert.deepStrictEqual(
      diags.map((d) => `${d.code} ${rangeOf(d)}`).sort(),
      ['EP100 27:2-27:13', 'EP100 28:15-28:20'],
    );
    for (const d of diags) {
      assert.strictEqual(d.source, 'edgepolicy');
      assert.ok(d.range.start.line >= 18, 'nothing inside the Deployment document (lines 0-16)');
    }
    assert.match(String(diags.find((d) => d.range.start.line === 27)!.message), /timeout_msx/);
  });

  it('skips node_modules and files excluded by edgepolicy.exclude, even when opened', async () => {
    assert.strictEqual(client.diagnostics.get(uri('node_modules/pkg/broken.yaml')), undefined);
    assert.strictEqual(client.diagnostics.get(uri('generated/skip-me.yaml')), undefined);
    assert.strictEqual(client.diagnostics.get(uri('payments.yaml')), undefined, 'a clean file gets no diagnostics');
    const excluded = uri('generated/skip-me.yaml');
    client.open(excluded, read('generated/skip-me.yaml'));
    // The server handles messages in order: once this answer is back, an open-time publish would have arrived.
    await client.completion(excluded, { line: 0, character: 0 });
    assert.strictEqual(client.diagnostics.get(excluded), undefined);
    client.close(excluded);
  });

  describe('completion', () => {
    const appWithBlankLines = () => {
      const lines = read('app.yaml').split('\n');
      // A blank line at the end of the Mapping (right before `---`) and one at the end of the Deployment.
      lines.splice(29, 0, '  ');
      lines.splice(17, 0, '      ');
      return lines.join('\n');
    };

    it('offers Mapping fields only inside a Mapping spec, also on a blank line between documents', async () => {
      const u = uri('app.yaml');
      client.open(u, appWithBlankLines());
      // Mapping spec: line 30 is the blank line just before `---` of the multi-document file.
      const items = await client.completion(u, { line: 30, character: 2 });
      const names = labels(items);
      assert.ok(names.includes('timeout_ms'), 'Mapping field offered');
      assert.ok(names.includes('rewrite'), 'Mapping field offered');
      assert.ok(!names.includes('prefix'), 'fields already present are not offered again');
      for (const other of ['hostBinding', 'securityModel', 'replicas', 'tlsSecret']) {
        assert.ok(!names.includes(other), `${other} is not a Mapping field`);
      }
      const timeout = items.find((i) => i.label === 'timeout_ms')!;
      const edit = timeout.textEdit as { range: { start: { line: number; character: number } } };
      assert.deepStrictEqual(edit.range.start, { line: 30, character: 2 }, 'edit lands on the requested line');
      const doc = timeout.documentation as { kind?: string; value?: string } | undefined;
      assert.strictEqual(doc?.kind, 'markdown', 'field documentation is Markdown, as in hovers');
      assert.match(doc?.value ?? '', /\w+ \w+ \w+/, 'field documentation is our description');
      client.close(u);
    });

    it('offers nothing in a non-Ambassador document (Deployment)', async () => {
      const u = uri('app.yaml');
      client.open(u, appWithBlankLines());
      assert.deepStrictEqual(await client.completion(u, { line: 17, character: 6 }), []);
      assert.deepStrictEqual(await client.completion(u, { line: 5, character: 2 }), []);
      client.close(u);
    });

    it('completes apiVersion values, v1 marked deprecated', async () => {
      const u = uri('scratch.yaml');
      client.open(u, 'apiVersion: \n');
      const items = await client.completion(u, { line: 0, character: 12 });
      assert.deepStrictEqual(labels(items), ['getambassador.io/v3alpha1', 'getambassador.io/v2', 'getambassador.io/v1']);
      const v1 = items.find((i) => i.label === 'getambassador.io/v1')!;
      assert.deepStrictEqual(v1.tags, [DeprecatedTag]);
      assert.ok(!items[0].tags, 'v3alpha1 is not deprecated');
      // A half-typed value still completes, and the edit replaces what was typed.
      client.change(u, 'apiVersion: getamb\nkind: Host\n');
      const partial = await client.completion(u, { line: 0, character: 18 });
      assert.deepStrictEqual(labels(partial), ['getambassador.io/v3alpha1', 'getambassador.io/v2'], 'Host has no v1');
      const range = (partial[0].textEdit as { range: { start: { character: number }; end: { character: number } } }).range;
      assert.deepStrictEqual([range.start.character, range.end.character], [12, 18]);
      client.close(u);
    });

    it('completes kind values valid for the chosen version', async () => {
      const u = uri('scratch.yaml');
      client.open(u, 'apiVersion: getambassador.io/v2\nkind: \n---\napiVersion: getambassador.io/v3alpha1\nkind: Ma\n');
      const v2 = labels(await client.completion(u, { line: 1, character: 6 }));
      assert.strictEqual(v2.length, 13);
      assert.ok(v2.includes('Mapping') && v2.includes('Host'));
      assert.ok(!v2.includes('Listener'), 'Listener exists only in v3alpha1');
      const v3 = await client.completion(u, { line: 4, character: 8 });
      assert.strictEqual(v3.length, 14);
      assert.ok(labels(v3).includes('Listener'));
      const edit = v3[0].textEdit as { range: { start: { character: number }; end: { character: number } } };
      assert.deepStrictEqual([edit.range.start.character, edit.range.end.character], [6, 8], 'replaces the typed prefix');
      client.close(u);
    });

    it('offers a snippet per kind on an empty document', async () => {
      const u = uri('scratch.yaml');
      client.open(u, 'apiVersion: getambassador.io/v3alpha1\nkind: Host\nmetadata:\n  name: h\n---\n\n');
      const items = await client.completion(u, { line: 5, character: 0 });
      const snippets = items.filter((i) => i.kind === CompletionItemKindSnippet);
      assert.strictEqual(snippets.length, 14);
      const mapping = snippets.find((i) => i.label === 'Mapping (v3alpha1)')!;
      assert.ok(mapping, 'Mapping (v3alpha1) snippet');
      const text = (mapping.textEdit as { newText: string }).newText;
      assert.match(text, /^apiVersion: getambassador\.io\/v3alpha1\nkind: Mapping\nmetadata:\n {2}name: \$\{1:[^}]+\}\nspec:\n/);
      assert.match(text, /\n {2}prefix: \$\{\d:\/api\/\}/);
      assert.match(text, /\n {2}service: \$\{\d:[^}]+\}/);
      const listener = snippets.find((i) => i.label === 'Listener (v3alpha1)')!;
      assert.match((listener.textEdit as { newText: string }).newText, /securityModel: \$\{\d\|XFP,SECURE,INSECURE\|\}/);
      // No snippets inside an existing resource.
      const inHost = await client.completion(u, { line: 2, character: 0 });
      assert.ok(!inHost.some((i) => i.kind === CompletionItemKindSnippet));
      client.close(u);
    });

    it('completes inside a getambassador.io/config annotation with the flat layout', async () => {
      const u = uri('annotated.yaml');
      client.open(u, read('annotated.yaml'));
      // Line 11 is the blank line inside the block scalar (between prefix and service).
      const items = await client.completion(u, { line: 11, character: 6 });
      const names = labels(items);
      assert.ok(names.includes('timeout_ms'), 'Mapping spec field at the top level of the flat layout');
      assert.ok(names.includes('metadata_labels') && names.includes('namespace'), 'flat-layout metadata keys');
      assert.ok(!names.includes('spec') && !names.includes('prefix'), 'no nested spec, no duplicates');
      assert.ok(!names.includes('selector') && !names.includes('ports'), 'nothing from the Service');
      const edit = items.find((i) => i.label === 'timeout_ms')!.textEdit as { range: { start: unknown } };
      assert.deepStrictEqual(edit.range.start, { line: 11, character: 6 }, 'positions shifted back into the block');
      // Outside the annotation, in the Service itself: nothing from us.
      assert.deepStrictEqual(await client.completion(u, { line: 15, character: 4 }), []);
      client.close(u);
    });
  });

  describe('hover', () => {
    it('shows our description, the type and the allowed values', async () => {
      const u = uri('app.yaml');
      client.open(u, read('app.yaml'));
      const prefix = hoverText(await client.hover(u, { line: 25, character: 4 }));
      assert.match(prefix, /#### prefix/);
      assert.match(prefix, /Type: `string`/);
      assert.match(prefix, /\/api/);
      const kind = hoverText(await client.hover(u, { line: 19, character: 8 }));
      assert.match(kind, /Served versions: `v1`, `v2`, `v3alpha1`/);
      assert.strictEqual(await client.hover(u, { line: 5, character: 4 }), null, 'no hover in the Deployment');
      client.close(u);
      const l = uri('listener.yaml');
      client.open(l, 'apiVersion: getambassador.io/v3alpha1\nkind: Listener\nmetadata:\n  name: l\nspec:\n  securityModel: XFP\n');
      const sm = hoverText(await client.hover(l, { line: 5, character: 5 }));
      assert.match(sm, /Allowed Values/);
      for (const v of ['XFP', 'SECURE', 'INSECURE']) assert.match(sm, new RegExp('`' + v + '`'));
      client.close(l);
    });

    it('works inside an annotation', async () => {
      const u = uri('annotated.yaml');
      client.open(u, read('annotated.yaml'));
      const h = await client.hover(u, { line: 10, character: 8 });
      assert.match(hoverText(h), /#### prefix/);
      assert.deepStrictEqual(h!.range, { start: { line: 10, character: 6 }, end: { line: 10, character: 12 } });
      client.close(u);
    });
  });

  describe('workspace-wide diagnostics', () => {
    const colliding = (name: string) =>
      `---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n  hostname: example.com\n  prefix: /pay/\n  service: ${name}:80\n`;

    it('an edit in one file updates diagnostics of another, unopened file', async () => {
      const u = uri('app.yaml');
      const original = read('app.yaml');
      client.open(u, original);
      client.change(u, original + colliding('checkout'));
      const pay = await client.diagnosticsFor(uri('payments.yaml'), (d) => codesOf(d).includes('EP200'), 'EP200');
      const split = pay.find((d) => d.code === 'EP200')!;
      assert.strictEqual(split.range.start.line, 8, 'points at the prefix of the payments Mapping');
      assert.ok(
        split.relatedInformation?.some((r) => r.location.uri === u),
        'related information names the colliding Mapping',
      );
      client.change(u, original);
      await client.diagnosticsFor(uri('payments.yaml'), (d) => !codesOf(d).includes('EP200'), 'EP200 gone');
      client.close(u);
    });

    it('closing a document reverts to its content on disk', async () => {
      const u = uri('app.yaml');
      client.open(u, read('app.yaml'));
      client.change(u, read('app.yaml').replace('timeout_msx', 'timeout_ms').replace('maybe', 'true'));
      await client.diagnosticsFor(u, (d) => d.length === 0, 'clean diagnostics');
      client.close(u);
      await client.diagnosticsFor(u, (d) => d.length === 2, 'diagnostics from disk again');
    });

    it('follows files created and deleted on disk (didChangeWatchedFiles)', async () => {
      const file = path.join(dir, 'teams', 'checkout.yaml');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, colliding('checkout'));
      client.watched([{ uri: fileUri(file), type: FileCreated }]);
      await client.diagnosticsFor(fileUri(file), (d) => codesOf(d).includes('EP200'), 'EP200 on the new file');
      await client.diagnosticsFor(uri('payments.yaml'), (d) => codesOf(d).includes('EP200'), 'EP200 on payments');
      const before = client.routesChanged;
      fs.rmSync(file);
      client.watched([{ uri: fileUri(file), type: FileDeleted }]);
      await client.diagnosticsFor(fileUri(file), (d) => d.length === 0, 'cleared on delete');
      await client.diagnosticsFor(uri('payments.yaml'), (d) => !codesOf(d).includes('EP200'), 'EP200 gone');
      await client.waitFor('routesChanged', () => client.routesChanged > before);
    });

    it('answers edgepolicy/routes with the route table', async () => {
      const table = (await client.conn.sendRequest('edgepolicy/routes')) as { groups: { prefix: string }[]; hosts: unknown[] };
      const prefixes = table.groups.map((g) => g.prefix).sort();
      assert.ok(prefixes.includes('/pay/') && prefixes.includes('/quote/') && prefixes.includes('/legacy/'));
      assert.strictEqual(table.hosts.length, 1);
    });
  });

  it('offers the engine quick fixes as code actions', async () => {
    const u = uri('fixme.yaml');
    const text =
      'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: fixme\nspec:\n' +
      '  host: fixme.example.com\n  prefix: /fixme/\n  service: fixme:80\n  timeout_msx: 10\n';
    client.open(u, text);
    const diags = await client.diagnosticsFor(u, (d) => codesOf(d).includes('EP103'), 'EP103');
    const ep103 = diags.find((d) => d.code === 'EP103')!;
    assert.deepStrictEqual(ep103.range, { start: { line: 5, character: 2 }, end: { line: 5, character: 6 } });
    const actions = await client.codeActions(u, ep103.range, [ep103]);
    const rename = actions.find((a) => /hostname/.test(a.title))!;
    assert.ok(rename, `a rename action among ${actions.map((a) => a.title).join(', ')}`);
    assert.strictEqual(rename.kind, 'quickfix');
    assert.deepStrictEqual(rename.edit!.changes![u], [{ range: ep103.range, newText: 'hostname' }]);
    assert.strictEqual(rename.diagnostics?.[0]?.code, 'EP103');
    const unknown = await client.codeActions(u, { start: { line: 8, character: 2 }, end: { line: 8, character: 2 } });
    const typo = unknown.find((a) => /timeout_ms\b/.test(a.title));
    assert.ok(typo, `a fix for the misspelt field among ${unknown.map((a) => a.title).join(', ')}`);
    assert.deepStrictEqual(await client.codeActions(u, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }), []);
    client.close(u);
    await client.diagnosticsFor(u, (d) => d.length === 0, 'cleared after closing a file that is not on disk');
  });

  it('survives hostile input and odd requests', async () => {
    const u = uri('hostile.yaml');
    client.open(u, 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nspec: [\n\t- {{ x }}\n\u0000\u0001 : : :\n');
    assert.ok(Array.isArray(await client.completion(u, { line: 99, character: 99 })));
    assert.ok(Array.isArray(await client.completion(u, { line: 2, character: 7 })));
    await client.hover(u, { line: 4, character: 3 });
    await client.completion(uri('never-opened.yaml'), { line: 0, character: 0 });
    client.close(u);
    // Still alive and answering.
    const items = await client.completion(uri('app.yaml'), { line: 0, character: 0 });
    assert.ok(Array.isArray(items));
    assert.doesNotMatch(client.stderr, /unexpected error/);
  });
});
