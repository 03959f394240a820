// RE2 syntax checker (server/src/engine/re2.ts): what Envoy's RE2 accepts and rejects, and the program-size limit.
import * as assert from 'node:assert/strict';
import { DEFAULT_REGEX_MAX_SIZE, analyzeRe2, checkRe2 } from '../../server/src/engine/re2';

describe('RE2 checker', () => {
  it('accepts RE2 syntax, including RE2-only forms JavaScript does not know', () => {
    const ok = [
      '',
      'abc',
      '^/api/v[0-9]+/.*$',
      '(?P<id>[0-9]+)',
      '(?<id>[0-9]+)',
      '(?i)hello',
      '(?i-s:a.b)',
      '(?U)a+',
      '[[:alpha:]][[:^digit:]]*',
      '\\pL\\pN\\p{Greek}\\P{Latin}\\p{^Lu}',
      '\\Aabc\\z',
      '\\Qa.b*c\\E+',
      '\\x41\\x{1F600}\\101\\0',
      '\\C',
      'a{2}b{2,}c{2,5}d{0}',
      'a*?b+?c??d{1,3}?',
      '[]a]',
      '[^]a]',
      '[a-z-]',
      'x{',
      'a{,5}',
      '^*',
      '\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\\\/\\-',
      '[\\d\\s\\w-]',
    ];
    for (const p of ok) {
      const r = analyzeRe2(p);
      assert.equal(r.error, undefined, `${JSON.stringify(p)}: ${r.error?.message}`);
    }
  });

  it('rejects what RE2 lacks and says what it is, with the offending offset', () => {
    const bad: [string, RegExp, number][] = [
      ['a(?=b)', /lookahead/, 1],
      ['a(?!b)', /negative lookahead/, 1],
      ['(?<=a)b', /lookbehind/, 0],
      ['(?<!a)b', /negative lookbehind/, 0],
      ['(a)\\1', /backreference \\1/, 3],
      ['(?P<x>a)(?P=x)', /backreference \(\?P=name\)/, 8],
      ['\\k<x>', /named backreferences/, 0],
      ['a*+', /possessive quantifier \*\+/, 1],
      ['a++', /possessive/, 1],
      ['a{2}+', /possessive/, 1],
      ['(?>a+)b', /atomic group/, 0],
      ['(?#comment)a', /comment group/, 0],
      ['(?(1)a|b)', /conditional/, 0],
      ['(?R)', /recursion/, 0],
      ['(?x)a b', /flags i, m, s and U/, 0],
      ['\\Z', /use \\z/, 0],
      ['\\G', /\\G is not supported/, 0],
      ['\\e', /\\x1b/, 0],
      ['\\uFFFF', /\\x\{FFFF\}/, 0],
      ['\\8', /backreference/, 0],
    ];
    for (const [p, message, offset] of bad) {
      const r = analyzeRe2(p);
      assert.ok(r.error, `${JSON.stringify(p)} should be rejected`);
      assert.match(r.error.message, message, `${JSON.stringify(p)}: ${r.error.message}`);
      assert.equal(r.error.offset, offset, `${JSON.stringify(p)}: offset`);
      assert.ok(r.error.length >= 1);
    }
  });

  it('rejects invalid syntax', () => {
    const bad: [string, RegExp][] = [
      ['(abc', /missing closing \)/],
      ['abc)', /unexpected \)/],
      ['[a-', /missing closing \]/],
      ['[z-a]', /end is before the start/],
      ['[[:foo:]]', /invalid character class range \[:foo:\]/],
      ['[\\d-z]', /cannot start a range/],
      ['*a', /missing argument to repetition operator \*/],
      ['a|+', /missing argument/],
      ['{2}', /missing argument to repetition operator \{2\}/],
      ['a**', /bad repetition operator \*\*/],
      ['a???', /bad repetition operator/],
      ['a{2,1}', /maximum is smaller/],
      ['a{1001}', /at most 1000/],
      ['(a{100}){100}', /nested counted repetitions/],
      ['\\x{110000}', /beyond U\+10FFFF/],
      ['\\xZZ', /two hexadecimal digits/],
      ['\\p{Nope}', /invalid Unicode character class/],
      ['\\p{Grek}', /invalid Unicode character class/],
      ['(?P<1 x>a)', /invalid capture group name/],
      ['(?P<n>a)(?P<n>b)', /duplicate capture group name/],
      ['(?)', /empty flag group/],
      ['(?i-)', /invalid flag group/],
      ['\\', /trailing \\/],
      ['[\\b]', /not valid inside a character class/],
    ];
    for (const [p, message] of bad) {
      const r = analyzeRe2(p);
      assert.ok(r.error, `${JSON.stringify(p)} should be rejected`);
      assert.match(r.error.message, message, `${JSON.stringify(p)}: ${r.error.message}`);
    }
  });

  it('estimates the program size against regex_max_size (default 200)', () => {
    assert.equal(DEFAULT_REGEX_MAX_SIZE, 200);
    assert.equal(checkRe2('a'.repeat(150)), undefined);
    const long = checkRe2('a'.repeat(250));
    assert.ok(long);
    assert.match(long.message, /exceeds regex_max_size \(200\)/);
    assert.equal(checkRe2('a'.repeat(250), 1000), undefined);
    // Counted repetition multiplies the size; literal alternatives share their common prefix as in RE2.
    assert.ok(checkRe2('^/files/[^/]{1,100}$'));
    assert.equal(checkRe2('/(' + Array.from({ length: 25 }, (_, i) => `segment${String(i).padStart(2, '0')}`).join('|') + ')/'), undefined);
    const small = analyzeRe2('abc').programSize;
    const bigger = analyzeRe2('(abc){10}').programSize;
    assert.ok(bigger > 9 * small - 40, `${bigger} vs ${small}`);
  });

  it('never throws on arbitrary input', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const alphabet = 'ab()[]{}*+?|^$\\.:-,0123456789PpQEx<>=!#imsU \u00e9\ud83d\ude00';
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const n = next() % 24;
      for (let j = 0; j < n; j++) s += alphabet[next() % alphabet.length];
      const r = analyzeRe2(s);
      assert.ok(r.error === undefined || (r.error.offset >= 0 && r.error.offset <= s.length), JSON.stringify(s));
      assert.doesNotMatch(r.error?.message ?? '', /could not check/, JSON.stringify(s));
    }
  });

  it('agrees with JavaScript on patterns both dialects share', () => {
    const shared = ['a|b', '(a|b)*c', '[^a-z]+', 'x{2,3}', '\\d+\\.\\d+', '^(foo|bar)$', '(ab', 'a)', '[b-a]', 'a{3,2}'];
    for (const p of shared) {
      let js = true;
      try {
        new RegExp(p, 'u');
      } catch {
        js = false;
      }
      assert.equal(analyzeRe2(p).error === undefined, js, JSON.stringify(p));
    }
  });
});
