// Completion via vscode.executeCompletionItemProvider on unsaved edits of an example file (reverted afterwards).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, labelOf, revertAndClose, show, specFields, until } from './helpers';

const CHECKOUT = 'teams/checkout/routes.yaml';

async function completeAt(editor: vscode.TextEditor, pos: vscode.Position): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, pos);
  return list?.items ?? [];
}

describe('completion', () => {
  let editor: vscode.TextEditor | undefined;
  before(async () => {
    await api();
  });
  afterEach(async () => {
    if (editor) await revertAndClose(editor);
    editor = undefined;
  });

  it('offers Mapping fields only on an empty line inside a Mapping spec', async () => {
    editor = await show(CHECKOUT);
    const doc = editor.document;
    const last = doc.lineCount - 1 - [...Array(doc.lineCount).keys()].reverse().findIndex((i) => doc.lineAt(i).text.trim() !== '');
    assert.match(doc.lineAt(last).text, /^ {2}\w+:/, 'the file ends inside a Mapping spec');
    assert.ok(await editor.edit((e) => e.insert(doc.lineAt(last).range.end, '\n  ')));
    const items = await until('Mapping field completions', async () => {
      const it = await completeAt(editor!, new vscode.Position(last + 1, 2));
      return it.length > 10 ? it : undefined;
    });
    const mapping = specFields('v3alpha1', 'Mapping');
    const labels = items.map(labelOf);
    assert.deepStrictEqual(labels.filter((l) => !(l in mapping)), [], 'only Mapping spec fields');
    for (const f of ['timeout_ms', 'weight', 'prefix_regex', 'cors']) assert.ok(labels.includes(f), `${f} is offered`);
    for (const f of ['hostBinding', 'securityModel', 'tlsSecret', 'apiVersion', 'replicas']) assert.ok(!labels.includes(f), `${f} is not offered`);
    const timeout = items.find((i) => labelOf(i) === 'timeout_ms')!;
    const doc2 = typeof timeout.documentation === 'string' ? timeout.documentation : timeout.documentation?.value ?? '';
    assert.ok(doc2.length > 20 || (timeout.detail ?? '').length > 0, 'items carry documentation');
  });

  it('offers new-resource snippets, not spec fields, on an empty line between documents', async () => {
    editor = await show(CHECKOUT);
    const doc = editor.document;
    // the checkout Mapping starts after the Deployment's `---`: put an empty document in between
    const sep = [...Array(doc.lineCount).keys()].find((i) => doc.lineAt(i).text === '---')!;
    assert.ok(sep > 0, 'the file has a document separator');
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(sep + 1, 0), '\n---\n')));
    assert.strictEqual(doc.lineAt(sep + 1).text, '');
    const items = await until('snippets', async () => {
      const it = await completeAt(editor!, new vscode.Position(sep + 1, 0));
      return it.length ? it : undefined;
    });
    const labels = items.map(labelOf);
    assert.ok(labels.some((l) => /^Mapping\b/.test(l)), `a Mapping snippet is offered (${labels.slice(0, 12).join(', ')})`);
    assert.ok(labels.some((l) => /^Host\b/.test(l)), 'a Host snippet is offered');
    const snippet = items.find((i) => /^Mapping\b/.test(labelOf(i)))!;
    assert.strictEqual(snippet.kind, vscode.CompletionItemKind.Snippet);
    const text = snippet.insertText instanceof vscode.SnippetString ? snippet.insertText.value : String(snippet.insertText ?? '');
    assert.match(text, /apiVersion: getambassador\.io\/v3alpha1/);
    assert.match(text, /kind: Mapping/);
    for (const f of ['timeout_ms', 'weight', 'hostBinding']) assert.ok(!labels.includes(f), `${f} is not offered at the top level`);
  });
});
