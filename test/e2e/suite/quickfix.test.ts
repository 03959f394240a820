// Quick fixes via vscode.executeCodeActionProvider: EP200 (explicit weights in both files) and EP103 (rename
// the deprecated `host`), the latter applied to an untitled document. (The command's
// results carry no `diagnostics`: VS Code's converter drops them, so actions are picked by range and title.)
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, codeOf, diagnosticsOf, revertAndClose, wsUri } from './helpers';

async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  await vscode.workspace.openTextDocument(uri); // the provider command needs the text model
  const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', uri, range, vscode.CodeActionKind.QuickFix.value);
  return (actions ?? []).filter((a): a is vscode.CodeAction => 'title' in a && !('command' in a && typeof a.command === 'string'));
}

describe('quick fixes', () => {
  before(async () => {
    await api();
  });

  it('EP200 offers explicit weights, editing both Mappings of the split', async () => {
    const ds = await diagnosticsOf('teams/orders/routes.yaml', (d) => d.some((x) => codeOf(x) === 'EP200'));
    const d = ds.find((x) => codeOf(x) === 'EP200')!;
    const fixes = await quickFixes(wsUri('teams/orders/routes.yaml'), d.range);
    const fix = fixes.find((a) => /weight/i.test(a.title));
    assert.ok(fix, `a weights quick fix at the EP200 range (got: ${fixes.map((a) => a.title).join(' | ') || 'none'})`);
    assert.strictEqual(fix.isPreferred, true);
    assert.strictEqual(fix.kind?.value, vscode.CodeActionKind.QuickFix.value);
    assert.ok(fix.edit, 'the fix carries an edit');
    const none = await quickFixes(wsUri('teams/orders/routes.yaml'), new vscode.Range(0, 0, 0, 1));
    assert.deepStrictEqual(none.map((a) => a.title), [], 'no quick fix on the comment line');
    const files = fix.edit.entries().map(([u]) => u.toString()).sort();
    assert.deepStrictEqual(files, [wsUri('teams/orders/routes.yaml').toString(), wsUri('teams/payments/routes.yaml').toString()].sort());
    const texts = fix.edit.entries().flatMap(([, edits]) => edits.map((e) => e.newText)).join('\n');
    assert.match(texts, /weight: \d+/);
  });

  it('EP103 renames the deprecated host to hostname in an unsaved new file, and the warning goes away', async () => {
    const text = [
      'apiVersion: getambassador.io/v3alpha1',
      'kind: Mapping',
      'metadata:',
      '  name: legacy-e2e',
      '  namespace: legacy',
      'spec:',
      '  host: legacy.example.com',
      '  prefix: /legacy-e2e/',
      '  service: legacy.legacy:8080',
      '',
    ].join('\n');
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: text });
    const editor = await vscode.window.showTextDocument(doc);
    try {
      const ds = await diagnosticsOf(doc.uri, (d) => d.some((x) => codeOf(x) === 'EP103'));
      const d = ds.find((x) => codeOf(x) === 'EP103')!;
      assert.deepStrictEqual([d.range.start.line, d.range.start.character, d.range.end.character], [6, 2, 6]);
      const fixes = await quickFixes(doc.uri, d.range);
      const fix = fixes.find((a) => /hostname/.test(a.title));
      assert.ok(fix?.edit, `a rename quick fix with an edit at the EP103 range (got: ${fixes.map((a) => a.title).join(' | ') || 'none'})`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.strictEqual(doc.lineAt(6).text, '  hostname: legacy.example.com');
      await diagnosticsOf(doc.uri, (x) => !x.some((y) => codeOf(y) === 'EP103'), 20000);
    } finally {
      await revertAndClose(editor);
    }
  });
});
