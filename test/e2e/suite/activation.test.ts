import * as assert from 'assert';
import * as vscode from 'vscode';

describe('activation', () => {
  it('activates the extension and starts the language server', async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'edgepolicy');
    assert.ok(ext, 'the edgepolicy extension is loaded');
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('edgepolicy.diffAgainstCluster'), 'Diff against cluster command is registered');
  });
});
