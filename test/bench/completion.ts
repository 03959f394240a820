// B2 completion: right after an edit of a 500-document file, how long until completion answers.
// Ours: the built language server over stdio (didChange, then completion; IPC included).
// Peer: yaml-language-server in-process, doComplete after a version bump of the same whole file.
import * as path from 'path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from 'yaml-language-server';
import { StdioLsp } from './lsp';
import { dispatchSchemaUri, schemaTexts } from './schemas';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Position of an empty line opened inside the spec of document `k` (after its `service:` line). */
function editAt(text: string, k: number): { text: string; line: number; character: number } {
  let idx = -1;
  for (let i = 0; i <= k; i++) idx = text.indexOf('  service: ', idx + 1);
  const end = text.indexOf('\n', idx);
  const next = text.slice(0, end + 1) + '  \n' + text.slice(end + 1);
  const line = text.slice(0, end + 1).split('\n').length - 1;
  return { text: next, line, character: 2 };
}

export async function completionBench(base: string, edits: number): Promise<{ oursP50: number; oursP95: number; peerP50: number; peerP95: number }> {
  const repo = path.resolve(__dirname, '..');
  const lsp = new StdioLsp(path.join(repo, 'dist', 'server.js'));
  const uri = 'file:///bench-completion/routes.yaml';
  const ours: number[] = [];
  try {
    await lsp.request('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
    lsp.notify('initialized', {});
    lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: base } });
    for (let k = 0; k < edits; k++) {
      const e = editAt(base, (k * 37) % 400);
      const t = now();
      lsp.notify('textDocument/didChange', { textDocument: { uri, version: k + 2 }, contentChanges: [{ text: e.text }] });
      const r = await lsp.request('textDocument/completion', { textDocument: { uri }, position: { line: e.line, character: e.character } });
      ours.push(now() - t);
      const items = Array.isArray(r.result) ? r.result : r.result?.items;
      if (!items || !items.length) throw new Error('our completion returned nothing inside a Mapping spec');
    }
  } finally {
    lsp.kill();
  }

  const texts = schemaTexts();
  const ls = getLanguageService({
    schemaRequestService: async (u: string) => texts.get(u) ?? '{}',
    workspaceContext: { resolveRelativePath: (rel: string, res: string) => new URL(rel, res).toString() },
  });
  ls.configure({ validate: false, completion: true, hover: false, schemas: [{ uri: dispatchSchemaUri, fileMatch: ['*.yaml'] }] });
  const peer: number[] = [];
  const peerEdits = Math.min(edits, 40);
  for (let k = 0; k < peerEdits; k++) {
    const e = editAt(base, (k * 37) % 400);
    const doc = TextDocument.create('file:///bench-peer/routes.yaml', 'yaml', k + 2, e.text);
    const t = now();
    await ls.doComplete(doc, { line: e.line, character: e.character }, false);
    peer.push(now() - t);
  }
  return { oursP50: pct(ours, 50), oursP95: pct(ours, 95), peerP50: pct(peer, 50), peerP95: pct(peer, 95) };
}
