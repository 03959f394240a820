// One fuzz run: mutated inputs through the engine and, when a server bundle is given, the language server.
import { Workspace } from '../../server/src/engine/workspace';
import { definitionAt, documentSymbols, referencesAt, secretDefinitions, workspaceSymbols, type NavigationIndex } from '../../server/src/engine/navigate';
import { routeGroupLenses } from '../../server/src/engine/lenses';
import { StdioLsp } from '../bench/lsp';
import { mutate, rng } from './mutate';

export interface RunOptions {
  corpus: string[];
  cases: number;
  seed: number;
  serverJs?: string;
  report: (m: { type: 'progress' | 'done' | 'fail'; index: number; message?: string; input?: string; rss?: number; maxMs?: number }) => void;
}

/** A request slower than this counts as a hang of the language server (generous: CI machines are loaded). */
const LSP_TIMEOUT = 30000;

export async function runCases(o: RunOptions): Promise<void> {
  const r = rng(o.seed);
  const ws = new Workspace();
  // a stable neighbour file so cross-file checks (collisions, duplicates) meet the mutated input
  ws.setFile('file:///fuzz/neighbour.yaml', o.corpus[0]);
  let lsp: StdioLsp | undefined;
  let lspExit: string | undefined;
  const uri = 'file:///fuzz/case.yaml';
  if (o.serverJs) {
    lsp = new StdioLsp(o.serverJs);
    let stderr = '';
    lsp.child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    lsp.child.stdin.on('error', () => undefined); // a dead server is reported by the exit check below
    lsp.child.on('exit', (code, signal) => {
      if (code !== null || signal) lspExit = `language server exited (${code ?? signal}); its last stderr: ${stderr}`;
    });
    await lsp.request('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null }, 30000);
    lsp.notify('initialized', {});
    lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: '' } });
  }
  let maxMs = 0;
  try {
    for (let i = 0; i < o.cases; i++) {
      const base = o.corpus[Math.floor(r() * o.corpus.length)];
      const other = o.corpus[Math.floor(r() * o.corpus.length)];
      const input = mutate(base, other, r);
      const t = Date.now();
      try {
        ws.setFile(uri, input);
        ws.allFindings();
        ws.routeTable();
        for (const res of ws.resources()) {
          if (res.origin.uri !== uri) continue;
          res.locate(['spec', 'prefix'], 'value');
          res.locate(['metadata', 'name'], 'key');
        }
        const lines = input.split('\n');
        const line = Math.floor(r() * (lines.length + 1));
        const character = Math.floor(r() * ((lines[line]?.length ?? 0) + 2));
        // Navigation at a random position: outline, definition, references, lenses, symbols.
        const parsed = ws.parsed(uri)!;
        const index: NavigationIndex = {
          resources: ws.resources(),
          routes: () => ws.routeTable(),
          secrets: () => ws.filesWithSecrets().flatMap(secretDefinitions),
          defaultNamespace: ws.defaultNamespace,
        };
        documentSymbols(parsed);
        definitionAt(parsed, { line, character }, index);
        referencesAt(parsed, { line, character }, index, true);
        routeGroupLenses(parsed, ws.routeTable());
        workspaceSymbols(ws.resources(), lines[line]?.slice(0, 3) ?? '');
        if (lsp) {
          lsp.notify('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [{ text: input }] });
          const pos = { textDocument: { uri }, position: { line, character } };
          await lsp.request('textDocument/completion', pos, LSP_TIMEOUT);
          await lsp.request('textDocument/hover', pos, LSP_TIMEOUT);
          await lsp.request('textDocument/documentSymbol', { textDocument: { uri } }, LSP_TIMEOUT);
          await lsp.request('textDocument/definition', pos, LSP_TIMEOUT);
          await lsp.request('textDocument/references', { ...pos, context: { includeDeclaration: true } }, LSP_TIMEOUT);
          await lsp.request('textDocument/codeLens', { textDocument: { uri } }, LSP_TIMEOUT);
          if (lspExit) throw new Error(lspExit);
        }
      } catch (e) {
        o.report({ type: 'fail', index: i, message: `case ${i}: ${(e as Error)?.stack ?? e}`, input });
        throw e;
      }
      maxMs = Math.max(maxMs, Date.now() - t);
      o.report({ type: 'progress', index: i, rss: process.memoryUsage().rss, maxMs });
    }
    o.report({ type: 'done', index: o.cases, maxMs });
  } finally {
    lspExit = undefined;
    lsp?.kill();
  }
}
