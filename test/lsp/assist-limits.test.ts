// Completion and hover keep yaml-language-server away from documents it cannot handle in bounded time/memory
// (deep nesting, huge documents): declineReason decides, YamlAssist answers with its own items only and logs once.
import * as assert from 'assert';
import { MAX_ASSIST_DOCUMENT_CHARS, YamlAssist, declineReason } from '../../server/src/lsp/assist';

const HEAD = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: m\nspec:\n  prefix: /a/\n  service: s\n';
const lines = (text: string) => text.split('\n');
const flow = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('assist limits: declineReason', () => {
  it('accepts ordinary documents, brackets in regexes and flow lists included', () => {
    const text = HEAD + '  regex_rewrite:\n    pattern: "/[a-z]+/(\\\\d{3})"\n  headers: {x-a: "1", x-b: [c, d]}\n  - - a\n';
    assert.strictEqual(declineReason(lines(text)), undefined);
  });

  it('100 levels of flow nesting pass; 101 are refused with the engine\'s depth wording', () => {
    assert.strictEqual(declineReason(lines(HEAD + '  x: ' + flow(100) + '\n')), undefined);
    assert.strictEqual(declineReason(lines(HEAD + '  x: ' + flow(101) + '\n')), 'nested more than 100 levels deep');
  });

  it('counts flow nesting across lines and compact `- - -` indicators at the start of a line', () => {
    const multiLine = HEAD + '  x:\n' + Array.from({ length: 101 }, () => '    [').join('\n') + '\n';
    assert.strictEqual(declineReason(lines(multiLine)), 'nested more than 100 levels deep');
    assert.strictEqual(declineReason(lines(HEAD + '  x:\n    ' + '- '.repeat(100) + 'a\n')), undefined);
    assert.strictEqual(declineReason(lines(HEAD + '  x:\n    ' + '- '.repeat(101) + 'a\n')), 'nested more than 100 levels deep');
    assert.strictEqual(declineReason(lines(HEAD + '  x:\n    ' + '? '.repeat(60) + '[ '.repeat(41) + 'a\n')), 'nested more than 100 levels deep');
  });

  it('ignores brackets in comments', () => {
    assert.strictEqual(declineReason(lines(HEAD + '  # ' + '['.repeat(500) + '\n  x: 1 # ' + '{'.repeat(500) + '\n')), undefined);
  });

  it(`refuses documents larger than ${MAX_ASSIST_DOCUMENT_CHARS / 1024} KB`, () => {
    const keys = Math.ceil(MAX_ASSIST_DOCUMENT_CHARS / 20);
    const big = HEAD + '  headers:\n' + Array.from({ length: keys }, (_, i) => `    h${i}: value-${i}`).join('\n') + '\n';
    assert.match(declineReason(lines(big)) ?? '', /^the document is larger than 64 KB$/);
  });
});

describe('assist limits: YamlAssist', function () {
  this.timeout(60000);
  const logs: string[] = [];
  let assist: YamlAssist;

  before(async () => {
    assist = new YamlAssist(undefined, { log: (m) => logs.push(m) });
    await assist.warmUp();
  });
  beforeEach(() => {
    logs.length = 0;
  });

  it('a document of 300,000 nested flow sequences: no schema completion or hover, quickly, one log line per file', async () => {
    const text = HEAD + '  x: ' + flow(300000) + '\n';
    const started = performance.now();
    for (const position of [{ line: 6, character: 2 }, { line: 7, character: 3 }]) {
      assert.deepStrictEqual((await assist.complete(text, position, 'deep.yaml')).items, []);
      assert.strictEqual(await assist.hover(text, position, 'deep.yaml'), null);
    }
    const ms = performance.now() - started;
    assert.ok(ms < 2000, `4 requests took ${ms.toFixed(0)} ms`);
    assert.deepStrictEqual(logs, ['deep.yaml: no completion or hover in the document at line 1: nested more than 100 levels deep']);
    await assist.complete(text, { line: 6, character: 2 }, 'other.yaml');
    assert.strictEqual(logs.length, 2, 'another file gets its own line');
    assert.match(logs[1], /^other\.yaml: /);
  });

  it('our own apiVersion/kind answers still work in a refused document', async () => {
    const text = HEAD + '  x: ' + flow(1000) + '\n';
    const kinds = await assist.complete(text, { line: 1, character: 6 }, 'deep.yaml');
    assert.ok(kinds.items.some((i) => i.label === 'Mapping'), JSON.stringify(kinds.items.map((i) => i.label)));
    const hover = await assist.hover(text, { line: 1, character: 2 }, 'deep.yaml');
    assert.match(JSON.stringify(hover?.contents), /resource kind/);
  });

  it('only the refused document is affected: the next document of the same file still completes from the schema', async () => {
    const text = HEAD + '  x: ' + flow(1000) + '\n---\n' + HEAD + '  \n';
    const line = text.split('\n').length - 2;
    const list = await assist.complete(text, { line, character: 2 }, 'two.yaml');
    assert.ok(list.items.some((i) => i.label === 'rewrite'), JSON.stringify(list.items.map((i) => i.label).slice(0, 20)));
    const hover = await assist.hover(text, { line: line - 2, character: 3 }, 'two.yaml');
    assert.match(JSON.stringify(hover?.contents), /prefix/i);
    assert.deepStrictEqual(logs, []);
  });
});
