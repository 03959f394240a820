// Navigation (server/src/engine/navigate.ts): outline symbols per resource (annotations under their owner, List
// items), workspace symbols by name, and go to definition from references and from a Mapping's host.
import assert from 'node:assert/strict';
import type { Location, Position, Range } from '../../server/src/engine/model';
import { definitionAt, documentSymbols, fuzzyMatches, referencesAt, secretDefinitions, workspaceSymbols } from '../../server/src/engine/navigate';
import type { NavigationIndex, ResourceSymbol } from '../../server/src/engine/navigate';
import { Workspace } from '../../server/src/engine/workspace';

const OUTLINE = `# routes of team a
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: quote
  namespace: team-a
spec:
  prefix: /quote/
  service: quote
---
apiVersion: v1
kind: Service
metadata:
  name: legacy
  annotations:
    getambassador.io/config: |
      apiVersion: ambassador/v2
      kind: Mapping
      name: legacy-one
      service: legacy
      prefix: /one/
      ---
      apiVersion: ambassador/v2
      kind: Mapping
      name: legacy-two
      service: legacy
      prefix: /two/
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: not-ambassador}
---
apiVersion: v1
kind: List
items:
- apiVersion: getambassador.io/v3alpha1
  kind: Host
  metadata:
    name: first
  spec:
    hostname: a.example.com
- apiVersion: getambassador.io/v3alpha1
  kind: Host
  metadata:
    name: second
  spec:
    hostname: b.example.com
`;

/** The text of `range` in `text` (one line, or from the start to the end line). */
function textAt(text: string, r: Range): string {
  const lines = text.split('\n');
  if (r.start.line === r.end.line) return lines[r.start.line].slice(r.start.character, r.end.character);
  return [lines[r.start.line].slice(r.start.character), ...lines.slice(r.start.line + 1, r.end.line), lines[r.end.line].slice(0, r.end.character)].join('\n');
}

function inside(inner: Range, outer: Range): boolean {
  const le = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return le(outer.start, inner.start) && le(inner.end, outer.end);
}

function shape(s: ResourceSymbol): unknown {
  return { name: s.name, kind: s.kind, lines: [s.range.start.line, s.range.end.line], children: s.children?.map(shape) };
}

describe('navigation: document symbols', () => {
  const ws = new Workspace();
  ws.setFile('file:///ws/a.yaml', OUTLINE);
  const symbols = documentSymbols(ws.parsed('file:///ws/a.yaml')!);

  it('one symbol per resource: a CRD, a Service with its annotation resources as children, List items', () => {
    assert.deepEqual(symbols.map(shape), [
      { name: 'quote', kind: 'Mapping', lines: [1, 8], children: undefined },
      {
        name: 'legacy',
        kind: 'Service',
        lines: [10, 28],
        children: [
          { name: 'legacy-one', kind: 'Mapping', lines: [16, 20], children: undefined },
          { name: 'legacy-two', kind: 'Mapping', lines: [22, 26], children: undefined },
        ],
      },
      { name: 'first', kind: 'Host', lines: [37, 42], children: undefined },
      { name: 'second', kind: 'Host', lines: [43, 48], children: undefined },
    ]);
  });

  it('selects the name, inside the range (as editors require), and says where the resource lives', () => {
    const all = symbols.flatMap((s) => [s, ...(s.children ?? [])]);
    for (const s of all) assert.ok(inside(s.selectionRange, s.range), `${s.name}: selection inside range`);
    for (const s of symbols) for (const c of s.children ?? []) assert.ok(inside(c.range, s.range), `${c.name} inside ${s.name}`);
    assert.deepEqual(all.map((s) => textAt(OUTLINE, s.selectionRange)), ['quote', 'legacy', 'legacy-one', 'legacy-two', 'first', 'second']);
    assert.equal(symbols[0].detail, 'Mapping · team-a · getambassador.io/v3alpha1');
    assert.equal(symbols[1].detail, 'Service · default · getambassador.io/config');
    assert.equal(textAt(OUTLINE, symbols[0].range).split('\n')[0], 'apiVersion: getambassador.io/v3alpha1');
  });

  it('a file without Ambassador resources, or with broken YAML, has no symbols and does not throw', () => {
    ws.setFile('file:///ws/b.yaml', 'apiVersion: v1\nkind: ConfigMap\n');
    ws.setFile('file:///ws/c.yaml', 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: [unclosed\n');
    assert.deepEqual(documentSymbols(ws.parsed('file:///ws/b.yaml')!), []);
    assert.deepEqual(documentSymbols(ws.parsed('file:///ws/c.yaml')!), []);
  });
});

describe('navigation: workspace symbols', () => {
  const ws = new Workspace();
  ws.setFile('file:///ws/a.yaml', OUTLINE);
  ws.setFile('file:///ws/b.yaml', 'apiVersion: getambassador.io/v3alpha1\nkind: TLSContext\nmetadata: {name: quote-tls, namespace: team-b}\nspec: {hosts: [a.example.com]}\n');

  it('matches names by their characters in order, exact and prefix matches first', () => {
    assert.ok(fuzzyMatches('lgcy', 'legacy-one'));
    assert.ok(!fuzzyMatches('ylg', 'legacy-one'));
    const hits = workspaceSymbols(ws.resources(), 'quote');
    assert.deepEqual(hits.map((h) => [h.name, h.kind, h.container]), [
      ['quote', 'Mapping', 'Mapping · team-a'],
      ['quote-tls', 'TLSContext', 'TLSContext · team-b'],
    ]);
    assert.equal(hits[1].location.uri, 'file:///ws/b.yaml');
    assert.deepEqual(hits[1].location.range.start, { line: 2, character: 17 });
  });

  it('names the annotation owner, matches namespace/name when the query has a slash, and stops at the limit', () => {
    assert.deepEqual(workspaceSymbols(ws.resources(), 'two').map((h) => h.container), ['Mapping · default · in Service legacy']);
    assert.deepEqual(workspaceSymbols(ws.resources(), 'team-b/').map((h) => h.name), ['quote-tls']);
    assert.equal(workspaceSymbols(ws.resources(), '', 'default', 2).length, 2);
    assert.equal(workspaceSymbols(ws.resources(), '').length, 6);
  });
});

/** A Host with a certificate and a TLSContext, shared by the definition and reference tests. */
const SHOP_HOST = `apiVersion: getambassador.io/v3alpha1
kind: Host
metadata:
  name: shop
spec:
  tlsSecret: {name: shop-cert}
  tlsContext: {name: strict}
  hostname: shop.example.com
`;

describe('navigation: go to definition', () => {
  const HOSTS = `${SHOP_HOST}---
apiVersion: getambassador.io/v3alpha1
kind: TLSContext
metadata: {name: strict}
spec:
  hosts: [shop.example.com]
  secret: shop-cert
---
apiVersion: getambassador.io/v3alpha1
kind: KubernetesEndpointResolver
metadata: {name: endpoints}
`;
  const ROUTES = `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: cart}
spec:
  prefix: /cart/
  service: cart
  hostname: shop.example.com
  resolver: endpoints
  tls: shop-context
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: nowhere}
spec:
  prefix: /x/
  service: x
  hostname: other.example.com
  tls: missing
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: suffixed}
spec:
  prefix: /s/
  service: s
  tls: strict.default
`;
  const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: shop-cert
  namespace: default
type: kubernetes.io/tls
`;
  const ws = new Workspace();
  ws.setFile('file:///ws/hosts.yaml', HOSTS);
  ws.setFile('file:///ws/routes.yaml', ROUTES);
  ws.setFile('file:///ws/secret.yaml', SECRET);
  const index: NavigationIndex = {
    resources: ws.resources(),
    routes: () => ws.routeTable(),
    secrets: () => ws.filesWithSecrets().flatMap(secretDefinitions),
    defaultNamespace: 'default',
  };
  const texts: Record<string, string> = { 'file:///ws/hosts.yaml': HOSTS, 'file:///ws/routes.yaml': ROUTES, 'file:///ws/secret.yaml': SECRET };

  /** Definitions from the first occurrence of `word` after `marker` in `uri`, as `file:text` strings. */
  function from(uri: string, marker: string, word: string): string[] {
    const text = texts[uri];
    const at = text.indexOf(word, text.indexOf(marker)) + 1;
    const lines = text.slice(0, at).split('\n');
    const position = { line: lines.length - 1, character: lines[lines.length - 1].length };
    const found: Location[] = JSON.parse(JSON.stringify(definitionAt(ws.parsed(uri)!, position, index)));
    return found.map((l) => `${l.uri.replace('file:///ws/', '')}:${textAt(texts[l.uri], l.range)}`);
  }

  it('from a Host: its TLSContext and its certificate Secret', () => {
    assert.deepEqual(from('file:///ws/hosts.yaml', 'tlsContext', 'strict'), ['hosts.yaml:strict']);
    assert.deepEqual(from('file:///ws/hosts.yaml', 'tlsSecret', 'shop-cert'), ['secret.yaml:shop-cert']);
  });

  it("from a TLSContext's secret to the Secret document", () => {
    assert.deepEqual(from('file:///ws/hosts.yaml', '  secret:', 'shop-cert'), ['secret.yaml:shop-cert']);
  });

  it("from a Mapping: its resolver, the Host whose tlsSecret makes `<host>-context`, and its host's Hosts", () => {
    assert.deepEqual(from('file:///ws/routes.yaml', 'resolver:', 'endpoints'), ['hosts.yaml:endpoints']);
    assert.deepEqual(from('file:///ws/routes.yaml', 'tls:', 'shop-context'), ['hosts.yaml:shop']);
    // A TLSContext named with a `.namespace` suffix, as EP221 accepts it.
    assert.deepEqual(from('file:///ws/routes.yaml', 'tls: strict', 'strict'), ['hosts.yaml:strict']);
    assert.deepEqual(from('file:///ws/routes.yaml', 'hostname:', 'shop.example.com'), ['hosts.yaml:shop']);
  });

  it('nothing for names the workspace does not define, hosts no Host serves, or positions on no reference', () => {
    assert.deepEqual(from('file:///ws/routes.yaml', 'tls: missing', 'missing'), []);
    assert.deepEqual(from('file:///ws/routes.yaml', 'other.example.com', 'other'), []);
    assert.deepEqual(from('file:///ws/routes.yaml', 'prefix', '/cart/'), []);
    assert.deepEqual(definitionAt(ws.parsed('file:///ws/routes.yaml')!, { line: 400, character: 0 }, index), []);
  });
});

describe('navigation: find references', () => {
  const PLATFORM = `${SHOP_HOST}---
apiVersion: getambassador.io/v3alpha1
kind: TLSContext
metadata:
  name: strict
spec:
  secret: shop-cert
---
apiVersion: getambassador.io/v3alpha1
kind: ConsulResolver
metadata:
  name: consul-dc1
spec:
  address: consul:8500
  datacenter: dc1
---
apiVersion: v1
kind: Secret
metadata:
  name: shop-cert
type: kubernetes.io/tls
`;
  const TEAM = `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: cart
spec:
  hostname: shop.example.com
  prefix: /cart/
  service: cart
  tls: strict
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: cart-canary
spec:
  hostname: shop.example.com
  prefix: /cart/
  service: cart-next
  weight: 10
  resolver: consul-dc1
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: search
spec:
  hostname: shop.example.com
  prefix: /search/
  service: search
  tls: shop-context
`;
  const LEGACY = `apiVersion: v1
kind: Service
metadata:
  name: cart-v1
  annotations:
    getambassador.io/config: |
      apiVersion: getambassador.io/v3alpha1
      kind: Mapping
      name: cart-v1
      hostname: shop.example.com
      prefix: /cart/
      service: cart-v1
      weight: 5
spec:
  selector: {app: cart-v1}
`;
  const ws = new Workspace();
  ws.setFile('file:///ws/platform.yaml', PLATFORM);
  ws.setFile('file:///ws/team.yaml', TEAM);
  ws.setFile('file:///ws/legacy.yaml', LEGACY);
  const texts: Record<string, string> = { 'file:///ws/platform.yaml': PLATFORM, 'file:///ws/team.yaml': TEAM, 'file:///ws/legacy.yaml': LEGACY };
  const index: NavigationIndex = {
    resources: ws.resources(),
    routes: () => ws.routeTable(),
    secrets: () => ws.filesWithSecrets().flatMap(secretDefinitions),
    defaultNamespace: 'default',
  };

  /** References from the line of `needle` in `uri`, as `file:text` strings. */
  function refs(uri: string, needle: string, declaration = false): string[] {
    const text = texts[uri];
    const line = text.slice(0, text.indexOf(needle)).split('\n').length - 1;
    const found: Location[] = JSON.parse(JSON.stringify(referencesAt(ws.parsed(uri)!, { line, character: 2 }, index, declaration)));
    return found.map((l) => `${l.uri.replace('file:///ws/', '')}:${textAt(texts[l.uri], l.range)}`);
  }

  it('a TLSContext: the Host and the Mapping that name it; with the declaration, its own name first', () => {
    assert.deepEqual(refs('file:///ws/platform.yaml', '  secret: shop-cert'), ['platform.yaml:strict', 'team.yaml:strict']);
    assert.deepEqual(refs('file:///ws/platform.yaml', '  secret: shop-cert', true), ['platform.yaml:strict', 'platform.yaml:strict', 'team.yaml:strict']);
  });

  it('a resolver and a Secret: what names them (a Host tlsSecret and a TLSContext secret)', () => {
    assert.deepEqual(refs('file:///ws/platform.yaml', 'datacenter'), ['team.yaml:consul-dc1']);
    assert.deepEqual(refs('file:///ws/platform.yaml', 'type: kubernetes.io/tls'), ['platform.yaml:shop-cert', 'platform.yaml:shop-cert']);
  });

  it('a Host: its implicit <host>-context users, then the Mappings of the route groups it serves, as the route table lists them', () => {
    assert.deepEqual(refs('file:///ws/platform.yaml', 'hostname: shop'), [
      'team.yaml:shop-context',
      'team.yaml:search',
      'team.yaml:cart-canary',
      'legacy.yaml:cart-v1',
      'team.yaml:cart',
    ]);
  });

  it('a Mapping: the other members of its route group; nothing for a group of one', () => {
    assert.deepEqual(refs('file:///ws/team.yaml', 'service: cart-next').sort(), ['legacy.yaml:cart-v1', 'team.yaml:cart']);
    assert.deepEqual(refs('file:///ws/team.yaml', 'service: search'), []);
  });

  it("an annotation Mapping: its route group's other members; the owner's own lines name no resource", () => {
    assert.deepEqual(refs('file:///ws/legacy.yaml', 'weight: 5').sort(), ['team.yaml:cart', 'team.yaml:cart-canary']);
    assert.deepEqual(refs('file:///ws/legacy.yaml', 'selector'), []);
  });
});
