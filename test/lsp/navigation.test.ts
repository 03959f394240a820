// Outline, workspace symbols and go to definition through the BUILT server (dist/server.js --stdio; run
// `npm run build` first): the capabilities are announced, files that are not open answer too, and an open
// document's unsaved text is what the outline shows.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SymbolKind, type DocumentSymbol, type Location, type WorkspaceSymbol } from 'vscode-languageserver/node';
import { fileUri, stopAndRemove, TestClient } from './client';

const HOSTS = `apiVersion: getambassador.io/v3alpha1
kind: Host
metadata:
  name: shop
  namespace: default
spec:
  hostname: shop.example.com
  tlsContext:
    name: strict
---
apiVersion: getambassador.io/v3alpha1
kind: TLSContext
metadata:
  name: strict
  namespace: default
spec:
  hosts: [shop.example.com]
`;

const ROUTES = `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: cart
  namespace: default
spec:
  hostname: shop.example.com
  prefix: /cart/
  service: cart
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: legacy
  annotations:
    getambassador.io/config: |
      apiVersion: getambassador.io/v3alpha1
      kind: Mapping
      name: legacy-orders
      hostname: shop.example.com
      prefix: /orders/
      service: legacy
spec:
  defaultBackend: {service: {name: legacy, port: {number: 80}}}
`;

describe('language server: outline, workspace symbols, go to definition, find references, route-group lenses (dist/server.js)', function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient;
  const uri = (f: string) => fileUri(path.join(dir, f));

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-lsp-navigation-'));
    fs.writeFileSync(path.join(dir, 'hosts.yaml'), HOSTS);
    fs.writeFileSync(path.join(dir, 'routes.yaml'), ROUTES);
    client = new TestClient({ folders: [dir], settings: { edgepolicy: { exclude: [] }, files: { exclude: {} } }, codeLensRefresh: true });
    const init = await client.initialize();
    assert.ok(init.capabilities.documentSymbolProvider, 'documentSymbolProvider');
    assert.strictEqual(init.capabilities.workspaceSymbolProvider, true);
    assert.strictEqual(init.capabilities.definitionProvider, true);
    assert.strictEqual(init.capabilities.referencesProvider, true);
    assert.ok(init.capabilities.codeLensProvider, 'codeLensProvider');
    await client.indexed();
  });

  after(() => stopAndRemove(client, dir));

  it('outlines a file that is not open: resources, annotation resources under their Ingress', async () => {
    const symbols = (await client.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uri('routes.yaml') } })) as DocumentSymbol[];
    const shape = (s: DocumentSymbol): unknown => [s.name, s.kind, s.children?.map(shape) ?? []];
    assert.deepStrictEqual(symbols.map(shape), [
      ['cart', SymbolKind.Method, []],
      ['legacy', SymbolKind.Class, [['legacy-orders', SymbolKind.Method, []]]],
    ]);
    assert.deepStrictEqual(symbols[0].selectionRange, { start: { line: 3, character: 8 }, end: { line: 3, character: 12 } });
  });

  it("outlines an open document's unsaved text", async () => {
    client.open(uri('hosts.yaml'), HOSTS.replace('name: shop\n', 'name: storefront\n'));
    // didOpen and the request go out in this order: the outline answers the opened text.
    const s = (await client.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uri('hosts.yaml') } })) as DocumentSymbol[];
    assert.strictEqual(s.map((x) => x.name).join(','), 'storefront,strict');
    client.close(uri('hosts.yaml'));
  });

  it('finds resources of every file by name, with their kind and namespace', async () => {
    const hits = (await client.conn.sendRequest('workspace/symbol', { query: 'legacy' })) as WorkspaceSymbol[];
    assert.deepStrictEqual(
      hits.map((h) => [h.name, h.kind, h.containerName, (h.location as Location).uri]),
      [['legacy-orders', SymbolKind.Method, 'Mapping · default · in Ingress legacy', uri('routes.yaml')]],
    );
  });

  it("goes from a Host's tlsContext to the TLSContext and from a Mapping's hostname to its Host", async () => {
    const at = async (file: string, line: number, character: number) =>
      ((await client.conn.sendRequest('textDocument/definition', { textDocument: { uri: uri(file) }, position: { line, character } })) as Location[]).map(
        (l) => `${path.basename(l.uri)}:${l.range.start.line}`,
      );
    assert.deepStrictEqual(await at('hosts.yaml', 8, 12), ['hosts.yaml:13']);
    assert.deepStrictEqual(await at('routes.yaml', 6, 15), ['hosts.yaml:3']);
    // The annotation Mapping's hostname (inside the annotation text) too.
    assert.deepStrictEqual(await at('routes.yaml', 19, 18), ['hosts.yaml:3']);
    assert.deepStrictEqual(await at('routes.yaml', 7, 11), []);
  });

  it('finds the Host that names a TLSContext, and the Mappings a Host serves', async () => {
    const refs = async (file: string, line: number, includeDeclaration: boolean) =>
      (
        (await client.conn.sendRequest('textDocument/references', {
          textDocument: { uri: uri(file) },
          position: { line, character: 2 },
          context: { includeDeclaration },
        })) as Location[]
      ).map((l) => `${path.basename(l.uri)}:${l.range.start.line}`);
    assert.deepStrictEqual(await refs('hosts.yaml', 15, false), ['hosts.yaml:8']);
    assert.deepStrictEqual(await refs('hosts.yaml', 15, true), ['hosts.yaml:13', 'hosts.yaml:8']);
    assert.deepStrictEqual((await refs('hosts.yaml', 6, false)).sort(), ['routes.yaml:18', 'routes.yaml:3']);
  });

  it('puts a lens on each Mapping of a shared route group, whose command lists the members', async () => {
    const canary = `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: cart-canary\nspec:\n  hostname: shop.example.com\n  prefix: /cart/\n  service: cart-next\n  weight: 25\n`;
    fs.writeFileSync(path.join(dir, 'canary.yaml'), canary);
    const refreshes = client.lensRefreshes;
    client.watched([{ uri: uri('canary.yaml'), type: 1 }]);
    // A new file changes the route groups of others: the server asks the client to request lenses again.
    await client.waitFor('a code lens refresh', () => client.lensRefreshes > refreshes);
    type Lens = { range: { start: { line: number } }; command: { title: string; command: string; arguments: [string, unknown, Location[]] } };
    const lenses = (await client.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uri('routes.yaml') } })) as Lens[];
    assert.deepStrictEqual(
      lenses.map((l) => [l.range.start.line, l.command.title, l.command.command]),
      [[0, 'Route shop.example.com/cart/ shared by 2 Mappings: cart-canary 25% · cart 75%', 'edgepolicy.showRouteGroup']],
    );
    const [docUri, at, members] = lenses[0].command.arguments;
    assert.strictEqual(docUri, uri('routes.yaml'));
    assert.deepStrictEqual(at, { line: 3, character: 8 }, 'the peek opens at the name');
    assert.deepStrictEqual(members.map((m) => `${path.basename(m.uri)}:${m.range.start.line}`), ['canary.yaml:3', 'routes.yaml:3']);
    assert.deepStrictEqual(await client.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uri('hosts.yaml') } }), []);
  });

  it('asks for one code lens refresh per burst of edits, not one per keystroke', async () => {
    const canary = uri('canary.yaml');
    const text = fs.readFileSync(path.join(dir, 'canary.yaml'), 'utf8');
    client.open(canary, text);
    const before = client.lensRefreshes;
    // Ten keystrokes 50 ms apart (each analysed on its own), each a new route table.
    for (let w = 11; w <= 20; w++) {
      client.change(canary, text.replace('weight: 25', `weight: ${w}`));
      await new Promise((r) => setTimeout(r, 50));
    }
    await client.waitFor('a code lens refresh', () => client.lensRefreshes > before);
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(client.lensRefreshes - before < 5, `${client.lensRefreshes - before} refreshes for 10 edits`);
    client.close(canary);
  });
});
