// The EP200 quick fix ("add weights") inserts a `weight:` line with the line break of the Mapping's own line, so a
// fix computed for a document stays right while that document's text is unchanged, whatever the rest of the file
// uses (and the Workspace may keep it across edits of other documents).
import * as assert from 'node:assert/strict';
import { Workspace } from '../../server/src/engine/workspace';
import type { Finding } from '../../server/src/engine/model';

const mapping = (name: string, eol: string) =>
  ['apiVersion: getambassador.io/v3alpha1', 'kind: Mapping', 'metadata:', `  name: ${name}`, 'spec:', '  prefix: /shop/', `  service: ${name}`, ''].join(eol);
const host = (eol: string) => ['apiVersion: getambassador.io/v3alpha1', 'kind: Host', 'metadata:', '  name: h', 'spec:', '  hostname: "*"', ''].join(eol);

function weightEdits(ws: Workspace): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [uri, list] of ws.allFindings()) {
    for (const f of list as Finding[]) {
      if (f.code !== 'EP200' || !f.fix) continue;
      out[uri] = f.fix.edits.map((e) => `${e.uri.split('/').pop()}:${e.range.start.line} ${JSON.stringify(e.newText)}`);
    }
  }
  return out;
}

describe('EP200 weight quick fix: line breaks', () => {
  it('uses the break of the line it inserts at: CRLF in a CRLF document, LF in an LF document of the same file', () => {
    const ws = new Workspace();
    ws.setFile('file:///ws/a.yaml', mapping('a', '\n'));
    // b.yaml: a Host written with CRLF, then the Mapping with LF.
    ws.setFile('file:///ws/b.yaml', `${host('\r\n')}---\n${mapping('b', '\n')}`);
    ws.setFile('file:///ws/c.yaml', mapping('c', '\r\n'));
    const edits = weightEdits(ws)['file:///ws/a.yaml'].map((e) => e.replace(/weight: \d+/, 'weight: N'));
    assert.deepEqual(edits, ['a.yaml:5 "  weight: N\\n"', 'b.yaml:12 "  weight: N\\n"', 'c.yaml:5 "  weight: N\\r\\n"']);
  });

  it('after another document of the file changes its line breaks, the kept fix equals a fresh analysis', () => {
    const lf = `${host('\n')}---\n${mapping('b', '\n')}`;
    const crlfHost = `${host('\r\n')}---\n${mapping('b', '\n')}`;
    const edited = new Workspace();
    edited.setFile('file:///ws/a.yaml', mapping('a', '\n'));
    edited.setFile('file:///ws/b.yaml', lf);
    weightEdits(edited);
    edited.setFile('file:///ws/b.yaml', crlfHost);
    const fresh = new Workspace();
    fresh.setFile('file:///ws/a.yaml', mapping('a', '\n'));
    fresh.setFile('file:///ws/b.yaml', crlfHost);
    assert.deepEqual(weightEdits(edited), weightEdits(fresh));
    assert.match(weightEdits(fresh)['file:///ws/b.yaml'].join(' '), /b\.yaml:12 "  weight: \d+\\n"/);
  });
});
