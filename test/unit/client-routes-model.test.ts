import * as assert from 'node:assert/strict';
import type { RouteGroup, RouteMember } from '../../server/src/engine/model';
import type { DriftEntry, RoutesResult } from '../../server/src/lsp/protocol';
import { buildRoutesModel, driftedResources, findMemberNode, groupDescription, memberDescription, routesViewMessage, sameTable } from '../../client/src/routesModel';
import { tooltipOf, walk, type ViewNode } from '../../client/src/viewNode';

const loc = (file: string, line: number) => ({
  uri: `file:///ws/${file}`,
  range: { start: { line, character: 2 }, end: { line, character: 20 } },
});

function member(name: string, ns: string, service: string, weight: number, extra: Partial<RouteMember> = {}): RouteMember {
  return { kind: 'Mapping', name, namespace: ns, service, weight, location: loc(`${name}.yaml`, 4), ...extra };
}

function group(id: string, prefix: string, members: RouteMember[], extra: Partial<RouteGroup> = {}): RouteGroup {
  return {
    groupId: id,
    key: `HTTP-GET${prefix}`,
    name: members[0]?.name ?? 'none',
    host: '*',
    hosts: [],
    prefix,
    headers: [],
    queryParameters: [],
    precedence: 0,
    members,
    problems: [],
    ...extra,
  };
}

function table(): RoutesResult {
  const orders = group('aaa111', '/orders/', [member('orders', 'shop', 'orders:8080', 50), member('orders-b', 'team-b', 'orders-b:8080', 50)], {
    host: 'api.example.com',
    hosts: ['default/api'],
    problems: ['EP200'],
    method: 'POST',
    headers: [{ name: 'x-team', value: 'b', regex: false }],
    precedence: 5,
  });
  const users = group('bbb222', '/users/', [member('users', 'shop', 'users', 100)], { host: 'api.example.com', hosts: ['default/api'] });
  const loose = group('ccc333', '/health', [member('health', 'ops', 'health', 100)]);
  const bad = group('ddd444', '^/re(', [member('re', 'ops', 're-svc', 100)], { prefixRegex: true, problems: ['EP231'], host: 'other.example.com' });
  const rejected = group('eee555', '/heavy/', [member('h1', 'ops', 'h1', 0, { rawWeight: 80 }), member('h2', 'ops', 'h2', 0, { rawWeight: 80 })], {
    rejected: 'weights total 160',
    problems: ['EP201'],
  });
  return {
    hosts: [
      { name: 'api', namespace: 'default', hostname: 'api.example.com', location: loc('hosts.yaml', 0), groupIds: ['aaa111', 'bbb222'] },
      { name: 'idle', namespace: 'default', hostname: 'idle.example.com', location: loc('hosts.yaml', 9), groupIds: [] },
    ],
    groups: [orders, users, loose, bad, rejected],
    tcp: [{ port: 5432, host: 'db.example.com', members: [member('pg', 'data', 'postgres:5432', 100)], problems: [] }],
  };
}

const find = (nodes: ViewNode[], pred: (n: ViewNode) => boolean): ViewNode | undefined => [...walk(nodes)].find(pred);

describe('client routes model', () => {
  it('nests Host -> group -> members in table order', () => {
    const m = buildRoutesModel(table());
    assert.deepEqual(
      m.nodes.map((n) => [n.kind, n.label]),
      [
        ['host', 'api.example.com'],
        ['host', 'idle.example.com'],
        ['hostBucket', '(no host)'],
        ['hostBucket', 'other.example.com'],
        ['tcp', 'TCP'],
      ],
    );
    const api = m.nodes[0];
    assert.deepEqual(api.children?.map((c) => c.label), ['/orders/', '/users/']);
    assert.deepEqual(api.children?.[0].children?.map((c) => c.label), ['shop/orders', 'team-b/orders-b']);
    assert.match(api.description ?? '', /Host default\/api · 2 routes · 1 with problems/);
    assert.equal(m.nodes[1].children?.length, 0);
    assert.match(m.nodes[1].description ?? '', /no routes/);
    assert.equal(m.shownGroups, 5);
    assert.equal(m.totalGroups, 5);
    assert.equal(m.empty, false);
  });

  it('labels groups with method, headers and precedence, and explains problems in the tooltip', () => {
    const m = buildRoutesModel(table());
    const orders = find(m.nodes, (n) => n.groupId === 'aaa111')!;
    assert.equal(orders.description, 'POST · x-team=b · precedence 5 · 2 members');
    assert.deepEqual(orders.icon, { id: 'warning', color: 'problemsWarningIcon.foreground' });
    assert.equal(orders.contextValue, 'routeGroup.problem');
    assert.match(tooltipOf(orders) ?? '', /aaa111/);
    assert.match(tooltipOf(orders) ?? '', /Key: `HTTP-GET\/orders\/`/);
    assert.match(tooltipOf(orders) ?? '', /\*\*EP200\*\* \(warning\): Accidental traffic split/);
    const users = find(m.nodes, (n) => n.groupId === 'bbb222')!;
    assert.deepEqual(users.icon, { id: 'arrow-right' });
    assert.equal(users.contextValue, 'routeGroup');
  });

  it('marks rejected groups and regex errors as errors', () => {
    const m = buildRoutesModel(table());
    const heavy = find(m.nodes, (n) => n.groupId === 'eee555')!;
    assert.equal(heavy.icon?.id, 'error');
    assert.match(heavy.description ?? '', /^rejected · 2 members/);
    assert.match(tooltipOf(heavy) ?? '', /Rejected by Emissary/);
    const re = find(m.nodes, (n) => n.groupId === 'ddd444')!;
    assert.deepEqual(re.icon, { id: 'error', color: 'problemsErrorIcon.foreground' });
    assert.equal(re.description, 'regex');
  });

  it('describes members with service, share, raw weight and marks', () => {
    assert.equal(memberDescription(member('a', 'n', 'svc', 30, { rawWeight: 20 })), 'svc · 30% (weight 20)');
    assert.equal(memberDescription(member('a', 'n', 'svc', 100)), 'svc · 100%');
    assert.equal(memberDescription(member('a', 'n', 'svc', 0, { dropped: 'mismatched method' })), 'svc · dropped');
    assert.equal(memberDescription(member('a', 'n', 'svc', 33.333, { shadow: true })), 'svc · 33.3% · shadow');
    assert.equal(memberDescription(member('a', 'n', 'svc', 100, { redirect: true })), 'svc · 100% · redirect');
    const dropped = buildRoutesModel({
      hosts: [],
      groups: [group('f', '/x', [member('a', 'n', 's', 100), member('b', 'n', 's2', 0, { dropped: 'mismatched method' })])],
      tcp: [],
    });
    const b = find(dropped.nodes, (n) => n.label === 'n/b')!;
    assert.equal(b.icon?.id, 'circle-slash');
    assert.match(tooltipOf(b) ?? '', /Dropped by Emissary:\*\* mismatched method/);
  });

  it('members carry their source location for reveal', () => {
    const m = buildRoutesModel(table());
    const n = find(m.nodes, (x) => x.kind === 'member' && x.label === 'team-b/orders-b')!;
    assert.deepEqual(n.location, loc('orders-b.yaml', 4));
    assert.equal(n.contextValue, 'routeMember');
    assert.match(tooltipOf(n) ?? '', /orders-b\.yaml:5/);
  });

  it('keeps node ids unique and stable', () => {
    const a = [...walk(buildRoutesModel(table()).nodes)].map((n) => n.id);
    const b = [...walk(buildRoutesModel(table()).nodes)].map((n) => n.id);
    assert.equal(new Set(a).size, a.length);
    assert.deepEqual(a, b);
  });

  it('puts groups of a table without Hosts under their own host glob', () => {
    const t = table();
    t.hosts = [];
    const m = buildRoutesModel(t);
    const labels = m.nodes.map((n) => n.label);
    assert.deepEqual(labels, ['api.example.com', '(no host)', 'other.example.com', 'TCP']);
    assert.match(m.nodes[0].description ?? '', /default Host/);
  });

  it('lists TCPMappings by port', () => {
    const tcp = buildRoutesModel(table()).nodes.find((n) => n.kind === 'tcp')!;
    assert.equal(tcp.children?.[0].label, 'port 5432');
    assert.equal(tcp.children?.[0].description, 'db.example.com');
    assert.equal(tcp.children?.[0].children?.[0].label, 'data/pg');
  });

  it('filters by every term over host, group and member text', () => {
    const byHost = buildRoutesModel(table(), { filter: 'API.example' });
    assert.deepEqual(byHost.nodes.map((n) => n.label), ['api.example.com']);
    assert.equal(byHost.nodes[0].children?.length, 2);

    const byMember = buildRoutesModel(table(), { filter: 'team-b' });
    assert.deepEqual(byMember.nodes.map((n) => n.label), ['api.example.com']);
    const orders = byMember.nodes[0].children!;
    assert.deepEqual(orders.map((g) => g.label), ['/orders/']);
    assert.deepEqual(orders[0].children?.map((c) => c.label), ['team-b/orders-b']);
    assert.equal(byMember.shownGroups, 1);

    const both = buildRoutesModel(table(), { filter: 'api.example.com users' });
    assert.deepEqual(both.nodes[0].children?.map((g) => g.label), ['/users/']);

    const tcp = buildRoutesModel(table(), { filter: 'postgres' });
    assert.deepEqual(tcp.nodes.map((n) => n.label), ['TCP']);

    const byCode = buildRoutesModel(table(), { filter: 'ep231' });
    assert.deepEqual(byCode.nodes.map((n) => n.label), ['other.example.com']);
  });

  it('shows a message node when the filter matches nothing, and nothing for an empty table', () => {
    const none = buildRoutesModel(table(), { filter: 'nothing-like-this' });
    assert.equal(none.nodes.length, 1);
    assert.equal(none.nodes[0].kind, 'message');
    assert.match(none.nodes[0].label, /No routes match “nothing-like-this”/);
    const empty = buildRoutesModel({ hosts: [], groups: [], tcp: [] });
    assert.deepEqual(empty.nodes, []);
    assert.equal(empty.empty, true);
    assert.equal(buildRoutesModel(undefined).empty, true);
  });

  it('marks groups and members whose Mappings drifted', () => {
    const drift: DriftEntry[] = [
      { key: 'getambassador.io/v3alpha1/Mapping/team-b/orders-b', kind: 'Mapping', namespace: 'team-b', name: 'orders-b', state: 'changed', changes: ['/spec/service'] },
      { key: 'getambassador.io/v3alpha1/Mapping/shop/users', kind: 'Mapping', namespace: 'shop', name: 'users', state: 'in-sync', changes: [] },
      { key: 'getambassador.io/v3alpha1/TCPMapping/data/pg', kind: 'TCPMapping', namespace: 'data', name: 'pg', state: 'cluster-only', changes: [] },
    ];
    assert.deepEqual([...driftedResources(drift)].sort(), ['Mapping/team-b/orders-b', 'TCPMapping/data/pg']);
    const m = buildRoutesModel(table(), { drift });
    const orders = find(m.nodes, (n) => n.groupId === 'aaa111')!;
    assert.equal(orders.drifted, true);
    assert.match(orders.description ?? '', /· drifted$/);
    assert.equal(orders.children?.[1].drifted, true);
    assert.equal(orders.children?.[0].drifted, undefined);
    const users = find(m.nodes, (n) => n.groupId === 'bbb222')!;
    assert.equal(users.drifted, undefined);
    const tcp = find(m.nodes, (n) => n.kind === 'tcpRoute')!;
    assert.equal(tcp.drifted, true);
  });

  it('shows the severities the server sent (after the folder settings), not the catalogue defaults', () => {
    const t = table();
    t.groups[0] = { ...t.groups[0], problems: ['EP200'], severities: { EP200: 'info' } };
    t.tcp[0] = { ...t.tcp[0], problems: ['EP201'], severities: { EP201: 'hint' } };
    const m = buildRoutesModel(t);
    const orders = find(m.nodes, (n) => n.groupId === 'aaa111')!;
    assert.deepEqual(orders.icon, { id: 'info', color: 'problemsInfoIcon.foreground' });
    assert.match(tooltipOf(orders) ?? '', /\*\*EP200\*\* \(info\)/);
    const tcp = find(m.nodes, (n) => n.kind === 'tcpRoute')!;
    assert.deepEqual(tcp.icon, { id: 'lightbulb', color: 'problemsInfoIcon.foreground' });
    assert.match(tooltipOf(tcp) ?? '', /\*\*EP201\*\* \(hint\)/);
    // A code turned off is not in the server's problems: no problem icon, no problem context menu.
    t.groups[0] = { ...t.groups[0], problems: [], severities: {} };
    const off = find(buildRoutesModel(t).nodes, (n) => n.groupId === 'aaa111')!;
    assert.equal(off.icon?.id, 'git-merge');
    assert.equal(off.contextValue, 'routeGroup');
    assert.doesNotMatch(tooltipOf(off) ?? '', /EP200/);
  });

  it('builds tooltips only when one is asked for', () => {
    const t = table();
    let keyReads = 0;
    const orders = t.groups[0];
    const key = orders.key;
    Object.defineProperty(orders, 'key', {
      get: () => {
        keyReads++;
        return key;
      },
    });
    const m = buildRoutesModel(t);
    const nodes = [...walk(m.nodes)];
    assert.equal(keyReads, 0, 'the group key (shown only in the tooltip) is not read while building the tree');
    for (const kind of ['host', 'hostBucket', 'group', 'member', 'tcpRoute'] as const) {
      const n = nodes.find((x) => x.kind === kind)!;
      assert.equal(n.tooltip, undefined, `${kind}: no tooltip built up front`);
      assert.equal(typeof n.resolveTooltip, 'function', `${kind}: a tooltip on demand`);
    }
    const group = nodes.find((n) => n.groupId === 'aaa111')!;
    assert.match(group.resolveTooltip!(), /Key: `HTTP-GET\/orders\/`/);
    assert.equal(keyReads, 1);
  });

  it('describes header regexes and query parameters', () => {
    const g = group('x', '/q', [member('a', 'n', 's', 100)], {
      prefixExact: true,
      headers: [{ name: 'x-v', value: '^v[0-9]$', regex: true }],
      queryParameters: [{ name: 'debug', value: '1', regex: false }],
    });
    assert.equal(groupDescription(g), 'exact · x-v~^v[0-9]$ · ?debug=1');
  });

  it('the view message names a failed load, and a failed refresh while the last table is still shown', () => {
    assert.equal(routesViewMessage(false, undefined), undefined);
    assert.equal(routesViewMessage(true, undefined), undefined);
    assert.equal(routesViewMessage(false, 'the language server crashed'), 'Could not load routes: the language server crashed');
    assert.equal(
      routesViewMessage(true, 'the language server crashed'),
      'Could not refresh routes (showing the last table loaded): the language server crashed',
    );
  });

  it('finds the member node of a Mapping by file and name line (Reveal in Routes View), the first of several', () => {
    const m = buildRoutesModel(table());
    const orders = findMemberNode(m.nodes, 'file:///ws/orders-b.yaml', 4);
    assert.equal(orders?.label, 'team-b/orders-b');
    assert.equal(findMemberNode(m.nodes, 'file:///ws/pg.yaml', 4)?.label, 'data/pg', 'TCP members too');
    assert.equal(findMemberNode(m.nodes, 'file:///ws/orders-b.yaml', 5), undefined);
    assert.equal(findMemberNode(m.nodes, 'file:///ws/nowhere.yaml', 4), undefined);
    // A filter that hides the member: nothing to reveal.
    assert.equal(findMemberNode(buildRoutesModel(table(), { filter: 'users' }).nodes, 'file:///ws/orders-b.yaml', 4), undefined);
  });

  it('a fetched table equal to the one shown changes nothing (no redraw); any difference does', () => {
    assert.equal(sameTable(undefined, table()), false, 'the first table is always shown');
    assert.equal(sameTable(table(), table()), true);
    const weights = table();
    weights.groups[0].members[0].weight = 60;
    assert.equal(sameTable(table(), weights), false);
    const severities = table() as RoutesResult;
    severities.groups[0].severities = { EP200: 'error' };
    assert.equal(sameTable(table(), severities), false);
  });
});
