import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { RouteTable } from '../../server/src/engine/model';
import {
  ALL_NAMESPACES,
  contextItems,
  kubeconfigParams,
  namespaceItems,
  namespacesFromPick,
  parseNamespaceInput,
  workspaceNamespaces,
} from '../../client/src/pickers';
import { explainCode, explainCodes, severityOf, worstSeverity } from '../../client/src/problems';

const loc = { uri: 'file:///ws/a.yaml', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };

describe('client pickers', () => {
  it('lists the current context first with cluster/user/namespace detail', () => {
    const items = contextItems([
      { name: 'b-ctx', cluster: 'b', user: 'ub', current: false },
      { name: 'prod', cluster: 'prod-cluster', user: 'admin', namespace: 'edge', current: true },
      { name: 'a-ctx', cluster: 'a', user: 'ua', current: false },
    ]);
    assert.deepEqual(items.map((i) => i.label), ['prod', 'a-ctx', 'b-ctx']);
    assert.equal(items[0].description, 'current context');
    assert.equal(items[0].detail, 'cluster: prod-cluster · user: admin · namespace: edge');
    assert.equal(items[1].detail, 'cluster: a · user: ua · namespace: default');
  });

  it('collects the workspace namespaces from the route table', () => {
    const t: RouteTable = {
      hosts: [{ name: 'h', namespace: 'edge', hostname: 'x', location: loc, groupIds: [] }],
      groups: [
        {
          groupId: 'g',
          key: 'k',
          name: 'n',
          host: '*',
          hosts: [],
          prefix: '/',
          headers: [],
          queryParameters: [],
          precedence: 0,
          problems: [],
          members: [{ kind: 'Mapping', name: 'm', namespace: 'shop', service: 's', weight: 100, location: loc }],
        },
      ],
      tcp: [{ port: 1, members: [{ kind: 'Mapping', name: 't', namespace: 'data', service: 's', weight: 100, location: loc }], problems: [] }],
    };
    assert.deepEqual(workspaceNamespaces(t), ['data', 'edge', 'shop']);
    assert.deepEqual(workspaceNamespaces(undefined), []);
  });

  it('offers All namespaces, then workspace, then other cluster namespaces', () => {
    const items = namespaceItems(['kube-system', 'shop', 'default'], ['shop', 'edge']);
    assert.deepEqual(
      items.map((i) => (i.separator ? `--${i.label}` : i.label)),
      [ALL_NAMESPACES, '--In the workspace', 'edge', 'shop', '--In the cluster', 'default', 'kube-system'],
    );
    assert.equal(items[0].picked, true);
    assert.equal(items.find((i) => i.label === 'edge')?.description, 'not in the cluster');
    assert.deepEqual(namespacesFromPick([items[0], items[3]]), []);
    assert.deepEqual(namespacesFromPick([items[2], items[3], items[3]]), ['edge', 'shop']);
  });

  it('parses typed namespaces and rejects invalid names', () => {
    assert.deepEqual(parseNamespaceInput(' shop, edge  data,shop '), { namespaces: ['shop', 'edge', 'data'] });
    const bad = parseNamespaceInput('Shop, ok, -x');
    assert.deepEqual(bad.namespaces, []);
    assert.match(bad.error ?? '', /Shop, -x/);
  });

  it('ignores the kubeconfig setting and forbids exec in untrusted workspaces', () => {
    assert.deepEqual(kubeconfigParams('/etc/k.yaml', false, '/home/u'), { allowExec: false });
    assert.deepEqual(kubeconfigParams('', true, '/home/u'), { allowExec: true });
    assert.deepEqual(kubeconfigParams(undefined, true, '/home/u'), { allowExec: true });
    assert.deepEqual(kubeconfigParams('~/kc/dev.yaml', true, '/home/u'), { kubeconfig: path.join('/home/u', 'kc/dev.yaml'), allowExec: true });
    assert.deepEqual(kubeconfigParams('kc.yaml', true, '/home/u', '/ws'), { kubeconfig: path.join('/ws', 'kc.yaml'), allowExec: true });
    assert.deepEqual(kubeconfigParams('/abs/kc', true, '/home/u', '/ws'), { kubeconfig: '/abs/kc', allowExec: true });
  });
});

describe('client problem explanations', () => {
  it('maps codes to severities (the server\'s when it sent one, else the default) and short explanations', () => {
    assert.equal(severityOf('EP200'), 'warning');
    assert.equal(severityOf('EP221'), 'info');
    assert.equal(severityOf('EP221', { EP221: 'error' }), 'error');
    assert.equal(severityOf('EP221', { EP200: 'error' }), 'info');
    assert.equal(severityOf('EP999'), 'warning');
    assert.match(explainCode('EP204'), /before the first dot/);
    // the tree uses the engine's catalogue: EP202 (member dropped for a mismatched core key) is an error there too
    assert.equal(severityOf('EP202'), 'error');
    assert.match(explainCode('EP999'), /Problems panel/);
    assert.equal(worstSeverity(['EP203', 'EP231', 'EP221']), 'error');
    assert.equal(worstSeverity(['EP221']), 'info');
    assert.equal(worstSeverity(['EP200', 'EP221'], { EP200: 'hint' }), 'info');
    assert.equal(worstSeverity([]), undefined);
    assert.deepEqual(
      explainCodes(['EP221', 'EP200', 'EP231', 'EP200']).map((l) => l.slice(0, 13)),
      ['- **EP231** (', '- **EP200** (', '- **EP221** ('],
    );
  });
});
