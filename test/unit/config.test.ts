// parseProjectConfig (the shared `.edgepolicy.yaml`) and applySeverity.
import assert from 'node:assert/strict';
import { applySeverity, parseProjectConfig } from '../../server/src/engine/config';
import type { Finding } from '../../server/src/engine/model';

const full = [
  '# shared settings', // 1
  'severity:', // 2
  '  EP221: warning', // 3
  '  EP203: off', // 4
  'exclude:', // 5
  '  - "**/charts/**"', // 6
  '  - rendered/*.yaml', // 7
  'diff:', // 8
  '  ignore:', // 9
  '    - kind: Module', // 10
  '      name: ambassador', // 11
  '      pointer: /spec/config/diagnostics', // 12
].join('\n');

describe('engine: .edgepolicy.yaml (parseProjectConfig)', () => {
  it('reads severity, exclude and diff.ignore', () => {
    assert.deepEqual(parseProjectConfig(full), {
      severity: { EP221: 'warning', EP203: 'off' },
      exclude: ['**/charts/**', 'rendered/*.yaml'],
      diffIgnore: [{ kind: 'Module', name: 'ambassador', pointer: '/spec/config/diagnostics' }],
      errors: [],
    });
  });

  it('an empty file or a comment-only file is an empty configuration', () => {
    for (const text of ['', '# nothing yet\n', '---\n']) {
      assert.deepEqual(parseProjectConfig(text), { severity: {}, exclude: [], diffIgnore: [], errors: [] });
    }
  });

  it('reports each bad entry with its line and keeps the good ones', () => {
    const text = [
      'severity:', // 1
      '  EP200: loud', // 2
      '  E200: error', // 3
      '  EP231: hint', // 4
      'exclude:', // 5
      '  - "**/ok/**"', // 6
      '  - 3', // 7
      '  - "!keep.yaml"', // 8
      'diff:', // 9
      '  ignore:', // 10
      '    - kind: Mapping', // 11
      '      pointer: spec/x', // 12
      '    - kind: Host', // 13
      '  colour: red', // 14
      'severities: {}', // 15
    ].join('\n');
    const cfg = parseProjectConfig(text);
    assert.deepEqual(cfg.severity, { EP231: 'hint' });
    assert.deepEqual(cfg.exclude, ['**/ok/**']);
    assert.deepEqual(cfg.diffIgnore, [{ kind: 'Host' }]);
    assert.deepEqual(
      cfg.errors.map((e) => e.line),
      [2, 3, 7, 8, 11, 14, 15],
    );
    const byLine = new Map(cfg.errors.map((e) => [e.line, e.message]));
    assert.match(byLine.get(2)!, /severity\.EP200: invalid level "loud" \(expected error, warning, info, hint, off\)/);
    assert.match(byLine.get(3)!, /"E200" is not a diagnostic code/);
    assert.match(byLine.get(7)!, /exclude\[1\]: expected a non-empty glob pattern/);
    assert.match(byLine.get(8)!, /negated patterns/);
    assert.match(byLine.get(11)!, /diff\.ignore\[0\]: "pointer" must be a JSON pointer starting with "\/"/);
    assert.match(byLine.get(14)!, /unknown key "diff\.colour"/);
    assert.match(byLine.get(15)!, /unknown key "severities" \(allowed: severity, exclude, diff\)/);
  });

  it('reports the wrong shapes at the line of the value', () => {
    const shapes: [string, number, RegExp][] = [
      ['- a\n', 1, /mapping at the top level/],
      ['\nseverity: [EP200]\n', 2, /"severity" must be a mapping/],
      ['exclude: {a: 1}\n', 1, /"exclude" must be a list/],
      ['diff:\n  ignore: {}\n', 2, /"diff\.ignore" must be a list/],
      ['diff: 3\n', 1, /"diff" must be a mapping/],
    ];
    for (const [text, line, re] of shapes) {
      const cfg = parseProjectConfig(text);
      assert.equal(cfg.errors.length, 1, text);
      assert.equal(cfg.errors[0]!.line, line, text);
      assert.match(cfg.errors[0]!.message, re);
    }
  });

  it('a YAML syntax error, a duplicate key or several documents: one clear error with a line, nothing applied', () => {
    const syntax = parseProjectConfig('severity:\n  EP200: off\nexclude: [\n');
    assert.deepEqual(syntax.severity, {});
    assert.equal(syntax.errors.length, 1);
    assert.match(syntax.errors[0]!.message, /^YAML syntax error: /);
    assert.ok(syntax.errors[0]!.line >= 3, String(syntax.errors[0]!.line));
    const dup = parseProjectConfig('severity:\n  EP200: off\nseverity:\n  EP200: error\n');
    assert.equal(dup.errors[0]!.line, 3);
    assert.match(dup.errors[0]!.message, /unique/);
    const docs = parseProjectConfig('severity: {}\n---\nexclude: []\n');
    assert.match(docs.errors[0]!.message, /multiple documents/);
  });

  it('never throws on hostile input (alias bomb, binary, deep nesting)', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 12; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`);
    for (const text of [bomb.join('\n'), '\u0000\u0001\u0002', '['.repeat(1000), 'severity:\n' + '  '.repeat(300) + 'x: 1']) {
      const cfg = parseProjectConfig(text);
      assert.ok(cfg.errors.length >= 1, text.slice(0, 40));
      for (const e of cfg.errors) assert.ok(e.line >= 1 && e.message.length > 0);
    }
  });
});

describe('engine: applySeverity', () => {
  const f = (code: string, severity: Finding['severity']): Finding => ({
    code,
    severity,
    message: code,
    uri: 'file:///w/a.yaml',
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
  });

  it('drops codes set to off and replaces levels; other findings are untouched objects', () => {
    const input = [f('EP200', 'warning'), f('EP221', 'info'), f('EP001', 'error')];
    const out = applySeverity(input, { EP200: 'off', EP221: 'error' });
    assert.deepEqual(
      out.map((x) => [x.code, x.severity]),
      [
        ['EP221', 'error'],
        ['EP001', 'error'],
      ],
    );
    assert.equal(out[1], input[2]);
    assert.equal(input[1]!.severity, 'info', 'the input is not modified');
  });

  it('returns the same array when no override applies', () => {
    const input = [f('EP200', 'warning')];
    assert.equal(applySeverity(input, {}), input);
    assert.equal(applySeverity(input, { EP200: 'warning', EP999: 'off' }), input);
  });
});
