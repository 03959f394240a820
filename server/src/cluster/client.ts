// A small read-only Kubernetes API client: GET (get/list) and watch streams, nothing else.
// Credentials and TLS settings come from @kubernetes/client-node's KubeConfig (applyToHTTPSOptions); the HTTP
// exchange is ours so that timeouts, retries, error messages and socket cleanup are under our control.
import * as http from 'node:http';
import * as https from 'node:https';
import { ClusterError, safeUrl } from './errors';
import type { ResolvedContext } from './kubeconfig';

export const USER_AGENT = 'edgepolicy/0.1 (read-only diff)';

export interface ClientOptions {
  /** Connect + request timeout for get/list, and connect timeout for watches. Default 10 s. */
  timeoutMs?: number;
  /** Retries for 429 / 5xx answers. Default 3. */
  maxRetries?: number;
  /** First backoff delay when the server gives no Retry-After. Default 500 ms (doubles each try). */
  retryBaseMs?: number;
  /** Longest wait the client accepts from Retry-After; a longer one fails at once. Default 10 s. */
  maxRetryDelayMs?: number;
  /** Page size for list calls. Default 500. */
  pageSize?: number;
  /** Server-side timeout of one watch request. Default 290 s. */
  watchTimeoutSeconds?: number;
  userAgent?: string;
}

/** What a request is for, to name it in error messages. */
export interface RequestWhat {
  verb: 'get' | 'list' | 'watch';
  /** e.g. `mappings.getambassador.io` or `namespaces`. */
  resource: string;
  namespace?: string;
}

export interface ListResult<T = Record<string, unknown>> {
  items: T[];
  resourceVersion: string;
  pages: number;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

export interface WatchHandle {
  /** Resolves when the stream ends: normally (server timeout) or with an error. */
  done: Promise<void>;
  stop(): void;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ClusterError('aborted', 'stopped'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new ClusterError('aborted', 'stopped'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class KubeClient {
  readonly server: string;
  readonly contextName: string;
  private readonly opts: Required<ClientOptions>;
  private readonly inflight = new Set<http.ClientRequest>();
  private readonly abort = new AbortController();
  private readonly agents = new Set<http.Agent>();

  constructor(
    private readonly ctx: ResolvedContext,
    opts: ClientOptions = {},
  ) {
    this.server = ctx.cluster.server.replace(/\/$/, '');
    this.contextName = ctx.name;
    this.opts = {
      timeoutMs: opts.timeoutMs ?? 10_000,
      maxRetries: opts.maxRetries ?? 3,
      retryBaseMs: opts.retryBaseMs ?? 500,
      maxRetryDelayMs: opts.maxRetryDelayMs ?? 10_000,
      pageSize: opts.pageSize ?? 500,
      watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 290,
      userAgent: opts.userAgent ?? USER_AGENT,
    };
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  get timeoutMs(): number {
    return this.opts.timeoutMs;
  }

  /** Abort every request and watch, cancel retry timers, close sockets. */
  close(): void {
    this.abort.abort();
    for (const r of this.inflight) r.destroy();
    this.inflight.clear();
    for (const a of this.agents) a.destroy();
    this.agents.clear();
  }

  private where(): string {
    return `the cluster of context "${this.contextName}" (${safeUrl(this.server)})`;
  }

  private describe(what: RequestWhat): string {
    return `${what.verb} ${what.resource}${what.namespace ? ` in namespace "${what.namespace}"` : what.verb === 'get' ? '' : ' in all namespaces'}`;
  }

  /** Open a GET request; resolves with the response once headers arrive (any status). */
  private async open(pathAndQuery: string, what: RequestWhat, hold?: (req: http.ClientRequest) => void): Promise<http.IncomingMessage> {
    if (this.stopped) throw new ClusterError('aborted', 'stopped');
    const url = new URL(this.server + pathAndQuery);
    const ro: https.RequestOptions = { method: 'GET', headers: { 'User-Agent': this.opts.userAgent, Accept: 'application/json' } };
    try {
      await this.ctx.kc.applyToHTTPSOptions(ro);
    } catch (e) {
      // Plain-http servers without insecure-skip-tls-verify make client-node refuse to build an agent; the auth
      // headers were applied before that, so go on with Node's own agent for http.
      if (url.protocol !== 'http:') {
        throw new ClusterError('bad-kubeconfig', `Cannot use the credentials of context "${this.contextName}": ${String((e as Error).message ?? e).split('\n')[0]}`);
      }
      ro.agent = undefined;
    }
    if (ro.agent instanceof http.Agent) this.agents.add(ro.agent);
    if (this.stopped) throw new ClusterError('aborted', 'stopped');
    const mod = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { ...ro, method: 'GET' });
      this.inflight.add(req);
      hold?.(req);
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(
          new ClusterError(
            'timeout',
            `Cannot reach ${this.where()}: no answer within ${Math.round(this.opts.timeoutMs / 100) / 10} s (${this.describe(what)}).`,
          ),
        );
      }, this.opts.timeoutMs);
      req.on('response', (res) => {
        clearTimeout(timer);
        if (settled) {
          res.destroy();
          return;
        }
        settled = true;
        res.on('close', () => this.inflight.delete(req));
        resolve(res);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.inflight.delete(req);
        if (settled) return;
        settled = true;
        reject(this.networkError(err, what));
      });
      req.on('close', () => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          this.inflight.delete(req);
          reject(new ClusterError('aborted', 'stopped'));
        }
      });
      req.end();
    });
  }

  private networkError(err: NodeJS.ErrnoException, what: RequestWhat): ClusterError {
    const code = err.code ?? '';
    if (this.stopped) return new ClusterError('aborted', 'stopped');
    if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(err.message)) {
      const reason = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? "the server's certificate does not match its address" : err.message.split('\n')[0];
      return new ClusterError(
        'tls',
        `TLS error talking to ${this.where()}: ${reason} (${code || 'TLS'}). Check certificate-authority / tls-server-name in the kubeconfig.`,
      );
    }
    const why: Record<string, string> = {
      ECONNREFUSED: 'connection refused',
      ENOTFOUND: 'host name not found',
      EAI_AGAIN: 'host name lookup failed',
      EHOSTUNREACH: 'host unreachable',
      ENETUNREACH: 'network unreachable',
      ETIMEDOUT: 'connection timed out',
      ECONNRESET: 'connection reset',
      EPIPE: 'connection closed',
    };
    return new ClusterError('unreachable', `Cannot reach ${this.where()}: ${why[code] ?? code ?? 'network error'} (${this.describe(what)}).`);
  }

  private async readBody(res: http.IncomingMessage, what: RequestWhat): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        reject(new ClusterError('timeout', `The answer of ${this.where()} stalled for ${this.opts.timeoutMs / 1000} s (${this.describe(what)}).`));
        res.destroy();
      }, this.opts.timeoutMs);
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(this.networkError(e as NodeJS.ErrnoException, what));
      });
      res.on('aborted', () => {
        clearTimeout(timer);
        reject(this.stopped ? new ClusterError('aborted', 'stopped') : new ClusterError('unreachable', `Connection to ${this.where()} closed while reading (${this.describe(what)}).`));
      });
    });
  }

  /** A clear error for a non-2xx status. `body` is the server's answer (a Status object, usually). */
  private statusError(status: number, body: string, what: RequestWhat, retryAfter?: string): ClusterError {
    let serverMsg = '';
    try {
      const s = JSON.parse(body) as { message?: unknown };
      if (typeof s.message === 'string') serverMsg = s.message;
    } catch {
      /* not JSON */
    }
    const user = this.ctx.user?.name;
    if (status === 401)
      return new ClusterError(
        'unauthorized',
        `Authentication failed (401 Unauthorized) at ${this.where()}: the credentials of ${user ? `user "${user}"` : 'this context'} were rejected. Log in again or refresh the kubeconfig.`,
        401,
      );
    if (status === 403)
      return new ClusterError(
        'forbidden',
        `Forbidden (403): context "${this.contextName}" may not ${what.verb} ${what.resource}${what.namespace ? ` in namespace "${what.namespace}"` : what.verb === 'get' ? '' : ' at the cluster scope (all namespaces)'}. Ask for RBAC "${what.verb}" on ${what.resource}, or choose namespaces you can read.`,
        403,
      );
    if (status === 410) return new ClusterError('gone', `The resource version expired (410 Gone) for ${this.describe(what)}.`, 410);
    if (status === 429 || status >= 500) {
      const label = status === 429 ? '429 Too Many Requests' : `${status}`;
      return new ClusterError(
        status === 429 ? 'throttled' : 'server-error',
        `The API server of context "${this.contextName}" answered ${label} to ${this.describe(what)}${retryAfter ? ` (Retry-After: ${retryAfter})` : ''}${serverMsg ? `: ${serverMsg}` : ''}.`,
        status,
      );
    }
    return new ClusterError('bad-response', `Unexpected answer ${status} from ${this.where()} to ${this.describe(what)}${serverMsg ? `: ${serverMsg}` : ''}.`, status);
  }

  private retryDelay(attempt: number, retryAfter: string | undefined): number | undefined {
    if (retryAfter !== undefined) {
      const secs = Number(retryAfter);
      let ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(retryAfter) - Date.now();
      if (!Number.isFinite(ms) || ms < 0) ms = 0;
      return ms > this.opts.maxRetryDelayMs ? undefined : ms;
    }
    return this.opts.retryBaseMs * 2 ** attempt;
  }

  /** GET a JSON document, with bounded retries on 429/5xx. */
  async getJson<T = Record<string, unknown>>(pathAndQuery: string, what: RequestWhat, on404?: () => Promise<ClusterError>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.open(pathAndQuery, what);
      const body = await this.readBody(res, what);
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        try {
          return JSON.parse(body) as T;
        } catch {
          throw new ClusterError('bad-response', `The answer of ${this.where()} to ${this.describe(what)} is not JSON.`);
        }
      }
      if (status === 404 && on404) throw await on404();
      const retryAfter = res.headers['retry-after'];
      const err = this.statusError(status, body, what, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
      if ((status === 429 || status >= 500) && attempt < this.opts.maxRetries) {
        const delay = this.retryDelay(attempt, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
        if (delay !== undefined) {
          await sleep(delay, this.abort.signal);
          continue;
        }
      }
      if (status === 429 || status >= 500) {
        throw new ClusterError(err.reason, `${err.message.replace(/\.$/, '')}; gave up after ${attempt + 1} attempt(s).`, status);
      }
      throw err;
    }
  }

  /** List a collection, following `continue` tokens. */
  async list<T = Record<string, unknown>>(collectionPath: string, what: RequestWhat, on404?: () => Promise<ClusterError>): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    let pages = 0;
    do {
      const q = new URLSearchParams({ limit: String(this.opts.pageSize) });
      if (cont) q.set('continue', cont);
      const page = await this.getJson<{ items?: T[]; metadata?: { continue?: string; resourceVersion?: string } }>(
        `${collectionPath}?${q}`,
        what,
        on404,
      );
      pages++;
      if (Array.isArray(page.items)) items.push(...page.items);
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (cont);
    return { items, resourceVersion: rv, pages };
  }

  /**
   * Watch a collection from `resourceVersion` (with bookmarks). Events are delivered in order; the stream ends when
   * the server closes it (its timeout), on error (rejects `done` with a ClusterError; 410 has reason 'gone'), or on stop().
   */
  watch(collectionPath: string, resourceVersion: string, what: RequestWhat, onEvent: (e: WatchEvent) => void): WatchHandle {
    let res: http.IncomingMessage | undefined;
    let req: http.ClientRequest | undefined;
    let stopped = false;
    let idle: NodeJS.Timeout | undefined;
    const q = new URLSearchParams({
      watch: '1',
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(this.opts.watchTimeoutSeconds),
    });
    if (resourceVersion) q.set('resourceVersion', resourceVersion);
    const done = (async () => {
      const r = await this.open(`${collectionPath}?${q}`, what, (rq) => (req = rq));
      res = r;
      if (stopped) {
        r.destroy();
        return;
      }
      const status = r.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        const body = await this.readBody(r, what);
        const ra = r.headers['retry-after'];
        throw this.statusError(status, body, what, Array.isArray(ra) ? ra[0] : ra);
      }
      const idleMs = (this.opts.watchTimeoutSeconds + 30) * 1000;
      await new Promise<void>((resolve, reject) => {
        let buf = '';
        let settled = false;
        // Settle once, before tearing the stream down (destroy() emits 'close' synchronously).
        const finish = (err?: ClusterError): void => {
          if (settled) return;
          settled = true;
          if (idle) clearTimeout(idle);
          if (err && !stopped && !this.stopped) reject(err);
          else resolve();
          if (err) r.destroy();
        };
        const lost = (): ClusterError => new ClusterError('unreachable', `The watch on ${what.resource} lost its connection to ${this.where()}.`);
        const arm = (): void => {
          if (idle) clearTimeout(idle);
          idle = setTimeout(() => finish(new ClusterError('timeout', `The watch on ${what.resource} went silent for ${idleMs / 1000} s.`)), idleMs);
        };
        arm();
        r.setEncoding('utf8');
        r.on('data', (chunk: string) => {
          if (settled) return;
          arm();
          buf += chunk;
          let nl: number;
          while (!settled && (nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            let ev: WatchEvent;
            try {
              ev = JSON.parse(line) as WatchEvent;
            } catch {
              finish(new ClusterError('bad-response', `The watch on ${what.resource} sent something that is not JSON.`));
              return;
            }
            if (ev.type === 'ERROR') {
              const code = (ev.object as { code?: number }).code;
              finish(
                code === 410
                  ? new ClusterError('gone', `The resource version expired (410 Gone) for ${this.describe(what)}.`, 410)
                  : this.statusError(code ?? 500, JSON.stringify(ev.object), what),
              );
              return;
            }
            onEvent(ev);
          }
        });
        r.on('end', () => finish());
        r.on('aborted', () => finish(lost()));
        r.on('error', (e) => finish(this.networkError(e as NodeJS.ErrnoException, what)));
        r.on('close', () => finish(lost()));
      });
    })().finally(() => {
      if (idle) clearTimeout(idle);
    });
    return {
      done: done.catch((e) => {
        if (stopped || this.stopped) return;
        throw e;
      }),
      stop: () => {
        stopped = true;
        if (idle) clearTimeout(idle);
        res?.destroy();
        req?.destroy();
      },
    };
  }
}
