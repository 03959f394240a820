// The Routes view through the API activate() returns: the nodes VS Code is given, and where a member leads.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { ViewNode } from '../../../client/src/viewNode';
import { api, span, until, valueRange, wsUri } from './helpers';

describe('routes tree', () => {
  it('shows the example hosts, their route groups, and the accidental split as one group of two', async () => {
    const a = await api();
    await a.waitForRoutes((m) => m.shownGroups > 0, 30000);
    const p = a.routesProvider;
    const roots = p.getChildren(undefined as unknown as ViewNode);
    const hosts = roots.filter((n) => n.kind === 'host').map((n) => n.label);
    assert.ok(hosts.includes('api.example.com') && hosts.includes('shop.example.com'), `hosts: ${hosts.join(', ')}`);
    const api_ = roots.find((n) => n.label === 'api.example.com')!;
    const groups = p.getChildren(api_);
    const labels = groups.map((g) => g.label);
    for (const prefix of ['/api/', '/suggest/']) assert.ok(labels.some((l) => l.startsWith(prefix)), `${prefix} under api.example.com (${labels.join(', ')})`);
    const split = groups.find((g) => g.label.startsWith('/api/'))!;
    const members = p.getChildren(split).map((m) => m.label).sort();
    assert.deepStrictEqual(members, ['orders/orders-api', 'payments/payments-api']);
    const item = p.getTreeItem(split);
    assert.ok(item.iconPath instanceof vscode.ThemeIcon && item.iconPath.id === 'warning', 'the split group carries a warning icon');
    const shop = roots.find((n) => n.label === 'shop.example.com')!;
    const shopGroups = p.getChildren(shop).map((g) => g.label);
    for (const prefix of ['/products/', '/checkout/', '/cart/', '/images/']) assert.ok(shopGroups.some((l) => l.startsWith(prefix)), `${prefix} under shop.example.com (${shopGroups.join(', ')})`);
    assert.ok(roots.some((n) => n.kind === 'tcp'), 'the TCPMapping has its own root');
  });

  it('selecting a member runs Go to Source and opens its Mapping', async () => {
    const a = await api();
    const p = a.routesProvider;
    const api_ = p.getChildren(undefined as unknown as ViewNode).find((n) => n.label === 'api.example.com')!;
    const split = p.getChildren(api_).find((g) => g.label.startsWith('/api/'))!;
    const member = p.getChildren(split).find((m) => m.label === 'orders/orders-api')!;
    const item = p.getTreeItem(member);
    assert.strictEqual(item.command?.command, 'edgepolicy.goToSource');
    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assert.strictEqual(editor.document.uri.toString(), wsUri('teams/orders/routes.yaml').toString());
    assert.deepStrictEqual(span(editor.selection), span(valueRange('teams/orders/routes.yaml', 'name', 'orders-api')), 'the name of the orders-api Mapping is selected');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Reveal in Routes View selects the Mapping under the cursor, under its Host and group', async () => {
    const a = await api();
    const rel = 'teams/catalog/routes.yaml';
    const editor = await vscode.window.showTextDocument(wsUri(rel));
    const name = valueRange(rel, 'name', 'catalog-canary');
    // The cursor anywhere in the Mapping, here on its service line below the name.
    const at = name.start.translate(5, 0);
    editor.selection = new vscode.Selection(at, at);
    await vscode.commands.executeCommand('edgepolicy.revealInRoutes');
    const selected = await until('a selection in the Routes view', () => a.routesSelection()[0]);
    assert.strictEqual(selected.label, 'catalog/catalog-canary');
    assert.strictEqual(selected.location?.range.start.line, name.start.line);
    const group = a.routesProvider.getParent(selected)!;
    assert.ok(group.label.startsWith('/products/'), group.label);
    assert.strictEqual(a.routesProvider.getParent(group)?.label, 'shop.example.com');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
