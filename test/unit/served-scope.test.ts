// Resources Emissary does not serve (unknown version, a kind at a version it is not served at, annotation
// `ambassador/v0`, unknown kinds) get EP101 and take part in nothing else: not the route table, not EP2xx.
// The fixtures under test/fixtures/checks (ep200-*-unserved/served-*, ep220-*-unserved/served-*) cover the
// from-scratch analysis; this covers the Workspace's incremental path and the isServed fact itself.
import assert from 'node:assert/strict';
import { Workspace } from '../../server/src/engine/workspace';
import { isServed } from '../../server/src/engine/model';

function mapping(ns: string, version: string): string {
  return `apiVersion: getambassador.io/${version}\nkind: Mapping\nmetadata:\n  name: api\n  namespace: ${ns}\nspec:\n  hostname: example.com\n  prefix: /api/\n  service: api-${ns}\n`;
}

function codes(ws: Workspace, uri: string): string[] {
  return ws.findingsFor(uri).map((f) => f.code);
}

describe('served versions gate the route table and EP2xx checks', () => {
  it('isServed follows the served-versions table', () => {
    assert.ok(isServed({ kind: 'Mapping', version: 'v1' }));
    assert.ok(isServed({ kind: 'Host', version: 'v2' }));
    assert.ok(isServed({ kind: 'Listener', version: 'v3alpha1' }));
    assert.ok(!isServed({ kind: 'Host', version: 'v1' }));
    assert.ok(!isServed({ kind: 'Listener', version: 'v2' }));
    assert.ok(!isServed({ kind: 'Mapping', version: 'v4' }));
    assert.ok(!isServed({ kind: 'Mapping', version: 'v0' }));
    assert.ok(!isServed({ kind: 'mapping', version: 'v3alpha1' }));
    assert.ok(!isServed({ kind: 'Filter', version: 'v3alpha1' }));
  });

  it('an unserved Mapping added, edited and removed incrementally never joins a route group', () => {
    const ws = new Workspace();
    const a = 'file:///ws/a.yaml';
    const b = 'file:///ws/b.yaml';
    ws.setFile(a, mapping('team-a', 'v3alpha1'));
    assert.deepEqual(codes(ws, a), []);

    ws.setFile(b, mapping('team-b', 'v4'));
    assert.deepEqual(codes(ws, a), [], 'no EP200 with an unknown-version Mapping');
    assert.deepEqual(codes(ws, b), ['EP101']);
    assert.deepEqual(ws.routeTable().groups.map((g) => g.members.map((m) => m.namespace)), [['team-a']]);

    ws.setFile(b, mapping('team-b', 'v2'));
    assert.deepEqual(codes(ws, a), ['EP200'], 'a served v2 Mapping does split the route');
    assert.deepEqual(ws.routeTable().groups.map((g) => g.members.map((m) => m.namespace)), [['team-a', 'team-b']]);

    ws.setFile(b, mapping('team-b', 'v4'));
    assert.deepEqual(codes(ws, a), []);
    assert.deepEqual(ws.routeTable().groups.map((g) => g.members.length), [1]);
  });

  it('a v1 Host does not count as a Host (no EP220); a served Host does', () => {
    const ws = new Workspace();
    const m = 'file:///ws/m.yaml';
    const h = 'file:///ws/h.yaml';
    ws.setFile(m, mapping('team-a', 'v3alpha1'));
    const host = (version: string) =>
      `apiVersion: getambassador.io/${version}\nkind: Host\nmetadata:\n  name: shop\n  namespace: edge\nspec:\n  hostname: shop.example.com\n`;
    ws.setFile(h, host('v1'));
    assert.deepEqual(codes(ws, m), []);
    assert.deepEqual(ws.routeTable().hosts, []);
    ws.setFile(h, host('v3alpha1'));
    assert.deepEqual(codes(ws, m), ['EP220']);
  });

  it('an ambassador/v0 annotation Mapping is not in the route table', () => {
    const ws = new Workspace();
    const svc = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: old',
      '  annotations:',
      '    getambassador.io/config: |',
      '      apiVersion: ambassador/v0',
      '      kind: Mapping',
      '      name: old',
      '      prefix: /old/',
      '      service: old',
      'spec: {}',
      '',
    ].join('\n');
    ws.setFile('file:///ws/svc.yaml', svc);
    assert.equal(ws.resources().length, 1, 'the resource is parsed (it gets EP101)');
    assert.ok(codes(ws, 'file:///ws/svc.yaml').includes('EP101'));
    assert.deepEqual(ws.routeTable().groups, []);
  });
});
