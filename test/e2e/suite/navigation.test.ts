// Outline, Go to Symbol in Workspace and Go to Definition, as VS Code's own commands get them from the extension.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, find, readWs, until, workspaceDir, wsUri } from './helpers';

/** `file:line:text` of each location (text: the located range of that line). */
function where(locations: (vscode.Location | vscode.LocationLink)[]): string[] {
  return locations.map((l) => {
    const uri = 'uri' in l ? l.uri : l.targetUri;
    const range = 'range' in l ? l.range : l.targetSelectionRange ?? l.targetRange;
    const rel = path.relative(workspaceDir(), uri.fsPath).split(path.sep).join('/');
    const line = readWs(rel).split('\n')[range.start.line];
    return `${rel}:${range.start.line}:${line.slice(range.start.character, range.end.character)}`;
  });
}

/** Definitions from the first occurrence of `needle` (a reference's value) in a workspace file. */
async function definitionsAt(rel: string, needle: string): Promise<string[]> {
  const at = find(rel, needle).translate(0, 1);
  const found = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', wsUri(rel), at);
  return where(found ?? []);
}

describe('navigation: outline, workspace symbols, go to definition, find references, route-group lenses', () => {
  before(async () => {
    await api();
  });

  it('the outline of a file lists its Mappings; an annotation Mapping sits under its Service', async () => {
    const outline = async (rel: string) => {
      const symbols = await until(`the outline of ${rel}`, async () => {
        const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', wsUri(rel));
        return s && s.length > 0 ? s : undefined;
      });
      const shape = (s: vscode.DocumentSymbol): string => `${s.name}${s.children.length ? `(${s.children.map(shape).join(',')})` : ''}`;
      return symbols.map(shape);
    };
    assert.deepStrictEqual(await outline('teams/catalog/routes.yaml'), ['catalog', 'catalog-canary']);
    assert.deepStrictEqual(await outline('teams/catalog/service.yaml'), ['images(images)']);
  });

  it('Go to Symbol in Workspace finds a Mapping of a file that is not open, with kind and namespace', async () => {
    const hits = await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', 'catalog-canary');
    const ours = (hits ?? []).filter((h) => h.name === 'catalog-canary');
    assert.strictEqual(ours.length, 1, JSON.stringify(hits));
    assert.strictEqual(ours[0].containerName, 'Mapping · catalog');
    assert.deepStrictEqual(where([ours[0].location]), [`teams/catalog/routes.yaml:${find('teams/catalog/routes.yaml', 'name: catalog-canary').line}:catalog-canary`]);
  });

  it("Go to Definition: a Host's TLSContext and certificate Secret, a Mapping's Host", async () => {
    const tls = find('platform/tls.yaml', 'name: shop-tls').line;
    const secret = find('platform/tls.yaml', 'name: shop-cert').line;
    assert.deepStrictEqual(await definitionsAt('platform/hosts.yaml', 'shop-tls'), [`platform/tls.yaml:${tls}:shop-tls`]);
    assert.deepStrictEqual(await definitionsAt('platform/hosts.yaml', 'shop-cert'), [`platform/tls.yaml:${secret}:shop-cert`]);
    const shop = find('platform/hosts.yaml', 'name: shop').line;
    assert.deepStrictEqual(await definitionsAt('teams/catalog/routes.yaml', 'shop.example.com'), [`platform/hosts.yaml:${shop}:shop`]);
  });

  it('Find All References: the Host that names a TLSContext, the other member of a canary route group', async () => {
    const refsAt = async (rel: string, needle: string) => {
      const found = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', wsUri(rel), find(rel, needle));
      return where(found ?? []).sort();
    };
    const tlsContext = find('platform/hosts.yaml', 'shop-tls').line;
    assert.deepStrictEqual(
      await refsAt('platform/tls.yaml', 'min_tls_version'),
      [`platform/hosts.yaml:${tlsContext}:shop-tls`, `platform/tls.yaml:${find('platform/tls.yaml', 'name: shop-tls').line}:shop-tls`].sort(),
    );
    const routes = 'teams/catalog/routes.yaml';
    assert.deepStrictEqual(
      await refsAt(routes, 'weight: 10'),
      [`${routes}:${find(routes, 'name: catalog').line}:catalog`, `${routes}:${find(routes, 'name: catalog-canary').line}:catalog-canary`].sort(),
    );
  });

  it('a code lens above each Mapping of the canary route group names both shares; it runs our command', async () => {
    const routes = 'teams/catalog/routes.yaml';
    // VS Code asks code lens providers about loaded documents only.
    await vscode.workspace.openTextDocument(wsUri(routes));
    const lenses = await until('the route-group lenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', wsUri(routes));
      return l && l.length === 2 ? l : undefined;
    });
    // Above each Mapping's first line (apiVersion), the peek at its name.
    const lines = readWs(routes).split('\n');
    const firstLine = (name: string) => lines.slice(0, find(routes, name).line).lastIndexOf('apiVersion: getambassador.io/v3alpha1');
    assert.deepStrictEqual(
      lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command, (l.command?.arguments?.[1] as vscode.Position).line]),
      ['name: catalog', 'name: catalog-canary'].map((n) => [
        firstLine(n),
        'Route shop.example.com/products/ shared by 2 Mappings: catalog-canary 10% · catalog 90%',
        'edgepolicy.showRouteGroup',
        find(routes, n).line,
      ]),
    );
    // The command opens the members as a references peek in the routes file.
    await vscode.window.showTextDocument(wsUri(routes));
    await vscode.commands.executeCommand(lenses[0].command!.command, ...(lenses[0].command!.arguments ?? []));
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, wsUri(routes).fsPath);
    await vscode.commands.executeCommand('closeReferenceSearch');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
