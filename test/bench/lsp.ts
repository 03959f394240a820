// A minimal LSP client over stdio for the benchmark: framing, requests, notifications, waiting for messages.
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';

export interface Msg {
  id?: number;
  method?: string;
  params?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  result?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class StdioLsp {
  readonly child: ChildProcessWithoutNullStreams;
  private buf = Buffer.alloc(0);
  private nextId = 1;
  private waiters: Array<(m: Msg) => boolean> = [];

  constructor(serverJs: string) {
    this.child = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.resume();
    this.child.stdout.on('data', (d: Buffer) => this.onData(d));
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const sep = this.buf.indexOf('\r\n\r\n');
      if (sep < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, sep).toString())?.[1]);
      if (this.buf.length < sep + 4 + len) return;
      const msg: Msg = JSON.parse(this.buf.subarray(sep + 4, sep + 4 + len).toString());
      this.buf = this.buf.subarray(sep + 4 + len);
      if (msg.id !== undefined && msg.method) {
        const result = msg.method === 'workspace/configuration' ? (msg.params?.items ?? []).map(() => null) : null;
        this.send({ jsonrpc: '2.0', id: msg.id, result });
      }
      this.waiters = this.waiters.filter((w) => !w(msg));
    }
  }

  send(m: object): void {
    const s = JSON.stringify(m);
    this.child.stdin.write(`Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`);
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  request(method: string, params: unknown, timeoutMs = 60000): Promise<Msg> {
    const id = this.nextId++;
    const p = this.wait((m) => m.id === id && !m.method, timeoutMs);
    this.send({ jsonrpc: '2.0', id, method, params });
    return p;
  }

  wait(pred: (m: Msg) => boolean, timeoutMs: number): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('language server did not answer in time')), timeoutMs);
      this.waiters.push((m) => {
        if (!pred(m)) return false;
        clearTimeout(t);
        resolve(m);
        return true;
      });
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
