// Restricted mode: the runner's "untrusted" phase opens the example workspace with workspace trust on and the
// folder not trusted. package.json declares `untrustedWorkspaces: limited`: the extension runs and checks the
// workspace, but the edgepolicy.kubeconfig setting is not used (the runner points it at a file that does not
// exist) and kubeconfig users that run a credential plugin are refused (the runner's KUBECONFIG holds the demo
// kubeconfig and a second file with such a context, whose plugin would leave a marker file).
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { DriftSummary } from '../../../server/src/lsp/protocol';
import { api, codeOf, demoContext, diagnosticsOf, env, expectedDrift, find, span } from './helpers';

const EXEC_CONTEXT = 'edgepolicy-exec';

describe('untrusted workspace (restricted mode)', () => {
  after(async () => {
    await (await api()).diff.stop();
  });

  it('the workspace is not trusted, and the extension still runs: server, diagnostics, routes', async () => {
    assert.strictEqual(vscode.workspace.isTrusted, false, 'the runner opened the folder in restricted mode');
    const a = await api(); // activated, and the language server is running
    const ds = await diagnosticsOf('teams/orders/routes.yaml', (d) => d.some((x) => codeOf(x) === 'EP100'));
    const d = ds.find((x) => codeOf(x) === 'EP100')!;
    const at = find('teams/orders/routes.yaml', 'timeout_msx');
    assert.deepStrictEqual(span(d.range), [at.line, at.character, at.line, at.character + 'timeout_msx'.length]);
    const m = await a.waitForRoutes((x) => x.shownGroups > 0, 30000);
    assert.strictEqual(m.shownGroups, a.routesProvider.routeTable!.groups.length);
  });

  it('Diff against cluster ignores the edgepolicy.kubeconfig setting and reads KUBECONFIG', async () => {
    const setting = vscode.workspace.getConfiguration('edgepolicy').get<string>('kubeconfig') ?? '';
    assert.match(setting, /no-such-kubeconfig$/, 'the (user) setting names a file that does not exist');
    assert.ok(!fs.existsSync(setting));
    const context = demoContext();
    const summary = await vscode.commands.executeCommand<DriftSummary | undefined>('edgepolicy.diffAgainstCluster', { context, namespaces: [] });
    assert.ok(summary, 'the command returns the first summary');
    assert.strictEqual(summary.status, 'live', summary.message);
    assert.strictEqual(summary.context, context);
    const drifted = summary.entries.filter((e) => e.state !== 'in-sync').map((e) => `${e.state} ${e.kind} ${e.namespace}/${e.name}`).sort();
    assert.deepStrictEqual(drifted, expectedDrift().map((e) => `${e.state} ${e.kind} ${e.namespace}/${e.name}`).sort());
    await (await api()).diff.stop();
  });

  it('a context whose user runs a credential plugin is refused, and the plugin never runs', async () => {
    const marker = env('EDGEPOLICY_E2E_EXEC_MARKER');
    const summary = await vscode.commands.executeCommand<DriftSummary | undefined>('edgepolicy.diffAgainstCluster', { context: EXEC_CONTEXT, namespaces: [] });
    assert.ok(summary, 'the command returns a summary');
    assert.strictEqual(summary.status, 'error');
    assert.match(summary.message ?? '', /credential plugin.*not allowed in an untrusted workspace/);
    assert.strictEqual(fs.existsSync(marker), false, 'the plugin did not run');
  });
});
