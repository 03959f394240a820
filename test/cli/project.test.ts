// The CLI and `.edgepolicy.yaml`: the settings file nearest to each command-line path (severity, exclude,
// diff.ignore), --severity, explicitly named non-YAML files, paths printed as typed, and bin/edgepolicy's last
// line of defence. Child processes need dist/cli.js (built here when missing); `diff` runs in-process against
// the in-process test cluster.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runDiff } from '../../server/src/cli/diff';
import { findProjectConfig, loadProjectSettings } from '../../server/src/cli/project';
import { parseSeverityOptions } from '../../server/src/cli/commands';
import { UsageError } from '../../server/src/cli/io';
import { startTestCluster, type TestCluster } from '../cluster-server/index';
import { BIN, captureIo, ensureCliBuilt, FIXTURES } from './helpers';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function edgepolicy(args: string[], cwd = FIXTURES, bin = BIN): Result {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (res.error) throw res.error;
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function json(r: Result): { findings: { code: string; severity: string; file: string; line: number }[]; summary: { files: number } } {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

const bySeverity = (r: Result): string[] => json(r).findings.map((f) => `${f.file} ${f.code} ${f.severity}`);

describe('edgepolicy CLI: .edgepolicy.yaml and inputs (needs dist/cli.js)', function () {
  this.timeout(120_000);
  let tmp: string;

  before(function () {
    ensureCliBuilt();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-cli-project-'));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('settings of the path, not of the working directory', () => {
    it('check: the folder\'s severity and exclude apply when run from its parent', () => {
      const r = edgepolicy(['check', 'configured', '-f', 'json']);
      assert.equal(r.code, 1, r.stderr);
      // EP200 raised to error, EP231 switched off, generated/** (a YAML syntax error) left out.
      assert.deepEqual(bySeverity(r), ['configured/routes.yaml EP200 error', 'configured/routes.yaml EP200 error']);
      assert.equal(json(r).summary.files, 1, 'the settings file is not counted as a manifest');
      assert.equal(r.stderr, '');
    });

    it('check: the same from inside the folder and from a folder below it', () => {
      const inside = edgepolicy(['check', '.', '-f', 'json'], path.join(FIXTURES, 'configured'));
      assert.deepEqual(bySeverity(inside), ['routes.yaml EP200 error', 'routes.yaml EP200 error']);
      const file = edgepolicy(['check', 'routes.yaml', '-f', 'json'], path.join(FIXTURES, 'configured'));
      assert.deepEqual(bySeverity(file), ['routes.yaml EP200 error', 'routes.yaml EP200 error']);
    });

    it('several paths: each file takes the settings of its own path', () => {
      const r = edgepolicy(['check', 'configured', 'warnings', '-f', 'json']);
      assert.deepEqual(bySeverity(r), [
        'configured/routes.yaml EP200 error',
        'configured/routes.yaml EP200 error',
        'warnings/orders.yaml EP200 warning',
        'warnings/payments.yaml EP200 warning',
      ]);
    });

    it('routes: the folder\'s exclude applies', () => {
      const parent = path.join(tmp, 'routes-exclude');
      fs.cpSync(path.join(FIXTURES, 'configured'), path.join(parent, 'configured'), { recursive: true });
      fs.mkdirSync(path.join(parent, '.git'));
      const generated = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: generated\nspec:\n  prefix: /gen/\n  service: gen\n';
      fs.writeFileSync(path.join(parent, 'configured', 'generated', 'gen.yaml'), generated);
      const names = (r: Result): string[] => {
        assert.equal(r.code, 0, r.stderr);
        const table = JSON.parse(r.stdout) as { groups: { members: { name: string }[] }[] };
        return table.groups.flatMap((g) => g.members.map((m) => m.name)).sort();
      };
      assert.deepEqual(names(edgepolicy(['routes', 'configured', '-f', 'json'], parent)), ['legacy', 'shop-a', 'shop-b']);
      // Without the settings file the generated Mapping is listed.
      fs.rmSync(path.join(parent, 'configured', '.edgepolicy.yaml'));
      assert.deepEqual(names(edgepolicy(['routes', 'configured', '-f', 'json'], parent)), ['generated', 'legacy', 'shop-a', 'shop-b']);
    });

    it('--severity overrides the file (repeatable, case-insensitive level), and can bring a code back', () => {
      const r = edgepolicy(['check', 'configured', '-f', 'json', '--severity', 'EP200=off', '--severity', 'EP231=Error']);
      assert.equal(r.code, 1);
      assert.deepEqual(bySeverity(r), ['configured/routes.yaml EP231 error']);
      const quiet = edgepolicy(['check', 'configured', '--severity', 'EP200=warning']);
      assert.equal(quiet.code, 0, 'warnings only: exit 0 with the default --fail-on');
      assert.match(quiet.stdout, /0 errors, 2 warnings/);
    });

    for (const [arg, re] of [
      ['EP200', /invalid value 'EP200' for --severity \(expected CODE=LEVEL/],
      ['EP200=loud', /invalid level 'loud' for --severity EP200 \(expected error, warning, info, hint, off\)/],
      ['X1=off', /invalid value 'X1=off' for --severity/],
    ] as const) {
      it(`--severity ${arg}: exit 3 with a clear message`, () => {
        const r = edgepolicy(['check', 'configured', '--severity', arg]);
        assert.equal(r.code, 3);
        assert.match(r.stderr, re);
        assert.equal(r.stdout, '');
      });
    }

    it('a bad settings file: each problem on stderr as file:line, the good entries still apply', () => {
      const ws = path.join(tmp, 'bad-settings');
      fs.cpSync(path.join(FIXTURES, 'warnings'), path.join(ws, 'routes'), { recursive: true });
      fs.mkdirSync(path.join(ws, '.git'));
      fs.writeFileSync(path.join(ws, '.edgepolicy.yaml'), 'severity:\n  EP200: loud\n  EP221: warning\nexlude: ["x"]\n');
      const r = edgepolicy(['check', 'routes', '-f', 'json'], ws);
      assert.equal(r.code, 0);
      assert.deepEqual(r.stderr.trimEnd().split('\n'), [
        'edgepolicy: warning: .edgepolicy.yaml:2: severity.EP200: invalid level "loud" (expected error, warning, info, hint, off)',
        'edgepolicy: warning: .edgepolicy.yaml:4: unknown key "exlude" (allowed: severity, exclude, diff)',
      ]);
      assert.equal(json(r).findings.length, 2);
      fs.writeFileSync(path.join(ws, '.edgepolicy.yaml'), 'severity:\n  EP200: [off\n');
      const syntax = edgepolicy(['check', 'routes'], ws);
      assert.match(syntax.stderr, /^edgepolicy: warning: \.edgepolicy\.yaml:\d+: YAML syntax error: /);
      assert.doesNotMatch(syntax.stderr, /\n\s+at /);
    });

    it('the search stops at the root of a Git repository', () => {
      const outer = path.join(tmp, 'outer');
      const repo = path.join(outer, 'repo');
      fs.cpSync(path.join(FIXTURES, 'warnings'), path.join(repo, 'team'), { recursive: true });
      fs.writeFileSync(path.join(outer, '.edgepolicy.yaml'), 'severity:\n  EP200: off\n');
      assert.equal(findProjectConfig(path.join(repo, 'team')), path.join(outer, '.edgepolicy.yaml'));
      assert.equal(json(edgepolicy(['check', 'team', '-f', 'json'], repo)).findings.length, 0, 'outside a repository the parent file applies');
      fs.mkdirSync(path.join(repo, '.git'));
      assert.equal(findProjectConfig(path.join(repo, 'team')), undefined);
      assert.equal(findProjectConfig(path.join(repo, 'team', 'orders.yaml')), undefined);
      assert.equal(json(edgepolicy(['check', 'team', '-f', 'json'], repo)).findings.length, 2, 'the file above the repository is not read');
      fs.writeFileSync(path.join(repo, '.edgepolicy.yaml'), 'severity:\n  EP200: info\n');
      assert.equal(findProjectConfig(path.join(repo, 'team', 'orders.yaml')), path.join(repo, '.edgepolicy.yaml'));
    });

    it('exclude globs of a settings file apply only below its folder', () => {
      const io = captureIo(tmp);
      const settings = loadProjectSettings([path.join(FIXTURES, 'configured'), path.join(FIXTURES, 'warnings')], io);
      assert.equal(io.err, '');
      assert.deepEqual(settings.files, [path.join(FIXTURES, 'configured', '.edgepolicy.yaml')]);
      assert.deepEqual(settings.exclude, [`${path.join(FIXTURES, 'configured').split(path.sep).join('/')}/generated/**`]);
      assert.deepEqual(settings.severityFor(pathToFileURL(path.join(FIXTURES, 'configured', 'routes.yaml')).href), { EP200: 'error', EP231: 'off' });
      assert.deepEqual(settings.severityFor(pathToFileURL(path.join(FIXTURES, 'warnings', 'orders.yaml')).href), {});
    });
  });

  describe('inputs', () => {
    it('a missing path is named as typed (absolute or relative)', () => {
      const missing = path.join(path.parse(tmp).root, 'no-such-edgepolicy-path');
      const abs = edgepolicy(['check', missing]);
      assert.equal(abs.code, 3);
      assert.equal(abs.stderr, `edgepolicy: cannot read '${missing}': no such file or directory\n`);
      const rel = edgepolicy(['routes', './clean/../nope.yaml']);
      assert.match(rel.stderr, /^edgepolicy: cannot read '\.\/clean\/\.\.\/nope\.yaml': no such file or directory$/m);
    });

    it('explicitly named files that are not YAML are skipped with a notice; the YAML files are checked', () => {
      const r = edgepolicy(['check', 'README.md', 'warnings/orders.yaml', 'warnings/payments.yaml', '-f', 'json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'edgepolicy: skipped README.md: not a YAML file\n');
      assert.equal(json(r).summary.files, 2);
      assert.deepEqual(
        json(r).findings.map((f) => f.code),
        ['EP200', 'EP200'],
      );
      const only = edgepolicy(['check', 'README.md']);
      assert.equal(only.code, 0);
      assert.match(only.stdout, /No problems found \(0 files, 0 resources\)/);
    });
  });

  describe('bin/edgepolicy', () => {
    function fakeInstall(name: string, bundle: string): string {
      const root = path.join(tmp, name);
      fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
      fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
      fs.copyFileSync(BIN, path.join(root, 'bin', 'edgepolicy'));
      fs.writeFileSync(path.join(root, 'dist', 'cli.js'), bundle);
      return path.join(root, 'bin', 'edgepolicy');
    }

    it('an unexpected rejection: one line on stderr, exit 3', () => {
      const bin = fakeInstall('rejects', "exports.run = async () => { throw new Error('boom\\nsecond line'); };\n");
      const r = edgepolicy(['check'], tmp, bin);
      assert.equal(r.code, 3);
      assert.equal(r.stderr, 'edgepolicy: internal error: boom\n');
    });

    it('a bundle that fails to load: one line on stderr, exit 3', () => {
      const bin = fakeInstall('throws', "throw new TypeError('cannot start');\n");
      const r = edgepolicy(['check'], tmp, bin);
      assert.equal(r.code, 3);
      assert.equal(r.stderr, 'edgepolicy: internal error: cannot start\n');
    });

    it('passes the exit code of run() through', () => {
      const bin = fakeInstall('exit2', 'exports.run = async (argv) => argv.length;\n');
      assert.equal(edgepolicy(['a', 'b'], tmp, bin).code, 2);
    });
  });
});

describe('edgepolicy check --severity values (parseSeverityOptions)', () => {
  it('accepts CODE=LEVEL in any case, the last value for a code wins', () => {
    assert.deepEqual(parseSeverityOptions(['ep221=Warning', 'EP200=off', 'EP221=hint']), { EP221: 'hint', EP200: 'off' });
    assert.deepEqual(parseSeverityOptions([]), {});
  });
  it('rejects anything else with a UsageError', () => {
    for (const v of ['', '=off', 'EP2000=off', 'EP200=', 'EP200=warn']) assert.throws(() => parseSeverityOptions([v]), UsageError, v);
  });
});

describe('edgepolicy diff reads .edgepolicy.yaml next to the given path (in-process test cluster)', function () {
  this.timeout(60_000);
  let tmp: string;
  let cluster: TestCluster;
  let kubeconfig: string;

  const mapping = (timeout: number) =>
    `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: checkout\n  namespace: shop\nspec:\n  prefix: /checkout/\n  service: checkout:80\n  timeout_ms: ${timeout}\n`;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-cli-diff-'));
    fs.mkdirSync(path.join(tmp, '.git'));
    kubeconfig = path.join(tmp, 'kubeconfig');
    fs.writeFileSync(path.join(tmp, 'live.yaml'), mapping(9000));
    cluster = await startTestCluster({ kubeconfigPath: kubeconfig, seed: [path.join(tmp, 'live.yaml')] });
    fs.mkdirSync(path.join(tmp, 'gitops'));
    fs.writeFileSync(path.join(tmp, 'gitops', 'checkout.yaml'), mapping(3000));
  });

  after(async () => {
    await cluster?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('drift without the file; in sync once the folder of the path ignores the field, though cwd has no such file', async () => {
    const args = ['gitops', '--kubeconfig', kubeconfig, '--context', 'edgepolicy-demo', '-n', 'shop', '--format', 'json'];
    const before = captureIo(tmp);
    assert.equal(await runDiff(args, before), 2, before.err);
    assert.deepEqual(JSON.parse(before.out).resources[0].changes, ['/spec/timeout_ms']);

    fs.writeFileSync(
      path.join(tmp, 'gitops', '.edgepolicy.yaml'),
      'diff:\n  ignore:\n    - kind: Mapping\n      name: checkout\n      pointer: /spec/timeout_ms\n',
    );
    const io = captureIo(tmp);
    assert.equal(await runDiff(args, io), 0, io.out + io.err);
    assert.equal(JSON.parse(io.out).resources[0].state, 'in-sync');
    assert.equal(io.err, '');

    fs.writeFileSync(path.join(tmp, 'gitops', '.edgepolicy.yaml'), 'diff:\n  ignore:\n    - kind: Mapping\n      pointer: spec\n');
    const bad = captureIo(tmp);
    assert.equal(await runDiff(args, bad), 2);
    assert.match(bad.err, /^edgepolicy: warning: gitops\/\.edgepolicy\.yaml:3: diff\.ignore\[0\]: "pointer" must be a JSON pointer/m);
  });
});
