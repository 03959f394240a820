// EP103 (schema) and EP230 (policy) must agree on whether a v3alpha1 Mapping's `host` is used: with a
// non-empty `hostname`, Emissary ignores `host`, so a `*` in it is no error; without one, it is.
import assert from 'node:assert/strict';
import { Workspace } from '../../server/src/engine/workspace';

function mapping(spec: string): string {
  return `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: m\n  namespace: web\nspec:\n${spec}  prefix: /a/\n  service: a\n`;
}

function findings(text: string) {
  const ws = new Workspace();
  ws.setFile('file:///ws/m.yaml', text);
  return ws.findingsFor('file:///ws/m.yaml');
}

describe('host vs hostname: EP103 and EP230 agree', () => {
  it('hostname "*" with host "a*.b": EP103 says host is ignored, and no EP230', () => {
    const list = findings(mapping('  hostname: "*"\n  host: "a*.b"\n'));
    const ep103 = list.filter((f) => f.code === 'EP103');
    assert.equal(ep103.length, 1);
    assert.match(ep103[0].message, /'host' is ignored/);
    assert.deepEqual(list.filter((f) => f.code === 'EP230'), []);
  });

  it('host "a*.b" alone, or with an empty hostname: EP230 fires and EP103 does not call host ignored', () => {
    for (const spec of ['  host: "a*.b"\n', '  hostname: ""\n  host: "a*.b"\n']) {
      const list = findings(mapping(spec));
      assert.equal(list.filter((f) => f.code === 'EP230').length, 1, spec);
      const ep103 = list.filter((f) => f.code === 'EP103');
      assert.equal(ep103.length, 1, spec);
      assert.doesNotMatch(ep103[0].message, /ignored/, spec);
    }
  });
});
