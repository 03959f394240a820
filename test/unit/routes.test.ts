// Route table (server/src/engine/routes.ts): group keys and ids, Host association, weights, route order,
// and the route tables of Emissary's own test inputs (canary_groups, unrelated-mappings).
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFile } from '../../server/src/engine/parse';
import type { Resource, RouteGroup, RouteTable } from '../../server/src/engine/model';
import { buildRouteModel, buildRouteTable, compareRouteWeight, groupRouteWeight, normalizeWeights, pyRound, resolveDuplicates, routeOrder } from '../../server/src/engine/routes';
import { hostGlobsIntersect, selectorMatches } from '../../server/src/engine/hostglob';

// The Emissary reference manifests live next to the repository (not committed); EDGEPOLICY_REFERENCE overrides.
const REFERENCE =
  [process.env.EDGEPOLICY_REFERENCE, path.resolve(__dirname, '..', '..', '..', 'shared', 'reference', 'emissary-fixtures')]
    .filter((x): x is string => !!x)
    .find((d) => fs.existsSync(d)) ?? '';
const CANARY = 'emissary-ingress_emissary@v3.10.0/python/tests/unit/testdata/canary_groups';
const UNRELATED = 'emissary-ingress_emissary@main-3ebe0f4/cmd/entrypoint/testdata/unrelated-mappings';

function resourcesOf(files: Record<string, string>): Resource[] {
  return Object.entries(files).flatMap(([name, text]) => parseFile(`file:///ws/${name}`, text).resources);
}

function reference(...files: string[]): Resource[] {
  assert.ok(REFERENCE, 'Emissary reference manifests not found: set EDGEPOLICY_REFERENCE to their directory');
  return files.flatMap((f) => parseFile(`file:///ref/${path.basename(f)}`, fs.readFileSync(path.join(REFERENCE, f), 'utf8')).resources);
}

/** `name -> share` per member, in route order, for the group serving `prefix` (and host when given). */
function shares(table: RouteTable, prefix: string, host?: string): Record<string, number> {
  const g = findGroup(table, prefix, host);
  return Object.fromEntries(g.members.filter((m) => !m.dropped).map((m) => [m.name, m.weight]));
}

function findGroup(table: RouteTable, prefix: string, host?: string): RouteGroup {
  const g = table.groups.find((x) => x.prefix === prefix && (host === undefined || x.host === host));
  assert.ok(g, `no group for ${prefix} ${host ?? ''}`);
  return g;
}

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

const HOST_FOO = `apiVersion: getambassador.io/v3alpha1
kind: Host
metadata: {name: foo-host, namespace: default}
spec:
  hostname: foo.example.com
  mappingSelector:
    matchLabels: {host: foo}
`;

describe('route group keys (Emissary check values)', () => {
  const checkValues: [string, string, string, string][] = [
    ['a Mapping without host, picked up by a Host selector', '', 'HTTP-GET/test/hostfoo', '3d04d59d'],
    ['hostname foo.example.com', ', hostname: foo.example.com', 'HTTP-GET/test/:authorityfoo.example.com', '1a5a176c'],
  ];
  for (const [what, extra, key, idPrefix] of checkValues) {
    it(`${what}: ${key} -> ${idPrefix}`, () => {
      const table = buildRouteTable(
        resourcesOf({
          'host.yaml': HOST_FOO,
          'm.yaml': `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: star, namespace: default, labels: {host: foo}}
spec: {prefix: /test/, service: star${extra}}
`,
        }),
      );
      assert.equal(table.groups.length, 1);
      assert.equal(table.groups[0].key, key);
      assert.ok(table.groups[0].groupId.startsWith(idPrefix), table.groups[0].groupId);
      assert.equal(table.groups[0].groupId, sha1(key));
      assert.deepEqual(table.groups[0].hosts, ['default/foo-host']);
    });
  }

  it('builds the key from headers, regex headers, host, method, query parameters and precedence in order', () => {
    const [g] = buildRouteTable(
      resourcesOf({
        'm.yaml': `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: full, namespace: default}
spec:
  prefix: /full/
  service: full
  method: POST
  precedence: 3
  hostname: a.example.com
  headers: {x-b: "2", x-a: "1", ":authority": ignored.example.com}
  regex_headers: {x-r: "^v[0-9]$"}
  query_parameters: {debug: true}
  regex_query_parameters: {page: "[0-9]+"}
`,
      }),
    ).groups;
    // CRD map keys come back sorted from the API server; the exact :authority header is replaced by hostname.
    assert.equal(g.key, 'HTTP-GET/full/x-a1x-b2x-r^v[0-9]$:authoritya.example.com:methodPOSTdebugpage[0-9]+3');
    assert.equal(g.method, 'POST');
    assert.equal(g.precedence, 3);
    assert.deepEqual(g.headers.map((h) => [h.name, h.regex]), [['x-a', false], ['x-b', false], ['x-r', true]]);
  });

  it('keeps the written header order for annotation resources (Python dicts keep insertion order)', () => {
    const service = `apiVersion: v1
kind: Service
metadata:
  name: svc
  annotations:
    getambassador.io/config: |
      apiVersion: getambassador.io/v3alpha1
      kind: Mapping
      name: ann
      prefix: /ann/
      service: ann
      headers:
        x-b: "2"
        x-a: "1"
`;
    const [g] = buildRouteTable(resourcesOf({ 'svc.yaml': service })).groups;
    assert.equal(g.key, 'HTTP-GET/ann/x-b2x-a1');
  });

  it('does not put namespace, name, service, weight, rewrite or case_sensitive into the key', () => {
    const base = (name: string, ns: string, extra: string) => `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: ${name}, namespace: ${ns}}
spec: {prefix: /same/, hostname: x.example.com, service: ${name}${extra}}
`;
    const table = buildRouteTable(
      resourcesOf({
        'a.yaml': base('a', 'one', ', rewrite: /other/, weight: 10'),
        'b.yaml': base('b', 'two', ', case_sensitive: false, timeout_ms: 100'),
      }),
    );
    assert.equal(table.groups.length, 1);
    assert.deepEqual(Object.keys(shares(table, '/same/')), ['a', 'b']);
  });

  it('treats a v2 Mapping without host as host "*" and a v3alpha1 one as host-less', () => {
    const host = `apiVersion: getambassador.io/v3alpha1
kind: Host
metadata: {name: any, namespace: default}
spec: {hostname: "*.example.com"}
`;
    const m = (v: string, name: string) => `apiVersion: getambassador.io/${v}
kind: Mapping
metadata: {name: ${name}, namespace: default}
spec: {prefix: /${name}/, service: ${name}}
`;
    const table = buildRouteTable(resourcesOf({ 'h.yaml': host, 'v2.yaml': m('v2', 'old'), 'v3.yaml': m('v3alpha1', 'new') }));
    const old = findGroup(table, '/old/');
    const neu = findGroup(table, '/new/');
    assert.equal(old.key, 'HTTP-GET/old/:authority*');
    assert.deepEqual(old.hosts, ['default/any']);
    assert.equal(neu.key, 'HTTP-GET/new/');
    assert.deepEqual(neu.hosts, [], 'a Mapping with neither host nor selected labels never attaches');
  });
});

describe('Host association', () => {
  const host = (name: string, hostname: string, selector?: string) => `apiVersion: getambassador.io/v3alpha1
kind: Host
metadata: {name: ${name}, namespace: default}
spec:
  hostname: "${hostname}"
${selector ? `  mappingSelector: {matchLabels: {${selector}}}\n` : ''}`;
  const mapping = (name: string, spec: string, labels = '{}') => `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: ${name}, namespace: default, labels: ${labels}}
spec: {prefix: /${name}/, service: ${name}${spec}}
`;

  it('matches DNS globs, requires both hostname and selector when the Host has a selector, and lets host_regex match every Host', () => {
    const table = buildRouteTable(
      resourcesOf({
        'hosts.yaml': [host('shop', 'shop.example.com'), host('admin', 'admin.example.com', 'zone: admin'), host('all', '*')].join('---\n'),
        'maps.yaml': [
          mapping('glob', ', hostname: "*.example.com"'),
          mapping('admin-host-only', ', hostname: admin.example.com'),
          mapping('admin-both', ', hostname: admin.example.com', '{zone: admin}'),
          mapping('label-only', '', '{zone: admin, extra: yes}'),
          mapping('regex', ', host: "^s.*", host_regex: true'),
        ].join('---\n'),
      }),
    );
    const hostsOf = (prefix: string) => findGroup(table, prefix).hosts;
    assert.deepEqual(hostsOf('/glob/'), ['default/all', 'default/shop']);
    assert.deepEqual(hostsOf('/admin-host-only/'), ['default/all']);
    assert.deepEqual(hostsOf('/admin-both/'), ['default/admin', 'default/all']);
    assert.deepEqual(hostsOf('/label-only/'), ['default/admin']);
    assert.deepEqual(hostsOf('/regex/'), ['default/all', 'default/shop']);
    const shop = table.hosts.find((h) => h.name === 'shop')!;
    assert.equal(shop.groupIds.length, 2);
  });

  it('uses the older `selector` field when mappingSelector is absent', () => {
    const legacy = `apiVersion: getambassador.io/v2
kind: Host
metadata: {name: legacy, namespace: default}
spec:
  hostname: legacy.example.com
  selector: {matchLabels: {team: a}}
`;
    const table = buildRouteTable(resourcesOf({ 'h.yaml': legacy, 'm.yaml': mapping('team', '', '{team: a}') }));
    assert.deepEqual(findGroup(table, '/team/').hosts, ['default/legacy']);
    assert.equal(findGroup(table, '/team/').key, 'HTTP-GET/team/teama');
  });

  it('hostGlobsIntersect follows Emissary hostglob_matches', () => {
    const cases: [string, string, boolean][] = [
      ['foo.example.com', 'foo.example.com', true],
      ['*', 'anything', true],
      ['*.example.com', 'foo.example.com', true],
      ['*.example.com', 'example.com', false],
      ['*example.com', 'example.com', false],
      ['*.example.com', '*.com', true],
      ['*.example.com', '*.example.org', false],
      ['foo.*', 'foo.example.com', true],
      ['foo.*', 'bar.example.com', false],
      ['foo.*', '*.com', true],
      ['*.foo.*', '*.foo.*', true],
      ['*.foo.*', 'a.foo.b', false],
      ['.example.com', '*.example.com', false],
      ['a.example.com', 'b.example.com', false],
    ];
    for (const [a, b, want] of cases) {
      assert.equal(hostGlobsIntersect(a, b), want, `${a} ~ ${b}`);
      assert.equal(hostGlobsIntersect(b, a), want, `${b} ~ ${a}`);
    }
  });

  it('selectorMatches needs every label; an empty selector matches everything', () => {
    assert.equal(selectorMatches({ a: '1', b: '2' }, { a: '1', b: '2', c: '3' }), true);
    assert.equal(selectorMatches({ a: '1', b: '2' }, { a: '1' }), false);
    assert.equal(selectorMatches({}, {}), true);
    assert.equal(selectorMatches({ a: '1' }, {}), false);
  });
});

describe('weights', () => {
  it('normalises like Emissary: weighted first, the rest split evenly, the last ends at 100', () => {
    assert.deepEqual(normalizeWeights([undefined]), { ok: true, shares: [100], order: [0] });
    assert.deepEqual(normalizeWeights([150]), { ok: true, shares: [100], order: [0] }, 'a lone Mapping gets 100%');
    assert.deepEqual(normalizeWeights([20, undefined, 50]), { ok: true, shares: [20, 30, 50], order: [0, 2, 1] });
    assert.deepEqual(normalizeWeights([undefined, undefined, undefined]).ok && normalizeWeights([undefined, undefined, undefined]), {
      ok: true,
      shares: [33, 33, 34],
      order: [0, 1, 2],
    });
    const six = normalizeWeights(new Array(6).fill(undefined));
    assert.ok(six.ok);
    assert.deepEqual(six.shares, [17, 17, 17, 17, 17, 15]);
    assert.deepEqual(normalizeWeights([60, 40, undefined]), { ok: true, shares: [60, 40, 0], order: [0, 1, 2] });
    assert.deepEqual(normalizeWeights([10, 20]), { ok: true, shares: [10, 20], order: [0, 1] });
  });

  it('rejects a weight over 100 or a total over 100', () => {
    assert.deepEqual(normalizeWeights([undefined, 101]), { ok: false, overIndex: 1 });
    assert.deepEqual(normalizeWeights([70, 50]), { ok: false, total: 120 });
  });

  it('rounds halves to even like Python', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 2.6, 33.5, 34.5].map(pyRound), [0, 2, 2, 3, 34, 34]);
  });
});

describe('groups: members, core keys, shadows, name prefixes', () => {
  const m = (name: string, ns: string, spec: string) => `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: ${name}, namespace: ${ns}}
spec: {prefix: /g/, hostname: g.example.com, service: ${name}${spec}}
`;

  it('orders members by name.namespace, names the group after the first, keeps one shadow and drops mismatches', () => {
    const model = buildRouteModel(
      resourcesOf({
        'g.yaml': [
          m('b', 'x', ''),
          m('a', 'y', ', timeout_ms: 10'),
          m('c', 'x', ', shadow: true'),
          m('d', 'x', ', shadow: true'),
          m('e', 'x', ', load_balancer: {policy: round_robin}'),
          m('f.one', 'x', ''),
          m('f.two', 'x', ''),
        ].join('---\n'),
      }),
    );
    const g = model.table.groups[0];
    assert.equal(g.name, 'a');
    const byName = Object.fromEntries(g.members.map((x) => [x.name, x]));
    assert.equal(byName.c.shadow, true);
    assert.equal(byName.c.dropped, undefined);
    assert.match(byName.d.dropped ?? '', /already has a shadow/);
    assert.match(byName.e.dropped ?? '', /load_balancer/);
    assert.match(byName['f.two'].dropped ?? '', /before the first dot/);
    assert.deepEqual(shares(model.table, '/g/'), { a: 33, b: 33, 'f.one': 34, c: 100 });
  });

  it('compares circuit_breakers both ways (Emissary fills in the Module default)', () => {
    const table = buildRouteTable(resourcesOf({ 'g.yaml': [m('a', 'x', ', circuit_breakers: [{max_connections: 5}]'), m('b', 'x', '')].join('---\n') }));
    assert.match(findGroup(table, '/g/').members.find((x) => x.name === 'b')?.dropped ?? '', /circuit_breakers/);
  });

  it('marks a group with weights over 100 as rejected with every share at 0', () => {
    const table = buildRouteTable(resourcesOf({ 'g.yaml': [m('a', 'x', ', weight: 80'), m('b', 'x', ', weight: 30')].join('---\n') }));
    const g = findGroup(table, '/g/');
    assert.match(g.rejected ?? '', /total 110/);
    assert.deepEqual(g.members.map((x) => x.weight), [0, 0]);
    assert.deepEqual(g.problems, ['EP201']);
  });
});

describe('route order and scope', () => {
  const m = (name: string, spec: string) => `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: ${name}, namespace: default}
spec: {service: ${name}, hostname: "*"${spec}}
`;

  it('orders groups by precedence, then prefix length, then header length', () => {
    const table = buildRouteTable(
      resourcesOf({
        'o.yaml': [
          m('short', ', prefix: /a/'),
          m('long', ', prefix: /a/b/c/'),
          m('header', ', prefix: /a/, headers: {x-version: "2"}'),
          m('first', ', prefix: /, precedence: 10'),
        ].join('---\n'),
      }),
    );
    assert.deepEqual(table.groups.map((g) => g.name), ['first', 'long', 'header', 'short']);
  });

  it('routeOrder sorts as comparing whole route-weight lists does (many ties, headers, queries, canaries)', () => {
    // Deterministic pseudo-random Mappings over few values, so that every part of the weight ties somewhere.
    let seed = 11;
    const pick = <T>(xs: T[]): T => xs[(seed = (seed * 1103515245 + 12345) % 2147483648) % xs.length];
    const docs: string[] = [];
    for (let i = 0; i < 400; i++) {
      const extra = [
        `, prefix: ${pick(['/a/', '/b/', '/ab/', '/a/b/', '/\u00e9/'])}`,
        pick(['', ', precedence: 2', ', precedence: -1']),
        `, hostname: ${pick(['"*"', 'x.example.com', 'y.example.com', 'xy.example.com'])}`,
        pick(['', ', method: POST', ', method: GET']),
        pick(['', ', headers: {x-a: "1"}', ', headers: {x-a: "2", x-b: "1"}', ', headers: {x-b: true}']),
        pick(['', ', query_parameters: {q: "1"}', ', regex_query_parameters: {q: "[0-9]"}']),
        pick(['', '', ', weight: 10']),
      ].join('');
      docs.push(m(`${pick(['m', 'n', 'mm'])}${i}`, extra));
    }
    const model = buildRouteModel(resourcesOf({ 'r.yaml': docs.join('---\n') }));
    assert.ok(model.groups.some((g) => g.members.length > 1), 'the input makes canary groups');
    // Creation order: groups by their first member's `name.namespace` (members are in that order).
    const key = (g: (typeof model.groups)[number]) => `${g.members[0].mapping.name}.${g.members[0].mapping.namespace}`;
    const created = [...model.groups].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    // The reference: a stable ascending sort by whole weight lists, reversed.
    const reference = created.map((g, i) => ({ g, i, w: groupRouteWeight(g) }));
    reference.sort((a, b) => compareRouteWeight(a.w, b.w) || a.i - b.i);
    reference.reverse();
    const ids = (gs: (typeof model.groups)[number][]) => gs.map((g) => g.group.groupId);
    assert.deepEqual(ids(routeOrder(created)), ids(reference.map((x) => x.g)));
    assert.deepEqual(ids(model.groups), ids(reference.map((x) => x.g)));
  });

  it('ignores resources of another ambassador_id and lets the later duplicate win', () => {
    const table = buildRouteTable(
      resourcesOf({
        'a.yaml': m('dup', ', prefix: /old/') + '---\n' + m('other', ', prefix: /other/, ambassador_id: [blue]'),
        'b.yaml': m('dup', ', prefix: /new/'),
      }),
    );
    assert.deepEqual(table.groups.map((g) => g.prefix), ['/new/']);
    const blue = buildRouteTable(resourcesOf({ 'a.yaml': m('other', ', prefix: /other/, ambassador_id: [blue]') }), { ambassadorId: 'blue' });
    assert.deepEqual(blue.groups.map((g) => g.prefix), ['/other/']);
  });

  it('resolveDuplicates: the last definition of a kind (resolvers share one), namespace and name wins', () => {
    const doc = (kind: string, name: string, ns?: string) =>
      `apiVersion: getambassador.io/v3alpha1\nkind: ${kind}\nmetadata: {name: ${name}${ns ? `, namespace: ${ns}` : ''}}\nspec: {service: s, prefix: /p/}\n`;
    const rs = resourcesOf({
      'd.yaml': [
        doc('Mapping', 'a'), // 0: replaced by 3 (namespace omitted = default)
        doc('Host', 'a'), // 1: another kind, same name: not a duplicate
        doc('Mapping', 'a', 'other'), // 2: another namespace
        doc('Mapping', 'a', 'default'), // 3: replaced by 6
        doc('KubernetesServiceResolver', 'r'), // 4: resolvers share a name space: replaced by 5
        doc('ConsulResolver', 'r'), // 5
        doc('Mapping', 'a'), // 6
        doc('Mapping', 'b'), // 7
      ].join('---\n'),
    });
    const { active, duplicates } = resolveDuplicates(rs, 'default');
    const at = (r: Resource) => rs.indexOf(r);
    assert.deepEqual(active.map(at), [1, 2, 5, 6, 7]);
    assert.deepEqual(duplicates.map((list) => list.map(at)), [[0, 3, 6], [4, 5]]);
    const unique = resolveDuplicates([rs[1], rs[2], rs[7]], 'default');
    assert.deepEqual([unique.active.map(at), unique.duplicates], [[1, 2, 7], []]);
  });

  it('groups TCPMappings by port and host', () => {
    const tcp = (name: string, spec: string) => `apiVersion: getambassador.io/v3alpha1
kind: TCPMapping
metadata: {name: ${name}, namespace: default}
spec: {service: ${name}:1${spec}}
`;
    const table = buildRouteTable(
      resourcesOf({ 't.yaml': [tcp('a', ', port: 9000'), tcp('b', ', port: 9000, weight: 25'), tcp('c', ', port: 9000, host: c.example.com')].join('---\n') }),
    );
    assert.deepEqual(
      table.tcp.map((t) => [t.port, t.host ?? '*', t.members.map((x) => `${x.name}:${x.weight}`)]),
      [
        [9000, '*', ['b:25', 'a:75']],
        [9000, 'c.example.com', ['c:100']],
      ],
    );
  });
});

describe("route tables of Emissary's own inputs", () => {
  it('canary_groups/mapping_selector: one group per Host selector, keys include the matchLabels', () => {
    const table = buildRouteTable(reference(`${CANARY}/mapping_selector_in.yaml`));
    assert.deepEqual(
      table.groups.map((g) => [g.name, g.key, g.hosts]).sort(),
      [
        ['star-backend-bar', 'HTTP-GET/test/hostbar', ['default/bar-host']],
        ['star-backend-foo', 'HTTP-GET/test/hostfoo', ['default/foo-host']],
      ],
    );
    assert.ok(findGroup(table, '/test/', '*').groupId.length === 40);
    assert.ok(table.groups.some((g) => g.groupId.startsWith('3d04d59d')));
  });

  for (const variant of ['hostname', 'host', 'authority']) {
    it(`canary_groups/mapping_selector_and_${variant}: the ${variant} decides the group, ${variant === 'authority' ? 'headers[":authority"]' : variant} becomes :authority`, () => {
      const table = buildRouteTable(reference(`${CANARY}/mapping_selector_and_${variant}_in.yaml`));
      assert.deepEqual(
        table.groups.map((g) => [g.key, g.hosts]).sort(),
        [
          ['HTTP-GET/test/:authoritybar.example.com', ['default/bar-host']],
          ['HTTP-GET/test/:authorityfoo.example.com', ['default/foo-host']],
        ],
      );
      assert.ok(table.groups.some((g) => g.groupId.startsWith('1a5a176c')));
    });
  }

  it('canary_groups/mapping_selector_irrelevant_labels: extra labels do not split the canary (90/10)', () => {
    const table = buildRouteTable(reference(`${CANARY}/mapping_selector_irrelevant_labels_in.yaml`));
    assert.equal(table.groups.length, 1);
    assert.equal(table.groups[0].key, 'HTTP-GET/test/hostfoo');
    assert.deepEqual(shares(table, '/test/'), { 'star-test-backend-foo': 10, 'star-backend-foo': 90 });
  });

  it('canary_groups/mapping_selector_to_multiple_hosts: one group on both Hosts', () => {
    const table = buildRouteTable(reference(`${CANARY}/mapping_selector_to_multiple_hosts_in.yaml`));
    assert.equal(table.groups.length, 1);
    assert.equal(table.groups[0].key, 'HTTP-GET/test/servicestarservicestar');
    assert.deepEqual(table.groups[0].hosts, ['default/bar-host', 'default/foo-host']);
  });

  it('unrelated-mappings, mapping1: workload2 weight 10 (10%), workload1 unweighted (90%), unrelated on its own', () => {
    const table = buildRouteTable(reference(...['host.yaml', 'mapping1.yaml', 'unrelated.yaml'].map((f) => `${UNRELATED}/${f}`)));
    assert.deepEqual(shares(table, '/', 'test.example.com'), { 'workload2-mapping': 10, 'workload1-mapping': 90 });
    assert.deepEqual(shares(table, '/', 'unrelated.spike-pp.test-labs.com'), { unrelated: 100 });
    assert.equal(table.groups.length, 2);
  });

  it('unrelated-mappings, mapping3: workload1 w20, workload2 w50, workload3 unweighted gets 30%', () => {
    const table = buildRouteTable(reference(...['host.yaml', 'mapping2.yaml', 'mapping3.yaml', 'unrelated.yaml'].map((f) => `${UNRELATED}/${f}`)));
    assert.deepEqual(shares(table, '/', 'test.example.com'), { 'workload1-mapping': 20, 'workload2-mapping': 50, 'workload3-mapping': 30 });
    const g = findGroup(table, '/', 'test.example.com');
    assert.deepEqual(g.members.map((x) => x.rawWeight), [20, 50, undefined]);
  });
});
