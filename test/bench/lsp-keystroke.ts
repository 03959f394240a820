// B2 over the wire: the built language server indexes the workspace from disk, a 500-document file is open,
// and each keystroke (didChange) is timed until the server publishes that file's new diagnostics. Every edit
// moves a Mapping to another route group (its prefix) and, without changing the line count, makes (even edits)
// or fixes (odd edits) a schema error in that document, so fresh diagnostics are always due and recognisable.
import { pathToFileURL } from 'url';
import * as path from 'path';
import { StdioLsp } from './lsp';

const now = () => Number(process.hrtime.bigint()) / 1e6;

function nthIndexOf(s: string, needle: string, n: number): number {
  let i = -1;
  for (let k = 0; k <= n; k++) i = s.indexOf(needle, i + 1);
  return i;
}

/** Replaces the rest of the line after `needle` (n-th occurrence) with `value`. */
function setLineValue(text: string, needle: string, n: number, value: string): { text: string; line: number } {
  const idx = nthIndexOf(text, needle, n);
  const end = text.indexOf('\n', idx);
  const line = text.slice(0, idx).split('\n').length - 1;
  return { text: text.slice(0, idx + needle.length) + value + text.slice(end), line };
}

export async function keystrokeOverLsp(
  serverJs: string,
  folder: string,
  bigFile: string,
  bigText: string,
  edits: number,
  warmup: number,
): Promise<{ p50: number; p95: number; indexMs: number; firstEditMs: number }> {
  const lsp = new StdioLsp(serverJs);
  const times: number[] = [];
  try {
    const t0 = now();
    const root = pathToFileURL(folder).toString();
    await lsp.request('initialize', { processId: process.pid, rootUri: root, capabilities: {}, workspaceFolders: [{ uri: root, name: 'bench' }] }, 30000);
    const indexed = lsp.wait((m) => m.method === 'window/logMessage' && /indexed/i.test(m.params?.message ?? ''), 600000);
    lsp.notify('initialized', {});
    await indexed;
    const indexMs = now() - t0;
    // Let the server finish what follows indexing (publishing, warming up completion) as an editor session would.
    await new Promise((r) => setTimeout(r, 1000));
    const uri = pathToFileURL(bigFile).toString();
    lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: bigText } });
    // The documents of the big file with a valid `timeout_ms:` (the others carry a deliberate mistake).
    const withTimeout = bigText
      .split('\n---\n')
      .map((d, i) => (/\n {2}timeout_ms: \d+/.test(d) ? i : -1))
      .filter((i) => i >= 0);
    let text = bigText;
    let firstEditMs = 0;
    // The first `warmup` edits (an even number) are not counted; the very first is reported on its own.
    const skip = warmup + (warmup % 2);
    for (let k = 0; k < edits + skip; k++) {
      // Even edits break a document's timeout_ms, odd ones fix the same document again.
      const doc = withTimeout[(Math.floor(k / 2) * 37) % withTimeout.length];
      // the occurrence index of `prefix: ` / `timeout_ms: ` that belongs to document `doc`
      const before = text.split('\n---\n').slice(0, doc);
      const prefixN = before.reduce((n, d) => n + (d.split('  prefix: ').length - 1), 0);
      const timeoutN = before.reduce((n, d) => n + (d.split('  timeout_ms: ').length - 1), 0);
      text = setLineValue(text, '  prefix: ', prefixN, k % 2 === 0 ? `/edited-${k}/` : `/shared-${k % 7}/`).text;
      const broken = k % 2 === 0;
      const at = setLineValue(text, '  timeout_ms: ', timeoutN, broken ? '"soon"' : '1500');
      text = at.text;
      const published = lsp.wait((m) => {
        if (m.method !== 'textDocument/publishDiagnostics' || m.params?.uri !== uri) return false;
        const here = (m.params.diagnostics as { range: { start: { line: number } } }[]).some((d) => d.range.start.line === at.line);
        return here === broken;
      }, 60000);
      const t = now();
      lsp.notify('textDocument/didChange', { textDocument: { uri, version: k + 2 }, contentChanges: [{ text }] });
      await published;
      if (k === 0) firstEditMs = now() - t;
      if (k >= skip) times.push(now() - t);
    }
    const s = [...times].sort((a, b) => a - b);
    const pct = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
    return { p50: pct(50), p95: pct(95), indexMs, firstEditMs };
  } finally {
    lsp.kill();
  }
}

export function bigFilePath(folder: string): string {
  return path.join(folder, 'big', 'routes.yaml');
}
