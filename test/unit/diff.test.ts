import * as assert from 'node:assert/strict';
import * as yaml from 'js-yaml';
import {
  DriftIndex,
  computeDrift,
  desiredFromResource,
  diffValues,
  keyOf,
  liveAnnotationResources,
  maskSecrets,
  normalizeObject,
  removePointer,
  renderYaml,
  type Obj,
} from '../../server/src/engine/diff';
import { ignoresFor } from '../../server/src/engine/ignore';
import { parseProjectConfig } from '../../server/src/engine/config';
import type { Resource } from '../../server/src/engine/model';
import { parseFile } from '../../server/src/engine/parse';

function mapping(name: string, spec: Obj, extra: { namespace?: string; version?: string; labels?: Obj } = {}): Obj {
  const md: Obj = { name };
  if (extra.namespace) md.namespace = extra.namespace;
  if (extra.labels) md.labels = extra.labels;
  return { apiVersion: `getambassador.io/${extra.version ?? 'v3alpha1'}`, kind: 'Mapping', metadata: md, spec };
}

/** What the API server hands back for an applied object: server-managed metadata added. */
function served(obj: Obj, namespace = 'default'): Obj {
  const o = JSON.parse(JSON.stringify(obj)) as Obj;
  const md = o.metadata as Obj;
  md.namespace = md.namespace ?? namespace;
  md.uid = '0c6c6f9e-1111-2222-3333-444455556666';
  md.resourceVersion = '12345';
  md.generation = 3;
  md.creationTimestamp = '2024-01-01T00:00:00Z';
  md.selfLink = '/apis/x';
  md.managedFields = [{ manager: 'kubectl', operation: 'Apply' }];
  md.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(obj) };
  o.status = { state: 'Running' };
  return o;
}

function fakeResource(obj: Obj, uri: string, line: number): Resource {
  const md = obj.metadata as Obj;
  const [, version] = String(obj.apiVersion).split('/');
  return {
    apiVersion: String(obj.apiVersion),
    version,
    kind: String(obj.kind),
    name: String(md.name),
    namespace: md.namespace as string | undefined,
    labels: (md.labels as Record<string, string>) ?? {},
    spec: (obj.spec as Obj) ?? {},
    object: obj,
    origin: { uri, docIndex: 0 },
    locate: () => ({ start: { line, character: 0 }, end: { line, character: 0 } }),
  };
}

describe('diff: states', () => {
  it('reports in-sync, changed, workspace-only and cluster-only', () => {
    const a = mapping('a', { prefix: '/a/', service: 'a' });
    const b = mapping('b', { prefix: '/b/', service: 'b' });
    const c = mapping('c', { prefix: '/c/', service: 'c' });
    const d = mapping('d', { prefix: '/d/', service: 'd' });
    const liveB = served(b);
    (liveB.spec as Obj).prefix = '/bee/';
    const entries = computeDrift(
      [a, b, c].map((o, i) => ({ object: o, uri: 'file:///ws/m.yaml', line: i * 10 })),
      [served(a), liveB, served(d)],
    );
    const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
    assert.equal(byName.a.state, 'in-sync');
    assert.deepEqual(byName.a.changes, []);
    assert.equal(byName.b.state, 'changed');
    assert.deepEqual(byName.b.changes, ['/spec/prefix']);
    assert.equal(byName.c.state, 'workspace-only');
    assert.equal(byName.c.uri, 'file:///ws/m.yaml');
    assert.equal(byName.c.line, 20);
    assert.equal(byName.d.state, 'cluster-only');
    assert.equal(byName.d.uri, undefined);
    assert.equal(byName.a.key, 'getambassador.io/v3alpha1/Mapping/default/a');
    assert.deepEqual(
      entries.map((e) => e.name),
      ['a', 'b', 'c', 'd'],
    );
  });

  it('treats a field added by hand in the cluster as drift (whole-object comparison)', () => {
    const a = mapping('a', { prefix: '/a/', service: 'a' });
    const live = served(a);
    (live.spec as Obj).timeout_ms = 5000;
    (live.metadata as Obj).labels = { hotfix: 'yes' };
    const [e] = computeDrift([{ object: a }], [live]);
    assert.equal(e.state, 'changed');
    assert.deepEqual(e.changes, ['/metadata/labels', '/spec/timeout_ms']);
  });

  it('reports nested and array changes as JSON pointers, escaping ~ and /', () => {
    const a = mapping('a', { prefix: '/a/', service: 'a', headers: { 'x/team': 'a', 'x~y': '1' }, regex_rewrite: { pattern: 'x' }, hostname: 'h' });
    const live = served(mapping('a', { prefix: '/a/', service: 'a', headers: { 'x/team': 'b', 'x~y': '1' }, regex_rewrite: { pattern: 'y' }, hostname: 'h' }));
    const [e] = computeDrift([{ object: a }], [live]);
    assert.deepEqual(e.changes, ['/spec/headers/x~1team', '/spec/regex_rewrite/pattern']);
    assert.deepEqual(diffValues({ l: [1, 2, 3] }, { l: [1, 5] }), ['/l/1', '/l/2']);
    assert.deepEqual(diffValues({ 'a~b': 1 }, {}), ['/a~0b']);
    assert.deepEqual(diffValues(1, 2), ['/']);
  });

  it('defaults the desired namespace to the context namespace, else default', () => {
    const a = mapping('a', { prefix: '/a/', service: 'a' });
    const inTeam = computeDrift([{ object: a }], [served(a, 'team')], { defaultNamespace: 'team' });
    assert.deepEqual(
      inTeam.map((e) => [e.namespace, e.state]),
      [['team', 'in-sync']],
    );
    const noCtxNs = computeDrift([{ object: a }], [served(a, 'team')]);
    assert.deepEqual(noCtxNs.map((e) => `${e.namespace}:${e.state}`).sort(), ['default:workspace-only', 'team:cluster-only']);
  });

  it('compares a desired resource with the live object listed at the same version', () => {
    const v2 = mapping('a', { prefix: '/a/', service: 'a', host: 'x' }, { version: 'v2' });
    const liveV2 = served(v2);
    const liveV3 = served(mapping('a', { prefix: '/a/', service: 'a', hostname: 'x' }));
    const idx = new DriftIndex();
    idx.setDesired([{ object: v2 }]);
    idx.upsertLive(liveV3);
    assert.equal(idx.list()[0].state, 'workspace-only', 'the v3alpha1 listing does not answer for a v2 resource');
    idx.upsertLive(liveV2);
    assert.deepEqual(
      idx.list().map((e) => [e.key, e.state]),
      [['getambassador.io/v2/Mapping/default/a', 'in-sync']],
    );
  });

  it('uses only the primary listing of a kind for cluster-only detection', () => {
    const idx = new DriftIndex();
    idx.setPrimaryVersion('getambassador.io', 'Mapping', 'v2');
    idx.upsertLive(served(mapping('z', { prefix: '/z/', service: 'z' })));
    assert.equal(idx.size, 0);
    idx.upsertLive(served(mapping('z', { prefix: '/z/', service: 'z' }, { version: 'v2' })));
    assert.deepEqual(
      idx.list().map((e) => [e.key, e.state]),
      [['getambassador.io/v2/Mapping/default/z', 'cluster-only']],
    );
  });

  it('keeps the first of two workspace definitions of one resource', () => {
    const a1 = mapping('a', { prefix: '/one/', service: 'a' });
    const a2 = mapping('a', { prefix: '/two/', service: 'a' });
    const [e] = computeDrift(
      [
        { object: a1, uri: 'file:///1.yaml', line: 0 },
        { object: a2, uri: 'file:///2.yaml', line: 0 },
      ],
      [served(a1)],
    );
    assert.equal(e.state, 'in-sync');
    assert.equal(e.uri, 'file:///1.yaml');
  });

  it('limits entries to the chosen namespaces', () => {
    const a = mapping('a', { prefix: '/a/', service: 'a' }, { namespace: 'one' });
    const b = mapping('b', { prefix: '/b/', service: 'b' }, { namespace: 'two' });
    const entries = computeDrift([{ object: a }, { object: b }], [served(a), served(b)], { namespaces: ['two'] });
    assert.deepEqual(
      entries.map((e) => e.name),
      ['b'],
    );
  });

  it('builds desired items from engine resources (uri and line)', () => {
    const r = fakeResource(mapping('a', { prefix: '/a/', service: 'a' }), 'file:///ws/a.yaml', 7);
    assert.deepEqual(desiredFromResource(r), { object: r.object, uri: 'file:///ws/a.yaml', line: 7 });
  });
});

describe('diff: normalisation', () => {
  const base = mapping('a', { prefix: '/a/', service: 'a' }, { namespace: 'ns' });

  for (const field of ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink']) {
    it(`drops metadata.${field}`, () => {
      const live = JSON.parse(JSON.stringify(base)) as Obj;
      (live.metadata as Obj)[field] = field === 'managedFields' ? [{ manager: 'x' }] : field === 'generation' ? 4 : 'v';
      assert.deepEqual(normalizeObject(live), normalizeObject(base));
      assert.equal(computeDrift([{ object: base }], [live])[0].state, 'in-sync');
    });
  }

  it('drops the last-applied-configuration annotation but keeps other annotations', () => {
    const live = served(base);
    (live.metadata as Obj).annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}', team: 'edge' };
    const n = normalizeObject(live);
    assert.deepEqual((n.metadata as Obj).annotations, { team: 'edge' });
    assert.deepEqual(computeDrift([{ object: base }], [live])[0].changes, ['/metadata/annotations']);
  });

  it('drops status', () => {
    const live = { ...base, status: { reason: 'x' } };
    assert.equal('status' in normalizeObject(live), false);
    assert.equal(computeDrift([{ object: base }], [live])[0].state, 'in-sync');
  });

  it('drops empty annotations and labels maps', () => {
    const live = served(base);
    (live.metadata as Obj).annotations = {};
    (live.metadata as Obj).labels = {};
    const n = normalizeObject(live);
    assert.equal('annotations' in (n.metadata as Obj), false);
    assert.equal('labels' in (n.metadata as Obj), false);
    const onlyLastApplied = served(base);
    assert.equal('annotations' in (normalizeObject(onlyLastApplied).metadata as Obj), false);
  });

  it("drops Emissary's v2 conversion helper fields", () => {
    const live = served(
      mapping(
        'a',
        {
          prefix: '/a/',
          service: 'a',
          v2ExplicitTLS: { tls: 'x' },
          v2BoolHeaders: ['x'],
          v2BoolQueryParameters: ['y'],
          add_request_headers: { 'x-a': { value: 'b', v2Representation: 'string' } },
          labels: { ambassador: [{ d: [{ generic_key: { value: 'k', v2Shorthand: true } }] }] },
          cors: { origins: ['a'], v2CommaSeparatedOrigins: true },
        },
        { namespace: 'ns' },
      ),
    );
    const desired = mapping(
      'a',
      {
        prefix: '/a/',
        service: 'a',
        add_request_headers: { 'x-a': { value: 'b' } },
        labels: { ambassador: [{ d: [{ generic_key: { value: 'k' } }] }] },
        cors: { origins: ['a'] },
      },
      { namespace: 'ns' },
    );
    const [e] = computeDrift([{ object: desired }], [live]);
    assert.equal(e.state, 'in-sync', JSON.stringify(e.changes));
  });

  it('keeps a field named like a helper outside spec (whole-object comparison)', () => {
    const n = normalizeObject({ ...base, extra: { v2Shorthand: true } });
    assert.deepEqual(n.extra, { v2Shorthand: true });
  });

  it('does not change its input', () => {
    const live = served(base);
    const copy = JSON.parse(JSON.stringify(live));
    normalizeObject(live, 'x');
    assert.deepEqual(live, copy);
  });
});

describe('diff: ignore rules (.edgepolicy.yaml)', () => {
  const text = [
    'diff:',
    '  ignore:',
    '    - kind: Mapping',
    '      pointer: /spec/timeout_ms',
    '    - kind: Mapping',
    '      namespace: ops',
    '      name: managed-by-operator',
    '    - kind: Host',
    '      namespace: edge',
    '      pointer: /metadata/labels/version',
    '    - kind: TLSContext',
  ].join('\n');

  it('parses the schema', () => {
    const cfg = parseProjectConfig(text);
    assert.deepEqual(cfg.errors, []);
    assert.deepEqual(cfg.diffIgnore, [
      { kind: 'Mapping', pointer: '/spec/timeout_ms' },
      { kind: 'Mapping', namespace: 'ops', name: 'managed-by-operator' },
      { kind: 'Host', namespace: 'edge', pointer: '/metadata/labels/version' },
      { kind: 'TLSContext' },
    ]);
    for (const empty of ['', 'severity: {}\n']) {
      const { diffIgnore, errors } = parseProjectConfig(empty);
      assert.deepEqual({ diffIgnore, errors }, { diffIgnore: [], errors: [] });
    }
  });

  it('reports bad input clearly and keeps the good rules', () => {
    const bad = parseProjectConfig(
      ['diff:', '  ignore:', '    - kind: Mapping', '      pointer: spec/x', '    - name: x', '    - kind: Host', '      colour: red', '    - 3', '    - kind: Module'].join('\n'),
    );
    assert.deepEqual(bad.diffIgnore, [{ kind: 'Module' }]);
    assert.equal(bad.errors.length, 4);
    assert.match(bad.errors[0].message, /diff\.ignore\[0\]: "pointer" must be a JSON pointer starting with "\/"/);
    assert.match(bad.errors[1].message, /diff\.ignore\[1\]: "kind" is required/);
    assert.match(bad.errors[2].message, /unknown field\(s\) "colour"/);
    assert.match(bad.errors[3].message, /diff\.ignore\[3\]: expected a mapping/);
    const syntax = parseProjectConfig('diff:\n  ignore: [\n');
    assert.equal(syntax.diffIgnore.length, 0);
    assert.match(syntax.errors[0].message, /YAML syntax error/);
    assert.ok(syntax.errors[0].line >= 1);
    assert.match(parseProjectConfig('diff: [1]').errors[0].message, /"diff" must be a mapping/);
    assert.match(parseProjectConfig('diff: {ignore: {}}').errors[0].message, /"diff.ignore" must be a list/);
    assert.match(parseProjectConfig('- a').errors[0].message, /mapping at the top level/);
  });

  it('a pointer rule ignores that path (and below) for matching resources', () => {
    const rules = parseProjectConfig(text).diffIgnore;
    const d = mapping('a', { prefix: '/a/', service: 'a', timeout_ms: 100 });
    const live = served(mapping('a', { prefix: '/a/', service: 'a', timeout_ms: 9000 }));
    assert.equal(computeDrift([{ object: d }], [live], { ignore: rules })[0].state, 'in-sync');
    assert.equal(computeDrift([{ object: d }], [live])[0].state, 'changed');
    // Present on one side only: still ignored.
    const liveNoTimeout = served(mapping('a', { prefix: '/a/', service: 'a' }));
    assert.equal(computeDrift([{ object: d }], [liveNoTimeout], { ignore: rules })[0].state, 'in-sync');
    // Other changes still count.
    const liveOther = served(mapping('a', { prefix: '/other/', service: 'a', timeout_ms: 1 }));
    assert.deepEqual(computeDrift([{ object: d }], [liveOther], { ignore: rules })[0].changes, ['/spec/prefix']);
  });

  it('a rule with namespace/name only matches that resource', () => {
    const rules = parseProjectConfig(text).diffIgnore;
    const host = (ns: string, version: string): Obj => ({
      apiVersion: 'getambassador.io/v3alpha1',
      kind: 'Host',
      metadata: { name: 'h', namespace: ns, labels: { version } },
      spec: { hostname: 'a.example.com' },
    });
    assert.equal(computeDrift([{ object: host('edge', '1') }], [host('edge', '2')], { ignore: rules })[0].state, 'in-sync');
    const other = computeDrift([{ object: host('other', '1') }], [host('other', '2')], { ignore: rules })[0];
    assert.deepEqual(other.changes, ['/metadata/labels/version']);
  });

  it('a rule without pointer ignores the whole resource (any state)', () => {
    const rules = parseProjectConfig(text).diffIgnore;
    const op = mapping('managed-by-operator', { prefix: '/x/', service: 'x' }, { namespace: 'ops' });
    const notOp = mapping('managed-by-operator', { prefix: '/x/', service: 'x' }, { namespace: 'dev' });
    const tls: Obj = { apiVersion: 'getambassador.io/v3alpha1', kind: 'TLSContext', metadata: { name: 't', namespace: 'x' }, spec: {} };
    const entries = computeDrift([{ object: op }, { object: tls }], [served(notOp)], { ignore: rules });
    assert.deepEqual(
      entries.map((e) => [e.namespace, e.name, e.state]),
      [['dev', 'managed-by-operator', 'cluster-only']],
    );
    assert.deepEqual(ignoresFor(rules, 'TLSContext', 'any', 'thing'), { whole: true, pointers: [] });
  });

  it('changing the rules re-evaluates existing entries', () => {
    const idx = new DriftIndex();
    idx.setDesired([{ object: mapping('a', { prefix: '/a/', service: 'a', timeout_ms: 1 }) }]);
    idx.upsertLive(served(mapping('a', { prefix: '/a/', service: 'a', timeout_ms: 2 })));
    assert.equal(idx.list()[0].state, 'changed');
    idx.setIgnoreRules([{ kind: 'Mapping', pointer: '/spec/timeout_ms' }]);
    assert.equal(idx.list()[0].state, 'in-sync');
    assert.match(idx.document(idx.list()[0].key, 'cluster')!, /# ignored by \.edgepolicy\.yaml: \/spec\/timeout_ms/);
    assert.doesNotMatch(idx.document(idx.list()[0].key, 'cluster')!, /timeout_ms: 2/);
  });

  it('removePointer handles objects, arrays and missing paths', () => {
    const o: Obj = { a: { 'b/c': 1, d: [1, 2, 3] } };
    removePointer(o, '/a/b~1c');
    removePointer(o, '/a/d/1');
    removePointer(o, '/x/y/z');
    assert.deepEqual(o, { a: { d: [1, 3] } });
    const m: Obj = { metadata: { name: 'n', labels: { hotfix: 'yes' } }, spec: { a: { b: 1 } } };
    removePointer(m, '/metadata/labels/hotfix');
    removePointer(m, '/spec/a/b');
    assert.deepEqual(m, { metadata: { name: 'n' } }, 'maps emptied by the removal go too');
  });
});

describe('diff: Secrets', () => {
  const secret = (data: Obj, extra: Obj = {}): Obj => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'tls', namespace: 'edge' },
    type: 'kubernetes.io/tls',
    data,
    ...extra,
  });
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('masks data and stringData values in renderings', () => {
    const text = renderYaml(secret({ 'tls.crt': b64('CERTIFICATE-BYTES'), 'tls.key': b64('KEY') }, { stringData: { extra: 'hunter2' } }));
    assert.doesNotMatch(text, /CERTIFICATE|hunter2|S0VZ/);
    assert.match(text, /tls\.crt: "?<redacted: 17 bytes>"?/);
    assert.match(text, /tls\.key: "?<redacted: 3 bytes>"?/);
    assert.match(text, /extra: "?<redacted: 7 bytes>"?/);
  });

  it('masks the last-applied annotation of a Secret when rendering a raw object', () => {
    const s = secret({ k: b64('secret-value') });
    (s.metadata as Obj).annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(s) };
    const masked = maskSecrets(s);
    assert.doesNotMatch(JSON.stringify(masked), /c2VjcmV0LXZhbHVl/);
  });

  it('compares values but shows only pointers; stringData compares as data', () => {
    const desired = secret({}, { stringData: { 'tls.key': 'one' } });
    delete desired.data;
    const live = served(secret({ 'tls.key': b64('two') }));
    const idx = new DriftIndex();
    idx.setDesired([{ object: desired }]);
    idx.upsertLive(live);
    const [e] = idx.list();
    assert.equal(e.state, 'changed');
    assert.deepEqual(e.changes, ['/data/tls.key']);
    const ws = idx.document(e.key, 'workspace')!;
    const cl = idx.document(e.key, 'cluster')!;
    for (const t of [ws, cl, JSON.stringify(idx.list())]) {
      assert.doesNotMatch(t, /one|two|b25l|dHdv/);
    }
    assert.match(ws, /<redacted: 3 bytes>/);
    idx.upsertLive(served(secret({ 'tls.key': b64('one') })));
    assert.equal(idx.list()[0].state, 'in-sync');
  });
});

describe('diff: rendering', () => {
  it('renders YAML with a stable key order that parses back to the object', () => {
    const o = normalizeObject(served(mapping('a', { service: 's', prefix: '/a/', add_request_headers: { z: { value: '1' }, a: { value: '2' } } }, { labels: { b: '1', a: '2' } })));
    const text = renderYaml(o);
    assert.deepEqual(yaml.load(text), o);
    const keys = text.split('\n').filter((l) => /^\S/.test(l)).map((l) => l.split(':')[0]);
    assert.deepEqual(keys, ['apiVersion', 'kind', 'metadata', 'spec']);
    assert.ok(text.indexOf('  name: a') < text.indexOf('  namespace: default'));
    assert.ok(text.indexOf('prefix:') < text.indexOf('service:'));
    assert.ok(text.indexOf('    a:') < text.indexOf('    z:'));
    const shuffled = normalizeObject(served(mapping('a', { add_request_headers: { a: { value: '2' }, z: { value: '1' } }, prefix: '/a/', service: 's' }, { labels: { a: '2', b: '1' } })));
    assert.equal(renderYaml(shuffled), text);
  });

  it('documents: each side, with a note for the missing one', () => {
    const idx = new DriftIndex();
    idx.setDesired([{ object: mapping('a', { prefix: '/a/', service: 'a' }) }]);
    const key = idx.list()[0].key;
    assert.match(idx.document(key, 'workspace')!, /prefix: \/a\//);
    assert.match(idx.document(key, 'cluster')!, /# not present in the cluster/);
    assert.equal(idx.document('no/such/key', 'cluster'), undefined);
  });
});

describe('diff: incremental index', () => {
  function build(n: number) {
    const desired = [];
    const live = [];
    for (let i = 0; i < n; i++) {
      const o = mapping(`m${i}`, { prefix: `/p${i}/`, service: `s${i}`, timeout_ms: 1000 }, { namespace: `ns${i % 10}` });
      desired.push({ object: o, uri: `file:///ws/f${i % 50}.yaml`, line: i });
      live.push(served(o));
    }
    return { desired, live };
  }

  it('one watch event updates exactly one entry; the others keep their identity', () => {
    const { desired, live } = build(50);
    const idx = new DriftIndex();
    idx.setDesired(desired);
    for (const o of live) idx.upsertLive(o);
    const before = idx.list();
    assert.ok(before.every((e) => e.state === 'in-sync'));
    const changed = JSON.parse(JSON.stringify(live[7])) as Obj;
    (changed.spec as Obj).timeout_ms = 1;
    const k = idx.upsertLive(changed);
    assert.equal(k, keyOf({ group: 'getambassador.io', version: 'v3alpha1', kind: 'Mapping', namespace: 'ns7', name: 'm7' }));
    assert.equal(idx.entry(k!)!.state, 'changed');
    assert.equal(idx.list(), before, 'the sorted list is updated in place');
    assert.equal(idx.upsertLive(changed), undefined, 'no change -> no key');
    assert.equal(idx.removeLive(live[3]), 'getambassador.io/v3alpha1/Mapping/ns3/m3');
    assert.equal(idx.entry('getambassador.io/v3alpha1/Mapping/ns3/m3')!.state, 'workspace-only');
    const extra = served(mapping('new', { prefix: '/n/', service: 'n' }, { namespace: 'ns0' }));
    assert.equal(idx.upsertLive(extra), 'getambassador.io/v3alpha1/Mapping/ns0/new');
    assert.equal(idx.size, 51);
    assert.equal(idx.removeLive(extra), 'getambassador.io/v3alpha1/Mapping/ns0/new');
    assert.equal(idx.size, 50);
  });

  it('setDesired re-normalises only new objects and reports the changed keys', () => {
    const { desired, live } = build(20);
    const idx = new DriftIndex();
    idx.setDesired(desired);
    for (const o of live) idx.upsertLive(o);
    const edited = mapping('m4', { prefix: '/edited/', service: 's4', timeout_ms: 1000 }, { namespace: 'ns4' });
    const next = desired.map((d, i) => (i === 4 ? { ...d, object: edited } : d));
    next.splice(9, 1);
    const changed = idx.setDesired(next);
    assert.deepEqual([...changed].sort(), ['getambassador.io/v3alpha1/Mapping/ns4/m4', 'getambassador.io/v3alpha1/Mapping/ns9/m9']);
    assert.equal(idx.entry('getambassador.io/v3alpha1/Mapping/ns4/m4')!.state, 'changed');
    assert.equal(idx.entry('getambassador.io/v3alpha1/Mapping/ns9/m9')!.state, 'cluster-only');
    assert.equal(idx.setDesired(next).size, 0, 'same input -> nothing changes');
  });

  it('updateDesired (changed files only) ends where setDesired with everything does, after random edits, versions in use included', () => {
    // Ten files of Mappings drawn from a small pool of names, so that some resources are defined twice (then
    // updateDesired declines and the caller falls back to setDesired). Items a file keeps are the same objects
    // (a reused Resource) at a new line.
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n); // the high bits: the low ones of this generator cycle quickly
    };
    type Item = { object: Obj; uri: string; line: number; source: object; owner?: { kind: string; name: string; namespace?: string } };
    const newItem = (uri: string, line: number): Item => {
      const name = `m${rand(40)}`;
      const object = mapping(name, { prefix: `/${name}/${rand(3)}/`, service: 's' }, { namespace: `ns${rand(2)}`, version: rand(3) ? 'v3alpha1' : 'v2' });
      const item: Item = { object, uri, line, source: { id: rand(1e9) } };
      // One in four comes from a Service's getambassador.io/config annotation (its identity includes the owner).
      if (rand(4) === 0) item.owner = { kind: 'Service', name: `svc${rand(3)}`, namespace: rand(2) ? 'ns0' : undefined };
      return item;
    };
    const files = new Map<string, Item[]>();
    for (let f = 0; f < 10; f++) {
      const uri = `file:///ws/f${f}.yaml`;
      files.set(uri, Array.from({ length: 3 }, (_, i) => newItem(uri, i * 10)));
    }
    const all = () => [...files.keys()].sort().flatMap((u) => files.get(u)!);
    const live: Obj[] = [];
    for (let i = 0; i < 40; i++) if (rand(3) > 0) live.push(served(mapping(`m${i}`, { prefix: `/m${i}/0/`, service: 's' }, { namespace: `ns${i % 2}` })));
    const index = new DriftIndex();
    index.setDesired(all());
    for (const o of live) index.upsertLive(o);
    let byDifference = 0;
    for (let step = 0; step < 300; step++) {
      const uri = `file:///ws/f${rand(10)}.yaml`;
      const old = files.get(uri)!;
      const next: Item[] = [];
      for (const it of old) if (rand(4) > 0) next.push({ ...it, line: next.length * 10 }); // kept, maybe moved
      if (rand(2) === 0) next.splice(rand(next.length + 1), 0, newItem(uri, 0));
      next.forEach((it, i) => (it.line = i * 10));
      files.set(uri, next);
      const changed = index.updateDesired(old, next);
      if (changed) byDifference++;
      else index.setDesired(all());
      const fresh = new DriftIndex();
      fresh.setDesired(all());
      for (const o of live) fresh.upsertLive(o);
      assert.deepEqual(JSON.parse(JSON.stringify(index.list())), JSON.parse(JSON.stringify(fresh.list())), `step ${step}`);
      const versions = (i: DriftIndex) => [...i.desiredVersions()].map(([k, v]) => `${k}: ${[...v].sort().join(',')}`).sort();
      // Versions in use, straight from the items: the first definition of each Mapping (annotation ones need no listing).
      const first = new Map<string, string>();
      for (const it of all()) {
        const md = it.object.metadata as Obj;
        if (!it.owner && !first.has(`${md.namespace}/${md.name}`)) first.set(`${md.namespace}/${md.name}`, String(it.object.apiVersion).split('/')[1]);
      }
      const want = first.size ? [`getambassador.io/Mapping: ${[...new Set(first.values())].sort().join(',')}`] : [];
      assert.deepEqual(versions(index), want, `step ${step}: versions in use`);
      assert.deepEqual(versions(fresh), want, `step ${step}: versions in use (from scratch)`);
    }
    assert.ok(byDifference > 50 && byDifference < 300, `${byDifference} of 300 edits applied by difference`);
  });

  it('replaceLive (a re-list) updates, adds and removes live objects of that listing only', () => {
    const { desired, live } = build(10);
    const idx = new DriftIndex();
    idx.setDesired(desired);
    idx.replaceLive('getambassador.io', 'Mapping', 'v3alpha1', live);
    assert.ok(idx.list().every((e) => e.state === 'in-sync'));
    const changed = idx.replaceLive('getambassador.io', 'Mapping', 'v3alpha1', live.slice(0, 8), ['ns8', 'ns9']);
    assert.deepEqual([...changed].sort(), ['getambassador.io/v3alpha1/Mapping/ns8/m8', 'getambassador.io/v3alpha1/Mapping/ns9/m9']);
    const dropped = idx.dropLive('getambassador.io', 'Mapping', 'v3alpha1');
    assert.equal(dropped.size, 8);
    assert.ok(idx.list().every((e) => e.state === 'workspace-only'));
  });

  it('5,000 vs 5,000: the full diff finds every changed entry and each watch event updates its own entry', function () {
    // Correctness only: the time goals for this size live in `npm run bench`.
    this.timeout(20000);
    const { desired, live } = build(5000);
    for (let i = 0; i < 5000; i += 7) ((live[i].spec as Obj).prefix as unknown) = '/drift/';
    const idx = new DriftIndex();
    idx.setDesired(desired);
    for (const o of live) idx.upsertLive(o);
    const list = idx.list();
    assert.equal(list.length, 5000);
    assert.equal(list.filter((e) => e.state === 'changed').length, Math.ceil(5000 / 7));
    let newlyChanged = 0;
    for (let i = 0; i < 200; i++) {
      const o = JSON.parse(JSON.stringify(live[i])) as Obj;
      (o.spec as Obj).timeout_ms = 1 + i;
      if (i % 7 !== 0) newlyChanged++;
      const k = idx.upsertLive(o);
      assert.equal(k, keyOf({ group: 'getambassador.io', version: 'v3alpha1', kind: 'Mapping', namespace: `ns${i % 10}`, name: `m${i}` }));
      assert.equal(idx.entry(k!)!.state, 'changed', `entry m${i}`);
      assert.equal(idx.list().length, 5000);
    }
    assert.equal(idx.list().filter((e) => e.state === 'changed').length, Math.ceil(5000 / 7) + newlyChanged);
  });
});

// ---- resources defined in getambassador.io/config annotations

/** The annotation text of a Mapping in the flat layout Emissary accepts. */
function flatMapping(name: string, extra: Record<string, string | number> = {}, apiVersion = 'ambassador/v2'): string {
  const lines = [`apiVersion: ${apiVersion}`, 'kind: Mapping', `name: ${name}`, 'host: shop.example.com', `prefix: /${name}/`, `service: ${name}:8080`];
  for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`);
  return lines.join('\n') + '\n';
}

/** A workspace file with one Service carrying `annotation` (as a literal block). */
function serviceFile(name: string, annotation: string, opts: { namespace?: string; kind?: 'Service' | 'Ingress'; labels?: Record<string, string> } = {}): string {
  const kind = opts.kind ?? 'Service';
  const lines = [kind === 'Service' ? 'apiVersion: v1' : 'apiVersion: networking.k8s.io/v1', `kind: ${kind}`, 'metadata:', `  name: ${name}`];
  if (opts.namespace) lines.push(`  namespace: ${opts.namespace}`);
  if (opts.labels) lines.push('  labels:', ...Object.entries(opts.labels).map(([k, v]) => `    ${k}: ${v}`));
  lines.push('  annotations:', '    getambassador.io/config: |', ...annotation.trimEnd().split('\n').map((l) => `      ${l}`));
  lines.push(kind === 'Service' ? 'spec:\n  ports:\n    - port: 8080' : 'spec:\n  defaultBackend:\n    service:\n      name: x\n      port:\n        number: 80');
  return lines.join('\n') + '\n';
}

/** The workspace side of a file, as the engine reads it. */
function desiredOf(uri: string, text: string) {
  return parseFile(uri, text).resources.map((r) => ({ ...desiredFromResource(r), source: r }));
}

/** What the API server hands back for a Service: server-managed fields, other annotations, status. */
function liveOwner(name: string, namespace: string, annotation: string | undefined, opts: { kind?: 'Service' | 'Ingress'; labels?: Obj; other?: Obj } = {}): Obj {
  const kind = opts.kind ?? 'Service';
  const annotations: Obj = { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Service"}', 'prometheus.io/scrape': 'true', ...(opts.other ?? {}) };
  if (annotation !== undefined) annotations['getambassador.io/config'] = annotation;
  return {
    apiVersion: kind === 'Service' ? 'v1' : 'networking.k8s.io/v1',
    kind,
    metadata: { name, namespace, uid: 'u-1', resourceVersion: '77', creationTimestamp: '2024-01-01T00:00:00Z', annotations, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: { clusterIP: '10.0.0.12', ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }] },
    status: { loadBalancer: {} },
  };
}

describe('diff: resources defined in getambassador.io/config annotations', () => {
  const uri = 'file:///ws/legacy.yaml';

  it('compares a Git annotation resource with the live annotation of the same Service: in sync, keyed by owner', () => {
    const entries = computeDrift(desiredOf(uri, serviceFile('legacy', flatMapping('legacy'), { namespace: 'shop' })), [liveOwner('legacy', 'shop', flatMapping('legacy'))]);
    assert.equal(entries.length, 1);
    const e = entries[0];
    assert.equal(e.state, 'in-sync');
    assert.equal(e.key, 'getambassador.io/v2/Mapping/shop/legacy@Service/shop/legacy');
    assert.deepEqual(e.annotationOf, { kind: 'Service', namespace: 'shop', name: 'legacy' });
    assert.equal(e.uri, uri);
    assert.equal(e.line, 7, 'the line of the document inside the annotation (0-based)');
  });

  it('a change inside the live annotation is reported as pointers into the normalised resource', () => {
    const live = liveOwner('legacy', 'shop', flatMapping('legacy', { timeout_ms: 9000, rewrite: '/' }));
    const [e] = computeDrift(desiredOf(uri, serviceFile('legacy', flatMapping('legacy', { timeout_ms: 3000 }), { namespace: 'shop' })), [live]);
    assert.equal(e.state, 'changed');
    assert.deepEqual(e.changes, ['/spec/rewrite', '/spec/timeout_ms']);
  });

  it('only in Git is workspace-only; only in the live annotation is cluster-only (at the version the annotation names)', () => {
    const git = serviceFile('legacy', [flatMapping('a'), flatMapping('b')].join('---\n'), { namespace: 'shop' });
    const live = liveOwner('legacy', 'shop', [flatMapping('b'), flatMapping('c', {}, 'getambassador.io/v3alpha1')].join('---\n'));
    const byName = Object.fromEntries(computeDrift(desiredOf(uri, git), [live]).map((e) => [e.name, e]));
    assert.equal(byName.a.state, 'workspace-only');
    assert.equal(byName.a.uri, uri);
    assert.equal(byName.b.state, 'in-sync');
    assert.equal(byName.c.state, 'cluster-only');
    assert.equal(byName.c.key, 'getambassador.io/v3alpha1/Mapping/shop/c@Service/shop/legacy');
    assert.equal(byName.c.uri, undefined);
    assert.deepEqual(byName.c.annotationOf, { kind: 'Service', namespace: 'shop', name: 'legacy' });
  });

  it('a CR with the same kind/namespace/name is a different resource, never compared with the annotation one', () => {
    const cr = served(mapping('legacy', { host: 'shop.example.com', prefix: '/legacy/', service: 'legacy:8080' }, { namespace: 'shop' }));
    const entries = computeDrift(desiredOf(uri, serviceFile('legacy', flatMapping('legacy'), { namespace: 'shop' })), [cr]);
    assert.deepEqual(entries.map((e) => [e.key, e.state]).sort(), [
      ['getambassador.io/v2/Mapping/shop/legacy@Service/shop/legacy', 'workspace-only'],
      ['getambassador.io/v3alpha1/Mapping/shop/legacy', 'cluster-only'],
    ]);
    // And the other way round: a CR in Git is not satisfied by a live annotation.
    const other = computeDrift([{ object: mapping('legacy', { prefix: '/legacy/', service: 'legacy:8080' }, { namespace: 'shop' }) }], [liveOwner('legacy', 'shop', flatMapping('legacy'))]);
    assert.deepEqual(other.map((e) => e.state).sort(), ['cluster-only', 'workspace-only']);
  });

  it('the same resource in the annotation of another Service is another entry (the owner is part of the identity)', () => {
    const entries = computeDrift(desiredOf(uri, serviceFile('legacy', flatMapping('legacy'), { namespace: 'shop' })), [liveOwner('legacy-v2', 'shop', flatMapping('legacy'))]);
    assert.deepEqual(entries.map((e) => [e.annotationOf?.name, e.state]).sort(), [
      ['legacy', 'workspace-only'],
      ['legacy-v2', 'cluster-only'],
    ]);
  });

  it('layout is not drift: flat vs nested, ambassador/ vs getambassador.io/, key order', () => {
    const nested = 'apiVersion: getambassador.io/v2\nkind: Mapping\nmetadata:\n  name: legacy\nspec:\n  service: legacy:8080\n  prefix: /legacy/\n  host: shop.example.com\n';
    const [e] = computeDrift(desiredOf(uri, serviceFile('legacy', flatMapping('legacy'), { namespace: 'shop' })), [liveOwner('legacy', 'shop', nested)]);
    assert.equal(e.state, 'in-sync', JSON.stringify(e.changes));
  });

  it("the Service's other annotations, spec and status are not compared; its labels are (they become the resource's labels)", () => {
    const git = desiredOf(uri, serviceFile('legacy', flatMapping('legacy'), { namespace: 'shop', labels: { team: 'web' } }));
    const other = liveOwner('legacy', 'shop', flatMapping('legacy'), { labels: { team: 'web' }, other: { 'example.com/owner': 'someone' } });
    assert.equal(computeDrift(git, [other])[0].state, 'in-sync');
    const relabelled = liveOwner('legacy', 'shop', flatMapping('legacy'), { labels: { team: 'ops' } });
    assert.deepEqual(computeDrift(git, [relabelled])[0].changes, ['/metadata/labels/team']);
  });

  it('an owner without a namespace in Git is applied to the default namespace (context namespace, else default)', () => {
    const d = desiredOf(uri, serviceFile('legacy', flatMapping('legacy')));
    assert.equal(computeDrift(d, [liveOwner('legacy', 'default', flatMapping('legacy'))])[0].state, 'in-sync');
    const e = computeDrift(d, [liveOwner('legacy', 'edge', flatMapping('legacy'))], { defaultNamespace: 'edge' });
    assert.deepEqual(e.map((x) => [x.key, x.state]), [['getambassador.io/v2/Mapping/edge/legacy@Service/edge/legacy', 'in-sync']]);
  });

  it('Ingress annotations are compared the same way, keyed by the Ingress', () => {
    const [e] = computeDrift(desiredOf(uri, serviceFile('web', flatMapping('web'), { namespace: 'shop', kind: 'Ingress' })), [liveOwner('web', 'shop', flatMapping('web'), { kind: 'Ingress' })]);
    assert.equal(e.state, 'in-sync');
    assert.equal(e.key, 'getambassador.io/v2/Mapping/shop/web@Ingress/shop/web');
  });

  it('a live annotation with a YAML error defines nothing (as in Emissary); the cluster document says why', () => {
    const idx = new DriftIndex();
    idx.setDesired(desiredOf(uri, serviceFile('legacy', flatMapping('legacy'), { namespace: 'shop' })));
    idx.upsertOwner(liveOwner('legacy', 'shop', 'apiVersion: ambassador/v2\nkind: Mapping\nname: [unclosed\n'));
    const [e] = idx.list();
    assert.equal(e.state, 'workspace-only');
    const doc = idx.document(e.key, 'cluster')!;
    assert.match(doc, /^# from the getambassador\.io\/config annotation of Service shop\/legacy in the cluster/m);
    assert.match(doc, /^# the live annotation has a problem: YAML syntax error/m);
    assert.match(doc, /^# not present in the live annotation/m);
  });

  it('documents carry a header naming the annotation owner; the resource is rendered normalised', () => {
    const idx = new DriftIndex();
    idx.setDesired(desiredOf(uri, serviceFile('legacy', flatMapping('legacy', { timeout_ms: 3000 }), { namespace: 'shop' })));
    idx.upsertOwner(liveOwner('legacy', 'shop', flatMapping('legacy', { timeout_ms: 9000 })));
    const key = idx.list()[0].key;
    const ws = idx.document(key, 'workspace')!;
    const cl = idx.document(key, 'cluster')!;
    assert.match(ws, /^# from the getambassador\.io\/config annotation of Service shop\/legacy in the workspace \(not a Mapping custom resource\)\n/);
    assert.match(cl, /^# from the getambassador\.io\/config annotation of Service shop\/legacy in the cluster/);
    assert.deepEqual(yaml.load(cl), {
      apiVersion: 'getambassador.io/v2',
      kind: 'Mapping',
      metadata: { name: 'legacy', namespace: 'shop' },
      spec: { host: 'shop.example.com', prefix: '/legacy/', service: 'legacy:8080', timeout_ms: 9000 },
    });
    assert.doesNotMatch(cl, /prometheus|clusterIP|last-applied/, "nothing else of the Service is shown");
  });

  it('incremental: an edited, removed or re-listed owner updates only its entries', () => {
    const idx = new DriftIndex();
    const text = serviceFile('a', flatMapping('a'), { namespace: 'shop' }) + '---\n' + serviceFile('b', flatMapping('b'), { namespace: 'shop' });
    idx.setDesired(desiredOf(uri, text));
    const a = liveOwner('a', 'shop', flatMapping('a'));
    const b = liveOwner('b', 'shop', flatMapping('b'));
    assert.equal(idx.replaceOwners('Service', [a, b, liveOwner('plain', 'shop', undefined)]).size, 2);
    assert.ok(idx.list().every((e) => e.state === 'in-sync'));
    const keyA = 'getambassador.io/v2/Mapping/shop/a@Service/shop/a';
    assert.deepEqual([...idx.upsertOwner(liveOwner('a', 'shop', flatMapping('a', { timeout_ms: 1 })))], [keyA]);
    assert.equal(idx.entry(keyA)!.state, 'changed');
    assert.equal(idx.upsertOwner(liveOwner('a', 'shop', flatMapping('a', { timeout_ms: 1 }))).size, 0, 'same annotation -> nothing changes');
    const statusOnly = liveOwner('a', 'shop', flatMapping('a', { timeout_ms: 1 }), { other: { 'example.com/x': 'y' } });
    statusOnly.status = { loadBalancer: { ingress: [{ ip: '10.1.1.1' }] } };
    assert.equal(idx.upsertOwner(statusOnly).size, 0, 'status, spec and other annotations -> nothing changes');
    assert.deepEqual([...idx.upsertOwner(liveOwner('a', 'shop', flatMapping('a', { timeout_ms: 1 }), { labels: { team: 'x' } }))], [keyA], 'owner labels count');
    assert.deepEqual(idx.entry(keyA)!.changes, ['/metadata/labels', '/spec/timeout_ms']);
    // The annotation is removed from the live Service (the Service stays).
    assert.deepEqual([...idx.upsertOwner(liveOwner('a', 'shop', undefined))], [keyA]);
    assert.equal(idx.entry(keyA)!.state, 'workspace-only');
    // A re-list of another namespace leaves these owners alone; a re-list of theirs without b drops b.
    assert.equal(idx.replaceOwners('Service', [], ['other']).size, 0);
    assert.deepEqual([...idx.replaceOwners('Service', [], ['shop'])], ['getambassador.io/v2/Mapping/shop/b@Service/shop/b']);
    idx.upsertOwner(b);
    assert.deepEqual([...idx.removeOwner(b)], ['getambassador.io/v2/Mapping/shop/b@Service/shop/b']);
    assert.ok(idx.list().every((e) => e.state === 'workspace-only'));
    // Live CR listings never touch annotation entries.
    idx.replaceLive('getambassador.io', 'Mapping', 'v2', [served(mapping('a', { prefix: '/a/' }, { namespace: 'shop', version: 'v2' }))]);
    assert.equal(idx.entry(keyA)!.state, 'workspace-only');
  });

  it('owners that cannot be read (403) leave their annotation resources out; CRs are still compared', () => {
    const idx = new DriftIndex({ namespaces: ['shop'] });
    idx.setDesired([...desiredOf(uri, serviceFile('legacy', flatMapping('legacy'), { namespace: 'shop' })), { object: mapping('cr', { prefix: '/cr/' }, { namespace: 'shop' }) }]);
    assert.equal(idx.size, 2);
    idx.setOwnersReadable('Service', 'shop', false);
    assert.deepEqual(idx.list().map((e) => e.name), ['cr']);
    idx.setOwnersReadable('Service', 'shop', true);
    assert.equal(idx.size, 2);
    idx.setOwnersReadable('Service', undefined, false);
    assert.equal(idx.size, 1, 'unreadable at the cluster scope');
    idx.setOwnersReadable('Ingress', undefined, false);
    idx.setOwnersReadable('Service', undefined, true);
    assert.equal(idx.size, 2, 'Ingresses unreadable does not hide Service annotations');
  });

  it('annotation resources are scoped by their owner namespace and need no CR listing', () => {
    const text = serviceFile('legacy', flatMapping('legacy', { namespace: 'elsewhere' }), { namespace: 'shop' });
    const idx = new DriftIndex({ namespaces: ['shop'] });
    idx.setDesired(desiredOf(uri, text));
    assert.deepEqual(idx.list().map((e) => e.key), ['getambassador.io/v2/Mapping/elsewhere/legacy@Service/shop/legacy']);
    assert.deepEqual([...idx.desiredNamespaces()], ['shop']);
    assert.equal(idx.desiredVersions().size, 0);
    assert.equal(new DriftIndex({ namespaces: ['elsewhere'] }).setDesired(desiredOf(uri, text)).size, 0);
  });

  it('an ignore rule matches annotation resources by kind/namespace/name', () => {
    const d = desiredOf(uri, serviceFile('legacy', flatMapping('legacy', { timeout_ms: 3000 }), { namespace: 'shop' }));
    const live = liveOwner('legacy', 'shop', flatMapping('legacy', { timeout_ms: 9000 }));
    assert.equal(computeDrift(d, [live], { ignore: [{ kind: 'Mapping', name: 'legacy', pointer: '/spec/timeout_ms' }] })[0].state, 'in-sync');
    assert.equal(computeDrift(d, [live], { ignore: [{ kind: 'Mapping', namespace: 'shop' }] }).length, 0);
  });

  it('liveAnnotationResources reads only Services/Ingresses and only their getambassador.io/config annotation', () => {
    assert.equal(liveAnnotationResources(served(mapping('a', {}))), undefined);
    assert.deepEqual(liveAnnotationResources(liveOwner('s', 'shop', undefined)), { owner: { kind: 'Service', namespace: 'shop', name: 's' }, objects: [], problems: [] });
    const r = liveAnnotationResources(liveOwner('s', 'shop', flatMapping('x'), { labels: { app: 's' } }))!;
    assert.deepEqual(r.objects, [
      { apiVersion: 'getambassador.io/v2', kind: 'Mapping', metadata: { name: 'x', namespace: 'shop', labels: { app: 's' } }, spec: { host: 'shop.example.com', prefix: '/x/', service: 'x:8080' } },
    ]);
    assert.deepEqual(r.problems, []);
    const bad = liveAnnotationResources(liveOwner('s', 'shop', `apiVersion: apps/v1\nkind: Mapping\nname: x\n---\n${flatMapping('y')}`))!;
    assert.deepEqual(bad.objects.map((o) => (o.metadata as Obj).name), ['y'], 'the readable document still counts');
    assert.match(bad.problems.join('\n'), /apiVersion 'apps\/v1' .* is not an Ambassador version/);
  });
});
