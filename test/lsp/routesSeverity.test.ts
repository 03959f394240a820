// The routes response carries the problems after the folders' severity settings (edgepolicy.severity over
// .edgepolicy.yaml), as the diagnostics do: codes turned off are left out, the others come with their severity.
// In-process tests of effectiveRouteTable, then the BUILT server (dist/server.js --stdio; `npm run build` first).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RouteGroup, RouteMember, RouteTable, TcpRoute } from '../../server/src/engine/model';
import { effectiveRouteTable, type SeverityOverrides } from '../../server/src/lsp/diagnostics';
import type { RoutesResult } from '../../server/src/lsp/protocol';
import { fileUri, indexedClient, stopAndRemove, TestClient } from './client';

const member = (name: string, uri: string): RouteMember => ({
  kind: 'Mapping',
  name,
  namespace: 'default',
  service: name,
  weight: 50,
  location: { uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } },
});

function group(prefix: string, members: RouteMember[], problems: string[]): RouteGroup {
  return { groupId: prefix, key: prefix, name: members[0]!.name, host: '*', hosts: [], prefix, headers: [], queryParameters: [], precedence: 0, members, problems };
}

/** Problems of each group and TCP route as `code:severity`. */
function problemsOf(t: RoutesResult): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of t.groups) out[g.prefix] = g.problems.map((c) => `${c}:${g.severities?.[c]}`);
  for (const r of t.tcp) out[`tcp:${r.port}`] = r.problems.map((c) => `${c}:${r.severities?.[c]}`);
  return out;
}

describe('routes response: effective severities (effectiveRouteTable)', () => {
  const A = 'file:///ws/a/routes.yaml';
  const B = 'file:///ws/b/routes.yaml';
  const folders: Record<string, SeverityOverrides> = {};
  const overridesFor = (uri: string | undefined): SeverityOverrides => folders[uri?.split('/')[4] ?? ''] ?? {};

  function table(): RouteTable {
    const tcp: TcpRoute = { port: 5432, members: [member('pg', B)], problems: ['EP212'] };
    return {
      hosts: [],
      groups: [group('/shared/', [member('team-a', A), member('team-b', B)], ['EP200', 'EP221']), group('/a-only/', [member('solo', A)], ['EP220'])],
      tcp: [tcp],
    };
  }

  it('gives each code its default severity when no folder overrides it', () => {
    assert.deepStrictEqual(problemsOf(effectiveRouteTable(table(), () => ({}))), {
      '/shared/': ['EP200:warning', 'EP221:info'],
      '/a-only/': ['EP220:warning'],
      'tcp:5432': ['EP212:error'],
    });
  });

  it('applies the folder of the members; a code is left out only when off in every member\'s folder, else the worst level', () => {
    folders.a = { EP200: 'off', EP221: 'error', EP220: 'off' };
    folders.b = { EP200: 'hint', EP212: 'info' };
    assert.deepStrictEqual(problemsOf(effectiveRouteTable(table(), overridesFor)), {
      '/shared/': ['EP200:hint', 'EP221:error'],
      '/a-only/': [],
      'tcp:5432': ['EP212:info'],
    });
    folders.b = { EP200: 'off' };
    assert.deepStrictEqual(problemsOf(effectiveRouteTable(table(), overridesFor))['/shared/'], ['EP221:error']);
  });

  it('leaves the engine\'s table as it was (it is cached, and the CLI prints it)', () => {
    const t = table();
    const before = JSON.stringify(t);
    effectiveRouteTable(t, () => ({ EP200: 'off', EP212: 'hint' }));
    assert.strictEqual(JSON.stringify(t), before);
  });
});

describe('language server: routes response after .edgepolicy.yaml and edgepolicy.severity (dist/server.js)', function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient;
  const settings: Record<string, unknown> = { edgepolicy: { exclude: [] }, files: { exclude: {} } };
  const config = () => path.join(dir, '.edgepolicy.yaml');
  const mapping = (name: string, host: string, prefix: string) =>
    `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n  hostname: ${host}\n  prefix: ${prefix}\n  service: ${name}:8080\n`;

  async function routes(): Promise<Record<string, string[]>> {
    return problemsOf((await client.conn.sendRequest('edgepolicy/routes')) as RoutesResult);
  }

  /** Runs `change`, then waits for the routesChanged it causes. */
  async function routesChangeAfter(change: () => void): Promise<void> {
    const before = client.routesChanged;
    change();
    await client.waitFor('routesChanged', () => client.routesChanged > before);
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-lsp-routes-severity-'));
    fs.writeFileSync(path.join(dir, 'hosts.yaml'), 'apiVersion: getambassador.io/v3alpha1\nkind: Host\nmetadata:\n  name: api\n  namespace: default\nspec:\n  hostname: api.example.com\n');
    fs.writeFileSync(path.join(dir, 'a.yaml'), mapping('shared-a', 'api.example.com', '/shared/'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), mapping('shared-b', 'api.example.com', '/shared/'));
    fs.writeFileSync(path.join(dir, 'lost.yaml'), mapping('lost', 'other.example.com', '/lost/'));
    // EP200 (the split of /shared/) becomes info, EP220 (/lost/ attaches to no Host) is turned off.
    fs.writeFileSync(config(), 'severity:\n  EP200: info\n  EP220: off\n');
    client = await indexedClient({ folders: [dir], settings });
  });

  after(() => stopAndRemove(client, dir));

  it('leaves out a code set to off in .edgepolicy.yaml and gives a code set to info as info', async () => {
    assert.deepStrictEqual(await routes(), { '/shared/': ['EP200:info'], '/lost/': [] });
    // The same as the Problems panel: EP200 as information, no EP220.
    const d = await client.diagnosticsFor(fileUri(path.join(dir, 'a.yaml')), (x) => x.length > 0);
    assert.deepStrictEqual(d.map((x) => [x.code, x.severity]), [['EP200', 3]]);
    assert.deepStrictEqual(client.diagnostics.get(fileUri(path.join(dir, 'lost.yaml'))) ?? [], []);
  });

  it('tells the client when .edgepolicy.yaml changes the severities, and answers with the new ones', async () => {
    await routesChangeAfter(() => {
      fs.writeFileSync(config(), 'severity:\n  EP200: off\n');
      client.watched([{ uri: fileUri(config()), type: 2 }]);
    });
    assert.deepStrictEqual(await routes(), { '/shared/': [], '/lost/': ['EP220:warning'] });
  });

  it('edgepolicy.severity overrides the file, in the routes response too', async () => {
    await routesChangeAfter(() => {
      settings.edgepolicy = { exclude: [], severity: { EP200: 'error', EP220: 'hint' } };
      void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    });
    assert.deepStrictEqual(await routes(), { '/shared/': ['EP200:error'], '/lost/': ['EP220:hint'] });
  });
});
