// Route-group code lenses (server/src/engine/lenses.ts): one above each Mapping that shares its route group,
// naming every member's share, a dropped member, a rejected group; none for a Mapping alone in its group.
import assert from 'node:assert/strict';
import { routeGroupLenses } from '../../server/src/engine/lenses';
import { Workspace } from '../../server/src/engine/workspace';

const mapping = (name: string, spec: string) =>
  `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: ${name}\nspec:\n  hostname: shop.example.com\n${spec}`;

describe('route group lenses', () => {
  const A = 'file:///ws/a.yaml';
  const B = 'file:///ws/b.yaml';
  const ws = new Workspace();
  ws.setFile(
    A,
    [
      mapping('cart', '  prefix: /cart/\n  service: cart\n'),
      mapping('alone', '  prefix: /alone/\n  service: alone\n'),
      mapping('pay', '  prefix: /pay/\n  service: pay\n  weight: 80\n'),
    ].join('---\n'),
  );
  ws.setFile(
    B,
    [
      mapping('cart-next', '  prefix: /cart/\n  service: cart-next\n  weight: 10\n'),
      mapping('cart-old', '  prefix: /cart/\n  service: cart-old\n  host_redirect: true\n'),
      mapping('pay-next', '  prefix: /pay/\n  service: pay-next\n  weight: 30\n'),
    ].join('---\n'),
  );

  it('one lens per member in the file, on its name, with every member of the group and its share', () => {
    const lenses = routeGroupLenses(ws.parsed(A)!, ws.routeTable());
    // Above the member's first line (its apiVersion), pointing at its name.
    const lines = ws.parsed(A)!.text.split('\n');
    for (const l of lenses) assert.match(lines[l.range.start.line], /^apiVersion: /);
    assert.deepEqual(
      lenses.map((l) => [l.name.start.line, l.title]),
      [
        [3, 'Route shop.example.com/cart/ shared by 3 Mappings: cart-next 10% · cart 90% · cart-old dropped'],
        [21, 'Route shop.example.com/pay/ rejected (the weights total 110, over 100): pay-next 0% · pay 0%'],
      ],
    );
    assert.deepEqual(lenses[0].members.map((m) => `${m.uri}:${m.range.start.line}`), [`${B}:3`, `${A}:3`, `${B}:13`]);
  });

  it('the other file gets its own lenses with the same titles; a file without shared groups none', () => {
    assert.deepEqual(routeGroupLenses(ws.parsed(B)!, ws.routeTable()).map((l) => [l.range.start.line, l.name.start.line]), [[0, 3], [10, 13], [20, 23]]);
    ws.setFile('file:///ws/c.yaml', mapping('solo', '  prefix: /solo/\n  service: solo\n'));
    assert.deepEqual(routeGroupLenses(ws.parsed('file:///ws/c.yaml')!, ws.routeTable()), []);
  });
});
