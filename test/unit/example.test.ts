import * as assert from 'node:assert/strict';
import { EXAMPLE_YAML } from '../../client/src/example';
import { Workspace } from '../../server/src/engine/workspace';

describe('the "Open an Example" document', () => {
  const findingsOf = (text: string) => {
    const ws = new Workspace();
    ws.setFile('untitled:Example-1', text);
    return ws.findingsFor('untitled:Example-1');
  };

  it('shows what its comment promises: EP200 on each of the two Mappings, nothing else', () => {
    const findings = findingsOf(EXAMPLE_YAML);
    assert.deepEqual(
      findings.map((f) => `${f.code} ${f.range.start.line}`),
      findings.filter((f) => f.code === 'EP200').map((f) => `EP200 ${f.range.start.line}`),
    );
    assert.equal(findings.length, 2);
  });

  it('is quiet once one Mapping has a weight, as its comment says', () => {
    const weighted = EXAMPLE_YAML.replace('  service: orders-canary:8080\n', '  service: orders-canary:8080\n  weight: 10\n');
    assert.notEqual(weighted, EXAMPLE_YAML);
    assert.deepEqual(findingsOf(weighted), []);
  });
});
