// The schema validators compiled at build time (dist/validators, written by scripts/build.mjs; run `npm run build`
// first) against the same schemas compiled at run time: the same answer and the same errors on every Ambassador
// document of the fixtures and Emissary's reference manifests, and on broken variants of each.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import type { ValidateFunction } from 'ajv';
import { createAjv, quickValidatorFor, schemaFor, useBuiltValidators, validatorFor } from '../../server/src/engine/schema/registry';
import { installBuiltValidators } from '../../server/src/node/validators';

const REPO = path.resolve(__dirname, '..', '..');
const BUILT = path.join(REPO, 'dist', 'validators');
const REFERENCE = [process.env.EDGEPOLICY_REFERENCE, path.resolve(REPO, '..', 'shared', 'reference', 'emissary-fixtures')].find(
  (d): d is string => !!d && fs.existsSync(d),
);

const yamlFiles = (dir: string): string[] =>
  (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));

/** Every getambassador.io object of the fixtures and reference manifests, by `<version>/<kind>`. */
function corpus(): Map<string, Record<string, unknown>[]> {
  const byKey = new Map<string, Record<string, unknown>[]>();
  const dirs = [path.join(REPO, 'test', 'fixtures'), path.join(REPO, 'examples'), ...(REFERENCE ? [REFERENCE] : [])].filter((d) => fs.existsSync(d));
  for (const file of dirs.flatMap(yamlFiles)) {
    let docs: unknown[];
    try {
      docs = jsyaml.loadAll(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // fixtures of broken YAML
    }
    for (const d of docs) {
      const o = d as Record<string, unknown> | null;
      const m = typeof o?.apiVersion === 'string' ? /^getambassador\.io\/(\w+)$/.exec(o.apiVersion) : null;
      if (!o || !m || typeof o.kind !== 'string' || !schemaFor(o.kind, m[1])) continue;
      const key = `${m[1]}/${o.kind}`;
      byKey.set(key, [...(byKey.get(key) ?? []), o]);
    }
  }
  return byKey;
}

/** The document and broken variants of it: an unknown field, wrong types, a missing spec, each spec field emptied. */
function variants(o: Record<string, unknown>): unknown[] {
  const spec = (o.spec && typeof o.spec === 'object' ? o.spec : {}) as Record<string, unknown>;
  const out: unknown[] = [o, { ...o, spec: { ...spec, not_a_field: 1 } }, { ...o, spec: 'text' }, { ...o, metadata: 5 }, { apiVersion: o.apiVersion, kind: o.kind }];
  for (const k of Object.keys(spec)) out.push({ ...o, spec: { ...spec, [k]: typeof spec[k] === 'string' ? 12 : 'x' } }, { ...o, spec: { ...spec, [k]: null } });
  return out;
}

function answer(v: ValidateFunction, data: unknown): { valid: boolean; errors: unknown } {
  const valid = v(data) as boolean;
  return { valid, errors: JSON.parse(JSON.stringify(v.errors ?? null)) };
}

describe('validators compiled at build time (dist/validators)', () => {
  after(() => useBuiltValidators(undefined));

  it('exist for both modes of every served kind/version, and the engine uses them once installed', () => {
    const files = (mode: string) => fs.readdirSync(path.join(BUILT, mode)).sort();
    assert.ok(files('quick').includes('v3alpha1-Mapping.js'), 'run `npm run build` first');
    assert.deepStrictEqual(files('detailed'), files('quick'));
    assert.strictEqual(installBuiltValidators(BUILT), true);
    assert.strictEqual(quickValidatorFor('Mapping', 'v3alpha1'), require(path.join(BUILT, 'quick', 'v3alpha1-Mapping.js')));
    assert.strictEqual(validatorFor('Host', 'v2'), require(path.join(BUILT, 'detailed', 'v2-Host.js')));
    assert.strictEqual(installBuiltValidators(path.join(BUILT, 'nowhere')), false);
  });

  it('give the same answer and errors as the schemas compiled at run time, on real documents and broken ones', () => {
    const docs = corpus();
    assert.ok(docs.size >= 8 && (docs.get('v3alpha1/Mapping')?.length ?? 0) > 10, `a corpus of many kinds: ${[...docs.keys()].join(', ')}`);
    let compared = 0;
    let invalid = 0;
    for (const mode of ['quick', 'detailed'] as const) {
      const ajv = createAjv(mode === 'detailed');
      for (const [key, objects] of docs) {
        const [version, kind] = key.split('/');
        const runtime = ajv.compile(schemaFor(kind, version)!);
        const built = require(path.join(BUILT, mode, `${version}-${kind}.js`)) as ValidateFunction;
        for (const o of objects) {
          for (const data of variants(o)) {
            const want = answer(runtime, data);
            assert.deepStrictEqual(answer(built, data), want, `${mode} ${key} ${JSON.stringify(data).slice(0, 200)}`);
            compared++;
            if (!want.valid) invalid++;
          }
        }
      }
    }
    assert.ok(compared > 1000 && invalid > compared / 3, `${compared} comparisons, ${invalid} of them invalid documents`);
  });
  it('the CLI as users start it (bin/edgepolicy) loads them instead of compiling schemas', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-validators-'));
    try {
      // A preload that tells which built validators the process requires, and whether Ajv compiles anything.
      const preload = path.join(dir, 'watch.cjs');
      fs.writeFileSync(
        preload,
        `const M = require('module'); const seen = []; const req = M.prototype.require;
M.prototype.require = function (p) { if (/validators[\\/\\w]+-\\w+\\.js$/.test(String(p))) seen.push(require('path').basename(String(p))); return req.apply(this, arguments); };
process.on('exit', () => process.stderr.write('BUILT=' + seen.sort().join(',') + '\\n'));`,
      );
      const yaml = path.join(dir, 'routes.yaml');
      fs.writeFileSync(yaml, 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: q\nspec:\n  prefix: /q/\n  service: q\n  timeout_msx: 5\n');
      const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'edgepolicy'), 'check', yaml], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: `--require ${preload}` },
      });
      assert.match(r.stdout, /EP100/, r.stderr);
      assert.match(r.stderr, /BUILT=v3alpha1-Mapping\.js,v3alpha1-Mapping\.js$/m, 'the quick and the detailed Mapping validator come from dist/validators');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
