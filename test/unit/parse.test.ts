import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jsyaml from 'js-yaml';
import { parseFile } from '../../server/src/engine/parse';
import { DocLocator } from '../../server/src/engine/locate';
import type { ParsedFile } from '../../server/src/engine/parse';
import type { Range, Resource } from '../../server/src/engine/model';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'parse');
// The Emissary reference manifests live next to the repository (not committed); EDGEPOLICY_REFERENCE overrides.
const REFERENCE_CANDIDATES = [
  process.env.EDGEPOLICY_REFERENCE,
  path.resolve(__dirname, '..', '..', '..', 'shared', 'reference', 'emissary-fixtures'),
].filter((x): x is string => !!x);
const REFERENCE = REFERENCE_CANDIDATES.find((d) => fs.existsSync(d));

function fixture(name: string): { text: string; parsed: ParsedFile } {
  const text = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
  return { text, parsed: parseFile(`file:///ws/${name}`, text) };
}

/** The text a range covers (ranges are 0-based line/character). */
function textAt(text: string, r: Range): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => {
    let o = 0;
    for (let i = 0; i < p.line; i++) o += lines[i].length + 1;
    return o + p.character;
  };
  return text.slice(offset(r.start), offset(r.end));
}

function lineOf(text: string, needle: string, occurrence = 0): number {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].includes(needle)) {
      if (seen === occurrence) return i;
      seen++;
    }
  }
  throw new Error(`not found: ${needle}`);
}

function byName(p: ParsedFile, name: string): Resource {
  const r = p.resources.find((x) => x.name === name);
  assert.ok(r, `resource ${name} missing; have ${p.resources.map((x) => x.name).join(', ')}`);
  return r;
}

describe('parseFile: documents', () => {
  it('splits at column-0 markers with exact offsets and lines (comments, %YAML, ..., --- {flow}, trailing ---)', () => {
    const { text, parsed } = fixture('multi.yaml');
    assert.equal(parsed.skipped, undefined);
    assert.deepEqual(parsed.findings, []);
    const docs = parsed.documents;
    assert.equal(docs.length, 6);
    assert.deepEqual(
      docs.map((d) => [d.startLine, d.endLine]),
      [
        [0, 13],
        [14, 19],
        [20, 27],
        [28, 28],
        [29, 33],
        [34, 34],
      ],
    );
    // Offsets agree with lines and are contiguous.
    for (let i = 0; i < docs.length; i++) {
      assert.equal(text.slice(0, docs[i].startOffset).split('\n').length - 1, docs[i].startLine);
      if (i > 0) assert.equal(docs[i].startOffset, docs[i - 1].endOffset);
    }
    assert.equal(docs[docs.length - 1].endOffset, text.length);
    assert.ok(text.slice(docs[2].startOffset).startsWith('%YAML 1.2'));
    assert.equal(docs[5].value, null);
    // Only Ambassador objects become resources; unknown kinds too.
    assert.deepEqual(
      parsed.resources.map((r) => `${r.kind}/${r.name}/${r.version}`),
      ['Mapping/quote/v3alpha1', 'Host/edge/v2', 'Listener/l8080/v3alpha1', 'Frobnicator/unknown-kind/v3alpha1'],
    );
    assert.deepEqual(docs[1].resources, []);
    assert.equal(docs[3].resources[0].kind, 'Listener');
  });

  it('normalises resource fields', () => {
    const { parsed } = fixture('multi.yaml');
    const m = byName(parsed, 'quote');
    assert.equal(m.apiVersion, 'getambassador.io/v3alpha1');
    assert.equal(m.namespace, 'shop');
    assert.deepEqual(m.labels, { team: 'a' });
    assert.equal(m.spec.prefix, '/quote/');
    assert.equal((m.object.metadata as Record<string, unknown>).name, 'quote');
    assert.deepEqual(m.origin, { uri: 'file:///ws/multi.yaml', docIndex: 0 });
    const h = byName(parsed, 'edge');
    assert.equal(h.namespace, undefined);
    assert.deepEqual(h.labels, {});
    const unknown = byName(parsed, 'unknown-kind');
    assert.deepEqual(unknown.spec, {});
  });

  it('expands kind: List items and JSON written as YAML', () => {
    const list = fixture('list.yaml');
    assert.deepEqual(
      list.parsed.resources.map((r) => r.name),
      ['first', 'second'],
    );
    const second = byName(list.parsed, 'second');
    assert.equal(textAt(list.text, second.locate(['spec', 'hosts', 0])), '"a.example.com"');
    assert.equal(textAt(list.text, second.locate(['metadata', 'name'])), 'second');
    const json = fixture('json.yaml');
    const r = byName(json.parsed, 'from-json');
    assert.equal(r.namespace, 'j');
    assert.equal(textAt(json.text, r.locate(['spec', 'prefix'])), '"/json/"');
  });
});

describe('parseFile: locate', () => {
  const { text, parsed } = fixture('multi.yaml');
  const m = byName(parsed, 'quote');

  it('finds values and keys, nested and in sequences', () => {
    assert.equal(textAt(text, m.locate(['spec', 'prefix'])), '/quote/');
    assert.equal(textAt(text, m.locate(['spec', 'prefix'], 'key')), 'prefix');
    assert.equal(m.locate(['spec', 'prefix']).start.line, lineOf(text, 'prefix: /quote/'));
    assert.equal(textAt(text, m.locate(['spec', 'headers', 'x-team'], 'key')), 'x-team');
    assert.equal(textAt(text, m.locate(['spec', 'headers', 'x-team'], 'value')), 'a');
    assert.equal(textAt(text, m.locate(['spec', 'hostname'])), '"*.example.com"');
    assert.equal(textAt(text, m.locate(['metadata', 'labels', 'team'])), 'a');
    // A collection value with no part: its key.
    assert.equal(textAt(text, m.locate(['spec', 'headers'])), 'headers');
    const l = byName(parsed, 'l8080');
    assert.equal(textAt(text, l.locate(['spec', 'port'])), '8080');
    assert.equal(l.locate(['spec', 'port']).start.line, lineOf(text, 'kind: Listener'));
  });

  it('falls back to the nearest ancestor, then to the first line of the document', () => {
    assert.equal(textAt(text, m.locate(['spec', 'nope', 'deeper'])), 'spec');
    assert.equal(textAt(text, m.locate(['spec', 'headers', 'x-missing'])), 'headers');
    const h = byName(parsed, 'edge');
    assert.equal(textAt(text, h.locate(['spec', 'hostname'])), 'edge.example.com');
    assert.equal(textAt(text, h.locate(['metadata', 'name'])), 'edge');
    const u = byName(parsed, 'unknown-kind');
    const r = u.locate(['spec', 'prefix']);
    assert.equal(textAt(text, r), 'apiVersion: getambassador.io/v3alpha1');
    assert.equal(r.start.line, lineOf(text, 'kind: Frobnicator') - 1);
  });

  it('locates in documents after CRLF line ends and a BOM', () => {
    const src = '\uFEFFapiVersion: getambassador.io/v3alpha1\r\nkind: Mapping\r\nmetadata:\r\n  name: crlf\r\nspec:\r\n  prefix: /c/\r\n---\r\napiVersion: getambassador.io/v3alpha1\r\nkind: Host\r\nmetadata:\r\n  name: second\r\n';
    const p = parseFile('file:///crlf.yaml', src);
    assert.deepEqual(p.findings, []);
    assert.deepEqual(
      p.resources.map((r) => r.name),
      ['crlf', 'second'],
    );
    assert.deepEqual(p.documents.map((d) => [d.startLine, d.endLine]), [
      [0, 5],
      [6, 10],
    ]);
    const r = p.resources[0].locate(['spec', 'prefix']);
    assert.deepEqual(r, { start: { line: 5, character: 10 }, end: { line: 5, character: 13 } });
    const n = p.resources[1].locate(['metadata', 'name']);
    assert.deepEqual(n, { start: { line: 10, character: 8 }, end: { line: 10, character: 14 } });
    // On the BOM line, characters count the BOM (positions are in the text as given).
    assert.deepEqual(p.resources[0].locate(['kind'], 'key').start, { line: 1, character: 0 });
  });
});

describe('parseFile: getambassador.io/config annotations', () => {
  const { text, parsed } = fixture('annotation.yaml');

  it('reads the flat layout with namespace and label inheritance', () => {
    assert.deepEqual(parsed.findings, []);
    const ui = byName(parsed, 'quote-ui');
    assert.equal(ui.apiVersion, 'getambassador.io/v2');
    assert.equal(ui.version, 'v2');
    assert.equal(ui.namespace, 'shop');
    assert.deepEqual(ui.labels, { app: 'quote' });
    assert.deepEqual(ui.spec, { prefix: '/ui/', service: 'quote:5000' });
    assert.deepEqual(ui.object, {
      apiVersion: 'getambassador.io/v2',
      kind: 'Mapping',
      metadata: { name: 'quote-ui', namespace: 'shop', labels: { app: 'quote' } },
      spec: { prefix: '/ui/', service: 'quote:5000' },
    });
    assert.deepEqual(ui.origin.annotation, { ownerKind: 'Service', ownerName: 'quote', ownerNamespace: 'shop', innerIndex: 0 });
    const api = byName(parsed, 'quote-api');
    assert.equal(api.namespace, 'other');
    assert.deepEqual(api.labels, { tier: 'api' });
    assert.equal(api.origin.annotation?.innerIndex, 1);
    assert.deepEqual(api.spec.headers, { 'x-version': '2' });
  });

  it('keeps v0 as a resource and reads Ingress annotations (|- block)', () => {
    const old = byName(parsed, 'ancient');
    assert.equal(old.apiVersion, 'getambassador.io/v0');
    assert.equal(old.version, 'v0');
    assert.equal(old.origin.annotation?.ownerKind, 'Ingress');
    assert.equal(old.namespace, undefined);
    assert.equal(textAt(text, old.locate(['spec', 'prefix'])), '/old/');
  });

  it('maps positions inside the block scalar back to the file', () => {
    const ui = byName(parsed, 'quote-ui');
    const r = ui.locate(['spec', 'prefix']);
    assert.equal(textAt(text, r), '/ui/');
    assert.equal(r.start.line, lineOf(text, 'prefix: /ui/'));
    assert.equal(textAt(text, ui.locate(['metadata', 'name'])), 'quote-ui');
    assert.equal(textAt(text, ui.locate(['kind'])), 'Mapping');
    const api = byName(parsed, 'quote-api');
    assert.equal(textAt(text, api.locate(['metadata', 'labels', 'tier'])), 'api');
    assert.equal(textAt(text, api.locate(['metadata', 'labels'], 'key')), 'metadata_labels');
    assert.equal(textAt(text, api.locate(['spec', 'headers', 'x-version'])), '"2"');
    assert.equal(textAt(text, api.locate(['metadata', 'namespace'])), 'other');
    // Inherited or missing: the first line of that inner document.
    assert.equal(textAt(text, ui.locate(['metadata', 'namespace'])), 'apiVersion: ambassador/v2');
    assert.equal(textAt(text, ui.locate(['spec', 'rewrite'])), 'apiVersion: ambassador/v2');
  });

  it('falls back to the annotation key for quoted annotation values', () => {
    const src = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: q',
      '  annotations:',
      '    "getambassador.io/config": "apiVersion: ambassador/v2\\nkind: Mapping\\nname: quoted\\nprefix: /q/\\nservice: q\\n"',
      '',
    ].join('\n');
    const p = parseFile('file:///q.yaml', src);
    const r = byName(p, 'quoted');
    assert.equal(r.spec.prefix, '/q/');
    assert.equal(textAt(src, r.locate(['spec', 'prefix'])), '"getambassador.io/config"');
  });

  it('accepts the nested metadata/spec layout', () => {
    const src = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: n',
      '  namespace: team',
      '  annotations:',
      '    getambassador.io/config: |',
      '      apiVersion: getambassador.io/v3alpha1',
      '      kind: Mapping',
      '      metadata:',
      '        name: nested',
      '      spec:',
      '        prefix: /n/',
      '        service: n',
      '',
    ].join('\n');
    const p = parseFile('file:///n.yaml', src);
    const r = byName(p, 'nested');
    assert.equal(r.namespace, 'team');
    assert.deepEqual(r.spec, { prefix: '/n/', service: 'n' });
    assert.deepEqual(r.locate(['spec', 'prefix']), { start: { line: 12, character: 16 }, end: { line: 12, character: 19 } });
  });

  it('rejects the whole annotation on one syntax error, pointing inside the annotation text', () => {
    const bad = fixture('annotation-error.yaml');
    assert.deepEqual(
      bad.parsed.resources.map((r) => r.name),
      ['still-read'],
    );
    assert.equal(bad.parsed.findings.length, 1);
    const f = bad.parsed.findings[0];
    assert.equal(f.code, 'EP001');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /getambassador\.io\/config annotation of Service shop\/broken/);
    assert.match(f.message, /rejects the whole annotation/);
    // js-yaml notices the unclosed flow sequence at the start of the next inner line.
    assert.equal(f.range.start.line, lineOf(bad.text, 'service: bad'));
    assert.equal(f.range.start.character, 6);
    assert.equal(textAt(bad.text, f.range), 'service:');
  });

  it('reports non-Ambassador apiVersions and non-mapping documents in annotations', () => {
    const src = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: s',
      '  annotations:',
      '    getambassador.io/config: |',
      '      apiVersion: apps/v1',
      '      kind: Deployment',
      '      ---',
      '      - just',
      '      - a list',
      '      ---',
      '      apiVersion: ambassador/v2',
      '      kind: Module',
      '      name: ambassador',
      '      config: {}',
      '',
    ].join('\n');
    const p = parseFile('file:///s.yaml', src);
    assert.deepEqual(
      p.resources.map((r) => `${r.kind}/${r.name}`),
      ['Module/ambassador'],
    );
    assert.deepEqual(
      p.findings.map((f) => [f.code, f.range.start.line]),
      [
        ['EP101', 6],
        ['EP001', 9],
      ],
    );
    assert.equal(textAt(src, p.findings[0].range), 'apps/v1');
  });

  it('ignores annotations on kinds Emissary does not read them from', () => {
    const src = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations:\n    getambassador.io/config: |\n      apiVersion: ambassador/v2\n      kind: Mapping\n      name: nope\n';
    const p = parseFile('file:///d.yaml', src);
    assert.deepEqual(p.resources, []);
    assert.deepEqual(p.findings, []);
  });
});

describe('parseFile: syntax errors and hostile input', () => {
  it('reports EP001 at the exact line/column and keeps the other documents', () => {
    const { text, parsed } = fixture('crd-error.yaml');
    assert.deepEqual(
      parsed.resources.map((r) => r.name),
      ['ok', 'after'],
    );
    assert.equal(parsed.findings.length, 1);
    const f = parsed.findings[0];
    assert.equal(f.code, 'EP001');
    assert.match(f.message, /bad indentation/);
    assert.equal(f.range.start.line, lineOf(text, '   service: broken'));
    assert.equal(f.range.start.character, 10);
    assert.equal(parsed.documents[1].value, undefined);
    assert.match(parsed.documents[1].error ?? '', /bad indentation/);
  });

  it('skips binary content', () => {
    const p = parseFile('file:///b.yaml', 'apiVersion: v1\u0000\u0001\u0002');
    assert.match(p.skipped ?? '', /binary content/);
    assert.deepEqual(p.resources, []);
    const q = parseFile('file:///u.yaml', 'name: caf\uFFFD\n');
    assert.match(q.skipped ?? '', /not valid UTF-8/);
  });

  it('skips files over the size limit (UTF-8 bytes)', () => {
    const big = 'a: ' + 'é'.repeat(600) + '\n';
    assert.match(parseFile('file:///big.yaml', big, { maxFileBytes: 1000 }).skipped ?? '', /larger than 1000 bytes/);
    assert.equal(parseFile('file:///big.yaml', big, { maxFileBytes: 2000 }).skipped, undefined);
  });

  it('rejects alias bombs and recursive aliases quickly', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill('*' + prev).join(',')}]`);
    }
    const bomb = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: bomb}\nspec:\n' + levels.map((l) => '  ' + l).join('\n') + '\n';
    // What happened is in the result below; mocha's time-out catches a hang.
    const p = parseFile('file:///bomb.yaml', bomb);
    assert.deepEqual(p.resources, []);
    assert.equal(p.findings.length, 1);
    assert.match(p.findings[0].message, /alias bomb/);
    const rec = parseFile('file:///rec.yaml', 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: r}\nspec: &s\n  self: *s\n');
    assert.deepEqual(rec.resources, []);
    assert.match(rec.findings[0].message, /recursive alias/);
    // Ordinary anchors and merge keys are fine.
    const ok = parseFile(
      'file:///ok.yaml',
      'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: m}\nspec:\n  base: &b {service: s, timeout_ms: 10}\n  <<: *b\n  prefix: /m/\n',
    );
    assert.deepEqual(ok.findings, []);
    assert.equal(ok.resources[0].spec.service, 's');
    assert.equal(ok.resources[0].spec.timeout_ms, 10);
  });

  it('survives deep nesting', () => {
    const deep = 'a: ' + '['.repeat(20000) + ']'.repeat(20000) + '\n';
    const p = parseFile('file:///deep.yaml', deep);
    assert.equal(p.findings.length, 1);
    // A limit of ours, not a YAML syntax error: said plainly (still an error: the document is not checked).
    assert.equal(p.findings[0].message, 'Nested more than 100 levels deep; this document is not analysed.');
    assert.equal(p.findings[0].severity, 'error');
    assert.equal(p.findings[0].code, 'EP001');
    // Nesting within the limit is fine, and a real syntax error is still called one.
    const ok = parseFile('file:///ok.yaml', 'a: ' + '['.repeat(50) + ']'.repeat(50) + '\n');
    assert.deepEqual(ok.findings, []);
    const broken = parseFile('file:///broken.yaml', 'a: ' + '['.repeat(50) + '\n');
    assert.match(broken.findings[0].message, /^YAML syntax error: /);
    assert.equal(broken.findings[0].severity, 'error');
    const block = Array.from({ length: 3000 }, (_, i) => ' '.repeat(i) + 'k:').join('\n') + ' 1\n';
    const q = parseFile('file:///deep2.yaml', block);
    assert.equal(q.findings.length, 1);
    assert.equal(q.findings[0].code, 'EP001');
    const annotated =
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    getambassador.io/config: |\n' +
      '      apiVersion: getambassador.io/v3alpha1\n      kind: Mapping\n      name: x\n      prefix: ' + '['.repeat(200) + ']'.repeat(200) + '\n';
    const a = parseFile('file:///ann.yaml', annotated);
    assert.equal(a.findings.length, 1);
    assert.match(a.findings[0].message, /annotation of Service s is not analysed: one of its documents is nested more than 100 levels deep\.$/);
  });

  it('reports tabs used for indentation', () => {
    const src = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n\tname: tabbed\n';
    const p = parseFile('file:///t.yaml', src);
    assert.equal(p.findings.length, 1);
    assert.match(p.findings[0].message, /tab/);
    assert.equal(p.findings[0].range.start.line, 3);
  });

  it('reports duplicate keys as errors but still reads the resource (last key wins)', () => {
    const src = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: dup\nspec:\n  prefix: /one/\n  prefix: /two/\n  service: s\n';
    const p = parseFile('file:///dup.yaml', src);
    assert.equal(p.resources.length, 1);
    assert.equal(p.resources[0].spec.prefix, '/two/');
    assert.equal(p.findings.length, 1);
    assert.equal(p.findings[0].severity, 'error');
    assert.match(p.findings[0].message, /duplicated mapping key/);
    assert.equal(p.findings[0].range.start.line, 6);
  });

  it('skips Helm/Jinja templates that are not YAML with one reason and no findings', () => {
    const { parsed } = fixture('helm-template.yaml');
    assert.match(parsed.skipped ?? '', /template/);
    assert.match(parsed.skipped ?? '', /line 1/);
    assert.deepEqual(parsed.findings, []);
    assert.deepEqual(parsed.resources, []);
    // Valid YAML that merely contains {{ }} in strings is read normally.
    const p = parseFile('file:///v.yaml', 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: "{{ name }}"\n');
    assert.equal(p.skipped, undefined);
    assert.equal(p.resources[0].name, '{{ name }}');
  });

  it('handles empty, comment-only and scalar files', () => {
    for (const src of ['', '\n\n', '# only a comment\n', '---\n', 'just a string\n', '42', '- a\n- b\n', '\uFEFF']) {
      const p = parseFile('file:///e.yaml', src);
      assert.deepEqual(p.resources, [], JSON.stringify(src));
      assert.deepEqual(p.findings, [], JSON.stringify(src));
    }
    assert.equal(parseFile('file:///e.yaml', '').documents.length, 0);
    assert.equal(parseFile('file:///e.yaml', '---\n').documents.length, 1);
  });

  it('never throws on random garbage', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = 'ab:- \n\t[]{},&*!|>"\'#%@`?.0\r';
    for (let n = 0; n < 300; n++) {
      let s = '';
      const len = rnd() % 200;
      for (let i = 0; i < len; i++) s += alphabet[rnd() % alphabet.length];
      const p = parseFile('file:///g.yaml', s);
      assert.ok(Array.isArray(p.findings));
      for (const r of p.resources) r.locate(['spec', 'x']);
    }
  });
});

describe('parseFile: the reference Emissary manifests', () => {
  it('parses every reference file without throwing, with sane documents', () => {
    assert.ok(REFERENCE, 'Emissary reference manifests not found: set EDGEPOLICY_REFERENCE to their directory');
    const root = REFERENCE;
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(root);
    const yamlFiles = files.filter((f) => /\.ya?ml$/.test(f));
    assert.ok(yamlFiles.length >= 80, `only ${yamlFiles.length} reference files`);
    let resources = 0;
    let annotations = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const p = parseFile(`file://${f}`, text);
      resources += p.resources.length;
      for (const r of p.resources) {
        assert.ok(r.apiVersion.startsWith('getambassador.io/'), f);
        if (r.origin.annotation) annotations++;
        const range = r.locate(['metadata', 'name']);
        assert.ok(range.start.line >= 0 && range.start.line <= text.split('\n').length, f);
      }
      if (!/\.ya?ml$/.test(f)) continue;
      assert.equal(p.skipped, undefined, f);
      assert.deepEqual(
        p.findings.filter((x) => x.code === 'EP001' && x.severity === 'error'),
        [],
        f,
      );
    }
    assert.ok(resources > 100, `only ${resources} resources`);
    assert.ok(annotations >= 2, `only ${annotations} annotation resources`);
  });
});

describe('locate: the line scanner agrees with the yaml AST', () => {
  type P = (string | number)[];
  function allPaths(v: unknown, pre: P, out: P[]): void {
    out.push(pre);
    if (Array.isArray(v)) {
      v.forEach((x, i) => allPaths(x, [...pre, i], out));
      out.push([...pre, v.length]);
    } else if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) allPaths((v as Record<string, unknown>)[k], [...pre, k], out);
      out.push([...pre, 'zz-missing'], [...pre, 'zz', 'deeper']);
    }
  }
  function compare(text: string, start: number, end: number, value: unknown): { fast: number; total: number } {
    const paths: P[] = [];
    allPaths(value, [], paths);
    let fast = 0;
    let total = 0;
    const loc = new DocLocator(text, start, end);
    for (const p of paths) {
      for (const part of [undefined, 'key', 'value'] as const) {
        const f = loc.locateFast(p, part);
        total++;
        if (!f) continue;
        fast++;
        const s = loc.locateSlow(p, part);
        assert.deepEqual(f, s, `${JSON.stringify(text.slice(start, end))} ${JSON.stringify(p)} ${part}`);
      }
    }
    return { fast, total };
  }

  it('on the fixtures', () => {
    let fast = 0;
    let total = 0;
    for (const name of fs.readdirSync(FIXTURES)) {
      const text = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
      for (const d of parseFile(name, text).documents) {
        if (d.value === undefined) continue;
        const r = compare(text, d.startOffset, d.endOffset, d.value);
        fast += r.fast;
        total += r.total;
      }
    }
    assert.ok(fast > total / 2, `scanner answered ${fast} of ${total}`);
  });

  it('on random block-style documents (comments, quoting, compact sequences, CRLF, block scalars, flow values)', () => {
    let seed = 20240611;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pick = <T>(a: T[]): T => a[rnd(a.length)];
    const keys = ['a', 'b', 'name', 'prefix', '"q k"', "'s k'", 'x-y', 'a.b/c', 'k1'];
    const inline = ['v', '/api/', '"dq"', "'sq'", '"es\\"c"', "'it''s'", '1', 'true', '[a, b]', '{x: 1}', '[]', '"*.x"', 'a b c', '&an v', '"a: b"', 'x # c'];
    const values = [...inline, '', ' # comment', '|\n@  text\n@  more', '>-\n@  folded'];
    const gen = (ind: number, depth: number, out: string[]): void => {
      const used = new Set<string>();
      for (let i = 0, n = 1 + rnd(3); i < n; i++) {
        const k = pick(keys);
        if (used.has(k)) continue;
        used.add(k);
        const sp = ' '.repeat(ind);
        const r = rnd(10);
        if (depth < 3 && r < 3) {
          out.push(`${sp}${k}:${pick(['', ' ', ' # c'])}`);
          gen(ind + pick([2, 4]), depth + 1, out);
        } else if (depth < 3 && r < 5) {
          out.push(`${sp}${k}:`);
          const si = ind + pick([0, 2]);
          for (let j = 0, m = 1 + rnd(3); j < m; j++) {
            const t = rnd(3);
            if (t === 0) out.push(`${' '.repeat(si)}- ${pick(inline)}`);
            else if (t === 1) {
              const sub: string[] = [];
              gen(si + 2, depth + 1, sub);
              sub[0] = ' '.repeat(si) + '- ' + sub[0].trimStart();
              out.push(...sub);
            } else {
              out.push(`${' '.repeat(si)}-`);
              gen(si + 2, depth + 1, out);
            }
          }
        } else {
          const lines = pick(values).split('\n');
          out.push(`${sp}${k}:${lines[0] === '' || lines[0].startsWith(' ') ? '' : ' '}${lines[0]}`);
          for (const l of lines.slice(1)) out.push(l.replace('@', sp));
        }
        if (rnd(6) === 0) out.push(pick(['', '# comment', sp + '# c', '   ']));
      }
    };
    let fast = 0;
    let total = 0;
    for (let it = 0; it < 400; it++) {
      const lines: string[] = [];
      gen(0, 0, lines);
      let text = (rnd(4) === 0 ? '---\n' : '') + (rnd(5) === 0 ? '# lead\n' : '') + lines.join('\n') + '\n';
      if (rnd(4) === 0) text = text.replace(/\n/g, '\r\n');
      const value = jsyaml.load(text, { json: true });
      const r = compare(text, 0, text.length, value);
      fast += r.fast;
      total += r.total;
    }
    assert.ok(fast > total / 2, `scanner answered ${fast} of ${total}`);
  });
});
