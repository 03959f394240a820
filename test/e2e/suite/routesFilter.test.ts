// The Routes view's filter commands and its live refresh, through the commands a user runs and the nodes VS Code
// is given. The view fetches while it is visible: the tests show it first (its `.focus` command).
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { EdgePolicyApi } from '../../../client/src/api';
import type { ViewNode } from '../../../client/src/viewNode';
import { api, replaceValue, revertAndClose, show, until } from './helpers';

const CHECKOUT = 'teams/checkout/routes.yaml';

/** host label -> labels of its route groups (and members under each group), as the view shows them. */
function shown(a: EdgePolicyApi): Record<string, Record<string, string[]>> {
  const p = a.routesProvider;
  const out: Record<string, Record<string, string[]>> = {};
  for (const root of p.getChildren(undefined as unknown as ViewNode)) {
    out[root.label] = {};
    for (const child of p.getChildren(root)) out[root.label][child.label] = p.getChildren(child).map((m) => m.label).sort();
  }
  return out;
}

/** The route-group labels shown under any host, sorted. */
function groupLabels(a: EdgePolicyApi): string[] {
  return Object.values(shown(a)).flatMap((groups) => Object.keys(groups)).sort();
}

const showRoutes = async (): Promise<void> => {
  await vscode.commands.executeCommand('edgepolicy.routes.focus');
};

describe('routes view: filter commands', () => {
  before(async () => {
    await showRoutes();
    await (await api()).waitForRoutes((m) => m.shownGroups > 0, 30000);
  });
  after(async () => {
    await vscode.commands.executeCommand('edgepolicy.clearRoutesFilter');
  });

  it('Filter Routes… with a word shows only the groups that match it, under their host', async () => {
    const a = await api();
    const table = a.routesProvider.routeTable!;
    const total = table.groups.length;
    await vscode.commands.executeCommand('edgepolicy.filterRoutes', 'catalog');
    // the catalog team's routes: the groups that have a member in namespace catalog
    const catalog = table.groups.filter((g) => g.members.some((m) => m.namespace === 'catalog'));
    assert.ok(catalog.length >= 2, 'the example has several catalog routes');
    const hosts = [...new Set(catalog.map((g) => g.host))];
    assert.deepStrictEqual(Object.keys(shown(a)), hosts, 'only the host of those routes, no other host, no TCP');
    assert.deepStrictEqual(groupLabels(a).map((l) => l.split(' ')[0]), catalog.map((g) => g.prefix).sort());
    assert.strictEqual(a.routesProvider.current.shownGroups, catalog.length);
    assert.strictEqual(a.routesProvider.viewDescription(), `Filter: catalog (${catalog.length} of ${total})`);
    assert.strictEqual(a.routesProvider.filter, 'catalog');
  });

  it('a filter that matches one member of a shared group shows that member only', async () => {
    const a = await api();
    await vscode.commands.executeCommand('edgepolicy.filterRoutes', 'payments');
    const tree = shown(a);
    assert.deepStrictEqual(Object.keys(tree), ['api.example.com']);
    const groups = Object.entries(tree['api.example.com']);
    assert.strictEqual(groups.length, 1, `one group: ${groups.map(([g]) => g).join(', ')}`);
    assert.match(groups[0][0], /^\/api\//);
    assert.deepStrictEqual(groups[0][1], ['payments/payments-api'], 'the orders member of the split is hidden');
  });

  it('a filter that matches nothing says so; Clear Routes Filter shows every route again', async () => {
    const a = await api();
    await vscode.commands.executeCommand('edgepolicy.filterRoutes', 'no-such-route-anywhere');
    const roots = a.routesProvider.roots;
    assert.deepStrictEqual(roots.map((n) => [n.kind, n.label]), [['message', 'No routes match “no-such-route-anywhere”']]);
    assert.strictEqual(a.routesProvider.getTreeItem(roots[0]).command?.command, 'edgepolicy.clearRoutesFilter', 'the message clears the filter');
    await vscode.commands.executeCommand('edgepolicy.clearRoutesFilter');
    const m = a.routesProvider.current;
    assert.strictEqual(m.shownGroups, m.totalGroups);
    assert.strictEqual(a.routesProvider.viewDescription(), undefined);
    assert.deepStrictEqual(
      a.routesProvider.roots.map((n) => n.label),
      [...a.routesProvider.routeTable!.hosts.map((h) => h.hostname), 'TCP'],
    );
  });
});

describe('routes view: live refresh', () => {
  // No waitForRoutes here: it would fetch for the caller, visible view or not. These tests watch what the view
  // itself fetched (routeTable) and shows (its nodes).
  const prefixes = (a: EdgePolicyApi): string[] => (a.routesProvider.routeTable?.groups ?? []).map((g) => g.prefix);
  const showing = (a: EdgePolicyApi, prefix: string): boolean => prefixes(a).includes(prefix) && groupLabels(a).includes(prefix);

  before(async () => {
    await vscode.commands.executeCommand('edgepolicy.clearRoutesFilter');
  });

  it('while the view is visible, an unsaved edit changes the tree, and reverting it changes it back', async () => {
    const a = await api();
    await showRoutes();
    await until('the /cart/ route in the view', () => showing(a, '/cart/'));
    const editor = await show(CHECKOUT);
    try {
      await replaceValue(editor, 'prefix', '/cart/', '/basket/');
      await until(`/basket/ instead of /cart/ in the view`, () => showing(a, '/basket/') && !prefixes(a).includes('/cart/'), 20000);
      assert.ok(Object.keys(shown(a)['shop.example.com'] ?? {}).includes('/basket/'), 'the changed route stays under its host');
    } finally {
      await revertAndClose(editor);
    }
    await until('/cart/ back in the view', () => showing(a, '/cart/') && !prefixes(a).includes('/basket/'), 20000);
  });

  it('an edit made while the view is hidden shows once the view is visible again', async () => {
    const a = await api();
    await vscode.commands.executeCommand('workbench.view.explorer');
    const editor = await show(CHECKOUT);
    try {
      await replaceValue(editor, 'prefix', '/cart/', '/trolley/');
      await showRoutes();
      await until(`/trolley/ in the view`, () => showing(a, '/trolley/'), 20000);
    } finally {
      await revertAndClose(editor);
    }
    await until('/cart/ back in the view', () => showing(a, '/cart/') && !prefixes(a).includes('/trolley/'), 20000);
  });
});
