// Data-driven tests for the EP2xx policy checks (server/src/engine/checks.ts).
//
// Every directory under test/fixtures/checks/ is one case: its *.yaml files are the workspace (parsed with
// parseFile, exactly like the editor does), an optional `options.json` holds CheckOptions, and `expected.txt`
// is the expected output: every finding (position, code, severity, message, related locations, quick-fix
// edits) followed by the route table. Run with UPDATE_EXPECT=1 to rewrite the expected files after a
// deliberate change, then review the diff.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { parseFile } from '../../server/src/engine/parse';
import type { CheckOptions } from '../../server/src/engine/checks';
import { analyzeResources, secretsInDocuments, sortFindings } from '../../server/src/engine/checks';
import type { Finding, Range, Resource, RouteTable } from '../../server/src/engine/model';
import { buildRouteTable } from '../../server/src/engine/routes';

const CASES = path.join(__dirname, '..', 'fixtures', 'checks');
// The Emissary reference manifests live next to the repository (not committed); EDGEPOLICY_REFERENCE overrides.
const REFERENCE =
  [process.env.EDGEPOLICY_REFERENCE, path.resolve(__dirname, '..', '..', '..', 'shared', 'reference', 'emissary-fixtures')]
    .filter((x): x is string => !!x)
    .find((d) => fs.existsSync(d)) ?? '';
const UPDATE = process.env.UPDATE_EXPECT === '1';

interface Workspace {
  resources: Resource[];
  texts: Map<string, string>;
  secrets: { name: string; namespace?: string }[];
}

function uriOf(name: string): string {
  return `file:///ws/${name}`;
}

function loadWorkspace(files: { name: string; text: string }[]): Workspace {
  const texts = new Map<string, string>();
  const resources: Resource[] = [];
  const values: unknown[] = [];
  for (const f of files) {
    const uri = uriOf(f.name);
    texts.set(uri, f.text);
    const parsed = parseFile(uri, f.text);
    resources.push(...parsed.resources);
    values.push(...parsed.documents.map((d) => d.value));
  }
  return { resources, texts, secrets: secretsInDocuments(values) };
}

function loadCase(dir: string): { ws: Workspace; opts: CheckOptions } {
  // *.yaml files of the case, in subdirectories too (`teams/a/routes.yaml`), named relative to the case.
  const names = listYaml(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => path.relative(dir, f).split(path.sep).join('/'));
  const ws = loadWorkspace(names.map((name) => ({ name, text: fs.readFileSync(path.join(dir, name), 'utf8') })));
  const optsFile = path.join(dir, 'options.json');
  const extra = fs.existsSync(optsFile) ? (JSON.parse(fs.readFileSync(optsFile, 'utf8')) as CheckOptions) : {};
  // Messages name files relative to the case directory, as the editor names them relative to the workspace folder.
  const opts: CheckOptions = { secrets: ws.secrets, textOf: (uri) => ws.texts.get(uri), displayPath: short, ...extra };
  return { ws, opts };
}

function short(uri: string): string {
  return uri.replace('file:///ws/', '');
}

function pos(r: Range): string {
  return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`;
}

function renderFindings(findings: Finding[]): string[] {
  const out: string[] = [];
  for (const f of findings) {
    out.push(`${short(f.uri)}:${pos(f.range)} ${f.code} ${f.severity}: ${f.message}`);
    for (const r of f.related ?? []) out.push(`  related ${short(r.uri)}:${pos(r.range)}: ${r.message}`);
    if (f.fix) {
      out.push(`  fix: ${f.fix.title}`);
      for (const e of f.fix.edits) out.push(`    edit ${short(e.uri)}:${pos(e.range)} ${JSON.stringify(e.newText)}`);
    }
  }
  return out;
}

function renderRoutes(table: RouteTable): string[] {
  const out: string[] = [];
  for (const h of table.hosts) {
    out.push(`host ${h.namespace}/${h.name} ${h.hostname}: ${h.groupIds.length} group(s)`);
  }
  for (const g of table.groups) {
    const flags = [g.hostRegex ? 'host-regex' : '', g.prefixRegex ? 'prefix-regex' : '', g.method ? `method ${g.method}` : '']
      .filter(Boolean)
      .join(', ');
    out.push(
      `group ${g.name} ${g.groupId.slice(0, 8)} key=${JSON.stringify(g.key)}${flags ? ` (${flags})` : ''} ` +
        `hosts=[${g.hosts.join(', ')}] problems=[${g.problems.join(', ')}]${g.rejected ? ` REJECTED: ${g.rejected}` : ''}`,
    );
    for (const m of g.members) {
      const raw = m.rawWeight !== undefined ? ` (weight ${m.rawWeight})` : '';
      const marks = [m.shadow ? 'shadow' : '', m.redirect ? 'redirect' : ''].filter(Boolean).join(', ');
      out.push(`  ${m.namespace}/${m.name} -> ${m.service}: ${m.weight}%${raw}${marks ? ` [${marks}]` : ''}${m.dropped ? ` ${m.dropped}` : ''}`);
    }
  }
  for (const t of table.tcp) {
    out.push(`tcp port ${t.port}${t.host ? ` host ${t.host}` : ''} problems=[${t.problems.join(', ')}]`);
    for (const m of t.members) out.push(`  ${m.namespace}/${m.name} -> ${m.service}: ${m.weight}%`);
  }
  return out;
}

function render(ws: Workspace, opts: CheckOptions): string {
  const { routes, findings } = analyzeResources(ws.resources, opts);
  const lines = ['# findings', ...renderFindings(findings), '# routes', ...renderRoutes(routes)];
  return lines.join('\n') + '\n';
}

describe('policy checks (fixtures under test/fixtures/checks)', () => {
  const cases = fs.readdirSync(CASES).filter((n) => fs.statSync(path.join(CASES, n)).isDirectory()).sort();

  it('has one must-fire and one must-not-fire case for every check code', () => {
    const codes = ['EP200', 'EP201', 'EP202', 'EP203', 'EP204', 'EP210', 'EP211', 'EP212', 'EP213', 'EP220', 'EP221', 'EP230', 'EP231'];
    for (const code of codes) {
      const prefix = code.toLowerCase();
      assert.ok(cases.some((c) => c.startsWith(`${prefix}-fire`)), `missing must-fire case for ${code}`);
      assert.ok(cases.some((c) => c.startsWith(`${prefix}-quiet`)), `missing must-not-fire case for ${code}`);
    }
  });

  for (const name of cases) {
    it(name, () => {
      const dir = path.join(CASES, name);
      const { ws, opts } = loadCase(dir);
      const actual = render(ws, opts);
      const expectedFile = path.join(dir, 'expected.txt');
      if (UPDATE || !fs.existsSync(expectedFile)) {
        fs.writeFileSync(expectedFile, actual);
        if (!UPDATE) assert.fail(`wrote ${expectedFile}; review it and run again`);
        return;
      }
      assert.equal(actual, fs.readFileSync(expectedFile, 'utf8'));

      // The case name says what must (not) happen: `ep200-fire-...` has an EP200 finding, `ep200-quiet-...` none.
      const m = /^(ep\d{3})-(fire|quiet)/.exec(name);
      if (m) {
        const code = m[1].toUpperCase();
        const has = analyzeResources(ws.resources, opts).findings.some((f) => f.code === code);
        assert.equal(has, m[2] === 'fire', `${name}: ${code} ${m[2] === 'fire' ? 'should fire' : 'should not fire'}`);
      }
    });
  }
});

describe('analyzeResources', () => {
  const { ws, opts } = loadCase(path.join(CASES, 'ep200-fire-two-teams'));

  it('returns the same route table as buildRouteTable (one build, same result)', () => {
    const { routes } = analyzeResources(ws.resources, opts);
    const table = buildRouteTable(ws.resources, opts);
    assert.deepEqual(
      routes.groups.map((g) => [g.groupId, g.members.map((m) => m.weight)]),
      table.groups.map((g) => [g.groupId, g.members.map((m) => m.weight)]),
    );
    assert.ok(routes.groups.some((g) => g.problems.includes('EP200')));
  });

  it('is deterministic: input order does not change the findings', () => {
    const a = analyzeResources(ws.resources, opts).findings;
    const b = analyzeResources([...ws.resources].reverse(), opts).findings;
    assert.deepEqual(b, a);
    assert.deepEqual(sortFindings(a), a);
  });

  it('severity overrides can switch a code off or change its severity', () => {
    const off = analyzeResources(ws.resources, { ...opts, severity: { EP200: 'off' } }).findings;
    assert.ok(!off.some((f) => f.code === 'EP200'));
    const err = analyzeResources(ws.resources, { ...opts, severity: { EP200: 'error' } }).findings;
    assert.ok(err.filter((f) => f.code === 'EP200').every((f) => f.severity === 'error'));
    assert.ok(err.some((f) => f.code === 'EP200'));
  });

  const fixCases: [string, number[]][] = [
    ['ep200-fire-two-teams', [50, 50]],
    ['ep200-fire-three-way-annotation', [33, 33, 34]],
    ['tcp-split-and-weights', [50, 50]],
  ];
  for (const [name, expectedShares] of fixCases) {
    it(`applying the EP200 quick fix in ${name} makes the split explicit and silences EP200`, () => {
      const c = loadCase(path.join(CASES, name));
      const finding = analyzeResources(c.ws.resources, c.opts).findings.find((f) => f.code === 'EP200');
      assert.ok(finding?.fix, 'EP200 should carry a quick fix');
      const edited = new Map(c.ws.texts);
      // Apply bottom-up per file so earlier edits do not shift later ones.
      const edits = [...finding.fix.edits].sort((a, b) => b.range.start.line - a.range.start.line);
      for (const e of edits) edited.set(e.uri, applyEdit(edited.get(e.uri)!, e.range, e.newText));
      const ws2 = loadWorkspace([...edited].map(([uri, text]) => ({ name: short(uri), text })));
      const after = analyzeResources(ws2.resources, { secrets: ws2.secrets, textOf: (u) => ws2.texts.get(u) });
      assert.ok(!after.findings.some((f) => f.code === 'EP200'), 'no EP200 after the fix');
      const members = [...after.routes.groups.map((g) => g.members), ...after.routes.tcp.map((t) => t.members)].find((m) => m.length === expectedShares.length)!;
      assert.deepEqual(members.map((m) => m.rawWeight), members.map((m) => m.weight), 'explicit weights equal the shares');
      assert.deepEqual(members.map((m) => m.weight).sort(), [...expectedShares].sort());
    });
  }

  it('offers no weight quick fix when a member is written in flow style (an inserted line would break it)', () => {
    const flow = (ns: string) => `apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: api, namespace: ${ns}}
spec: {prefix: /api/, hostname: "*", service: api}
`;
    const ws = loadWorkspace([{ name: 'flow.yaml', text: flow('a') + '---\n' + flow('b') }]);
    const findings = analyzeResources(ws.resources, { textOf: (u) => ws.texts.get(u) }).findings;
    const split = findings.filter((f) => f.code === 'EP200');
    assert.equal(split.length, 2);
    assert.ok(split.every((f) => f.fix === undefined));
    const withoutText = analyzeResources(ws.resources).findings.filter((f) => f.code === 'EP200');
    assert.ok(withoutText.length === 2 && withoutText.every((f) => f.fix === undefined), 'flow style is detected from ranges too');
  });

  it('never throws on resources with odd specs', () => {
    const odd = loadWorkspace([
      {
        name: 'odd.yaml',
        text: [
          'apiVersion: getambassador.io/v3alpha1',
          'kind: Mapping',
          'metadata: {name: odd}',
          'spec: {prefix: 7, headers: [1, 2], weight: "x", hostname: {a: 1}, regex_headers: {x: null}}',
          '---',
          'apiVersion: getambassador.io/v3alpha1',
          'kind: Mapping',
          'metadata: {name: odd2}',
          'spec: null',
          '---',
          'apiVersion: getambassador.io/v3alpha1',
          'kind: Host',
          'metadata: {name: h}',
          'spec: {hostname: 5, mappingSelector: [1], tlsSecret: "x"}',
          '---',
          'apiVersion: getambassador.io/v3alpha1',
          'kind: Listener',
          'metadata: {name: l}',
          'spec: {port: "8080", protocolStack: "TCP"}',
        ].join('\n'),
      },
    ]);
    const result = analyzeResources(odd.resources);
    assert.ok(Array.isArray(result.findings));
    assert.ok(Array.isArray(result.routes.groups));
  });
});

function applyEdit(text: string, range: Range, newText: string): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) =>
    lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, offset(range.start)) + newText + text.slice(offset(range.end));
}

// ---------------------------------------------------------------------------------------------
// Emissary's own manifests: which EP2xx findings each raises, with a reason (reference-policy-expectations.yaml)

interface ReferenceExpectation {
  files: string[];
  findings: { code: string; resource: string; why: string }[];
}

describe('EP2xx findings on Emissary reference fixtures', () => {
  const expectationsFile = path.join(__dirname, '..', 'fixtures', 'reference-policy-expectations.yaml');
  const doc = yaml.load(fs.readFileSync(expectationsFile, 'utf8')) as { cases: Record<string, ReferenceExpectation> };

  it('covers every reference manifest (a case per file, plus the multi-file sets)', () => {
    assert.ok(REFERENCE, 'Emissary reference manifests not found: set EDGEPOLICY_REFERENCE to their directory');
    const all = listYaml(REFERENCE).map((f) => path.relative(REFERENCE, f));
    const covered = new Set(Object.values(doc.cases).flatMap((c) => c.files));
    const missing = all.filter((f) => !covered.has(f));
    assert.deepEqual(missing, []);
  });

  for (const [name, c] of Object.entries(doc.cases)) {
    it(name, () => {
      const ws = loadWorkspace(c.files.map((f) => ({ name: f, text: fs.readFileSync(path.join(REFERENCE, f), 'utf8') })));
      const findings = analyzeResources(ws.resources, { secrets: ws.secrets }).findings;
      const byResource = (f: Finding) => {
        const r = owner(ws.resources, f);
        return r ? `${r.kind} ${r.namespace ?? 'default'}/${r.name}` : '?';
      };
      const actual = findings.map((f) => `${f.code} ${byResource(f)}`).sort();
      const expected = c.findings.map((f) => `${f.code} ${f.resource}`).sort();
      assert.deepEqual(actual, expected);
      for (const f of c.findings) assert.ok(f.why && f.why.length > 20, `${name}: ${f.code} ${f.resource} needs a why: line`);
    });
  }
});

/** The resource a finding is about: the last one in its file whose `kind` comes before the finding. */
function owner(resources: Resource[], f: Finding): Resource | undefined {
  const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  let best: { r: Resource; at: Range['start'] } | undefined;
  for (const r of resources) {
    if (r.origin.uri !== f.uri) continue;
    const at = r.locate(['kind'], 'key').start;
    if (before(at, f.range.start) && (!best || before(best.at, at))) best = { r, at };
  }
  return best?.r;
}

function listYaml(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYaml(p));
    else if (/\.ya?ml$/.test(entry.name)) out.push(p);
  }
  return out.sort();
}
