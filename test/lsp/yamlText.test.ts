// The line-level helpers the language server uses to find the document / annotation under the cursor.
import * as assert from 'assert';
import { annotationBlockAt, documentAt, readHead, splitLines } from '../../server/src/lsp/yamlText';

describe('lsp/yamlText', () => {
  it('finds the document under a line in a multi-document text', () => {
    const lines = splitLines('a: 1\n---\nb: 2\n\n--- # next\nc: 3\n...\nd: 4\n');
    assert.deepStrictEqual(documentAt(lines, 0), { startLine: 0, endLine: 1, lines: ['a: 1'] });
    assert.deepStrictEqual(documentAt(lines, 3), { startLine: 2, endLine: 4, lines: ['b: 2', ''] });
    assert.deepStrictEqual(documentAt(lines, 5).lines, ['c: 3']);
    assert.deepStrictEqual(documentAt(lines, 7).lines, ['d: 4', '']);
    // A cursor on a `---` line belongs to the document it opens (the caller sees line < startLine).
    assert.strictEqual(documentAt(lines, 1).startLine, 2);
  });

  it('reads top-level apiVersion and kind, ignoring nested keys, quotes and comments', () => {
    const head = readHead(splitLines('metadata:\n  kind: Nope\napiVersion: "getambassador.io/v2" # old\nkind: Mapping\n'));
    assert.deepStrictEqual(head, { empty: false, apiVersion: 'getambassador.io/v2', apiVersionLine: 2, kind: 'Mapping', kindLine: 3 });
    assert.strictEqual(readHead(splitLines('# only a comment\n\n')).empty, true);
  });

  const service = [
    'apiVersion: v1', // 0
    'kind: Service', // 1
    'metadata:', // 2
    '  annotations:', // 3
    '    getambassador.io/config: |', // 4
    '      kind: Mapping', // 5
    '      name: a', // 6
    '', // 7
    '      prefix: /a/', // 8
    '', // 9
    'spec: {}', // 10
  ];

  it('maps a getambassador.io/config block scalar to its inner text', () => {
    const block = annotationBlockAt(service, { line: 7, character: 6 })!;
    assert.deepStrictEqual(
      { firstLine: block.firstLine, endLine: block.endLine, indent: block.indent },
      { firstLine: 5, endLine: 10, indent: 6 },
    );
    assert.strictEqual(block.text, 'kind: Mapping\nname: a\n\nprefix: /a/\n');
    assert.ok(annotationBlockAt(service, { line: 6, character: 8 }), 'on a content line');
  });

  it('is not fooled by positions outside the block', () => {
    assert.strictEqual(annotationBlockAt(service, { line: 4, character: 10 }), undefined, 'the header line');
    assert.strictEqual(annotationBlockAt(service, { line: 10, character: 2 }), undefined, 'a later top-level key');
    assert.strictEqual(annotationBlockAt(service, { line: 9, character: 2 }), undefined, 'trailing blank line, left of the block');
    assert.ok(annotationBlockAt(service, { line: 9, character: 6 }), 'trailing blank line at the block indentation');
    assert.strictEqual(annotationBlockAt(service, { line: 2, character: 0 }), undefined);
  });

  it('honours an explicit indentation indicator and ignores folded scalars', () => {
    const explicit = ['metadata:', '  annotations:', '    getambassador.io/config: |2', '      kind: Mapping', '      name: x'];
    const b = annotationBlockAt(explicit, { line: 4, character: 8 })!;
    assert.strictEqual(b.indent, 6);
    const folded = ['metadata:', '  annotations:', '    getambassador.io/config: >', '      kind: Mapping'];
    assert.strictEqual(annotationBlockAt(folded, { line: 3, character: 8 }), undefined);
  });

  it('handles an annotation with nothing written yet', () => {
    const fresh = ['metadata:', '  annotations:', "    'getambassador.io/config': |", '      '];
    const b = annotationBlockAt(fresh, { line: 3, character: 6 })!;
    assert.deepStrictEqual([b.firstLine, b.indent, b.text], [3, 6, '']);
  });
});
