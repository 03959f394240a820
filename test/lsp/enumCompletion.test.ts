// Completion of a field's value where the schema lists the allowed values (an `enum`): the built server
// (dist/server.js --stdio) offers exactly those values, read here from the committed schema of the kind.
// Needs `npm run build` first.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CompletionItem } from 'vscode-languageserver-protocol';
import { fileUri, indexedClient, REPO, stopAndRemove, TestClient } from './client';

/** The `enum` of the schema node at `pointer` (JSON-pointer segments) in schemas/v3alpha1/<kind>.json. */
function schemaEnum(kind: string, pointer: string[]): unknown[] {
  let node: unknown = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'v3alpha1', `${kind}.json`), 'utf8'));
  for (const key of pointer) node = (node as Record<string, unknown>)[key];
  const values = (node as { enum?: unknown[] }).enum;
  assert.ok(Array.isArray(values) && values.length > 1, `${kind} ${pointer.join('/')} has an enum in the schema`);
  return values;
}

function sorted(values: unknown[]): string[] {
  return values.map(String).sort();
}

/** The labels of the completion items, sorted. */
function labels(items: CompletionItem[]): string[] {
  return sorted(items.map((i) => i.label));
}

interface Case {
  what: string;
  kind: string;
  pointer: string[];
  /** The document; `|` marks where completion is asked (removed from the text). */
  text: string;
}

/** The lines of a Host document. */
const HOST = ['apiVersion: getambassador.io/v3alpha1', 'kind: Host', 'metadata:', '  name: edge', 'spec:', '  hostname: example.com'];

const CASES: Case[] = [
  {
    what: 'Mapping spec.load_balancer.policy',
    kind: 'Mapping',
    pointer: ['properties', 'spec', 'properties', 'load_balancer', 'properties', 'policy'],
    text: [
      'apiVersion: getambassador.io/v3alpha1',
      'kind: Mapping',
      'metadata:',
      '  name: quote',
      'spec:',
      '  prefix: /quote/',
      '  service: quote:80',
      '  load_balancer:',
      '    policy: |',
      '',
    ].join('\n'),
  },
  {
    what: 'Host spec.requestPolicy.insecure.action',
    kind: 'Host',
    pointer: ['properties', 'spec', 'properties', 'requestPolicy', 'properties', 'insecure', 'properties', 'action'],
    text: [
      ...HOST,
      '  requestPolicy:',
      '    insecure:',
      '      action: |',
      '',
    ].join('\n'),
  },
  {
    what: 'Listener spec.protocol, in the second document of a file',
    kind: 'Listener',
    pointer: ['properties', 'spec', 'properties', 'protocol'],
    text: [
      ...HOST,
      '---',
      'apiVersion: getambassador.io/v3alpha1',
      'kind: Listener',
      'metadata:',
      '  name: http',
      'spec:',
      '  port: 8080',
      '  securityModel: XFP',
      '  protocol: |',
      '  hostBinding:',
      '    namespace:',
      '      from: ALL',
      '',
    ].join('\n'),
  },
];

/** Splits a `|`-marked text into the text and the marker's position. */
function marked(text: string): { text: string; line: number; character: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('|'));
  const character = lines[line].indexOf('|');
  lines[line] = lines[line].replace('|', '');
  return { text: lines.join('\n'), line, character };
}

describe('language server: completion of enum values', function () {
  this.timeout(30000);
  let dir: string;
  let client: TestClient;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-lsp-enum-'));
    client = await indexedClient({ folders: [dir] });
  });

  after(() => stopAndRemove(client, dir));

  for (const c of CASES) {
    it(`${c.what}: exactly the schema's values`, async () => {
      const expected = sorted(schemaEnum(c.kind, c.pointer));
      const { text, line, character } = marked(c.text);
      const u = fileUri(path.join(dir, `${c.kind}.yaml`));
      client.open(u, text);
      const items = await client.completion(u, { line, character });
      assert.deepStrictEqual(labels(items), expected);
      for (const item of items) {
        const edit = item.textEdit as { range: { start: { line: number; character: number } } } | undefined;
        assert.deepStrictEqual(edit?.range.start, { line, character }, `${item.label} is inserted after the key`);
      }
      client.close(u);
    });
  }

  it('a half-typed value: the same values, each replacing what was typed', async () => {
    const expected = sorted(schemaEnum('Mapping', CASES[0].pointer));
    const { text, line, character } = marked(CASES[0].text.replace('policy: |', 'policy: ri|'));
    const u = fileUri(path.join(dir, 'partial.yaml'));
    client.open(u, text);
    const items = await client.completion(u, { line, character });
    // Filtering by the typed prefix is the editor's job; the server offers every allowed value.
    assert.deepStrictEqual(labels(items), expected);
    for (const item of items) {
      const edit = item.textEdit as { range: { start: { character: number }; end: { character: number } } };
      assert.deepStrictEqual([edit.range.start.character, edit.range.end.character], [character - 2, character], item.label);
    }
    client.close(u);
  });
});
