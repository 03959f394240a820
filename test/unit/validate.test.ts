import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { parseFile } from '../../server/src/engine/parse';
import type { Finding, Resource } from '../../server/src/engine/model';
import { describeField, fieldsAt, schemaFor, validateResource } from '../../server/src/engine/schema/validate';
import { listResources, rangeText, resources, schemaFindings, TEST_URI } from './helpers-schema';

const REPO = path.resolve(__dirname, '..', '..');

function only(findings: Finding[], code: string): Finding {
  const hits = findings.filter((f) => f.code === code);
  assert.strictEqual(hits.length, 1, `expected one ${code}, got: ${JSON.stringify(findings.map((f) => `${f.code} ${f.message}`))}`);
  return hits[0];
}

/** The single finding with `code` for `text`, after checking its range (`line:char-line:char`, 0-based). */
function one(text: string, code: string, range: string): Finding {
  const f = only(schemaFindings(text), code);
  assert.strictEqual(rangeText(f.range), range, f.message);
  return f;
}

/** A Service whose getambassador.io/config annotation holds `docs` (written without indentation). Line 6 is the first annotation line. */
function annotated(docs: string): string {
  const body = docs
    .split('\n')
    .map((l) => (l ? `      ${l}` : l))
    .join('\n');
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  annotations:\n    getambassador.io/config: |\n${body}`;
}

function codes(findings: Finding[]): string[] {
  return findings.map((f) => f.code);
}

const GOOD_MAPPING = `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: quote
  namespace: shop
spec:
  hostname: "*"
  prefix: /backend/
  service: quote:80
  timeout_ms: 3000
  cors:
    origins: [https://app.example.com]
`;

describe('schema validation (EP100-EP103)', () => {
  it('a correct v3alpha1 Mapping has no schema findings', () => {
    assert.deepStrictEqual(schemaFindings(GOOD_MAPPING), []);
  });

  describe('EP100 unknown field', () => {
    it('fires on a misspelt spec field, at the key, with a suggestion and a rename fix', () => {
      const text = GOOD_MAPPING.replace('  prefix: /backend/', '  prefx: /backend/');
      const f = only(schemaFindings(text), 'EP100');
      assert.strictEqual(f.severity, 'error');
      assert.strictEqual(rangeText(f.range), '7:2-7:7');
      assert.match(f.message, /^Unknown field 'prefx' in Mapping spec\. Did you mean 'prefix'\?/);
      // The missing required `prefix` is the same problem: one finding, not two.
      assert.match(f.message, /'prefix' is required/);
      assert.strictEqual(f.fix?.edits[0].newText, 'prefix');
      assert.strictEqual(rangeText(f.fix!.edits[0].range), '7:2-7:7');
      assert.strictEqual(f.uri, TEST_URI);
    });

    it('names the nested object for unknown fields below spec', () => {
      const text = GOOD_MAPPING.replace('    origins:', '    origin:');
      const f = one(text, 'EP100', '11:4-11:10');
      assert.strictEqual(f.message, "Unknown field 'origin' in Mapping spec.cors. Did you mean 'origins'?");
    });

    it('explains a field that only exists in another version', () => {
      const text = GOOD_MAPPING.replace('getambassador.io/v3alpha1', 'getambassador.io/v2');
      const f = one(text, 'EP100', '6:2-6:10');
      assert.match(f.message, /Unknown field 'hostname' in Mapping spec\. It exists in getambassador\.io\/v3alpha1, but this Mapping is getambassador\.io\/v2\./);
    });

    it('says where a spec field written at the top level belongs', () => {
      const text = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: a}\nprefix: /a/\n';
      const fs2 = schemaFindings(text);
      const unknown = fs2.find((f) => f.message.startsWith('Unknown top-level'));
      assert.ok(unknown, JSON.stringify(fs2));
      assert.strictEqual(rangeText(unknown.range), '3:0-3:6');
      assert.match(unknown.message, /It belongs under spec\./);
    });

    it('does not fire on open objects (Module config, envoy_override) or on label/header maps', () => {
      const text = `apiVersion: getambassador.io/v3alpha1
kind: Module
metadata: {name: ambassador}
spec:
  config:
    anything_goes: true
    nested: {deeper: 1}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: m, labels: {team: a}}
spec:
  prefix: /a/
  service: a
  headers: {x-any-header-name: "1"}
  envoy_override: {some: {envoy: field}}
`;
      assert.deepStrictEqual(schemaFindings(text), []);
    });
  });

  describe('EP100 wrong type', () => {
    it('fires at the value with expected and actual types', () => {
      const text = GOOD_MAPPING.replace('timeout_ms: 3000', 'timeout_ms: "3000"');
      const f = one(text, 'EP100', '9:14-9:20');
      assert.match(f.message, /^Expected integer, got string for spec\.timeout_ms\. Remove the quotes: write 3000\.$/);
    });

    it('gives a unit hint for duration strings in *_ms fields', () => {
      const f = only(schemaFindings(GOOD_MAPPING.replace('timeout_ms: 3000', 'timeout_ms: 30s')), 'EP100');
      assert.match(f.message, /Expected integer, got string .*milliseconds/);
    });

    it('does not fire for integers, or for the v2 forms that v2 accepts', () => {
      assert.deepStrictEqual(schemaFindings(GOOD_MAPPING), []);
      const v2 = `apiVersion: getambassador.io/v2
kind: Mapping
metadata: {name: m}
spec:
  prefix: /a/
  service: a
  ambassador_id: default
  tls: true
  headers: {x-present: true}
  cors: {origins: "https://a.example.com,https://b.example.com"}
`;
      assert.deepStrictEqual(schemaFindings(v2), []);
    });

    it('reports a v3alpha1 ambassador_id string once (no anyOf noise)', () => {
      const text = GOOD_MAPPING.replace('  prefix: /backend/', '  ambassador_id: default\n  prefix: /backend/');
      const fs2 = schemaFindings(text);
      assert.strictEqual(fs2.length, 1, JSON.stringify(fs2));
      assert.strictEqual(rangeText(fs2[0].range), '7:17-7:24');
      assert.match(fs2[0].message, /^Expected array, got string for spec\.ambassador_id\. Write it as a list, e\.g\. \[default\]\./);
    });

    it('reports one finding when a value has both a wrong type and a bad enum', () => {
      const text = `apiVersion: getambassador.io/v3alpha1
kind: Listener
metadata: {name: l}
spec:
  port: 8080
  protocol: HTTP
  securityModel: 5
  hostBinding: {namespace: {from: ALL}}
`;
      const fs2 = schemaFindings(text);
      assert.strictEqual(fs2.length, 1, JSON.stringify(fs2));
      assert.strictEqual(rangeText(fs2[0].range), '6:17-6:18');
      assert.match(fs2[0].message, /^Expected string, got integer/);
    });

    it('a v2-style label specifier list in v3alpha1 gives one finding per bad entry', () => {
      const text = `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: m}
spec:
  prefix: /a/
  service: a
  labels:
    ambassador:
      - group:
          - {generic_key: {value: a}, remote_address: {key: remote_address}}
`;
      const fs2 = schemaFindings(text);
      assert.strictEqual(fs2.length, 1, JSON.stringify(fs2));
      assert.match(fs2[0].message, /must have exactly one key \(one of destination_cluster, generic_key, remote_address, request_headers, source_cluster\)/);
      assert.strictEqual(rangeText(fs2[0].range), '9:12-9:76');
    });
  });

  describe('EP100 missing required field', () => {
    it('fires at the parent key and names the field', () => {
      const text = GOOD_MAPPING.replace('  service: quote:80\n', '');
      const f = one(text, 'EP100', '5:0-5:4');
      assert.strictEqual(f.message, "Mapping spec is missing required field 'service'.");
    });

    it('lists several missing fields in one finding', () => {
      const text = 'apiVersion: getambassador.io/v3alpha1\nkind: Listener\nmetadata: {name: l}\nspec:\n  protocol: HTTP\n';
      const f = one(text, 'EP100', '3:0-3:4');
      assert.strictEqual(f.message, "Listener spec is missing required fields 'hostBinding', 'port' and 'securityModel'.");
    });

    it('points at the kind line when the whole spec is missing', () => {
      const text = 'apiVersion: getambassador.io/v3alpha1\nkind: TCPMapping\nmetadata: {name: t}\n';
      const f = one(text, 'EP100', '1:0-1:16');
      assert.strictEqual(f.message, "TCPMapping has no spec; it needs 'port' and 'service'.");
    });

    it('says a required field written without a value is empty, at its key', () => {
      const text = GOOD_MAPPING.replace('  service: quote:80', '  service:');
      const f = one(text, 'EP100', '8:2-8:9');
      assert.strictEqual(f.message, "Required field 'service' of Mapping spec has no value.");
    });

    it('an optional field without a value is dropped like the API server does, not reported', () => {
      assert.deepStrictEqual(schemaFindings(GOOD_MAPPING.replace('timeout_ms: 3000', 'timeout_ms:')), []);
    });

    it('does not fire for kinds without required fields', () => {
      const text = 'apiVersion: getambassador.io/v3alpha1\nkind: Host\nmetadata: {name: h}\nspec:\n  hostname: a.example.com\n';
      assert.deepStrictEqual(schemaFindings(text), []);
    });
  });

  describe('EP100 bad enum value', () => {
    const listener = (model: string) => `apiVersion: getambassador.io/v3alpha1
kind: Listener
metadata: {name: l}
spec:
  port: 8443
  protocol: HTTPS
  securityModel: ${model}
  hostBinding:
    namespace:
      from: ALL
`;
    it('fires at the value, lists the allowed values and offers the case fix', () => {
      const f = one(listener('xfp'), 'EP100', '6:17-6:20');
      assert.strictEqual(f.message, "Invalid value 'xfp' for spec.securityModel. Allowed values: XFP, SECURE, INSECURE. Did you mean 'XFP'?");
      assert.strictEqual(f.fix?.edits[0].newText, 'XFP');
    });
    it('does not fire for an allowed value', () => {
      assert.deepStrictEqual(schemaFindings(listener('XFP')), []);
    });
    it('checks enums inside lists too', () => {
      const text = listener('XFP').replace('  protocol: HTTPS\n', '  protocolStack: [TLS, HTTP, TPC]\n');
      const f = one(text, 'EP100', '5:29-5:32');
      assert.match(f.message, /^Invalid value 'TPC' for spec\.protocolStack\[2\]\. Allowed values: HTTP, PROXY, TLS, TCP, UDP\. Did you mean 'TCP'\?$/);
    });
    it('checks numeric limits (port range)', () => {
      const f = one(listener('XFP').replace('port: 8443', 'port: 70000'), 'EP100', '4:8-4:13');
      assert.match(f.message, /above the maximum 65535/);
    });
  });

  describe('EP101 unknown kind or version', () => {
    it("fires on `kind: listener` with a suggestion and a fix", () => {
      const text = 'apiVersion: getambassador.io/v3alpha1\nkind: listener\nmetadata: {name: l}\nspec: {}\n';
      const f = only(schemaFindings(text), 'EP101');
      assert.strictEqual(f.severity, 'error');
      assert.strictEqual(rangeText(f.range), '1:6-1:14');
      assert.strictEqual(f.message, "Unknown kind 'listener' in getambassador.io; did you mean 'Listener'?");
      assert.strictEqual(f.fix?.edits[0].newText, 'Listener');
      assert.deepStrictEqual(codes(schemaFindings(text)), ['EP101'], 'no schema noise for an unknown kind');
    });

    it('says Edge Stack kinds are not Emissary kinds', () => {
      for (const kind of ['Filter', 'FilterPolicy', 'RateLimit']) {
        const f = one(`apiVersion: getambassador.io/v3alpha1\nkind: ${kind}\nmetadata: {name: x}\n`, 'EP101', `1:6-1:${6 + kind.length}`);
        assert.match(f.message, new RegExp(`^'${kind}' is an Ambassador Edge Stack kind, not an Emissary kind`));
      }
    });

    it('names the served versions for a kind not served at the given version', () => {
      const text = 'apiVersion: getambassador.io/v2\nkind: Listener\nmetadata: {name: l}\nspec: {port: 8080}\n';
      const f = one(text, 'EP101', '0:12-0:31');
      assert.strictEqual(f.message, 'Listener is not served at getambassador.io/v2; it exists only as getambassador.io/v3alpha1.');
      assert.strictEqual(f.fix?.edits[0].newText, 'getambassador.io/v3alpha1');
      const host = only(schemaFindings('apiVersion: getambassador.io/v1\nkind: Host\nmetadata: {name: h}\n'), 'EP101');
      assert.match(host.message, /Host is not served at getambassador\.io\/v1; use getambassador\.io\/v2 or getambassador\.io\/v3alpha1\./);
    });

    it('reports an unknown version', () => {
      const f = one('apiVersion: getambassador.io/v4\nkind: Mapping\nmetadata: {name: m}\n', 'EP101', '0:12-0:31');
      assert.match(f.message, /^Unknown version 'v4' of getambassador\.io; Mapping is served at getambassador\.io\/v1, getambassador\.io\/v2 and getambassador\.io\/v3alpha1\.$/);
    });

    it('rejects annotation apiVersion ambassador/v0 and accepts ambassador/v2', () => {
      const text = annotated(
        '---\napiVersion: ambassador/v0\nkind: Mapping\nname: old\nprefix: /old/\nservice: legacy\n' +
          '---\napiVersion: ambassador/v2\nkind: Mapping\nname: newer\nprefix: /newer/\nservice: legacy\n',
      );
      const fs2 = schemaFindings(text);
      const f = only(fs2, 'EP101');
      assert.strictEqual(rangeText(f.range), '7:18-7:31');
      assert.match(f.message, /^apiVersion 'ambassador\/v0' is no longer accepted by Emissary/);
      assert.deepStrictEqual(codes(fs2), ['EP101'], 'the ambassador/v2 document is clean');
    });

    it('does not fire for the 14 Emissary kinds at their served versions', () => {
      const docs: string[] = [];
      for (const [kind, version, spec] of [
        ['AuthService', 'v3alpha1', '{auth_service: auth:3000}'],
        ['ConsulResolver', 'v2', '{address: consul:8500}'],
        ['DevPortal', 'v3alpha1', '{default: true}'],
        ['Host', 'v2', '{hostname: a.example.com}'],
        ['KubernetesEndpointResolver', 'v3alpha1', '{}'],
        ['KubernetesServiceResolver', 'v3alpha1', '{}'],
        ['Listener', 'v3alpha1', '{port: 8080, protocol: HTTP, securityModel: XFP, hostBinding: {namespace: {from: SELF}}}'],
        ['LogService', 'v3alpha1', '{service: als:9001, driver: http}'],
        ['Mapping', 'v2', '{prefix: /, service: a}'],
        ['Module', 'v3alpha1', '{config: {diagnostics: {enabled: false}}}'],
        ['RateLimitService', 'v3alpha1', '{service: rl:8081, protocol_version: v3}'],
        ['TCPMapping', 'v3alpha1', '{port: 6379, service: redis:6379}'],
        ['TLSContext', 'v3alpha1', '{hosts: [a.example.com], secret: a-tls}'],
        ['TracingService', 'v3alpha1', '{driver: zipkin, service: zipkin:9411}'],
      ]) {
        docs.push(`apiVersion: getambassador.io/${version}\nkind: ${kind}\nmetadata: {name: x}\nspec: ${spec}\n`);
      }
      assert.deepStrictEqual(schemaFindings(docs.join('---\n')), []);
    });
  });

  describe('EP102 deprecated v1', () => {
    const v1 = 'apiVersion: getambassador.io/v1\nkind: Mapping\nmetadata: {name: m}\nspec:\n  prefix: /a/\n  service: a\n';
    it('warns at the apiVersion value with a fix when the fields are valid v3alpha1', () => {
      const f = only(schemaFindings(v1), 'EP102');
      assert.strictEqual(f.severity, 'warning');
      assert.strictEqual(rangeText(f.range), '0:12-0:31');
      assert.strictEqual(f.message, 'getambassador.io/v1 is deprecated; move this Mapping to getambassador.io/v3alpha1.');
      assert.deepStrictEqual(f.fix?.edits.map((e) => [rangeText(e.range), e.newText]), [['0:12-0:31', 'getambassador.io/v3alpha1']]);
    });
    it('offers no fix when the fields would not survive the move', () => {
      const f = only(schemaFindings(v1 + '  ambassador_id: default\n'), 'EP102');
      assert.strictEqual(f.fix, undefined);
      assert.match(f.message, /Check the fields/);
    });
    it('warns without an edit inside an annotation (ambassador/v1)', () => {
      const text = annotated('apiVersion: ambassador/v1\nkind: Mapping\nname: m\nprefix: /a/\nservice: svc\n');
      const f = one(text, 'EP102', '6:18-6:31');
      assert.strictEqual(f.fix, undefined);
      assert.doesNotMatch(f.message, /Check the fields/);
    });
    it('does not fire for v2 or v3alpha1', () => {
      assert.deepStrictEqual(schemaFindings(v1.replace('/v1', '/v2')), []);
      assert.deepStrictEqual(schemaFindings(v1.replace('/v1', '/v3alpha1')), []);
    });
  });

  describe('EP103 deprecated host in v3alpha1 Mappings', () => {
    const withHost = GOOD_MAPPING.replace('  hostname: "*"', '  host: api.example.com');
    it('warns at the host key with a rename fix', () => {
      const f = only(schemaFindings(withHost), 'EP103');
      assert.strictEqual(f.severity, 'warning');
      assert.strictEqual(rangeText(f.range), '6:2-6:6');
      assert.match(f.message, /^'host' is deprecated in getambassador\.io\/v3alpha1 Mappings; use 'hostname'/);
      assert.deepStrictEqual(f.fix?.edits.map((e) => [rangeText(e.range), e.newText]), [['6:2-6:6', 'hostname']]);
      assert.deepStrictEqual(codes(schemaFindings(withHost)), ['EP103']);
    });
    it('gives no rename fix when hostname is also set or host is a regex', () => {
      const both = only(schemaFindings(GOOD_MAPPING.replace('  prefix:', '  host: api.example.com\n  prefix:')), 'EP103');
      assert.strictEqual(both.fix, undefined);
      assert.match(both.message, /'hostname' is also set, so 'host' is ignored/);
      const re = only(schemaFindings(withHost.replace('  prefix:', '  host_regex: true\n  prefix:')), 'EP103');
      assert.strictEqual(re.fix, undefined);
      assert.match(re.message, /host_regex/);
    });
    it('does not fire for hostname, or for host in v2', () => {
      assert.deepStrictEqual(schemaFindings(GOOD_MAPPING), []);
      assert.deepStrictEqual(schemaFindings(withHost.replace('getambassador.io/v3alpha1', 'getambassador.io/v2')), []);
    });
    it('points inside a getambassador.io/config annotation', () => {
      const text = annotated('apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nname: m\nhost: a.example.com\nprefix: /a/\nservice: svc\n');
      assert.match(one(text, 'EP103', '9:6-9:10').message, /'host' is deprecated/);
    });
  });

  describe('annotations (flat layout)', () => {
    it('places unknown fields and missing fields inside the annotation text', () => {
      const text = annotated('---\napiVersion: ambassador/v2\nkind: Mapping\nname: m\nprefix: /a/\nservce: svc\n');
      const fs2 = schemaFindings(text);
      const f = only(fs2, 'EP100');
      assert.strictEqual(rangeText(f.range), '11:6-11:12');
      assert.strictEqual(f.message, "Unknown field 'servce' in Mapping spec. Did you mean 'service'? ('service' is required.)");
      // no spec key in the flat layout: the kind line of the annotation document
      const missing = one(text.replace('      servce: svc\n', ''), 'EP100', '8:6-8:19');
      assert.strictEqual(missing.message, "Mapping spec is missing required field 'service'.");
    });
  });

  describe('robustness', () => {
    it('never throws on odd shapes', () => {
      const texts = [
        'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nspec: [1, 2]\n',
        'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nspec: null\nmetadata: 7\n',
        'apiVersion: getambassador.io/v3alpha1\nkind: 12\n',
        'apiVersion: getambassador.io/v3alpha1\n',
        'apiVersion: getambassador.io/\nkind: Mapping\n',
        'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nspec:\n  prefix: &a /x/\n  service: *a\n  labels: {a: {b: [[[]]]}}\n',
      ];
      for (const t of texts) {
        const fs2 = schemaFindings(t);
        for (const f of fs2) {
          assert.ok(/^EP10[0-3]$/.test(f.code), f.code);
          assert.ok(f.message.length > 10);
        }
      }
      const spec = schemaFindings(texts[0]);
      assert.match(only(spec, 'EP100').message, /^Expected object, got array for spec\./);
      assert.match(only(schemaFindings(texts[4]), 'EP101').message, /has no version/);
    });

    it('handles a Resource whose locate throws', () => {
      const [r] = resources(GOOD_MAPPING.replace('timeout_ms: 3000', 'timeout_ms: x'));
      const broken: Resource = { ...r, locate: () => { throw new Error('boom'); } };
      const fs2 = validateResource(broken);
      assert.strictEqual(fs2.length, 1);
      assert.deepStrictEqual(fs2[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    });
  });

  describe('API for the language server', () => {
    it('schemaFor returns the generated schema, or undefined when not served', () => {
      assert.strictEqual(schemaFor('Mapping', 'v3alpha1')?.title, 'Mapping (getambassador.io/v3alpha1)');
      assert.strictEqual(schemaFor('Listener', 'v2'), undefined);
      assert.strictEqual(schemaFor('Filter', 'v3alpha1'), undefined);
    });
    it('describeField gives description, type, allowed values and required', () => {
      const prefix = describeField('Mapping', 'v3alpha1', ['spec', 'prefix']);
      assert.ok(prefix);
      assert.strictEqual(prefix.type, 'string');
      assert.strictEqual(prefix.required, true);
      assert.match(prefix.description!, /prefix/);
      assert.match(prefix.markdownDescription!, /```yaml/);
      const model = describeField('Listener', 'v3alpha1', ['spec', 'securityModel']);
      assert.deepStrictEqual(model?.allowed, ['XFP', 'SECURE', 'INSECURE']);
      const aid = describeField('Mapping', 'v2', ['spec', 'ambassador_id']);
      assert.strictEqual(aid?.type, 'string | array');
      const item = describeField('Mapping', 'v3alpha1', ['spec', 'circuit_breakers', 0, 'priority']);
      assert.deepStrictEqual(item?.allowed, ['default', 'high']);
      const header = describeField('Mapping', 'v3alpha1', ['spec', 'headers', 'x-anything']);
      assert.strictEqual(header?.type, 'string');
      const host = describeField('Mapping', 'v3alpha1', ['spec', 'host']);
      assert.strictEqual(host?.deprecated, true);
      assert.strictEqual(describeField('Mapping', 'v3alpha1', ['spec', 'nope']), undefined);
      assert.strictEqual(describeField('Nope', 'v3alpha1', ['spec']), undefined);
    });
    it('fieldsAt lists completable fields without conversion-only ones', () => {
      const fields = fieldsAt('Mapping', 'v3alpha1', ['spec']);
      assert.ok(fields.includes('prefix') && fields.includes('hostname'));
      assert.ok(!fields.includes('v2ExplicitTLS'));
      assert.ok(!fields.includes('host'), 'deprecated fields are not offered');
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Emissary's own manifests: no crash, and exactly the findings recorded (with reasons) in the expectations file.

interface Expectation {
  reader?: 'list';
  resources: number;
  findings: { code: string; lines: number[]; why: string }[];
}

describe('schema findings on the Emissary reference fixtures', () => {
  const expFile = path.join(REPO, 'test', 'fixtures', 'reference-schema-expectations.yaml');
  const exp = YAML.parse(fs.readFileSync(expFile, 'utf8')) as { root: string; files: Record<string, Expectation> };
  const root = path.resolve(REPO, exp.root);

  function walk(dir: string): string[] {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : /\.ya?ml$/i.test(e.name) ? [path.join(dir, e.name)] : []))
      .sort();
  }

  it('the reference fixtures are present', () => {
    assert.ok(fs.existsSync(root), `missing ${root}: the shared reference checkout must sit next to the repo`);
  });

  it('every fixture file has an entry, every entry a file, and every finding group a reason', () => {
    const files = walk(root).map((f) => path.relative(root, f).split(path.sep).join('/'));
    assert.deepStrictEqual(Object.keys(exp.files).sort(), files);
    for (const [file, e] of Object.entries(exp.files)) {
      for (const g of e.findings) assert.ok(typeof g.why === 'string' && g.why.length > 40, `${file}: ${g.code} needs a why`);
    }
  });

  it('each file gives exactly the expected EP1xx findings', () => {
    let checked = 0;
    for (const [file, e] of Object.entries(exp.files)) {
      const full = path.join(root, ...file.split('/'));
      const text = fs.readFileSync(full, 'utf8');
      const uri = `file:///reference/${file}`;
      const rs = e.reader === 'list' ? listResources(uri, text) : parseFile(uri, text).resources;
      assert.strictEqual(rs.length, e.resources, `${file}: resource count`);
      const got = rs
        .flatMap((r) => validateResource(r))
        .map((f) => {
          assert.ok(f.message && f.range, `${file}: malformed finding`);
          return `${f.code}@${f.range.start.line + 1}`;
        })
        .sort();
      const want = e.findings.flatMap((g) => g.lines.map((l) => `${g.code}@${l}`)).sort();
      assert.deepStrictEqual(got, want, file);
      checked += rs.length;
    }
    assert.ok(checked > 300, `only ${checked} resources checked`);
  });
});
