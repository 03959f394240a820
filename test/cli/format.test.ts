// Unit tests of the CLI output formats and argument handling, over hand-made findings and route tables.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatText, formatGithub, toJson, toSarif, failsAt, cliSeverity } from '../../server/src/cli/check-format';
import { routesToJson, formatRoutesText, groupUrl } from '../../server/src/cli/routes-format';
import { RULES, ruleFor } from '../../server/src/engine/codes';
import { displayPath, relativeUriReference } from '../../server/src/cli/paths';
import { run } from '../../server/src/cli/main';
import { DIFF_HELP, type DesiredLoader } from '../../server/src/cli/diff';
import type { Loader, LoadedWorkspace } from '../../server/src/cli/commands';
import { UsageError } from '../../server/src/cli/io';
import type { Finding, RouteGroup, RouteTable } from '../../server/src/engine/model';
import { captureIo, finding, member, range, uriOf, writeOfflineKubeconfig } from './helpers';

const CWD = path.resolve('/work-tree/repo');

function sample(): Finding[] {
  return [
    finding(CWD, 'routes/b.yaml', 'EP221', 'hint', 4, 2, 'TLSContext "tls" is not defined'),
    finding(CWD, 'routes/a.yaml', 'EP200', 'warning', 9, 4, 'Mappings a and b share /api/', [
      { file: 'routes/b.yaml', line: 1, message: 'other member b' },
    ]),
    finding(CWD, 'routes/a.yaml', 'EP001', 'error', 2, 0, 'bad indentation'),
  ];
}

function report(findings: Finding[]) {
  return { findings, files: 2, resources: 5, cwd: CWD };
}

describe('cli formats: check', () => {
  it('prints text findings sorted by file and position, 1-based, with related lines and a summary', () => {
    const text = formatText(report(sample()));
    const lines = text.trimEnd().split('\n');
    assert.deepEqual(lines, [
      'routes/a.yaml:3:1: error EP001 bad indentation',
      'routes/a.yaml:10:5: warning EP200 Mappings a and b share /api/',
      '    routes/b.yaml:2:3: other member b',
      'routes/b.yaml:5:3: info EP221 TLSContext "tls" is not defined',
      '',
      '1 error, 1 warning, 1 info (2 files, 5 resources).',
    ]);
  });

  it('prints GitHub Actions workflow commands: level per severity, positions, related lines, summary', () => {
    const lines = formatGithub(report(sample())).trimEnd().split('\n');
    assert.deepEqual(lines, [
      `::error file=routes/a.yaml,line=3,col=1,endColumn=${range(2, 0).end.character + 1},title=EP001 (edgepolicy)::bad indentation`,
      `::warning file=routes/a.yaml,line=10,col=5,endColumn=${range(9, 4).end.character + 1},title=EP200 (edgepolicy)::Mappings a and b share /api/%0Aroutes/b.yaml:2: other member b`,
      `::notice file=routes/b.yaml,line=5,col=3,endColumn=${range(4, 2).end.character + 1},title=EP221 (edgepolicy)::TLSContext "tls" is not defined`,
      '1 error, 1 warning, 1 info (2 files, 5 resources).',
    ]);
  });

  it('escapes GitHub workflow command values: % and line breaks in messages, also : and , in properties', () => {
    const f = finding(CWD, 'odd, name: here.yaml', 'EP100', 'error', 0, 0, '100% wrong\r\nsecond line');
    f.range = { start: { line: 0, character: 0 }, end: { line: 2, character: 3 } };
    assert.equal(
      formatGithub(report([f])).split('\n')[0],
      '::error file=odd%2C name%3A here.yaml,line=1,col=1,endLine=3,title=EP100 (edgepolicy)::100%25 wrong%0D%0Asecond line',
    );
  });

  it('says so when there is nothing to report', () => {
    assert.equal(formatText(report([])), 'No problems found (2 files, 5 resources).\n');
  });

  it('builds the JSON shape exactly, mapping hint to info', () => {
    const json = toJson(report(sample()));
    assert.deepEqual(json.summary, { files: 2, resources: 5, errors: 1, warnings: 1, infos: 1 });
    assert.deepEqual(json.findings[1], {
      code: 'EP200',
      severity: 'warning',
      message: 'Mappings a and b share /api/',
      file: 'routes/a.yaml',
      line: 10,
      column: 5,
      related: [{ file: 'routes/b.yaml', line: 2, message: 'other member b' }],
    });
    assert.equal(json.findings[2]!.severity, 'info');
    assert.deepEqual(json.findings[0]!.related, []);
    for (const f of json.findings) assert.deepEqual(Object.keys(f), ['code', 'severity', 'message', 'file', 'line', 'column', 'related']);
  });

  it('writes SARIF 2.1.0 with rules, levels, relative locations and related locations', () => {
    const sarif = toSarif(report(sample()), '9.9.9') as any;
    assert.equal(sarif.version, '2.1.0');
    const run0 = sarif.runs[0];
    assert.equal(run0.tool.driver.name, 'edgepolicy');
    assert.equal(run0.tool.driver.version, '9.9.9');
    const ids = run0.tool.driver.rules.map((r: any) => r.id);
    assert.deepEqual(ids, RULES.map((r) => r.code));
    assert.ok(run0.originalUriBaseIds.SRCROOT.uri.startsWith('file:///'));
    assert.ok(run0.originalUriBaseIds.SRCROOT.uri.endsWith('/'));
    assert.deepEqual(
      run0.results.map((r: any) => [r.ruleId, r.level]),
      [
        ['EP001', 'error'],
        ['EP200', 'warning'],
        ['EP221', 'note'],
      ],
    );
    const ep200 = run0.results[1];
    assert.equal(ids[ep200.ruleIndex], 'EP200');
    assert.deepEqual(ep200.locations[0].physicalLocation, {
      artifactLocation: { uri: 'routes/a.yaml', uriBaseId: 'SRCROOT' },
      region: { startLine: 10, startColumn: 5, endLine: 10, endColumn: 10 },
    });
    assert.equal(ep200.relatedLocations[0].message.text, 'other member b');
    assert.equal(ep200.relatedLocations[0].physicalLocation.artifactLocation.uri, 'routes/b.yaml');
    assert.equal(run0.results[0].relatedLocations, undefined);
  });

  it('adds a rule for a code the catalogue does not know, and percent-encodes odd file names', () => {
    const f = finding(CWD, 'odd dir/x#1.yaml', 'EP999', 'error', 0, 0);
    const run0 = (toSarif(report([f]), '1') as any).runs[0];
    const rule = run0.tool.driver.rules[run0.results[0].ruleIndex];
    assert.equal(rule.id, 'EP999');
    assert.equal(run0.results[0].locations[0].physicalLocation.artifactLocation.uri, 'odd%20dir/x%231.yaml');
  });

  it('clamps a backwards range to an empty region', () => {
    const f: Finding = { ...finding(CWD, 'a.yaml', 'EP001', 'error', 0, 0), range: range(5, 4, 2, 0) };
    const region = (toSarif(report([f]), '1') as any).runs[0].results[0].locations[0].physicalLocation.region;
    assert.deepEqual(region, { startLine: 6, startColumn: 5, endLine: 6, endColumn: 5 });
  });

  it('fails at the threshold: errors always, warnings only with --fail-on warning, infos never', () => {
    const [info, warning, error] = sample();
    assert.equal(failsAt([info!], 'warning'), false);
    assert.equal(failsAt([warning!], 'error'), false);
    assert.equal(failsAt([warning!], 'warning'), true);
    assert.equal(failsAt([error!], 'error'), true);
    assert.equal(cliSeverity({ severity: 'hint' }), 'info');
  });
});

describe('cli rules catalogue', () => {
  it('lists every documented code once, with a name, severity and help', () => {
    const codes = RULES.map((r) => r.code);
    const expected = ['EP001', 'EP100', 'EP101', 'EP102', 'EP103', 'EP200', 'EP201', 'EP202', 'EP203', 'EP204',
      'EP210', 'EP211', 'EP212', 'EP213', 'EP220', 'EP221', 'EP230', 'EP231'];
    assert.deepEqual(codes, expected);
    for (const r of RULES) {
      assert.match(r.name, /^[A-Z][A-Za-z0-9]+$/);
      assert.ok(r.summary.length > 10 && !r.summary.includes('\n'), r.code);
      assert.ok(r.help.length > 10 && !r.help.includes('\n'), r.code);
    }
    assert.equal(new Set(RULES.map((r) => r.name)).size, RULES.length);
    assert.equal(ruleFor('EP200').name, 'AccidentalTrafficSplit');
    assert.equal(ruleFor('EPX').code, 'EPX');
  });
});

describe('cli paths', () => {
  it('prints paths relative to the current folder with forward slashes', () => {
    assert.equal(displayPath(uriOf(CWD, 'a/b.yaml'), CWD), 'a/b.yaml');
    assert.equal(displayPath(uriOf(path.dirname(CWD), 'other/c.yaml'), CWD), '../other/c.yaml');
    assert.equal(displayPath('untitled:1', CWD), 'untitled:1');
    assert.equal(relativeUriReference('../a b/c.yaml'), '../a%20b/c.yaml');
  });
});

function group(over: Partial<RouteGroup>): RouteGroup {
  return {
    groupId: '3d04d59d0000000000000000000000000000abcd',
    key: 'HTTP-GET/api/',
    name: 'api-a',
    host: 'api.example.com',
    hosts: ['default/main'],
    prefix: '/api/',
    headers: [],
    queryParameters: [],
    precedence: 0,
    members: [],
    problems: [],
    ...over,
  };
}

function table(): RouteTable {
  return {
    hosts: [
      {
        name: 'main',
        namespace: 'default',
        hostname: 'api.example.com',
        location: { uri: uriOf(CWD, 'hosts.yaml'), range: range(1, 0) },
        groupIds: ['3d04d59d0000000000000000000000000000abcd'],
      },
    ],
    groups: [
      group({
        precedence: 10,
        method: 'POST',
        headers: [
          { name: 'x-team', value: 'blue', regex: false },
          { name: 'x-env', value: '^prod$', regex: true },
        ],
        problems: ['EP200'],
        members: [
          member(CWD, 'routes/a.yaml', { name: 'api-a', service: 'svc-a', rawWeight: 20, weight: 20 }),
          member(CWD, 'routes/b.yaml', { name: 'api-b', service: 'svc-b', weight: 80 }),
          member(CWD, 'routes/c.yaml', { name: 'api-c', service: 'svc-c', weight: 0, dropped: 'mismatched method' }),
          member(CWD, 'routes/d.yaml', { name: 'api-d', service: 'svc-d', weight: 0, shadow: true }),
        ],
      }),
      group({ groupId: 'ff', name: 'rx', host: '^.*\\.example\\.com$', hostRegex: true, prefix: '/x', hosts: [] }),
    ],
    tcp: [{ port: 8443, host: 'db.example.com', problems: [], members: [member(CWD, 'tcp.yaml', { service: 'db:5432' })] }],
  };
}

describe('cli formats: routes', () => {
  it('builds the JSON shape with normalised weights and source lines', () => {
    const json = routesToJson(table(), CWD);
    const g = json.groups[0]!;
    assert.equal(g.groupId, '3d04d59d0000000000000000000000000000abcd');
    assert.equal(g.host, 'api.example.com');
    assert.equal(g.prefix, '/api/');
    assert.equal(g.method, 'POST');
    assert.equal(g.precedence, 10);
    assert.deepEqual(g.headers[1], { name: 'x-env', value: '^prod$', regex: true });
    assert.deepEqual(g.members[0], {
      name: 'api-a', namespace: 'default', service: 'svc-a', weight: 20, rawWeight: 20,
      shadow: false, redirect: false, dropped: null, file: 'routes/a.yaml', line: 4,
    });
    assert.equal(g.members[2]!.dropped, 'mismatched method');
    assert.equal(json.groups[1]!.method, null);
    assert.equal(json.tcp[0]!.port, 8443);
    assert.equal(json.tcp[0]!.members[0]!.service, 'db:5432');
    assert.deepEqual(json.hosts[0], {
      name: 'main', namespace: 'default', hostname: 'api.example.com', file: 'hosts.yaml', line: 2,
      groupIds: ['3d04d59d0000000000000000000000000000abcd'],
    });
  });

  it('prints an Emissary-like table: URL, headers, precedence, services with marks, raw and normalised weight', () => {
    const text = formatRoutesText(table(), CWD);
    assert.match(text, /^2 HTTP route groups, 1 TCP route, 1 Host/);
    assert.match(text, /^http:\/\/api\.example\.com\/api\/ {2}\(precedence 10\) {2}\[group 3d04d59d\]$/m);
    assert.match(text, /^ {4}method POST$/m);
    assert.match(text, /^ {4}header x-team: blue$/m);
    assert.match(text, /^ {4}header x-env ~ \^prod\$$/m);
    assert.match(text, /^ {4}svc-a +20 +20% +default\/api-a +routes\/a\.yaml:4$/m);
    assert.match(text, /^ {4}svc-b +- +80% +default\/api-b/m);
    assert.match(text, /^ {4}svc-c +- +dropped +default\/api-c/m);
    assert.match(text, /^ {4}dropped default\/api-c: mismatched method$/m);
    assert.match(text, /^ {4}shadow: svc-d /m);
    assert.match(text, /^tcp:\/\/db\.example\.com:8443$/m);
    assert.match(text, /^ {4}default\/main +api\.example\.com +1 +hosts\.yaml:2$/m);
    assert.equal(groupUrl(table().groups[1]!), 'http://^.*\\.example\\.com$/x');
    assert.match(text, /^http:\/\/\^\.\*\\\.example\\\.com\$\/x {2}\(host regex\) {2}\[group ff\]$/m);
  });
});

function fakeLoader(ws: Partial<LoadedWorkspace>, seen?: { paths?: string[]; exclude?: string[] }): Loader {
  return async (paths, opts) => {
    if (seen) {
      seen.paths = paths;
      seen.exclude = opts.exclude;
    }
    if (paths.includes('missing')) throw new UsageError("cannot read 'missing': no such file or folder");
    return { files: 1, resources: 2, findings: () => [], routeTable: () => ({ hosts: [], groups: [], tcp: [] }), ...ws };
  };
}

describe('cli arguments', () => {
  it('prints help and version', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const io = captureIo(CWD);
      assert.equal(await run(argv, io, { load: fakeLoader({}) }), 0);
      assert.match(io.out, /^Usage: edgepolicy <command>/);
      assert.match(io.out, /check \[paths\.\.\.\]/);
    }
    for (const cmd of ['check', 'routes']) {
      const io = captureIo(CWD);
      assert.equal(await run([cmd, '--help'], io), 0);
      assert.match(io.out, new RegExp(`^Usage: edgepolicy ${cmd}`));
      const io2 = captureIo(CWD);
      assert.equal(await run(['help', cmd], io2), 0);
      assert.equal(io2.out, io.out);
    }
    const io = captureIo(CWD);
    assert.equal(await run(['--version'], io), 0);
    assert.match(io.out, /^\d+\.\d+\.\d+\n$/);
  });

  it('rejects bad usage with exit 3 and a short message, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage: edgepolicy/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['--frob'], /unknown option --frob/],
      [['check', '--bogus'], /unknown option --bogus/],
      [['check', '--format'], /option --format needs a value/],
      [['check', '--format', 'xml'], /invalid value 'xml' for --format \(expected text, json, sarif, github\)/],
      [['check', '--fail-on', 'info'], /invalid value 'info' for --fail-on/],
      [['check', '--help=yes'], /option --help takes no value/],
      [['routes', '--format', 'sarif'], /invalid value 'sarif' for --format \(expected text, json\)/],
      [['check', 'missing'], /cannot read 'missing'/],
      [['help', 'nope'], /unknown command 'nope'/],
    ];
    for (const [argv, re] of cases) {
      const io = captureIo(CWD);
      assert.equal(await run(argv, io, { load: fakeLoader({}) }), 3, argv.join(' '));
      assert.match(io.err, re, argv.join(' '));
      assert.doesNotMatch(io.err, /\n\s+at /, argv.join(' '));
      assert.equal(io.out, '', argv.join(' '));
    }
  });

  it('reports an unexpected failure as a one-line internal error with a hint, exit 3', async () => {
    const io = captureIo(CWD);
    const broken: Loader = async () => {
      throw new TypeError('boom\nsecond line');
    };
    assert.equal(await run(['check'], io, { load: broken }), 3);
    assert.equal(io.err.split('\n')[0], 'edgepolicy: internal error: boom');
    assert.match(io.err, /please report it/);
    assert.doesNotMatch(io.err, /\n\s+at /);
  });

  it('prints what it has but exits 3 when an engine check failed inside the workspace', async () => {
    for (const cmd of ['check', 'routes']) {
      const io = captureIo(CWD);
      const load = fakeLoader({ internalErrors: ['checks: boom', 'routes: bang'] });
      assert.equal(await run([cmd, '-f', 'json'], io, { load }), 3, cmd);
      assert.doesNotThrow(() => JSON.parse(io.out));
      assert.match(io.err, /^edgepolicy: internal error: checks: boom \(and 1 more\)\n/);
      assert.match(io.err, /incomplete.*please report/);
    }
  });

  it('passes paths (default .) and repeated --exclude to the loader, and honours --fail-on', async () => {
    const seen: { paths?: string[]; exclude?: string[] } = {};
    const warn = [finding(CWD, 'a.yaml', 'EP200', 'warning', 0, 0)];
    let io = captureIo(CWD);
    assert.equal(await run(['check'], io, { load: fakeLoader({ findings: () => warn }, seen) }), 0);
    assert.deepEqual(seen.paths, ['.']);
    assert.deepEqual(seen.exclude, []);
    io = captureIo(CWD);
    const argv = ['check', 'a', 'b', '--exclude', 'x/**', '--exclude=y', '--fail-on', 'warning', '-f', 'json'];
    assert.equal(await run(argv, io, { load: fakeLoader({ findings: () => warn }, seen) }), 1);
    assert.deepEqual(seen.paths, ['a', 'b']);
    assert.deepEqual(seen.exclude, ['x/**', 'y']);
    assert.equal(JSON.parse(io.out).summary.warnings, 1);
    io = captureIo(CWD);
    const err = [finding(CWD, 'a.yaml', 'EP001', 'error', 0, 0)];
    assert.equal(await run(['check', '--format=sarif'], io, { load: fakeLoader({ findings: () => err }) }), 1);
    assert.equal(JSON.parse(io.out).runs[0].results.length, 1);
  });

  it('dispatches diff to the cluster command (help and usage errors)', async () => {
    let io = captureIo(CWD);
    assert.equal(await run(['diff', '--help'], io), 0);
    assert.match(io.out, /^Usage: edgepolicy diff/);
    const help = io.out;
    io = captureIo(CWD);
    assert.equal(await run(['help', 'diff'], io), 0);
    assert.equal(io.out, help, 'help diff prints the same text as diff --help');
    assert.equal(io.out, DIFF_HELP);
    io = captureIo(CWD);
    assert.equal(await run(['diff', '--bogus'], io), 3);
    assert.match(io.err, /unknown option --bogus/);
    // Usage errors are reported by run() as for the other commands: one line, the hint, exit 3, no JSON.
    io = captureIo(CWD);
    assert.equal(await run(['diff', '--format', 'xml'], io), 3);
    assert.equal(io.err, "edgepolicy: invalid value 'xml' for --format (expected text, json)\nrun `edgepolicy diff --help` for usage\n");
    assert.equal(io.out, '');
    // Namespace names: the rule is given, and the length is checked.
    for (const ns of ['Foo', 'a'.repeat(64), 'a-']) {
      io = captureIo(CWD);
      assert.equal(await run(['diff', '-n', ns], io), 3, ns);
      assert.match(io.err, new RegExp(`^edgepolicy: invalid namespace '${ns}' \\(a namespace name is lower-case letters, digits and '-', starts and ends with a letter or digit, at most 63 characters\\)\n`));
    }
    // -f is --format, as for check and routes.
    io = captureIo(CWD);
    assert.equal(await run(['diff', '-f', 'xml'], io), 3);
    assert.match(io.err, /^edgepolicy: invalid value 'xml' for --format \(expected text, json\)\n/);
  });

  it('diff: an unexpected failure is an internal error with the report hint, exit 3 (not a cluster problem)', async () => {
    const io = captureIo(CWD);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-cli-format-'));
    // A kubeconfig that resolves (the loader runs after it); its cluster is never reached.
    io.env = { KUBECONFIG: writeOfflineKubeconfig(path.join(tmp, 'kubeconfig')) };
    const broken: DesiredLoader = async () => {
      throw new TypeError('boom\nsecond line');
    };
    try {
      assert.equal(await run(['diff', '--format', 'json'], io, { loadDesired: broken }), 3);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    assert.equal(io.err.split('\n')[0], 'edgepolicy: internal error: boom');
    assert.match(io.err, /please report it/);
    assert.doesNotMatch(io.err, /edgepolicy diff:/);
    assert.doesNotMatch(io.err, /\n\s+at /);
  });
});
