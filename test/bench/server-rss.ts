// B4: start the built language server on a folder, wait until it has indexed it, read its resident memory.
import * as fs from 'fs';
import { pathToFileURL } from 'url';
import { StdioLsp } from './lsp';

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export async function measureServer(serverJs: string, folder: string): Promise<{ rssBytes: number; idleRssBytes: number; indexMs: number }> {
  const lsp = new StdioLsp(serverJs);
  try {
    const t0 = Date.now();
    const uri = pathToFileURL(folder).toString();
    await lsp.request('initialize', { processId: process.pid, rootUri: uri, capabilities: {}, workspaceFolders: [{ uri, name: 'bench' }] }, 30000);
    const idle = rssOf(lsp.child.pid!);
    const indexed = lsp.wait((m) => m.method === 'window/logMessage' && /indexed/i.test(m.params?.message ?? ''), 300000);
    lsp.notify('initialized', {});
    await indexed;
    const indexMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
    return { rssBytes: rssOf(lsp.child.pid!), idleRssBytes: idle, indexMs };
  } finally {
    lsp.kill();
  }
}
