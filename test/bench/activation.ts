// B5: what activation costs. Real activation happens inside VS Code; here we time its two parts that we own:
// loading the client bundle (with a stand-in `vscode` module that accepts any call) and the language server's
// start-up from spawn to its initialize result.
import { spawn } from 'child_process';
import * as path from 'path';
import Module = require('module');

function anything(): unknown {
  const f = function () {
    return anything();
  };
  return new Proxy(f, {
    get: (_t, p) => (p === 'then' ? undefined : p === Symbol.toPrimitive ? () => '' : anything()),
    apply: () => anything(),
    construct: () => anything() as object,
  });
}

export async function measureActivation(repo: string): Promise<{ activateMs: number; serverReadyMs: number }> {
  const m = Module as unknown as { _load: (req: string, parent: unknown, isMain: boolean) => unknown };
  const orig = m._load;
  m._load = function (req: string, parent: unknown, isMain: boolean) {
    if (req === 'vscode') return anything();
    return orig.call(this, req, parent, isMain);
  };
  const t0 = Number(process.hrtime.bigint()) / 1e6;
  try {
    require(path.join(repo, 'dist', 'client.js'));
  } finally {
    m._load = orig;
  }
  const activateMs = Number(process.hrtime.bigint()) / 1e6 - t0;

  const t1 = Date.now();
  const child = spawn(process.execPath, [path.join(repo, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
  child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not initialize')), 30000);
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('"id":1')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  const serverReadyMs = Date.now() - t1;
  child.kill('SIGKILL');
  return { activateMs, serverReadyMs };
}
