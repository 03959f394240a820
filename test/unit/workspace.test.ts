import assert from 'node:assert/strict';
import { Workspace } from '../../server/src/engine/workspace';
import type { AnalysisOptions, WorkspaceChecker } from '../../server/src/engine/workspace';
import type { Finding, Range, Resource, RouteTable } from '../../server/src/engine/model';

function mapping(name: string, prefix: string, extra = ''): string {
  return `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: ${name}\nspec:\n  prefix: ${prefix}\n  service: svc\n${extra}`;
}

/** A stand-in cross-resource check: every Mapping whose name is used twice gets a finding on its name. */
function duplicateNames(calls: { n: number }): WorkspaceChecker {
  return (resources: Resource[]) => {
    calls.n++;
    const byName = new Map<string, Resource[]>();
    for (const r of resources) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
    const out: Finding[] = [];
    for (const [name, rs] of byName) {
      if (rs.length < 2) continue;
      for (const r of rs) {
        out.push({ code: 'EP210', severity: 'error', message: `duplicate ${name}`, uri: r.origin.uri, range: r.locate(['metadata', 'name']) });
      }
    }
    return out;
  };
}

function textOf(text: string, r: Range): string {
  const lines = text.split('\n');
  return lines[r.start.line].slice(r.start.character, r.start.line === r.end.line ? r.end.character : undefined);
}

function sorted(s: Iterable<string>): string[] {
  return [...s].sort();
}

describe('Workspace', () => {
  it('reports the URIs whose findings changed, and nothing when nothing changed', () => {
    const ws = new Workspace({ validators: [], checkers: [] });
    assert.deepEqual(sorted(ws.setFile('file:///a.yaml', mapping('a', '/a/'))), []);
    assert.deepEqual(sorted(ws.setFile('file:///b.yaml', 'key: [unclosed\n')), ['file:///b.yaml']);
    assert.equal(ws.findingsFor('file:///b.yaml')[0].code, 'EP001');
    // Same text again, or another broken text with the same finding: no change.
    assert.deepEqual(sorted(ws.setFile('file:///b.yaml', 'key: [unclosed\n')), []);
    // Fixed: the URI must be republished (now empty).
    assert.deepEqual(sorted(ws.setFile('file:///b.yaml', 'key: [closed]\n')), ['file:///b.yaml']);
    assert.deepEqual(ws.findingsFor('file:///b.yaml'), []);
    assert.deepEqual(sorted(ws.uris()), ['file:///a.yaml', 'file:///b.yaml']);
    assert.ok(ws.has('file:///a.yaml'));
    assert.equal(ws.resources().length, 1);
    assert.deepEqual(sorted(ws.removeFile('file:///b.yaml')), []);
    assert.deepEqual(sorted(ws.removeFile('file:///nope.yaml')), []);
    assert.ok(!ws.has('file:///b.yaml'));
  });

  it('recomputes cross-resource findings and reports every file they touch', () => {
    const calls = { n: 0 };
    const ws = new Workspace({ validators: [], checkers: [duplicateNames(calls)] });
    assert.deepEqual(sorted(ws.setFile('file:///a.yaml', mapping('api', '/a/'))), []);
    assert.deepEqual(sorted(ws.setFile('file:///b.yaml', mapping('api', '/b/'))), ['file:///a.yaml', 'file:///b.yaml']);
    const f = ws.findingsFor('file:///a.yaml');
    assert.equal(f.length, 1);
    assert.equal(f[0].message, 'duplicate api');
    assert.deepEqual(f[0].range, { start: { line: 3, character: 8 }, end: { line: 3, character: 11 } });
    assert.deepEqual(sorted(ws.allFindings().keys()), ['file:///a.yaml', 'file:///b.yaml']);
    // Editing b above the name moves its finding: only b changes.
    assert.deepEqual(sorted(ws.setFile('file:///b.yaml', '# moved\n' + mapping('api', '/b/'))), ['file:///b.yaml']);
    assert.equal(ws.findingsFor('file:///b.yaml')[0].range.start.line, 4);
    // Renaming b clears both.
    assert.deepEqual(sorted(ws.setFile('file:///b.yaml', mapping('other', '/b/'))), ['file:///a.yaml', 'file:///b.yaml']);
    assert.deepEqual(ws.allFindings().size, 0);
    // Back to a duplicate, then remove b: a is clean again and b is reported so its diagnostics get cleared.
    ws.setFile('file:///b.yaml', mapping('api', '/b/')).size;
    assert.deepEqual(sorted(ws.removeFile('file:///b.yaml')), ['file:///a.yaml', 'file:///b.yaml']);
    assert.deepEqual(ws.findingsFor('file:///a.yaml'), []);
    assert.deepEqual(ws.findingsFor('file:///b.yaml'), []);
  });

  it('re-validates only the changed file and skips cross checks when no resources are involved', () => {
    const validated: string[] = [];
    const calls = { n: 0 };
    const ws = new Workspace({
      validators: [(r) => (validated.push(r.name), [])],
      checkers: [duplicateNames(calls)],
    });
    ws.setFile('file:///a.yaml', mapping('a', '/a/')).size;
    ws.setFile('file:///b.yaml', mapping('b', '/b/')).size;
    assert.deepEqual(validated, ['a', 'b']);
    const before = calls.n;
    ws.setFile('file:///b.yaml', mapping('b', '/b2/')).size;
    assert.deepEqual(validated, ['a', 'b', 'b']);
    assert.equal(calls.n, before + 1);
    // A file without Ambassador resources, before and after: no cross-resource recomputation.
    ws.setFile('file:///c.yaml', 'apiVersion: v1\nkind: ConfigMap\n').size;
    ws.setFile('file:///c.yaml', 'apiVersion: v1\nkind: ConfigMap\ndata: {}\n').size;
    assert.equal(calls.n, before + 1);
    assert.deepEqual(validated, ['a', 'b', 'b']);
  });

  it('runs cross-resource checks once for a bulk load whose change sets are not read', () => {
    const calls = { n: 0 };
    const ws = new Workspace({ validators: [], checkers: [duplicateNames(calls)] });
    for (let i = 0; i < 200; i++) ws.setFile(`file:///m${i}.yaml`, mapping(i % 2 ? 'same' : `m${i}`, `/m${i}/`));
    assert.equal(calls.n, 0);
    assert.equal(ws.allFindings().size, 100);
    assert.equal(calls.n, 1);
    // The next change set still reports what changed since the last report.
    const changed = ws.setFile('file:///m1.yaml', mapping('unique', '/m1/'));
    assert.ok(changed.has('file:///m1.yaml'));
    assert.equal(calls.n, 2);
  });

  it('applies severity overrides (EP221 is info by default) and disabled codes', () => {
    const checker: WorkspaceChecker = (rs) =>
      rs.flatMap((r) => [
        { code: 'EP221', severity: 'warning' as const, message: 'undefined TLSContext', uri: r.origin.uri, range: r.locate(['spec', 'prefix']) },
        { code: 'EP200', severity: 'warning' as const, message: 'split', uri: r.origin.uri, range: r.locate(['spec', 'prefix']) },
      ]);
    const ws = new Workspace({ validators: [], checkers: [checker] });
    ws.setFile('file:///a.yaml', mapping('a', '/a/'));
    assert.deepEqual(
      ws.findingsFor('file:///a.yaml').map((f) => `${f.code}:${f.severity}`),
      ['EP200:warning', 'EP221:info'],
    );
    const changed = ws.configure({ severity: { EP221: 'error' }, disabled: ['EP200'] });
    assert.deepEqual(sorted(changed), ['file:///a.yaml']);
    assert.deepEqual(
      ws.findingsFor('file:///a.yaml').map((f) => `${f.code}:${f.severity}`),
      ['EP221:error'],
    );
    const ws2 = new Workspace({ validators: [], checkers: [checker], disabled: ['EP221'], severity: { EP200: 'hint' } });
    ws2.setFile('file:///a.yaml', mapping('a', '/a/'));
    assert.deepEqual(
      ws2.findingsFor('file:///a.yaml').map((f) => `${f.code}:${f.severity}`),
      ['EP200:hint'],
    );
  });

  it('caches the route table until resources change and passes the options', () => {
    const seen: AnalysisOptions[] = [];
    let builds = 0;
    const routeBuilder = (rs: Resource[], o: AnalysisOptions): RouteTable => {
      builds++;
      seen.push(o);
      return { hosts: [], groups: [], tcp: rs.map((r) => ({ port: 1, members: [], problems: [r.name] })) };
    };
    const ws = new Workspace({ validators: [], checkers: [], routeBuilder, defaultNamespace: 'prod', ambassadorId: 'edge' });
    ws.setFile('file:///a.yaml', mapping('a', '/a/'));
    assert.equal(ws.routeTable().tcp.length, 1);
    assert.equal(ws.routeTable().tcp.length, 1);
    assert.equal(builds, 1);
    assert.equal(seen[0].defaultNamespace, 'prod');
    assert.equal(seen[0].ambassadorId, 'edge');
    assert.deepEqual(seen[0].severity, { EP221: 'info' });
    assert.equal(seen[0].textOf?.('file:///a.yaml'), mapping('a', '/a/'));
    ws.setFile('file:///n.yaml', 'plain: yaml\n');
    ws.routeTable();
    assert.equal(builds, 1);
    ws.setFile('file:///b.yaml', mapping('b', '/b/'));
    assert.deepEqual(
      ws.routeTable().tcp.map((t) => t.problems[0]),
      ['a', 'b'],
    );
    assert.equal(builds, 2);
  });

  it('contains exceptions from validators, checkers and the route builder', () => {
    const errors: string[] = [];
    const ws = new Workspace({
      validators: [
        () => {
          throw new Error('validator bug');
        },
      ],
      checkers: [
        () => {
          throw new Error('checker bug');
        },
      ],
      routeBuilder: () => {
        throw new Error('routes bug');
      },
      onError: (where, e) => errors.push(`${where}: ${(e as Error).message}`),
    });
    ws.setFile('file:///a.yaml', mapping('a', '/a/') + 'bad: [\n');
    ws.setFile('file:///b.yaml', mapping('b', '/b/'));
    assert.deepEqual(ws.findingsFor('file:///b.yaml'), []);
    assert.deepEqual(ws.routeTable(), { hosts: [], groups: [], tcp: [] });
    assert.ok(errors.some((e) => e.includes('validator bug')));
    assert.ok(errors.some((e) => e.includes('checker bug')));
    assert.ok(errors.some((e) => e.includes('routes bug')));
  });

  it('orders resources by URI and keeps skipped files out of analysis', () => {
    const ws = new Workspace({ validators: [], checkers: [], maxFileBytes: 300 });
    ws.setFile('file:///z.yaml', mapping('z', '/z/'));
    ws.setFile('file:///a.yaml', mapping('a', '/a/'));
    ws.setFile('file:///big.yaml', mapping('big', '/big/', '  rewrite: ' + 'x'.repeat(400) + '\n'));
    assert.deepEqual(
      ws.resources().map((r) => r.name),
      ['a', 'z'],
    );
    assert.match(ws.parsed('file:///big.yaml')?.skipped ?? '', /larger than 300 bytes/);
  });

  it('wires the real cross-resource analysis by default: EP2xx findings, route problems, Secrets from plain documents', () => {
    const ws = new Workspace();
    const tls = 'apiVersion: getambassador.io/v3alpha1\nkind: TLSContext\nmetadata:\n  name: tls\nspec:\n  hosts: ["a.example.com"]\n  secret: my-cert\n';
    assert.deepEqual(sorted(ws.setFile('file:///tls.yaml', tls)), ['file:///tls.yaml']);
    const ref = ws.findingsFor('file:///tls.yaml');
    assert.deepEqual(
      ref.map((f) => `${f.code}:${f.severity}`),
      ['EP221:info'],
    );
    assert.equal(textOf(tls, ref[0].range), 'my-cert');
    // A plain Secret document elsewhere resolves the reference (the file has no Ambassador resources).
    assert.deepEqual(sorted(ws.setFile('file:///secret.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: my-cert\n')), ['file:///tls.yaml']);
    assert.deepEqual(ws.findingsFor('file:///tls.yaml'), []);
    assert.deepEqual(ws.secrets(), [{ name: 'my-cert' }]);
    // Two teams claim /api/ on the same host: both files change, the route group carries the problem.
    const m = (n: string) => `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: ${n}\nspec:\n  prefix: /api/\n  service: ${n}\n  hostname: "*"\n`;
    assert.deepEqual(sorted(ws.setFile('file:///one.yaml', m('one'))), []);
    assert.deepEqual(sorted(ws.setFile('file:///two.yaml', m('two'))), ['file:///one.yaml', 'file:///two.yaml']);
    assert.ok(ws.findingsFor('file:///two.yaml').some((f) => f.code === 'EP200'));
    const g = ws.routeTable().groups.find((x) => x.prefix === '/api/');
    assert.deepEqual(g?.problems, ['EP200']);
    assert.deepEqual(
      g?.members.map((x) => [x.name, x.weight]),
      [
        ['one', 50],
        ['two', 50],
      ],
    );
    // Severity settings reach the checks; `off` and disabled codes drop findings.
    ws.configure({ severity: { EP200: 'error' } }).size;
    assert.ok(ws.findingsFor('file:///two.yaml').some((f) => f.code === 'EP200' && f.severity === 'error'));
    assert.deepEqual(sorted(ws.configure({ severity: { EP200: 'off' } })), ['file:///one.yaml', 'file:///two.yaml']);
    assert.ok(!ws.findingsFor('file:///two.yaml').some((f) => f.code === 'EP200'));
  });

  it('wires the real schema validator by default', () => {
    const ws = new Workspace();
    ws.setFile('file:///u.yaml', 'apiVersion: getambassador.io/v3alpha1\nkind: Frobnicator\nmetadata:\n  name: f\nspec: {}\n');
    const codes = ws.findingsFor('file:///u.yaml').map((f) => f.code);
    assert.ok(codes.includes('EP101'), `got ${codes.join(',')}`);
  });
});
