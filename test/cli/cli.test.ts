// End-to-end tests of the `edgepolicy` command: `node bin/edgepolicy` as a child process on test/fixtures/cli.
// Needs dist/cli.js: `npm test` builds it first; when it is missing this suite builds it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ensureCliBuilt, FIXTURES, REPO_ROOT } from './helpers';
import { multitoolValidate, schemaValidate } from './sarif';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function edgepolicy(args: string[], cwd = FIXTURES): Result {
  const res = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (res.error) throw res.error;
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function json(r: Result): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

function codes(out: any): string[] {
  return [...new Set<string>(out.findings.map((f: any) => f.code))].sort();
}

/** SARIF must be valid for the schema and raise no errors in the Multitool; returns the parsed log. */
function assertValidSarif(text: string): any {
  const sarif = JSON.parse(text);
  assert.deepEqual(schemaValidate(sarif), []);
  const problems = multitoolValidate(text);
  assert.deepEqual(problems.filter((p) => p.level === 'error'), []);
  // The only remark we accept: the driver has no informationUri (the project has no public home page yet).
  for (const p of problems) assert.match(p.message, /informationUri|ToolnformationUri/i, `${p.ruleId}: ${p.message}`);
  return sarif;
}

const noStack = /\n\s+at .+\(|\n\s+at [^\s]+:\d+:\d+/;

describe('edgepolicy CLI (child process; needs dist/cli.js)', function () {
  this.timeout(180_000);
  let tmp: string;

  before(function () {
    ensureCliBuilt();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-cli-'));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('help, version and usage errors', () => {
    it('prints the tool help and each command help, exit 0', () => {
      const top = edgepolicy(['--help']);
      assert.equal(top.code, 0);
      assert.match(top.stdout, /^Usage: edgepolicy <command>/);
      for (const cmd of ['check', 'routes', 'diff']) assert.match(top.stdout, new RegExp(`^  ${cmd} `, 'm'));
      for (const cmd of ['check', 'routes']) {
        const r = edgepolicy([cmd, '--help']);
        assert.equal(r.code, 0);
        assert.match(r.stdout, new RegExp(`^Usage: edgepolicy ${cmd} \\[paths\\.\\.\\.\\]`));
        assert.match(r.stdout, /--format/);
      }
      assert.match(edgepolicy(['check', '--help']).stdout, /--fail-on <error\|warning>/);
      const diff = edgepolicy(['diff', '--help']);
      assert.equal(diff.code, 0);
      assert.match(diff.stdout, /edgepolicy diff/);
    });

    it('prints the package version', () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
      const r = edgepolicy(['--version']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `${pkg.version}\n`);
    });

    const usage: [string, string[], RegExp][] = [
      ['no command', [], /Usage: edgepolicy/],
      ['an unknown command', ['lint'], /unknown command 'lint'/],
      ['an unknown flag', ['check', '--strict', 'clean'], /unknown option --strict/],
      ['a bad format', ['check', '--format', 'xml', 'clean'], /invalid value 'xml' for --format/],
      ['a bad --fail-on', ['check', '--fail-on', 'info', 'clean'], /invalid value 'info' for --fail-on/],
      ['a flag without its value', ['routes', 'clean', '--format'], /option --format needs a value/],
      ['a missing path', ['check', 'clean', 'no-such-folder'], /no-such-folder/],
      ['a missing path (routes)', ['routes', 'nope.yaml'], /nope\.yaml/],
    ];
    for (const [what, args, re] of usage) {
      it(`exits 3 on ${what}, with a message and no stack trace`, () => {
        const r = edgepolicy(args);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, re);
        assert.doesNotMatch(r.stderr, noStack);
        assert.equal(r.stdout, '');
      });
    }

    it('exits 3 with a build hint when dist/cli.js is missing', () => {
      const root = path.join(tmp, 'nodist');
      fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
      fs.copyFileSync(BIN, path.join(root, 'bin', 'edgepolicy'));
      const res = spawnSync(process.execPath, [path.join(root, 'bin', 'edgepolicy'), 'check'], { encoding: 'utf8' });
      assert.equal(res.status, 3);
      assert.match(res.stderr, /npm run build/);
    });

    it('check, routes and help do not load the cluster code (HTTPS, TLS); diff does', () => {
      const loaded = (args: string[]): string => {
        const res = spawnSync(process.execPath, ['-r', path.join(__dirname, 'loaded-modules.cjs'), BIN, ...args], { cwd: FIXTURES, encoding: 'utf8', timeout: 60_000 });
        return /\[loaded-modules\] (.*)/.exec(res.stderr)?.[1] ?? `no report (exit ${res.status}): ${res.stderr}`;
      };
      assert.equal(loaded(['check', 'clean']), 'none');
      assert.equal(loaded(['routes', 'clean']), 'none');
      assert.equal(loaded(['help', 'diff']), 'none');
      // diff itself (here failing fast on a kubeconfig that does not exist) brings them in.
      assert.equal(loaded(['diff', 'clean', '--kubeconfig', path.join(tmp, 'missing-kubeconfig')]), 'https,tls');
    });

    it('is executable with a node shebang', () => {
      assert.match(fs.readFileSync(BIN, 'utf8'), /^#!\/usr\/bin\/env node\n/);
      if (process.platform !== 'win32') assert.ok(fs.statSync(BIN).mode & 0o111, 'bin/edgepolicy is not executable');
    });
  });

  describe('check', () => {
    it('a clean workspace: exit 0 in every format, nothing reported', () => {
      const text = edgepolicy(['check', 'clean']);
      assert.equal(text.code, 0, text.stdout + text.stderr);
      assert.equal(text.stdout, 'No problems found (3 files, 5 resources).\n');
      const j = edgepolicy(['check', 'clean', '--format', 'json', '--fail-on', 'warning']);
      assert.equal(j.code, 0);
      assert.deepEqual(json(j), { findings: [], summary: { files: 3, resources: 5, errors: 0, warnings: 0, infos: 0 } });
      const s = edgepolicy(['check', 'clean', '--format=sarif']);
      assert.equal(s.code, 0);
      const sarif = assertValidSarif(s.stdout);
      assert.deepEqual(sarif.runs[0].results, []);
      assert.ok(sarif.runs[0].tool.driver.rules.length >= 18);
    });

    it('defaults to the current folder and skips node_modules and .git', () => {
      const ws = path.join(tmp, 'clean-copy');
      fs.cpSync(path.join(FIXTURES, 'clean'), ws, { recursive: true });
      for (const dir of ['node_modules/pkg', '.git/refs']) {
        fs.mkdirSync(path.join(ws, dir), { recursive: true });
        fs.writeFileSync(path.join(ws, dir, 'broken.yaml'), 'kind: Mapping\nmetadata: [unclosed\n');
      }
      const r = edgepolicy(['check', '--format', 'json'], ws);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(json(r).summary.files, 3);
    });

    it('a workspace with errors: exit 1, findings in text with 1-based positions and related lines', () => {
      const r = edgepolicy(['check', 'errors']);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      for (const line of lines.filter((l) => !l.startsWith(' ') && l.includes(' EP'))) {
        assert.match(line, /^errors\/[\w.-]+\.yaml:\d+:\d+: (error|warning|info) EP\d{3} \S/);
      }
      assert.match(r.stdout, /^errors\/broken\.yaml:\d+:\d+: error EP001 /m);
      assert.match(r.stdout, /^errors\/weights\.yaml:\d+:\d+: error EP201 /m);
      assert.match(r.stdout, /^errors\/regex\.yaml:\d+:\d+: error EP231 /m);
      assert.match(r.stdout, /^errors\/collide\.yaml:\d+:\d+: warning EP200 /m);
      assert.match(r.stdout, /^ {4}errors\/collide\.yaml:\d+:\d+: /m, 'EP200 names the other member');
      assert.match(lines[lines.length - 1]!, /^\d+ errors?, \d+ warnings?, \d+ infos? \(4 files, \d+ resources?\)\.$/);
    });

    it('a workspace with errors: JSON has the documented shape and counts', () => {
      const r = edgepolicy(['check', 'errors', '--format', 'json']);
      assert.equal(r.code, 1);
      const out = json(r);
      assert.deepEqual(Object.keys(out), ['findings', 'summary']);
      assert.deepEqual(Object.keys(out.summary), ['files', 'resources', 'errors', 'warnings', 'infos']);
      assert.equal(out.summary.files, 4);
      for (const f of out.findings) {
        assert.deepEqual(Object.keys(f), ['code', 'severity', 'message', 'file', 'line', 'column', 'related']);
        assert.ok(['error', 'warning', 'info'].includes(f.severity), f.severity);
        assert.ok(f.line >= 1 && f.column >= 1);
        assert.match(f.file, /^errors\/[\w.-]+\.yaml$/);
        for (const rel of f.related) {
          assert.deepEqual(Object.keys(rel), ['file', 'line', 'message']);
          assert.ok(rel.line >= 1);
        }
      }
      const bySeverity = (s: string) => out.findings.filter((f: any) => f.severity === s).length;
      assert.equal(out.summary.errors, bySeverity('error'));
      assert.equal(out.summary.warnings, bySeverity('warning'));
      assert.equal(out.summary.infos, bySeverity('info'));
      for (const c of ['EP001', 'EP200', 'EP201', 'EP231']) assert.ok(codes(out).includes(c), `${c} in ${codes(out)}`);
      const syntax = out.findings.find((f: any) => f.code === 'EP001');
      assert.equal(syntax.file, 'errors/broken.yaml');
      assert.ok(syntax.line >= 4 && syntax.line <= 5, `EP001 at line ${syntax.line}`);
      const split = out.findings.find((f: any) => f.code === 'EP200');
      assert.ok(split.related.some((rel: any) => rel.file === 'errors/collide.yaml'));
    });

    it('a workspace with errors: SARIF passes the validator and carries rules, levels and locations', () => {
      const r = edgepolicy(['check', 'errors', '--format', 'sarif']);
      assert.equal(r.code, 1);
      const sarif = assertValidSarif(r.stdout);
      const run0 = sarif.runs[0];
      const ruleIds = run0.tool.driver.rules.map((x: any) => x.id);
      const j = json(edgepolicy(['check', 'errors', '--format', 'json']));
      assert.equal(run0.results.length, j.findings.length);
      run0.results.forEach((res: any, i: number) => {
        const f = j.findings[i];
        assert.equal(res.ruleId, f.code);
        assert.equal(ruleIds[res.ruleIndex], f.code);
        assert.equal(res.level, f.severity === 'info' ? 'note' : f.severity);
        const loc = res.locations[0].physicalLocation;
        assert.equal(loc.artifactLocation.uri, f.file);
        assert.equal(loc.artifactLocation.uriBaseId, 'SRCROOT');
        assert.equal(loc.region.startLine, f.line);
        assert.equal(loc.region.startColumn, f.column);
        assert.ok(loc.region.endLine >= loc.region.startLine);
        assert.equal((res.relatedLocations ?? []).length, f.related.length);
      });
    });

    it('a workspace with errors: GitHub Actions workflow commands, one per finding, with escaped values', () => {
      const r = edgepolicy(['check', 'errors', '--format', 'github']);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      const out = json(edgepolicy(['check', 'errors', '--format', 'json']));
      // One command per finding, in the JSON order, and the summary line last.
      assert.equal(lines.length, out.findings.length + 1);
      assert.match(lines[lines.length - 1]!, /^\d+ errors?, \d+ warnings?, \d+ infos? \(4 files, \d+ resources?\)\.$/);
      const level = { error: 'error', warning: 'warning', info: 'notice' } as Record<string, string>;
      out.findings.forEach((f: any, i: number) => {
        const m = /^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+)(?:,endLine=\d+|,endColumn=\d+)?,title=([^:]+)::(.*)$/.exec(lines[i]!);
        assert.ok(m, `a workflow command: ${lines[i]}`);
        assert.deepEqual([m[1], m[2], Number(m[3]), Number(m[4]), m[5]], [level[f.severity], f.file, f.line, f.column, `${f.code} (edgepolicy)`]);
        // No raw line break, and % written as %25: GitHub decodes the message back to the finding's text.
        const decoded = m[6]!.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
        assert.ok(decoded.startsWith(f.message), `${f.code}: ${decoded.slice(0, 120)}`);
        for (const rel of f.related) assert.ok(decoded.includes(`\n${rel.file}:${rel.line}: ${rel.message}`), `${f.code} names ${rel.file}:${rel.line}`);
      });
      assert.ok(lines.some((l) => l.startsWith('::warning ') && l.includes('title=EP200 (edgepolicy)')), 'the collision is a warning annotation');
    });

    it('a workspace with warnings only: exit 0, or 1 with --fail-on warning', () => {
      const r = edgepolicy(['check', 'warnings', '--format', 'json']);
      assert.equal(r.code, 0);
      const out = json(r);
      assert.equal(out.summary.errors, 0);
      assert.ok(out.summary.warnings >= 1);
      assert.deepEqual(codes(out), ['EP200']);
      assert.equal(edgepolicy(['check', 'warnings', '--fail-on', 'warning']).code, 1);
      assert.equal(edgepolicy(['check', 'warnings', '--fail-on', 'error']).code, 0);
      const sarif = assertValidSarif(edgepolicy(['check', 'warnings', '-f', 'sarif', '--fail-on', 'warning']).stdout);
      assert.ok(sarif.runs[0].results.every((x: any) => x.level === 'warning'));
    });

    it('several folders form one workspace; paths print relative to the current folder', () => {
      for (const team of ['team-a', 'team-b']) {
        const alone = edgepolicy(['check', `multi/${team}`, '--fail-on', 'warning', '-f', 'json']);
        assert.equal(alone.code, 0, alone.stdout);
        assert.deepEqual(json(alone).findings, []);
      }
      const both = edgepolicy(['check', 'team-a', 'team-b', '--fail-on', 'warning', '-f', 'json'], path.join(FIXTURES, 'multi'));
      assert.equal(both.code, 1);
      const out = json(both);
      assert.equal(out.summary.files, 2);
      const split = out.findings.filter((f: any) => f.code === 'EP200');
      assert.ok(split.length >= 1);
      const files = new Set<string>(split.flatMap((f: any) => [f.file, ...f.related.map((r: any) => r.file)]));
      assert.deepEqual([...files].sort(), ['team-a/routes.yaml', 'team-b/routes.yaml']);
      // Messages name the other team's file the same way (both files are called routes.yaml).
      const onA = split.find((f: any) => f.file === 'team-a/routes.yaml');
      assert.ok(onA.message.includes('(team-b/routes.yaml)'), onA.message);
      // Absolute paths and a file mixed with a folder, run from the repository root.
      const abs = edgepolicy(
        ['check', path.join(FIXTURES, 'multi', 'team-a', 'routes.yaml'), path.join(FIXTURES, 'multi', 'team-b'), '-f', 'json'],
        REPO_ROOT,
      );
      assert.ok(json(abs).findings.some((f: any) => f.file === 'test/fixtures/cli/multi/team-a/routes.yaml' || f.file === 'test/fixtures/cli/multi/team-b/routes.yaml'));
      // From a sibling folder the paths go up.
      const up = edgepolicy(['check', '../multi', '-f', 'json'], path.join(FIXTURES, 'warnings'));
      assert.ok(json(up).findings.every((f: any) => f.file.startsWith('../multi/')));
      assert.ok(json(up).findings.some((f: any) => f.code === 'EP200' && /\(\.\.\/multi\/team-[ab]\/routes\.yaml\)/.test(f.message)));
    });

    it('--exclude leaves matching files out (repeatable)', () => {
      const r = edgepolicy(['check', 'errors', '--exclude', '**/broken.yaml', '--exclude', '**/regex.yaml', '-f', 'json']);
      const out = json(r);
      assert.equal(out.summary.files, 2);
      assert.ok(!codes(out).includes('EP001'));
      assert.ok(!codes(out).includes('EP231'));
      assert.ok(codes(out).includes('EP201'));
    });

    it('reports skipped files on stderr and goes on', () => {
      const ws = path.join(tmp, 'skips');
      fs.cpSync(path.join(FIXTURES, 'warnings'), ws, { recursive: true });
      fs.writeFileSync(path.join(ws, 'image.yaml'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0, 1, 2, 3]));
      const r = edgepolicy(['check', '.', '-f', 'json'], ws);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /image\.yaml/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.equal(json(r).summary.files, 2);
    });
  });

  describe('routes', () => {
    it('JSON: groups in route order with normalised weights, TCP routes and Hosts', () => {
      const r = edgepolicy(['routes', 'clean', '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const out = json(r);
      assert.deepEqual(Object.keys(out).sort(), ['groups', 'hosts', 'tcp']);
      const search = out.groups.find((g: any) => g.prefix === '/search/');
      assert.ok(search, 'the /search/ group');
      assert.match(search.groupId, /^[0-9a-f]{40}$/);
      assert.equal(search.host, 'api.example.com');
      assert.equal(search.precedence, 0);
      const weights = Object.fromEntries(search.members.map((m: any) => [m.name, m.weight]));
      assert.deepEqual(weights, { 'search-api': 90, 'search-api-canary': 10 });
      for (const m of search.members) {
        assert.equal(m.namespace, 'search');
        assert.equal(m.file, 'clean/teams/routes.yaml');
        assert.ok(m.line >= 1);
      }
      const orders = out.groups.find((g: any) => g.prefix === '/orders/');
      assert.deepEqual(orders.members.map((m: any) => [m.service, m.weight]), [['orders.orders:8080', 100]]);
      assert.equal(out.groups.length, 2);
      assert.deepEqual(out.tcp.map((t: any) => t.port), [5432]);
      assert.deepEqual(out.hosts.map((h: any) => [h.name, h.hostname, h.file]), [['api', 'api.example.com', 'clean/platform/hosts.yaml']]);
    });

    it('text: one block per group with URL, services, raw and normalised weights', () => {
      const r = edgepolicy(['routes', 'clean']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^2 HTTP route groups, 1 TCP route, 1 Host/);
      assert.match(r.stdout, /^http:\/\/api\.example\.com\/search\/ /m);
      assert.match(r.stdout, /^ {4}search\.search:8080 +90 +90% +search\/search-api +clean\/teams\/routes\.yaml:\d+$/m);
      assert.match(r.stdout, /^ {4}search-canary\.search:8080 +10 +10% /m);
      assert.match(r.stdout, /^ {4}orders\.orders:8080 +- +100% /m);
      assert.match(r.stdout, /^tcp:\/\/\*:5432$/m);
    });

    it('shows merged groups across folders and the split between them', () => {
      const r = edgepolicy(['routes', 'team-a', 'team-b', '-f', 'json'], path.join(FIXTURES, 'multi'));
      assert.equal(r.code, 0);
      const out = json(r);
      const catalog = out.groups.filter((g: any) => g.prefix === '/catalog/');
      assert.equal(catalog.length, 1);
      assert.deepEqual(catalog[0].members.map((m: any) => [m.file, m.weight]).sort(), [
        ['team-a/routes.yaml', 50],
        ['team-b/routes.yaml', 50],
      ]);
      assert.ok(catalog[0].problems.includes('EP200'));
    });

    it('marks a rejected group (weights over 100) in text', () => {
      const r = edgepolicy(['routes', 'errors/weights.yaml']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^ {4}REJECTED: /m);
    });
  });
});

describe('SARIF validator sanity', function () {
  this.timeout(120_000);
  it('the Multitool and the schema both reject a broken log', () => {
    const broken = {
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'X', locations: [{ physicalLocation: { artifactLocation: { uri: 'a' }, region: { startLine: 0 } } }] }] }],
    };
    assert.ok(schemaValidate(broken).length > 0);
    assert.ok(multitoolValidate(JSON.stringify(broken)).some((p) => p.level === 'error'));
  });
});
