import * as assert from 'node:assert/strict';
import { URI } from 'vscode-uri';
import type { DriftEntry, DriftSummary } from '../../server/src/lsp/protocol';
import {
  buildDriftNodes,
  changesSummary,
  DIFF_SCHEME,
  diffTitle,
  diffUriParts,
  driftedCount,
  driftStatusText,
  entryDescription,
  entryTooltip,
  parseDiffQuery,
  pointerToPath,
} from '../../client/src/driftModel';
import { locationOf } from '../../client/src/viewNode';

const e = (kind: string, ns: string, name: string, state: DriftEntry['state'], changes: string[] = [], uri?: string): DriftEntry => ({
  key: `getambassador.io/v3alpha1/${kind}/${ns}/${name}`,
  kind,
  namespace: ns,
  name,
  state,
  changes,
  uri,
  line: uri ? 7 : undefined,
});

function summary(status: DriftSummary['status'] = 'live', message?: string): DriftSummary {
  return {
    context: 'kind-dev',
    namespaces: ['shop'],
    status,
    message,
    entries: [
      e('Mapping', 'shop', 'orders', 'changed', ['/spec/service', '/spec/timeout_ms'], 'file:///ws/orders.yaml'),
      e('Mapping', 'shop', 'a-new', 'workspace-only', [], 'file:///ws/new.yaml'),
      e('Host', 'shop', 'legacy', 'cluster-only'),
      e('Mapping', 'shop', 'users', 'in-sync', [], 'file:///ws/users.yaml'),
      e('Mapping', 'shop', 'carts', 'changed', ['/metadata/labels/team']),
    ],
  };
}

describe('client drift model', () => {
  it('groups entries by state in a fixed order with counts', () => {
    const nodes = buildDriftNodes(summary());
    assert.deepEqual(
      nodes.map((n) => n.label),
      ['Changed (2)', 'Only in workspace — not applied yet (1)', 'Only in cluster — not in Git (1)', 'In sync (1)'],
    );
    assert.deepEqual(nodes[0].children?.map((c) => c.label), ['Mapping shop/carts', 'Mapping shop/orders']);
    assert.equal(nodes[0].expanded, true);
    assert.equal(nodes[3].expanded, false);
    assert.equal(driftedCount(summary()), 4);
  });

  it('shows changed paths in description and tooltip, and a source action only with a source', () => {
    const nodes = buildDriftNodes(summary());
    const orders = nodes[0].children!.find((c) => c.label.endsWith('orders'))!;
    assert.equal(orders.description, 'spec.service, spec.timeout_ms');
    assert.match(orders.tooltip ?? '', /`spec\.timeout_ms`/);
    assert.match(orders.tooltip ?? '', /orders\.yaml:8/);
    assert.equal(orders.contextValue, 'driftEntry.source');
    assert.deepEqual(orders.location?.range.start, { line: 7, character: 0 });
    const legacy = nodes[2].children![0];
    assert.equal(legacy.contextValue, 'driftEntry');
    assert.equal(legacy.description, 'not in Git');
    assert.equal(legacy.location, undefined);
    assert.equal(legacy.entry?.name, 'legacy');
    assert.equal(entryDescription(e('Mapping', 'a', 'b', 'workspace-only')), 'not applied yet');
    assert.match(entryTooltip(e('Mapping', 'a', 'b', 'cluster-only'), 'prod'), /Found in prod but not defined in the workspace/);
  });

  it('tells annotation-defined resources apart from custom resources of the same name', () => {
    const cr = e('Mapping', 'shop', 'legacy', 'in-sync');
    const ann = { ...cr, annotationOf: { kind: 'Service', namespace: 'shop', name: 'legacy' } };
    assert.match(entryDescription(ann), /\(annotation of Service shop\/legacy\)$/);
    assert.doesNotMatch(entryDescription(cr), /annotation/);
    assert.match(entryTooltip(ann, 'prod'), /getambassador\.io\/config annotation of Service shop\/legacy/);
  });

  it('puts a status message first when not live', () => {
    const err = buildDriftNodes(summary('error', 'Unauthorized: the credentials of context kind-dev were rejected'));
    assert.equal(err[0].kind, 'message');
    assert.match(err[0].label, /Unauthorized/);
    assert.equal(err[0].icon?.id, 'error');
    assert.equal(err[0].contextValue, 'driftMessage.error');
    const loading = buildDriftNodes({ ...summary('loading'), entries: [] });
    assert.deepEqual(loading.map((n) => n.label), ['Loading resources from kind-dev…']);
    const rec = buildDriftNodes(summary('reconnecting', 'watch closed'));
    assert.equal(rec[0].label, 'Reconnecting to kind-dev…');
    assert.equal(rec.length, 5);
    assert.deepEqual(buildDriftNodes(undefined), []);
  });

  it('turns JSON pointers into readable paths', () => {
    assert.equal(pointerToPath('/spec/prefix'), 'spec.prefix');
    assert.equal(pointerToPath('/spec/headers/x-team'), 'spec.headers.x-team');
    assert.equal(pointerToPath('/metadata/annotations/a~1b'), 'metadata.annotations["a/b"]');
    assert.equal(pointerToPath('/spec/query/0/name'), 'spec.query[0].name');
    assert.equal(pointerToPath('/spec/a~0b'), 'spec["a~b"]');
    assert.equal(pointerToPath(''), '(whole object)');
    assert.equal(changesSummary(['/a', '/b', '/c', '/d', '/e']), 'a, b, c +2 more');
  });

  it('status bar text follows the session', () => {
    assert.deepEqual(driftStatusText(summary()).text, '$(cloud) kind-dev: 4 drifted');
    assert.match(driftStatusText(summary()).tooltip, /2 changed, 1 only in workspace, 1 only in cluster, 1 in sync/);
    assert.equal(driftStatusText(summary('loading')).text, '$(sync~spin) kind-dev: loading');
    assert.equal(driftStatusText(summary('error', 'no route to host')).text, '$(cloud) kind-dev: error');
    assert.match(driftStatusText(summary('error', 'no route to host')).tooltip, /no route to host/);
  });

  it('encodes virtual document URIs that survive a string round trip', () => {
    const entry = e('Mapping', 'shop', 'orders&more', 'changed');
    const parts = diffUriParts(entry, 'cluster', 3);
    assert.equal(parts.scheme, DIFF_SCHEME);
    assert.equal(parts.path, '/cluster/Mapping/shop/orders&more.yaml');
    const uri = URI.from(parts);
    const again = URI.parse(uri.toString());
    assert.equal(again.scheme, DIFF_SCHEME);
    assert.deepEqual(parseDiffQuery(again.query), { key: entry.key, side: 'cluster' });
    assert.deepEqual(parseDiffQuery(uri.query), { key: entry.key, side: 'cluster' });
    assert.equal(parseDiffQuery('side=left&key=x'), undefined);
    assert.equal(parseDiffQuery(''), undefined);
    const odd = diffUriParts({ key: 'k', kind: 'Mapping', namespace: '', name: 'a/b?c#d' }, 'workspace');
    assert.equal(odd.path, '/workspace/Mapping/_/a_b_c_d.yaml');
  });

  it('titles the diff editor', () => {
    assert.equal(diffTitle(e('Mapping', 'shop', 'orders', 'changed'), 'kind-dev'), 'Mapping shop/orders (workspace ↔ kind-dev)');
  });
});

describe('client reveal targets', () => {
  it('finds the location of nodes, drift entries and plain locations', () => {
    const range = { start: { line: 3, character: 2 }, end: { line: 3, character: 9 } };
    assert.deepEqual(locationOf({ id: 'x', kind: 'member', label: 'a', location: { uri: 'file:///a.yaml', range } }), { uri: 'file:///a.yaml', range });
    assert.deepEqual(locationOf({ uri: 'file:///b.yaml', range }), { uri: 'file:///b.yaml', range });
    assert.deepEqual(locationOf(e('Mapping', 'n', 'm', 'changed', [], 'file:///c.yaml'))?.range.start, { line: 7, character: 0 });
    assert.deepEqual(locationOf({ id: 'y', kind: 'driftEntry', label: 'b', entry: e('Host', 'n', 'h', 'changed', [], 'file:///d.yaml') })?.uri, 'file:///d.yaml');
    assert.equal(locationOf({ id: 'z', kind: 'driftEntry', label: 'c', entry: e('Host', 'n', 'h', 'cluster-only') }), undefined);
    assert.equal(locationOf(undefined), undefined);
    assert.equal(locationOf('file:///x'), undefined);
  });
});
