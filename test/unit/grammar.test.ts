import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

// The injection grammar is run by VS Code with Oniguruma. Its regexes keep to the subset that JavaScript reads
// the same way, except for two anchors this test translates: `\G` (where the enclosing YAML rules stopped
// consuming indentation) becomes `^` (the test feeds whole lines), and `\1` in the while pattern is replaced
// by the indentation the begin pattern captured, as the TextMate engine does.

const GRAMMAR = path.join(__dirname, '..', '..', 'syntaxes', 'annotation-injection.tmLanguage.json');

interface Rule {
  name?: string;
  begin: string;
  while: string;
  contentName: string;
  beginCaptures: Record<string, { name: string }>;
  patterns: { include: string }[];
}

function load(): { scopeName: string; injectionSelector: string; patterns: { include: string }[]; repository: Record<string, Rule> } {
  return JSON.parse(fs.readFileSync(GRAMMAR, 'utf8'));
}

function toJs(onig: string): RegExp {
  const js = onig.replace('(?:^|\\G)', '^').replace('\\G', '^');
  return new RegExp(js);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('annotation injection grammar', () => {
  const g = load();
  const rule = g.repository['annotation-config'];

  it('is a valid injection grammar for YAML', () => {
    assert.equal(g.scopeName, 'edgepolicy.ambassador-annotation.injection');
    assert.match(g.injectionSelector, /^L:source\.yaml\b/);
    for (const p of g.patterns) {
      assert.ok(p.include.startsWith('#'));
      assert.ok(g.repository[p.include.slice(1)], `missing repository entry ${p.include}`);
    }
    assert.deepEqual(rule.patterns, [{ include: 'source.yaml' }]);
    assert.equal(rule.contentName, 'meta.embedded.block.yaml');
    // Oniguruma-only constructs would not be checked by this test: keep them out.
    for (const re of [rule.begin, rule.while]) {
      assert.doesNotMatch(re, /\(\?>|\+\+|\*\+|\\h|\\A|\\z|\(\?<[a-z]/i);
    }
    // Every capture number exists in the begin pattern.
    const groups = new RegExp(toJs(rule.begin).source + '|').exec('')!.length - 1;
    for (const k of Object.keys(rule.beginCaptures)) assert.ok(Number(k) <= groups, `capture ${k} of ${groups}`);
  });

  it('starts at a getambassador.io/config key whose value is a block scalar', () => {
    const begin = toJs(rule.begin);
    const yes: [string, string][] = [
      ['    getambassador.io/config: |', '|'],
      ['    getambassador.io/config: |-', '|-'],
      ['  getambassador.io/config:   >+', '>+'],
      ['getambassador.io/config: |2', '|2'],
      ['    "getambassador.io/config": |', '|'],
      ["    'getambassador.io/config': | # Emissary config", '|'],
      ['\tgetambassador.io/config: |', '|'],
    ];
    for (const [line, indicator] of yes) {
      const m = begin.exec(line);
      assert.ok(m, line);
      assert.equal(m[10], indicator, line);
      assert.equal(m[3] ?? m[6] ?? m[8], 'getambassador.io/config');
    }
    const no = [
      '    getambassador.io/config: "apiVersion: ambassador/v2"',
      '    getambassador.io/config: plain',
      '    getambassador.io/configs: |',
      '    x-getambassador.io/config: |',
      '    other: |',
      '    # getambassador.io/config: |',
      '    getambassador.io/config: |x',
    ];
    for (const line of no) assert.equal(begin.exec(line), null, line);
  });

  it('continues while lines are more indented than the key or blank', () => {
    const begin = toJs(rule.begin);
    const key = '    getambassador.io/config: |';
    const indent = begin.exec(key)![1];
    assert.equal(indent, '    ');
    const cont = toJs(rule.while.replace('\\1', escapeRe(indent)));
    for (const line of ['      apiVersion: ambassador/v2', '      ---', '', '   ', '          deeper: 1', '     x']) {
      assert.ok(cont.test(line), JSON.stringify(line));
    }
    for (const line of ['    other.io/key: x', '  labels:', 'spec:', '---', '    - item']) {
      assert.ok(!cont.test(line), JSON.stringify(line));
    }
  });
});
