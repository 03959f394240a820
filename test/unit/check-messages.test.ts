// How EP2xx messages name other parties' files: by CheckOptions.displayPath when given (the editor passes a
// workspace-relative path, the CLI a cwd-relative one), otherwise by a short path (last three segments), never
// by the bare file name that every team's routes.yaml shares. Annotation owners use the configured namespace.
import assert from 'node:assert/strict';
import { parseFile } from '../../server/src/engine/parse';
import { analyzeResources } from '../../server/src/engine/checks';
import { joinSome, othersOf, shortPath } from '../../server/src/engine/checks/context';
import { Workspace } from '../../server/src/engine/workspace';
import type { Resource } from '../../server/src/engine/model';

const ORDERS = 'file:///home/dev/edge/teams/orders/routes.yaml';
const PAYMENTS = 'file:///home/dev/edge/teams/payments/routes.yaml';

function mapping(name: string, ns: string): string {
  return `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  hostname: shop.example.com\n  prefix: /api/\n  service: ${name}\n`;
}

function resources(files: [string, string][]): Resource[] {
  return files.flatMap(([uri, text]) => parseFile(uri, text).resources);
}

const split = resources([
  [ORDERS, mapping('orders-api', 'orders')],
  [PAYMENTS, mapping('payments-api', 'payments')],
]);

describe('file names in EP2xx messages', () => {
  it('shortPath keeps the last three path segments, decoded', () => {
    assert.equal(shortPath(PAYMENTS), 'teams/payments/routes.yaml');
    assert.equal(shortPath('file:///ws/a.yaml'), 'ws/a.yaml');
    assert.equal(shortPath('file:///a.yaml'), 'a.yaml');
    assert.equal(shortPath('file:///x/my%20team/b/c.yaml?x#y'), 'my team/b/c.yaml');
    assert.equal(shortPath('untitled:Untitled-1'), 'untitled:Untitled-1');
  });

  it('by default names the other Mapping by its short path, not the shared file name', () => {
    const f = analyzeResources(split).findings.find((x) => x.code === 'EP200' && x.uri === ORDERS)!;
    assert.ok(f.message.includes('payments/payments-api (teams/payments/routes.yaml)'), f.message);
    assert.ok(!f.message.includes('(routes.yaml)'), f.message);
    assert.match(f.related![0].message, /\(teams\/payments\/routes\.yaml\) gets 50%$/);
  });

  it('uses displayPath for every file mention when given', () => {
    const displayPath = (uri: string) => `<${uri.slice(uri.indexOf('/teams/') + 1)}>`;
    const f = analyzeResources(split, { displayPath }).findings.find((x) => x.code === 'EP200' && x.uri === ORDERS)!;
    assert.ok(f.message.includes('payments/payments-api (<teams/payments/routes.yaml>)'), f.message);
    assert.ok(f.related!.every((r) => r.message.includes('<teams/payments/routes.yaml>')));
  });

  it('the Workspace hands displayPath (constructor or configure) to the checks', () => {
    const ws = new Workspace({ displayPath: (uri) => `[${uri.split('/').slice(-2).join('/')}]` });
    ws.setFile(ORDERS, mapping('orders-api', 'orders'));
    ws.setFile(PAYMENTS, mapping('payments-api', 'payments'));
    const message = () => ws.findingsFor(ORDERS).find((x) => x.code === 'EP200')!.message;
    assert.ok(message().includes('([payments/routes.yaml])'), message());
    ws.configure({ displayPath: (uri) => uri.slice('file:///home/dev/edge/'.length) });
    assert.ok(message().includes('(teams/payments/routes.yaml)'), message());
  });

  it("names an annotation's owner with the configured default namespace", () => {
    const svc = (name: string) =>
      [
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        `  name: ${name}`,
        '  annotations:',
        '    getambassador.io/config: |',
        '      apiVersion: getambassador.io/v3alpha1',
        '      kind: Mapping',
        '      name: api',
        '      hostname: shop.example.com',
        '      prefix: /api/',
        `      service: ${name}`,
        'spec: {}',
        '',
      ].join('\n');
    const rs = resources([
      ['file:///ws/a.yaml', svc('a')],
      ['file:///ws/b.yaml', mapping('other', 'edge')],
    ]);
    const f = analyzeResources(rs, { defaultNamespace: 'edge' }).findings.find((x) => x.code === 'EP200' && x.uri === 'file:///ws/b.yaml')!;
    assert.ok(f.message.includes('annotation of Service edge/a in ws/a.yaml'), f.message);
    assert.ok(!f.message.includes('default/a'), f.message);
  });
});

describe('othersOf / joinSome: naming the other members of a large set', () => {
  it('keeps only the first few others but counts all of them in "and N more"', () => {
    const all = Array.from({ length: 3000 }, (_, i) => `m${i}`);
    const others = othersOf(all, 'm1', 20);
    assert.equal(others.length, 20);
    assert.equal(others.total, 2999);
    assert.ok(!others.includes('m1'), 'the member itself is left out');
    assert.deepEqual(others.slice(0, 2), ['m0', 'm2']);
    assert.equal(joinSome(others, (x) => x, 3), 'm0, m2, m3 and 2996 more');
    assert.equal(joinSome(othersOf(['a', 'b', 'c'], 'b'), (x) => x), 'a and c');
  });
});
