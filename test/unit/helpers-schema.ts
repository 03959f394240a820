// Test helpers for the schema diagnostics.
//
// parseFile (server/src/engine/parse.ts) is the normal way to get Resources. It does not read top-level YAML
// sequences (a plain list of manifests is not something kubectl applies), but Emissary's conversion fixtures are
// written that way and are the richest schema test input there is; `listResources` turns each getambassador.io
// item of such a list into a Resource, with `locate` implemented on the `yaml` package's AST and a LineCounter.

import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { parseFile } from '../../server/src/engine/parse';
import type { Finding, JsonPath, Range, Resource } from '../../server/src/engine/model';
import { AMBASSADOR_GROUP } from '../../server/src/engine/model';
import { validateResource } from '../../server/src/engine/schema/validate';

export const TEST_URI = 'file:///workspace/test.yaml';

/** parseFile + validateResource over every resource: the schema findings of a text. */
export function schemaFindings(text: string, uri = TEST_URI): Finding[] {
  const parsed = parseFile(uri, text);
  return parsed.resources.flatMap((r) => validateResource(r));
}

export function resources(text: string, uri = TEST_URI): Resource[] {
  return parseFile(uri, text).resources;
}

/** `line:char-line:char`, 0-based, for compact assertions. */
export function rangeText(r: Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Resources for the getambassador.io items of top-level YAML sequences (documents parseFile leaves alone). */
export function listResources(uri: string, text: string): Resource[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: Resource[] = [];
  const pos = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line - 1, character: p.col - 1 };
  };
  const span = (n: YamlNode | null | undefined): Range | undefined =>
    n?.range ? { start: pos(n.range[0]), end: pos(n.range[1]) } : undefined;
  list.forEach((doc, docIndex) => {
    const root = doc.contents;
    if (!isSeq(root)) return;
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown[];
    root.items.forEach((itemNode, i) => {
      const item = value[i];
      if (!isObj(item) || typeof item.apiVersion !== 'string' || !item.apiVersion.startsWith(AMBASSADOR_GROUP + '/')) return;
      const meta = isObj(item.metadata) ? item.metadata : {};
      const locate = (path: JsonPath, part?: 'key' | 'value'): Range => {
        let node: unknown = itemNode;
        let key: YamlNode | null = null;
        let best = span(itemNode as YamlNode) ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
        for (const seg of path) {
          if (isMap(node)) {
            const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
            if (!pair) return best;
            key = pair.key as YamlNode;
            node = pair.value;
          } else if (isSeq(node) && Number(seg) < node.items.length) {
            key = null;
            node = node.items[Number(seg)];
          } else return best;
          best = span(key ?? (node as YamlNode)) ?? best;
        }
        if (part === 'key' && key) return span(key) ?? best;
        return span(node as YamlNode) ?? span(key) ?? best;
      };
      const apiVersion = item.apiVersion;
      out.push({
        apiVersion,
        version: apiVersion.slice(AMBASSADOR_GROUP.length + 1),
        kind: typeof item.kind === 'string' ? item.kind : '',
        name: typeof meta.name === 'string' ? meta.name : '',
        namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
        labels: {},
        spec: isObj(item.spec) ? item.spec : {},
        object: item,
        origin: { uri, docIndex },
        locate,
      });
    });
  });
  return out;
}
