// isInside (server/src/lsp/paths.ts): the one "is this file inside a workspace folder" check.
import * as assert from 'assert';
import * as path from 'path';
import { isExcluded, ExcludeMatcher } from '../../server/src/lsp/exclude';
import { folderRelativePath } from '../../server/src/lsp/displayPath';
import { filePathOf, innermostFolder, isInside } from '../../server/src/lsp/paths';
import { URI } from 'vscode-uri';

describe('isInside (server/src/lsp/paths.ts)', () => {
  const ws = path.resolve('/ws/app');

  it('is true for files and folders below the folder', () => {
    assert.strictEqual(isInside(ws, path.join(ws, 'a.yaml')), true);
    assert.strictEqual(isInside(ws, path.join(ws, 'deep', 'b.yaml')), true);
  });

  it('treats a name starting with two dots (..cache) as inside', () => {
    assert.strictEqual(isInside(ws, path.join(ws, '..cache', 'c.yaml')), true);
    assert.strictEqual(isInside(ws, path.join(ws, '..c.yaml')), true);
  });

  it('is false for the folder itself, its parent, siblings and other trees', () => {
    assert.strictEqual(isInside(ws, ws), false);
    assert.strictEqual(isInside(ws, path.dirname(ws)), false);
    assert.strictEqual(isInside(ws, path.resolve('/ws/app2/a.yaml')), false);
    assert.strictEqual(isInside(ws, path.resolve('/ws/other/a.yaml')), false);
    assert.strictEqual(isInside(ws, path.resolve('/elsewhere/a.yaml')), false);
  });

  it('is used by the folder checks: excludes and message paths see ..cache as part of the folder', () => {
    const file = path.join(ws, '..cache', 'c.yaml');
    assert.strictEqual(isExcluded(file, [{ folder: ws, exclude: new ExcludeMatcher(['..cache/**']) }]), true);
    assert.strictEqual(folderRelativePath(() => [ws])(URI.file(file).toString()), '..cache/c.yaml');
  });
});

describe('filePathOf and innermostFolder (server/src/lsp/paths.ts)', () => {
  const ws = path.resolve('/ws/app');

  it('gives the path of a file URI only', () => {
    const file = path.join(ws, 'a.yaml');
    assert.strictEqual(filePathOf(URI.file(file).toString()), file);
    assert.strictEqual(filePathOf('untitled:Untitled-1'), undefined);
    assert.strictEqual(filePathOf('vscode-userdata:/settings.yaml'), undefined);
  });

  it('picks the innermost folder holding the file, none for a file outside every folder', () => {
    const inner = path.join(ws, 'sub');
    assert.strictEqual(innermostFolder([ws, inner], path.join(inner, 'a.yaml')), inner);
    assert.strictEqual(innermostFolder([inner, ws], path.join(inner, 'a.yaml')), inner);
    assert.strictEqual(innermostFolder([ws, inner], path.join(ws, 'b.yaml')), ws);
    assert.strictEqual(innermostFolder([ws, inner], path.resolve('/elsewhere/c.yaml')), undefined);
  });

  it('names a file of a nested folder relative to the inner one', () => {
    const inner = path.join(ws, 'sub');
    assert.strictEqual(folderRelativePath(() => [ws, inner])(URI.file(path.join(inner, 'x', 'a.yaml')).toString()), 'sub/x/a.yaml');
  });
});
