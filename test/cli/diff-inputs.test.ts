// `edgepolicy diff` resolves the kubeconfig and context before it reads any file, and then reads only what the
// diff needs: the files are parsed, not schema-checked or analysed (diff reports neither). Its desired side and
// messages are those a full Workspace would give.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDesired, type DesiredLoader } from '../../server/src/cli/diff';
import { readWorkspace } from '../../server/src/cli/load';
import { run } from '../../server/src/cli/main';
import { desiredFromResource } from '../../server/src/engine/diff';
import { BIN, REPO_ROOT, captureIo, ensureCliBuilt, writeOfflineKubeconfig } from './helpers';

const mapping = (name: string, prefix: string, extra = '') =>
  `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  prefix: ${prefix}\n  service: ${name}:80\n${extra}`;

describe('edgepolicy diff: kubeconfig and context first, then only what the diff needs', function () {
  this.timeout(60_000);
  let tmp: string;
  let kubeconfig: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-cli-diff-inputs-'));
    kubeconfig = writeOfflineKubeconfig(path.join(tmp, 'kubeconfig'));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A loader that records that it was called and fails the run. */
  const trap = () => {
    const seen = { called: false };
    const load: DesiredLoader = async () => {
      seen.called = true;
      throw new Error('the workspace was read');
    };
    return { seen, load };
  };

  it('a context the kubeconfig lacks: exit 3 with the known contexts, and the workspace is not read', async () => {
    const { seen, load } = trap();
    const io = captureIo(tmp);
    assert.equal(await run(['diff', 'gitops', '--kubeconfig', kubeconfig, '--context', 'nope'], io, { loadDesired: load }), 3);
    assert.equal(seen.called, false, 'the loader ran');
    assert.equal(io.err, `edgepolicy diff: Context "nope" not found in the kubeconfig (${kubeconfig}). Known contexts: offline.\n`);
    assert.equal(io.out, '');

    const json = captureIo(tmp);
    assert.equal(await run(['diff', '--kubeconfig', kubeconfig, '--context', 'nope', '-f', 'json'], json, { loadDesired: load }), 3);
    assert.equal(seen.called, false);
    assert.deepEqual(JSON.parse(json.out), {
      context: 'nope',
      error: `Context "nope" not found in the kubeconfig (${kubeconfig}). Known contexts: offline.`,
      notes: [],
      resources: [],
    });
  });

  it('no kubeconfig at all: exit 3, the workspace is not read', async () => {
    const { seen, load } = trap();
    const home = fs.mkdtempSync(path.join(tmp, 'home-'));
    const io = captureIo(tmp);
    io.env = { HOME: home };
    assert.equal(await run(['diff'], io, { loadDesired: load }), 3);
    assert.equal(seen.called, false);
    assert.match(io.err, /^edgepolicy diff: No kubeconfig found: nothing at .*\.kube[\\/]config\./);
  });

  it('with the real loader: a bad context is reported, not the path that cannot be read', async () => {
    const io = captureIo(tmp);
    assert.equal(await run(['diff', 'no-such-folder', '--kubeconfig', kubeconfig, '--context', 'nope'], io), 3);
    assert.match(io.err, /^edgepolicy diff: Context "nope" not found/);
    assert.doesNotMatch(io.err, /no-such-folder/);
  });

  it('bin/edgepolicy: exit 3 and the context error, before a workspace path that cannot be read', () => {
    ensureCliBuilt();
    const r = spawnSync(process.execPath, [BIN, 'diff', 'no-such-folder', '--kubeconfig', kubeconfig, '--context', 'nope'], {
      cwd: tmp,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stderr, `edgepolicy diff: Context "nope" not found in the kubeconfig (${kubeconfig}). Known contexts: offline.\n`);
    assert.equal(r.stdout, '');
  });

  describe('the desired side', () => {
    let ws: string;

    before(() => {
      ws = path.join(tmp, 'ws');
      const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
        fs.writeFileSync(path.join(ws, rel), text);
      };
      // Scan order (a/ before a-b/) is not URI order ('-' sorts before '/'): of two definitions of one Mapping, the
      // one a Workspace lists first is compared.
      write('a/routes.yaml', mapping('quote', '/quote-a/'));
      write('a-b/routes.yaml', mapping('quote', '/quote-ab/') + '---\n' + mapping('extra', '/extra/', '  timeout_ms: "not a number"\n  bogus_field: 1\n'));
      write('helm/template.yaml', 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: {{ .Values.name }\n');
      write('broken.yaml', 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: [\n');
      write(
        'svc.yaml',
        [
          'apiVersion: v1',
          'kind: Service',
          'metadata:',
          '  name: legacy',
          '  namespace: shop',
          '  annotations:',
          '    getambassador.io/config: |',
          '      apiVersion: getambassador.io/v2',
          '      kind: Mapping',
          '      name: legacy-map',
          '      prefix: /legacy/',
          '      service: legacy:80',
          'spec:',
          '  ports: [{ port: 80 }]',
          '',
        ].join('\n'),
      );
      write('skipped/ignored.yaml', mapping('excluded', '/excluded/'));
      write('.edgepolicy.yaml', 'exclude:\n  - skipped/**\ndiff:\n  ignore:\n    - kind: Mapping\n      pointer: /spec/timeout_ms\n');
      fs.mkdirSync(path.join(ws, '.git'));
    });

    it('is what a full Workspace gives: the same items in the same order, the same ignore rules and messages', async () => {
      const io = captureIo(ws);
      const got = await loadDesired(['.'], [], io);
      const refIo = captureIo(ws);
      const ref = await readWorkspace(['.'], [], refIo);
      assert.deepStrictEqual(got.desired, ref.ws.resources().map(desiredFromResource));
      assert.deepStrictEqual(got.ignore, ref.settings.diffIgnore);
      assert.equal(io.err, refIo.err);
      // The case is not trivial: the duplicate, the annotation resource, the template and the exclude all show.
      assert.deepEqual(
        got.desired.map((d) => `${path.relative(ws, fileURLToPath(d.uri!)).split(path.sep).join('/')}:${d.line} ${(d.object as { metadata?: { name?: string }; name?: string }).metadata?.name ?? (d.object as { name?: string }).name}`),
        ['a-b/routes.yaml:0 quote', 'a-b/routes.yaml:9 extra', 'a/routes.yaml:0 quote', 'svc.yaml:7 legacy-map'],
      );
      assert.match(io.err, /^edgepolicy: skipped helm\/template\.yaml: /m);
      assert.deepEqual(got.ignore, [{ kind: 'Mapping', pointer: '/spec/timeout_ms' }]);
    });

    it('is read without the Workspace or the schema validators (diff reports neither schema nor cross-resource findings)', () => {
      const script = [
        `const { loadDesired } = require(${JSON.stringify(path.join(REPO_ROOT, 'server/src/cli/diff.ts'))});`,
        `const io = { cwd: ${JSON.stringify(ws)}, env: {}, stdout() {}, stderr() {} };`,
        `loadDesired(['.'], [], io).then((side) => {`,
        `  const loaded = Object.keys(require.cache).filter((f) => /engine[\\\\/](workspace|checks|routes|schema[\\\\/])/.test(f));`,
        `  console.log(JSON.stringify({ items: side.desired.length, loaded }));`,
        `});`,
      ].join('\n');
      const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { items: 4, loaded: [] });
    });
  });
});
