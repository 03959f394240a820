// folderRelativePath: how the language server names files in diagnostic messages.
import * as assert from 'assert';
import * as path from 'path';
import { URI } from 'vscode-uri';
import { folderRelativePath } from '../../server/src/lsp/displayPath';

const root = path.resolve('/tmp', 'edge-ws');
const uriOf = (...parts: string[]) => URI.file(path.join(root, ...parts)).toString();

describe('folderRelativePath', () => {
  it('names a file relative to its workspace folder', () => {
    const name = folderRelativePath(() => [root]);
    assert.strictEqual(name(uriOf('teams', 'payments', 'routes.yaml')), 'teams/payments/routes.yaml');
    assert.strictEqual(name(uriOf('deep', 'er', 'still', 'routes.yaml')), 'deep/er/still/routes.yaml');
  });

  it('puts the folder name in front when several folders are open, using the innermost folder', () => {
    const folders = [path.join(root, 'a'), path.join(root, 'b'), path.join(root, 'b', 'inner')];
    const name = folderRelativePath(() => folders);
    assert.strictEqual(name(uriOf('a', 'routes.yaml')), 'a/routes.yaml');
    assert.strictEqual(name(uriOf('b', 'routes.yaml')), 'b/routes.yaml');
    assert.strictEqual(name(uriOf('b', 'inner', 'x', 'routes.yaml')), 'inner/x/routes.yaml');
  });

  it('falls back to a short path outside the folders and for other schemes, and follows folder changes', () => {
    let folders = [path.join(root, 'a')];
    const name = folderRelativePath(() => folders);
    assert.strictEqual(name(URI.file(path.resolve('/elsewhere/x/y/z/routes.yaml')).toString()), 'y/z/routes.yaml');
    assert.strictEqual(name('untitled:Untitled-1'), 'untitled:Untitled-1');
    folders = [path.join(root, 'x')];
    assert.strictEqual(name(uriOf('x', 'routes.yaml')), 'routes.yaml');
  });
});
