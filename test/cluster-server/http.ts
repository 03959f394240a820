// Small HTTPS helpers for tests that talk to the test cluster directly.
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed body, or undefined when it is not JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Bearer token; null sends no Authorization header. */
  token?: string | null;
  cert?: { certPem: string; keyPem: string };
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface Target {
  url: string;
  caCert: string;
  token: string;
}

export function call(target: Target, path: string, opts: CallOptions = {}): Promise<Reply> {
  const u = new URL(path, target.url);
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const token = opts.token === undefined ? target.token : opts.token;
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  if (opts.accept) headers['Accept'] = opts.accept;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        headers,
        ca: target.caCert,
        ...(opts.cert ? { cert: opts.cert.certPem, key: opts.cert.keyPem } : {}),
        timeout: opts.timeoutMs ?? 10000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${path} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export interface WatchStream {
  status: number;
  /** Parsed events so far (lines that are not JSON are kept as {type: 'UNPARSEABLE', raw}). */
  events: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Resolves with the events once `pred` holds (rejects after timeoutMs). */
  until(pred: (events: any[]) => boolean, timeoutMs?: number): Promise<any[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): void;
}

export function watch(target: Target, path: string, opts: CallOptions = {}): Promise<WatchStream> {
  const u = new URL(path, target.url);
  const headers: Record<string, string> = { Authorization: `Bearer ${opts.token ?? target.token}` };
  if (opts.accept) headers['Accept'] = opts.accept;
  return new Promise((resolve, reject) => {
    const req = https.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers, ca: target.caCert }, (res) => {
      const events: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
      let buf = '';
      const waiters: Array<() => void> = [];
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          try {
            events.push(JSON.parse(line));
          } catch {
            events.push({ type: 'UNPARSEABLE', raw: line });
          }
        }
        for (const w of [...waiters]) w();
      });
      let done = false;
      const finish = (): void => {
        done = true;
        endResolve();
        for (const w of [...waiters]) w();
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        until(pred, timeoutMs = 5000) {
          return new Promise((ok, fail) => {
            const check = (): void => {
              if (pred(events)) {
                clearTimeout(timer);
                waiters.splice(waiters.indexOf(check), 1);
                ok(events);
              } else if (done) {
                clearTimeout(timer);
                waiters.splice(waiters.indexOf(check), 1);
                fail(new Error(`watch ended before the condition held; events: ${JSON.stringify(events).slice(0, 2000)}`));
              }
            };
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(check), 1);
              fail(new Error(`watch condition not met in ${timeoutMs} ms; events: ${JSON.stringify(events).slice(0, 2000)}`));
            }, timeoutMs);
            waiters.push(check);
            check();
          });
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
