// The fast block-YAML reader must give exactly js-yaml's value whenever it answers (and leave everything else
// to js-yaml): compared on the benchmark generator, every YAML file of the repository, hand-picked edge cases
// and seeded random documents mixing valid and broken YAML.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as jsyaml from 'js-yaml';
import { fastLoad, implicitTypes } from '../../server/src/engine/fastyaml';
import { LineIndex, VALUE_SCHEMA, loadYaml, splitDocuments } from '../../server/src/engine/locate';
import { generate, rng } from '../bench/gen';

const IMPLICIT = implicitTypes(VALUE_SCHEMA);

function jsyamlValue(src: string): { value?: unknown; error?: string } {
  try {
    return { value: jsyaml.load(src, { schema: VALUE_SCHEMA, maxDepth: 100 } as jsyaml.LoadOptions) };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] };
  }
}

/** Compares the fast reader with js-yaml on one document; returns whether the fast reader answered. */
function agree(src: string, where: string): boolean {
  const fast = fastLoad(src, 0, src.length, IMPLICIT);
  if (!fast) return false;
  const want = jsyamlValue(src);
  assert.equal(want.error, undefined, `${where}: the fast reader accepted a document js-yaml rejects: ${JSON.stringify(src)}`);
  assert.ok(
    isDeepStrictEqual(fast.value, want.value) && JSON.stringify(fast.value) === JSON.stringify(want.value),
    `${where}: ${JSON.stringify(src)}\nfast:    ${JSON.stringify(fast.value)}\njs-yaml: ${JSON.stringify(want.value)}`,
  );
  return true;
}

function documents(text: string): string[] {
  const lines = LineIndex.build(text);
  return splitDocuments(text, lines, text.charCodeAt(0) === 0xfeff ? 1 : 0).map((s) => text.slice(s.start, s.end));
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.')) yamlFiles(p, out);
    } else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

const EDGE_CASES = [
  'a: 1\nb: -2\nc: 0x1F\nd: 0o17\ne: 1_000\nf: 1.5\ng: .5\nh: -.inf\ni: .NaN\nj: 1e3\nk: +1\nl: 1.\nm: 0b101\n',
  'a: true\nb: False\nc: NULL\nd: ~\ne: null\nf: yes\ng: on\nh:\ni: ""\nj: \'\'\n',
  "a: 'it''s'\nb: \"x # y\"\nc: a#b\nd: a # c\ne: http://x:80/y\nf: x:y\ng: -x\nh: --\ni: ---\n",
  'k:\n- a\n- b\nl:\n  - c\n  -\n  - d\n',
  '- name: a\n  value: 1\n-   name: b\n    value: 2\n- - nested\n- |\n  block\n',
  'metadata:\n  annotations:\n    getambassador.io/config: |\n      ---\n      apiVersion: ambassador/v2\n      kind: Mapping\n\n      name: x\n    other: y\n',
  'a: |-\n  x\n\n  y\n\n\nb: |+\n  z\n\n\nc: |\n   lead\n  bad\n',
  'a: |\n\n  x\n    indented\n  \n       \n',
  'a: |\n    \n  x\n',
  '- name: a\n  value: 1\n-   name: b\n    value: 2\n- |\n  block\n',
  'a: |-\n  x\n\n  y\n\n\nb: |+\n  z\n\n\n',
  'a: [ ]\nb: {}\n',
  'a: |2\n   x\n',
  'a: >\n  folded\n  text\n',
  'a: [ ]\nb: {}\nc: [x]\nd: {x: 1}\n',
  '"q": 1\n\'s\': 2\n"e\\n": 3\n',
  'a:\n  b:\n    c: 1\n  d: 2\ne: 3\n',
  'a: 1\n  b: 2\n',
  'a:\n  x\n',
  'a: b\n  c\n',
  '---\na: 1\n...\n',
  '--- # c\n# x\na: 1\n',
  '%YAML 1.2\n---\na: 1\n',
  'a: &x 1\nb: *x\n',
  '<<: {a: 1}\n',
  '1: a\ntrue: b\nnull: c\n',
  'a: 1\na: 2\n',
  '__proto__: x\n',
  'a:\tb\n',
  'a: b\r\nc: d\r\n',
  '\ta: b\n',
  'a: - b\n',
  'a: b: c\n',
  'a: "x" y\n',
  'a: !!str 1\n',
  '- a\nb: c\n',
  'plain scalar document\n',
  '# only a comment\n',
];

describe('fast YAML reader (agrees with js-yaml)', function () {
  this.timeout(120000);

  it('reads the benchmark workspace without js-yaml and exactly as js-yaml does', () => {
    let fast = 0;
    let all = 0;
    for (const f of generate({ documents: 2000, files: 100, seed: 11 })) {
      for (const d of documents(f.text)) {
        all++;
        if (agree(d, f.uri)) fast++;
      }
    }
    assert.equal(fast, all, 'every generated document is plain block YAML');
  });

  it('agrees on every YAML file of the repository (fixtures, examples)', () => {
    const root = path.resolve(__dirname, '..', '..');
    const files = [...yamlFiles(path.join(root, 'test')), ...yamlFiles(path.join(root, 'examples'))];
    assert.ok(files.length > 50, `found ${files.length} YAML files`);
    let fast = 0;
    for (const p of files) {
      const text = fs.readFileSync(p, 'utf8');
      if (text.length > 1e6) continue;
      for (const d of documents(text)) if (agree(d, path.relative(root, p))) fast++;
    }
    assert.ok(fast > 100, `the fast reader answered for ${fast} documents`);
  });

  it('agrees on edge cases, and leaves the unusual ones to js-yaml', () => {
    let fast = 0;
    for (const src of EDGE_CASES) if (agree(src, 'edge case')) fast++;
    assert.ok(fast >= 11, `answered ${fast} edge cases`);
    // These must not be answered by the fast reader (anchors, merge keys, duplicates, tabs, CR, flow content ...).
    for (const src of ['a: &x 1\nb: *x\n', '<<: {a: 1}\n', 'a: 1\na: 2\n', 'a:\tb\n', 'a: b\r\nc: d\r\n', 'c: [x]\n', 'a: >\n  f\n']) {
      assert.equal(fastLoad(src, 0, src.length, IMPLICIT), undefined, JSON.stringify(src));
    }
  });

  it('agrees on seeded random documents (valid and broken)', () => {
    const r = rng(20260101);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
    const scalars = ['a', 'b c', '1', '-1', '0x1F', '1_000', '1.5', '.5', '-.inf', 'true', 'False', 'NULL', '~', 'yes', '', "'q'", "'it''s'",
      '"dq"', '"a # b"', 'a#b', 'a # c', 'http://x:80/y', '-x', '--', '<<', '@x', '&a x', '*a', '[]', '{}', '[a]', 'a: b', 'a:', ':a',
      '"un', '"esc\\n"', 'tab\there', 'trail   ', '00', '+1', '12:30'];
    const keys = ['a', 'b', 'key', 'a b', 'x-y', '"q"', "'s'", '1', 'true', '~', '<<', 'a:b', 'é', 'k#', 'on', 'spec', 'a.b/c'];
    const block = (indent: number, depth: number): string[] => {
      const out: string[] = [];
      const sp = ' '.repeat(indent);
      const seq = depth > 0 && r() < 0.3;
      for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) {
        if (r() < 0.1) out.push(sp + pick(['# c', '', '   ']));
        const head = seq ? sp + pick(['- ', '-  ']) : sp + pick(keys) + ':';
        const kind = r();
        if (depth < 4 && kind < 0.3) {
          const childIndent = !seq && r() < 0.2 ? indent : indent + pick([1, 2, 2, 4]);
          out.push(head + pick(['', ' # c']));
          if (childIndent === indent) for (let k = 0; k < 2; k++) out.push(sp + '- ' + pick(scalars));
          else out.push(...block(childIndent, depth + 1));
        } else if (kind < 0.4) {
          out.push(head + (seq ? '' : ' ') + pick(['|', '|-', '|+', '|2', '>', '| # c']));
          const bi = indent + pick([1, 2, 2, 3, 0]);
          for (let k = 0, m = 1 + Math.floor(r() * 4); k < m; k++) out.push(pick(['', ' '.repeat(bi + 2), ' '.repeat(bi) + pick(scalars), ' '.repeat(bi + 1) + 'x']));
        } else {
          out.push(head + (seq ? '' : pick([' ', '  ', '\t', ''])) + pick(scalars) + pick(['', ' # c', '  ', '\t', '\r']));
          if (r() < 0.05) out.push(sp + '  continued');
        }
      }
      return out;
    };
    let fast = 0;
    for (let k = 0; k < 40000; k++) {
      const lines = block(r() < 0.9 ? 0 : 2, 0);
      if (r() < 0.2) lines.unshift('---' + pick(['', ' # c', ' x']));
      let src = lines.join('\n') + pick(['\n', '', '\n\n']);
      if (r() < 0.3) {
        const i = Math.floor(r() * src.length);
        src = r() < 0.5 ? src.slice(0, i) + src.slice(i + 1) : src.slice(0, i) + pick([' ', ':', '-', '#', '\n', "'", '"', '|', '\t']) + src.slice(i);
      }
      if (agree(src, `random document ${k}`)) fast++;
    }
    assert.ok(fast > 1000, `answered ${fast} random documents`);
  });

  it('is what loadYaml uses, with js-yaml for the rest', () => {
    const plain = 'a: 1\nb: [x]\n';
    assert.deepEqual(loadYaml(plain, 0, plain.length).value, { a: 1, b: ['x'] });
    const dup = 'a: 1\na: 2\n';
    const r = loadYaml(dup, 0, dup.length);
    assert.match(r.duplicate?.reason ?? '', /duplicated mapping key/);
  });
});
