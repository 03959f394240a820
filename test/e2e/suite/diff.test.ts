// "Diff against cluster" with command arguments (no pickers) against the demo cluster: the summary and the
// drift view hold exactly the seeded drift, and an entry opens a diff editor with both sides. Read-only.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { DriftSummary } from '../../../server/src/lsp/protocol';
import { api, demoContext, expectedDrift, readWs } from './helpers';

describe('diff against cluster', () => {
  after(async () => {
    const a = await api();
    await a.diff.stop();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('lists exactly the seeded drift, live', async () => {
    const a = await api();
    const context = demoContext();
    const summary = await vscode.commands.executeCommand<DriftSummary | undefined>('edgepolicy.diffAgainstCluster', { context, namespaces: [] });
    assert.ok(summary, 'the command returns the first summary');
    assert.strictEqual(summary.context, context);
    assert.strictEqual(summary.status, 'live', summary.message);
    const drifted = summary.entries.filter((e) => e.state !== 'in-sync');
    const want = expectedDrift();
    const key = (e: { kind: string; namespace: string; name: string; state: string }): string => `${e.state} ${e.kind} ${e.namespace}/${e.name}`;
    assert.deepStrictEqual(drifted.map(key).sort(), want.map(key).sort());
    for (const w of want.filter((x) => x.pointer)) {
      const e = drifted.find((x) => key(x) === key(w))!;
      assert.ok(e.changes.includes(w.pointer), `${key(w)} changed at ${w.pointer} (${e.changes.join(', ')})`);
    }
    assert.ok(summary.entries.some((e) => e.state === 'in-sync' && e.name === 'payments-api'), 'in-sync resources are listed as such');
    // the README: the annotation-defined Mapping is compared with the live Service's annotation, and is in sync
    const images = summary.entries.filter((e) => e.kind === 'Mapping' && e.namespace === 'catalog' && e.name === 'images');
    assert.deepStrictEqual(images.map((e) => [e.state, e.annotationOf?.kind, e.annotationOf?.name]), [['in-sync', 'Service', 'images']]);
    // what the view shows
    const roots = a.driftProvider.roots.map((n) => n.label);
    const count = (state: string): number => want.filter((w) => w.state === state).length;
    assert.ok(roots.includes(`Changed (${count('changed')})`), roots.join(' | '));
    assert.ok(roots.some((l) => l.startsWith('Only in workspace') && l.endsWith(`(${count('workspace-only')})`)), roots.join(' | '));
    assert.ok(roots.some((l) => l.startsWith('Only in cluster') && l.endsWith(`(${count('cluster-only')})`)), roots.join(' | '));
    // a workspace-only entry leads to its source
    const wsOnly = summary.entries.find((e) => e.state === 'workspace-only')!;
    assert.ok(wsOnly.uri && typeof wsOnly.line === 'number', 'a workspace-only entry knows its source');
  });

  it('opens a changed entry in a diff editor: workspace on the left, cluster on the right', async () => {
    const a = await api();
    const want = expectedDrift().find((w) => w.state === 'changed' && /weight/.test(w.pointer))!;
    const entry = a.driftProvider.summary?.entries.find((e) => e.name === want.name && e.namespace === want.namespace);
    assert.ok(entry, 'the canary is in the session');
    await vscode.commands.executeCommand('edgepolicy.openDiff', entry);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputTextDiff, 'the active tab is a diff editor');
    assert.match(tab.label, new RegExp(`${want.name}.*${demoContext()}`));
    const left = (await vscode.workspace.openTextDocument(tab.input.original)).getText();
    const right = (await vscode.workspace.openTextDocument(tab.input.modified)).getText();
    const wsWeight = /weight: (\d+)/.exec(readWs('teams/catalog/routes.yaml').split('---').find((d) => d.includes(`name: ${want.name}`)) ?? '')?.[1];
    assert.match(left, new RegExp(`name: ${want.name}`));
    assert.match(left, new RegExp(`weight: ${wsWeight}\\b`), 'left is the workspace');
    assert.match(right, new RegExp(`name: ${want.name}`));
    const clWeight = /weight: (\d+)/.exec(right)?.[1];
    assert.ok(clWeight && clWeight !== wsWeight, `right is the cluster, with another weight (${clWeight})`);
    assert.ok(!/managedFields|resourceVersion|uid:/.test(right), 'server-side noise is left out of the cluster side');
  });
});
