import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv';
import YAML from 'yaml';
import {
  defaultCrdPath,
  descriptionsPath,
  generate,
  lookupDescription,
  parseDescriptions,
  writeSchemas,
} from '../../scripts/gen-schemas';
import { AMBASSADOR_KINDS, versionsOf } from '../../server/src/engine/model';
import { createAjv, quickValidatorFor, schemaFor, validatorFor } from '../../server/src/engine/schema/registry';
import type { SchemaNode } from '../../server/src/engine/schema/registry';

const REPO = path.resolve(__dirname, '..', '..');
const SCHEMAS = path.join(REPO, 'schemas');

function listFiles(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')]))
    .sort();
}

/** Every field path below spec in the notation of descriptions.yaml (`a.b`, `a[]`, `a{}`). */
function specPaths(node: SchemaNode | undefined, prefix = '', out = new Map<string, SchemaNode>()): Map<string, SchemaNode> {
  if (!node) return out;
  for (const [k, v] of Object.entries(node.properties ?? {})) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.set(p, v);
    specPaths(v, p, out);
  }
  if (node.items) {
    out.set(`${prefix}[]`, node.items);
    specPaths(node.items, `${prefix}[]`, out);
  }
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    out.set(`${prefix}{}`, node.additionalProperties);
    specPaths(node.additionalProperties, `${prefix}{}`, out);
  }
  return out;
}

describe('generated JSON Schemas', () => {
  it('are reproducible: regenerating from the CRDs gives exactly the committed files', function () {
    this.timeout(60000);
    const crd = defaultCrdPath(REPO);
    assert.ok(fs.existsSync(crd), `CRD file not found at ${crd} (the shared reference checkout must sit next to the repo)`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-schemas-'));
    try {
      const res = writeSchemas(crd, tmp, descriptionsPath(REPO));
      assert.deepStrictEqual(res.notes, [], 'v1 has its own schema in this CRD file; no fallback expected');
      const generated = listFiles(tmp);
      const committed = listFiles(SCHEMAS).filter((f) => f !== 'descriptions.yaml');
      assert.deepStrictEqual(committed, generated, 'file set differs: run `npm run gen:schemas` and commit');
      for (const f of generated) {
        const a = fs.readFileSync(path.join(tmp, f), 'utf8');
        const b = fs.readFileSync(path.join(SCHEMAS, f), 'utf8');
        assert.ok(a === b, `schemas/${f} is stale: run \`npm run gen:schemas\` and commit`);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('exist for all 14 kinds in exactly their served versions', () => {
    assert.strictEqual(AMBASSADOR_KINDS.length, 14);
    for (const kind of AMBASSADOR_KINDS) {
      for (const v of ['v1', 'v2', 'v3alpha1']) {
        const file = path.join(SCHEMAS, v, `${kind}.json`);
        assert.strictEqual(fs.existsSync(file), versionsOf(kind).includes(v), `${v}/${kind}.json`);
        if (fs.existsSync(file)) {
          const s = JSON.parse(fs.readFileSync(file, 'utf8')) as SchemaNode;
          assert.strictEqual(s.$schema, 'http://json-schema.org/draft-07/schema#');
          assert.deepStrictEqual(s.properties?.apiVersion?.enum, [`getambassador.io/${v}`]);
          assert.deepStrictEqual(s.properties?.kind?.enum, [kind]);
        }
      }
    }
    assert.deepStrictEqual(versionsOf('Listener'), ['v3alpha1']);
    assert.ok(!fs.existsSync(path.join(SCHEMAS, 'v1', 'Host.json')));
  });

  it('describe every field under spec of every kind and version', () => {
    const missing: string[] = [];
    for (const kind of AMBASSADOR_KINDS) {
      for (const v of versionsOf(kind)) {
        const spec = schemaFor(kind, v)?.properties?.spec;
        assert.ok(spec, `${v}/${kind} has a spec`);
        for (const [name, field] of Object.entries(spec.properties ?? {})) {
          if (typeof field.description !== 'string' || field.description.trim().length < 10) missing.push(`${v}/${kind} spec.${name}`);
          if (typeof field.markdownDescription !== 'string') missing.push(`${v}/${kind} spec.${name} (markdown)`);
        }
      }
    }
    assert.deepStrictEqual(missing, []);
    const res = generate(fs.readFileSync(defaultCrdPath(REPO), 'utf8'), fs.readFileSync(descriptionsPath(REPO), 'utf8'));
    assert.deepStrictEqual(res.missing, [], 'the generator reports no undescribed field, nested ones included');
  });

  it('explain the fields people get wrong in several sentences with an example', () => {
    const hard: [string, string, string][] = [
      ['Mapping', 'v3alpha1', 'prefix'],
      ['Mapping', 'v3alpha1', 'prefix_regex'],
      ['Mapping', 'v3alpha1', 'hostname'],
      ['Mapping', 'v2', 'host'],
      ['Mapping', 'v3alpha1', 'host_regex'],
      ['Mapping', 'v3alpha1', 'service'],
      ['Mapping', 'v3alpha1', 'weight'],
      ['Mapping', 'v3alpha1', 'precedence'],
      ['Mapping', 'v3alpha1', 'rewrite'],
      ['Mapping', 'v3alpha1', 'tls'],
      ['Mapping', 'v3alpha1', 'headers'],
      ['Mapping', 'v3alpha1', 'regex_headers'],
      ['Mapping', 'v3alpha1', 'timeout_ms'],
      ['Mapping', 'v3alpha1', 'cors'],
      ['Mapping', 'v3alpha1', 'ambassador_id'],
      ['Host', 'v3alpha1', 'mappingSelector'],
      ['Host', 'v3alpha1', 'selector'],
      ['Host', 'v3alpha1', 'hostname'],
      ['Host', 'v3alpha1', 'tlsSecret'],
      ['Host', 'v3alpha1', 'acmeProvider'],
      ['Host', 'v3alpha1', 'requestPolicy'],
      ['Listener', 'v3alpha1', 'securityModel'],
      ['Listener', 'v3alpha1', 'hostBinding'],
      ['Listener', 'v3alpha1', 'protocolStack'],
    ];
    for (const [kind, v, field] of hard) {
      const f = schemaFor(kind, v)?.properties?.spec?.properties?.[field];
      assert.ok(f, `${kind} ${v} ${field}`);
      const sentences = (f.description ?? '').split(/[.!?](\s|$)/).filter((s) => s && s.trim().length > 3);
      assert.ok(sentences.length >= 2, `${kind}.${field}: ${f.description}`);
      assert.match(String(f.markdownDescription), /```yaml\n[\s\S]+\n```/, `${kind}.${field} has an example`);
    }
  });

  it('are closed where the CRD is closed and open where it preserves unknown fields', () => {
    for (const kind of AMBASSADOR_KINDS) {
      for (const v of versionsOf(kind)) {
        const s = schemaFor(kind, v)!;
        assert.strictEqual(s.additionalProperties, false, `${v}/${kind} top level`);
        assert.strictEqual(s.properties?.spec?.additionalProperties, false, `${v}/${kind} spec`);
      }
    }
    const module = schemaFor('Module', 'v3alpha1')!.properties!.spec!.properties!.config!;
    assert.strictEqual(module.additionalProperties, undefined);
    const override = schemaFor('Mapping', 'v3alpha1')!.properties!.spec!.properties!.envoy_override!;
    assert.strictEqual(override.additionalProperties, undefined);
    const cors = schemaFor('Mapping', 'v3alpha1')!.properties!.spec!.properties!.cors!;
    assert.strictEqual(cors.additionalProperties, false);
    // "string or list" in v2 becomes one type list
    assert.deepStrictEqual(schemaFor('Mapping', 'v2')!.properties!.spec!.properties!.ambassador_id!.type, ['string', 'array']);
    assert.deepStrictEqual(schemaFor('Mapping', 'v3alpha1')!.properties!.spec!.properties!.ambassador_id!.type, 'array');
    // structural facts survive: required, enum, format, limits, pattern
    assert.deepStrictEqual(schemaFor('Listener', 'v3alpha1')!.properties!.spec!.required, ['hostBinding', 'port', 'securityModel']);
    const port = schemaFor('Listener', 'v3alpha1')!.properties!.spec!.properties!.port!;
    assert.deepStrictEqual([port.type, port.format, port.minimum, port.maximum], ['integer', 'int32', 1, 65535]);
    assert.ok(schemaFor('Mapping', 'v3alpha1')!.properties!.spec!.properties!.v2ExplicitTLS!.properties!.serviceScheme!.pattern);
    assert.strictEqual(schemaFor('Mapping', 'v3alpha1')!.properties!.spec!.properties!.v2ExplicitTLS!.doNotSuggest, true);
    assert.deepStrictEqual(schemaFor('Mapping', 'v3alpha1')!.required, ['apiVersion', 'kind', 'spec']);
    assert.deepStrictEqual(schemaFor('Host', 'v3alpha1')!.required, ['apiVersion', 'kind']);
  });

  it('compile with Ajv in strict mode, every one of them', () => {
    for (const kind of AMBASSADOR_KINDS) for (const v of versionsOf(kind)) assert.ok(validatorFor(kind, v), `${v}/${kind}`);
  });

  it('the quick validator (first error only) and the detailed one agree on valid and invalid, field by field', () => {
    // Per kind and version: a document with every spec field set to a value of each JSON type, one at a time.
    const samples: unknown[] = ['text', 42, 1.5, -1, true, null, [], ['x'], [1], {}, { a: 'b' }, { name: 'x' }, 0, 70000];
    let compared = 0;
    let invalid = 0;
    for (const kind of AMBASSADOR_KINDS) {
      for (const v of versionsOf(kind)) {
        const quick = quickValidatorFor(kind, v)!;
        const detailed = validatorFor(kind, v)!;
        const fields = Object.keys(schemaFor(kind, v)!.properties?.spec?.properties ?? {});
        const base = { apiVersion: `getambassador.io/${v}`, kind, metadata: { name: 'n' } };
        const docs: unknown[] = [base, { ...base, spec: {} }, { ...base, spec: { unknownField: 1 } }, { ...base, spec: 'x' }];
        for (const f of fields) for (const value of samples) docs.push({ ...base, spec: { [f]: value } });
        for (const doc of docs) {
          const want = detailed(doc) === true;
          assert.strictEqual(quick(doc) === true, want, `${v}/${kind}: ${JSON.stringify(doc)}`);
          compared++;
          if (!want) invalid++;
        }
      }
    }
    assert.ok(compared > 5000 && invalid > compared / 4, `${compared} documents compared, ${invalid} invalid`);
  });

  it('ambassador.json dispatches per apiVersion/kind and leaves other documents alone', () => {
    const dispatch = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'ambassador.json'), 'utf8')) as SchemaNode & { allOf: unknown[] };
    assert.strictEqual(dispatch.allOf.length, AMBASSADOR_KINDS.reduce((n, k) => n + versionsOf(k).length, 0));
    assert.strictEqual(dispatch.allOf.length, 39);
    const ajv: Ajv = createAjv();
    const validate = ajv.compile(dispatch);
    assert.ok(validate({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 1 } }));
    assert.ok(validate({ apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: { name: 'm' }, spec: { prefix: '/', service: 's' } }));
    assert.ok(!validate({ apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: { name: 'm' }, spec: { prefix: '/', service: 's', prefx: 1 } }));
    assert.ok(!validate({ apiVersion: 'getambassador.io/v3alpha1', kind: 'Listener', spec: { securityModel: 'XFP', hostBinding: {} } }));
    assert.ok(validate({ apiVersion: 'getambassador.io/v2', kind: 'Mapping', spec: { prefix: '/', service: 's', tls: true } }));
    const kinds = (dispatch.properties!.kind as { anyOf: { enum?: string[] }[] }).anyOf[0].enum;
    assert.deepStrictEqual(kinds, [...AMBASSADOR_KINDS].sort());
    const versions = (dispatch.properties!.apiVersion as { anyOf: { enum?: string[] }[] }).anyOf[0].enum;
    assert.deepStrictEqual(versions, ['getambassador.io/v1', 'getambassador.io/v2', 'getambassador.io/v3alpha1']);
  });

  it('use our own descriptions: no run of 8 words is shared with the CRD description text', () => {
    const crd = YAML.parseAllDocuments(fs.readFileSync(defaultCrdPath(REPO), 'utf8')).map((d) => d.toJS() as unknown);
    const theirs: string[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === 'description' && typeof x === 'string') theirs.push(x);
          else collect(x);
        }
    };
    collect(crd);
    const words = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim().split(' ').filter(Boolean);
    const grams = new Set<string>();
    for (const t of theirs) {
      const w = words(t);
      for (let i = 0; i + 8 <= w.length; i++) grams.add(w.slice(i, i + 8).join(' '));
    }
    const ours = parseDescriptions(fs.readFileSync(descriptionsPath(REPO), 'utf8'));
    const texts = [
      ...Object.values(ours.common).map((e) => e.text),
      ...Object.values(ours.kinds).flatMap((k) => [k.kind, ...Object.values(k.fields).map((e) => e.text)]),
    ];
    const shared: string[] = [];
    for (const t of texts) {
      const w = words(t);
      for (let i = 0; i + 8 <= w.length; i++) if (grams.has(w.slice(i, i + 8).join(' '))) shared.push(w.slice(i, i + 8).join(' '));
    }
    assert.ok(theirs.length > 100, 'the CRD descriptions were read');
    assert.deepStrictEqual(shared, []);
  });

  it('descriptions.yaml has no entries for fields that do not exist (typos)', () => {
    const d = parseDescriptions(fs.readFileSync(descriptionsPath(REPO), 'utf8'));
    const all = new Set<string>();
    for (const [kind, kd] of Object.entries(d.kinds)) {
      assert.ok((AMBASSADOR_KINDS as readonly string[]).includes(kind), `unknown kind ${kind}`);
      const paths = new Set<string>();
      for (const v of versionsOf(kind)) for (const p of specPaths(schemaFor(kind, v)?.properties?.spec).keys()) paths.add(p);
      for (const p of paths) all.add(p);
      for (const f of Object.keys(kd.fields)) assert.ok(paths.has(f), `descriptions.yaml: ${kind}.${f} is not a field of ${kind}`);
    }
    for (const f of Object.keys(d.common)) assert.ok(all.has(f), `descriptions.yaml: common.${f} is not a field of any kind`);
    for (const f of Object.keys(d.aliases)) assert.ok(all.has(f), `descriptions.yaml: alias ${f} is not a field of any kind`);
    // lookups: kind text beats common text, aliases reach nested texts
    assert.match(lookupDescription(d, 'Mapping', 'circuit_breakers')!.text, /Mapping's upstream/);
    assert.match(lookupDescription(d, 'AuthService', 'v3CircuitBreakers[].priority')!.text, /priority/);
  });
});

describe('schema generator (synthetic CRDs)', () => {
  const descriptions = `
aliases: {}
common:
  count: How many.
  size: A size.
  blob: Anything.
  name: A name.
  tags: Tags.
  mode: The mode.
kinds:
  Widget:
    kind: A test kind.
    fields:
      inner: An inner object.
      inner.a: Field a.
`;
  const crd = (v1Spec: string) => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: getambassador.io
  names: {kind: Widget}
  versions:
    - name: v1
      served: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: ${v1Spec}
    - name: v2
      served: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [name]
              properties:
                size: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                count: {type: integer, nullable: true}
                blob: {type: object, x-kubernetes-preserve-unknown-fields: true}
                name: {type: string, description: "their words"}
                tags: {oneOf: [{type: string}, {type: array}], items: {type: string}}
                mode: {type: string, enum: [a, b]}
                inner: {type: object, properties: {a: {type: string}, b: {type: boolean}}}
    - name: v9
      served: false
      schema: {openAPIV3Schema: {type: object}}
`;

  it('translates the Kubernetes extensions and closes objects', () => {
    const res = generate(crd('{type: object, properties: {name: {type: string}}}'), descriptions);
    const v2 = JSON.parse(res.files.get('v2/Widget.json')!) as SchemaNode;
    const p = v2.properties!.spec!.properties!;
    assert.deepStrictEqual(p.size.type, ['integer', 'string']);
    assert.strictEqual(p.size.anyOf, undefined);
    assert.deepStrictEqual(p.count.type, ['integer', 'null']);
    assert.strictEqual(p.blob.additionalProperties, undefined);
    assert.strictEqual(p.name.description, 'A name.', 'CRD description text is replaced by ours');
    assert.deepStrictEqual(p.tags.type, ['string', 'array']);
    assert.deepStrictEqual(p.mode.enum, ['a', 'b']);
    assert.strictEqual(p.inner.additionalProperties, false);
    assert.deepStrictEqual(v2.properties!.spec!.required, ['name']);
    assert.deepStrictEqual(v2.required, ['apiVersion', 'kind', 'spec']);
    assert.ok(!res.files.has('v9/Widget.json'), 'unserved versions are skipped');
    assert.deepStrictEqual(
      res.missing.map((m) => `${m.version} ${m.path}`),
      ['v2 inner.b'],
      'nested fields without text are reported',
    );
    assert.match(res.files.get('index.ts')!, /'v2\/Widget': Widget_v2/);
    const d = JSON.parse(res.files.get('ambassador.json')!) as { allOf: { then: { $ref: string } }[]; definitions: Record<string, unknown> };
    assert.deepStrictEqual(d.allOf.map((a) => a.then.$ref), ['#/definitions/Widget-v1', '#/definitions/Widget-v2']);
    assert.ok(d.definitions['Widget-v2']);
  });

  it('derives v1 from v2 when v1 has no usable schema, and says so', () => {
    const res = generate(crd('{type: object, x-kubernetes-preserve-unknown-fields: true}'), descriptions);
    assert.deepStrictEqual(res.notes, ['Widget v1: CRD has no usable v1 schema; using the v2 structure.']);
    const v1 = JSON.parse(res.files.get('v1/Widget.json')!) as SchemaNode;
    assert.deepStrictEqual(v1.properties!.spec!.required, ['name']);
    assert.deepStrictEqual(v1.properties!.apiVersion!.enum, ['getambassador.io/v1']);
  });

  it('fails clearly on input without getambassador.io CRDs or with a bad descriptions file', () => {
    assert.throws(() => generate('kind: ConfigMap\n', descriptions), /no getambassador\.io CustomResourceDefinitions/);
    assert.throws(() => generate(crd('{type: object}'), 'kinds: {Widget: {fields: {}}}'), /needs a `kind` text/);
    assert.throws(() => generate(crd('{type: object}'), 'common: {}\nkinds: {}\n'), /no entry for kind Widget/);
  });
});
