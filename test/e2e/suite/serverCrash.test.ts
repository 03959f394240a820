// The language server killed under the running extension: restarted, with the routes back; after too many
// crashes the client gives up, the Routes view keeps its last table and says so, and "Restart Language Server"
// recovers. Runs last (it leaves a fresh server behind).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, until } from './helpers';

type Api = Awaited<ReturnType<typeof api>>;

/** The process id of the language server the client runs now (any platform). */
function serverPid(a: Api): number | undefined {
  return a.client?.serverProcess?.pid;
}

/** Kills the running server and waits until the client reports the state that follows. */
async function crash(a: Api, expected: 'running' | 'crashed'): Promise<void> {
  const pid = await until('a running language server', () => a.serverState() === 'running' && serverPid(a));
  process.kill(pid, 'SIGKILL');
  await until(`the client to be ${expected} after the crash`, () => {
    if (expected === 'crashed') return a.serverState() === 'crashed';
    const now = serverPid(a);
    return a.serverState() === 'running' && now !== undefined && now !== pid;
  });
}

describe('language server crashes', () => {
  it('a crash is restarted and the routes come back; after five the view keeps its last table and says so; Restart Language Server recovers', async () => {
    const a = await api();
    // The table as the server has it now (earlier tests changed files), fetched whether the view is shown or not.
    await a.refreshRoutes();
    const groups = a.routesProvider.current.totalGroups;
    assert.ok(groups > 0, 'the example workspace has routes');

    await crash(a, 'running');
    // The new server answers a routes request once it has indexed the workspace again.
    await a.refreshRoutes();
    assert.strictEqual(a.routesProvider.current.totalGroups, groups, 'the same routes after the restart');
    assert.strictEqual(a.routesProvider.viewMessage(), undefined, 'no message after a restart that worked');

    // The client restarts four crashes within three minutes (the one above included); the fifth is the last.
    for (let i = 0; i < 3; i++) await crash(a, 'running');
    await crash(a, 'crashed');
    assert.match(a.routesProvider.viewMessage() ?? '', /^Could not refresh routes \(showing the last table loaded\): the language server crashed/);
    assert.strictEqual(a.routesProvider.current.totalGroups, groups, 'the last table is still shown');

    await vscode.commands.executeCommand('edgepolicy.restartServer');
    await until('the restarted server', () => a.serverState() === 'running' && serverPid(a));
    await a.refreshRoutes();
    assert.strictEqual(a.routesProvider.viewMessage(), undefined, 'the message goes with the next table');
    assert.strictEqual(a.routesProvider.current.totalGroups, groups);
  });
});
