// A small read-only Kubernetes API client: GET (get/list) and watch streams, nothing else.
// Credentials and TLS settings come from @kubernetes/client-node's KubeConfig (applyToHTTPSOptions); the HTTP
// exchange is ours so that timeouts, retries, error messages and socket cleanup are under our control.
import * as http from 'node:http';
import * as https from 'node:https';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { ClusterError, formatBytes, safeUrl } from './errors';
import { execConfigOf, execCredentials, type ExecCredentialResult } from './execCredential';
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
  /** Page size (`limit`) of list calls, 1..5000. Default 500. */
  pageSize?: number;
  /** Most bytes one answer (a list page, a watch event) may have. Default 64 MiB. */
  maxBodyBytes?: number;
  /** How long an exec credential plugin may run. Default 60 s. */
  execTimeoutMs?: number;
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

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_PAGE_SIZE = 500;
const MAX_PAGE_SIZE = 5000;

/** What a Node network error code means, in words. */
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  EHOSTDOWN: 'host is down',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network is down',
  EADDRNOTAVAIL: 'address not available',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed',
};

/** Reasons for certificate verification failures, in words. */
const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server presents a self-signed certificate that the kubeconfig does not trust',
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate is not signed by the certificate authority the kubeconfig trusts",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not signed by the certificate authority the kubeconfig trusts",
  UNABLE_TO_GET_ISSUER_CERT: "the server's certificate is not signed by the certificate authority the kubeconfig trusts",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate is not signed by the certificate authority the kubeconfig trusts",
  CERT_UNTRUSTED: "the server's certificate is not trusted",
  CERT_SIGNATURE_FAILURE: "the signature of the server's certificate is invalid",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet",
  EPROTO: 'the TLS handshake failed',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS on this port (is it plain http?)',
};

export interface WatchHandle {
  /** Resolves when the stream ends: normally (server timeout) or with an error. */
  done: Promise<void>;
  stop(): void;
}

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

/** Prepared request options (credentials applied once per client, or per exec credential lifetime). */
interface Prepared {
  headers: http.OutgoingHttpHeaders;
  agent?: http.Agent;
  /**
   * The exec credential the headers hold: refreshed shortly before its `expires`, dropped from the process's cache
   * when the server rejects it.
   */
  cred?: ExecCredentialResult;
}

/** A page count as people read it. */
function sizeOfPage(n: number): string {
  return `${n} object${n === 1 ? '' : 's'}`;
}

export class KubeClient {
  readonly server: string;
  readonly contextName: string;
  private readonly opts: Required<ClientOptions>;
  private readonly inflight = new Set<http.ClientRequest>();
  private readonly abort = new AbortController();
  private readonly agents = new Set<http.Agent>();
  private prepared: Promise<Prepared> | undefined;
  /** Which credentials each response was requested with (to refresh a rejected exec credential only once). */
  private readonly usedFor = new WeakMap<http.IncomingMessage, Prepared>();
  /** What `prepared` resolved to, once it has. */
  private current: Prepared | undefined;

  constructor(
    private readonly ctx: ResolvedContext,
    opts: ClientOptions = {},
  ) {
    this.server = ctx.cluster.server.replace(/\/$/, '');
    this.contextName = ctx.name;
    const page = Number(opts.pageSize ?? DEFAULT_PAGE_SIZE);
    const cap = Number(opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    this.opts = {
      timeoutMs: opts.timeoutMs ?? 10_000,
      maxRetries: Math.max(0, opts.maxRetries ?? 3),
      retryBaseMs: opts.retryBaseMs ?? 500,
      maxRetryDelayMs: opts.maxRetryDelayMs ?? 10_000,
      // A page size the server may honour: never 0 (unlimited), never absurd.
      pageSize: Number.isFinite(page) && page >= 1 ? Math.min(MAX_PAGE_SIZE, Math.floor(page)) : DEFAULT_PAGE_SIZE,
      maxBodyBytes: Number.isFinite(cap) && cap > 0 ? Math.floor(cap) : DEFAULT_MAX_BODY_BYTES,
      execTimeoutMs: opts.execTimeoutMs ?? 60_000,
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

  /** The `limit` sent with list calls. */
  get pageSize(): number {
    return this.opts.pageSize;
  }

  /** The most bytes one answer may have. */
  get maxBodyBytes(): number {
    return this.opts.maxBodyBytes;
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

  private userLabel(): string {
    return this.ctx.user ? `user "${this.ctx.user.name}"` : 'the anonymous user';
  }

  /**
   * Credentials and TLS settings, from the kubeconfig through client-node (exec plugins run by us). Computed once
   * and shared by all requests (one agent); an exec credential is fetched again when it expires.
   */
  private credentials(): Promise<Prepared> {
    const cur = this.prepared;
    // A failed preparation rejects every request that waited for it; the next request tries again.
    if (cur) return cur.then((p) => ((p.cred?.expires ?? Infinity) > Date.now() + 5_000 ? p : this.refresh(cur)));
    return this.refresh(undefined);
  }

  /**
   * After a 401: credentials from an exec plugin are forgotten, here and in the process's cache (the next request
   * runs it again), unless they were already replaced since this request was sent. True when the request may be
   * retried with fresh credentials.
   */
  private credentialsExpireOn401(res: http.IncomingMessage): boolean {
    if (!execConfigOf(this.ctx.user)) return false;
    const used = this.usedFor.get(res);
    if (used?.cred) execCredentials.forget(used.cred);
    if (used && this.current === used) {
      this.prepared = undefined;
      this.current = undefined;
    }
    return true;
  }

  private refresh(stale: Promise<Prepared> | undefined): Promise<Prepared> {
    if (this.prepared && this.prepared !== stale) return this.prepared;
    const next = this.prepare();
    this.prepared = next;
    next.then(
      (p) => {
        if (this.prepared === next) this.current = p;
      },
      () => {
        if (this.prepared === next) this.prepared = undefined;
      },
    );
    return next;
  }

  private async prepare(): Promise<Prepared> {
    let kc = this.ctx.kc;
    let cred: ExecCredentialResult | undefined;
    const user = this.ctx.user;
    const exec = execConfigOf(user);
    if (user && exec) {
      // Shared with the other clients of the process: a credential another client fetched is reused while it is good.
      cred = await execCredentials.get(user.name, exec, { timeoutMs: this.opts.execTimeoutMs, cluster: this.ctx.cluster, signal: this.abort.signal });
      // The same user without the plugin, holding what the plugin printed (client-node then applies it as usual).
      const { exec: _e, authProvider: _a, ...rest } = user as User & { authProvider?: unknown };
      const memUser: User = {
        ...rest,
        ...(cred.token ? { token: cred.token } : {}),
        ...(cred.clientCertificateData ? { certData: Buffer.from(cred.clientCertificateData).toString('base64'), certFile: undefined } : {}),
        ...(cred.clientKeyData ? { keyData: Buffer.from(cred.clientKeyData).toString('base64'), keyFile: undefined } : {}),
      } as User;
      kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [this.ctx.cluster],
        users: [memUser],
        contexts: [{ name: this.ctx.name, cluster: this.ctx.cluster.name, user: memUser.name, namespace: this.ctx.namespace }],
        currentContext: this.ctx.name,
      });
    }
    this.refuseAuthProviderCommand(user);
    const ro: https.RequestOptions = { headers: {} };
    const plainHttp = this.server.startsWith('http:');
    try {
      await kc.applyToHTTPSOptions(ro);
    } catch (e) {
      // Plain-http servers without insecure-skip-tls-verify make client-node refuse to build an agent; the auth
      // headers were applied before that, so go on with Node's own agent for http.
      if (!(plainHttp && /HTTP protocol is not allowed/.test(String((e as Error)?.message)))) throw this.credentialError(e);
      ro.agent = undefined;
    }
    if (this.stopped) throw new ClusterError('aborted', 'stopped');
    const agent = ro.agent instanceof http.Agent ? ro.agent : undefined;
    if (agent) this.agents.add(agent);
    return { headers: { ...((ro.headers ?? {}) as http.OutgoingHttpHeaders) }, agent, cred };
  }

  /**
   * The legacy gcp/azure auth providers refresh an expired token by running `cmd-path` synchronously, with its stderr
   * on ours and its output in their error message. That is not done: with no valid access token, say what to do.
   */
  private refuseAuthProviderCommand(user: User | undefined): void {
    const ap = user?.authProvider as { name?: unknown; config?: Record<string, unknown> } | undefined;
    if (ap?.name === 'oidc') return this.refuseExpiredIdToken(ap.config ?? {});
    if (!ap || (ap.name !== 'gcp' && ap.name !== 'azure')) return;
    const config = ap.config ?? {};
    const token = config['access-token'];
    // YAML loads an unquoted timestamp as a Date; an expiry that cannot be read counts as expired (nothing is run).
    const raw = config['expiry'];
    const when = (v: unknown): number => (v instanceof Date ? v.getTime() : Date.parse(String(v)));
    const expiry = raw !== undefined && raw !== null && raw !== '' ? when(raw) : config['expires-on'] ? Number(config['expires-on']) * 1000 : undefined;
    const expired = !token || (expiry !== undefined && (!Number.isFinite(expiry) || expiry < Date.now()));
    if (!expired) return;
    const plugin = ap.name === 'gcp' ? 'gke-gcloud-auth-plugin' : 'kubelogin';
    throw new ClusterError(
      'credential-plugin',
      `The ${ap.name} auth provider of ${this.userLabel()} has no valid access token, and edgepolicy does not run its refresh command (kubectl 1.26 dropped this auth provider). Refresh the kubeconfig with kubectl, or switch the user to an exec credential plugin (${plugin}).`,
    );
  }

  /**
   * The oidc auth provider refreshes an expired id-token against the identity provider (a write of the kubeconfig's
   * tokens in kubectl's world). That is not done: an id-token that has expired, or whose expiry cannot be read, is
   * refused with what to do. The token itself is never quoted.
   */
  private refuseExpiredIdToken(config: Record<string, unknown>): void {
    const exp = idTokenExpiry(config['id-token']);
    if (exp !== undefined && exp * 1000 > Date.now()) return;
    const what = exp === undefined ? 'has no id-token with a readable expiry' : 'has an id-token that has expired';
    throw new ClusterError(
      'credential-plugin',
      `The oidc auth provider of ${this.userLabel()} ${what}; edgepolicy does not refresh it. Log in again with kubectl or kubelogin (kubectl oidc-login), then retry.`,
    );
  }

  /**
   * A message for credentials that cannot be used. client-node's own message is never passed on: an auth provider's
   * failure may quote what its command printed (tokens). Only an errno code and a file path are kept.
   */
  private credentialError(e: unknown): ClusterError {
    const err = (e ?? {}) as NodeJS.ErrnoException;
    const code = typeof err.code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(err.code) ? err.code : undefined;
    const head = `Cannot use the credentials of context "${this.contextName}"`;
    if (code && typeof err.path === 'string') return new ClusterError('bad-kubeconfig', `${head}: cannot read ${err.path} (${code}).`);
    const ap = (this.ctx.user?.authProvider as { name?: unknown } | undefined)?.name;
    if (typeof ap === 'string' && ap) {
      return new ClusterError(
        'credential-plugin',
        `${head}: the auth provider "${ap}" of ${this.userLabel()} failed${code ? ` (${code})` : ''}. Its message is not shown because it may contain credentials.`,
      );
    }
    return new ClusterError('bad-kubeconfig', `${head}: the certificate, key or token settings of ${this.userLabel()} are not usable${code ? ` (${code})` : ''}.`);
  }

  /** Open a GET request; resolves with the response once headers arrive (any status). */
  private async open(pathAndQuery: string, what: RequestWhat, hold?: (req: http.ClientRequest) => void): Promise<http.IncomingMessage> {
    if (this.stopped) throw new ClusterError('aborted', 'stopped');
    const url = new URL(this.server + pathAndQuery);
    const prepared = await this.credentials();
    if (this.stopped) throw new ClusterError('aborted', 'stopped');
    const mod = url.protocol === 'http:' ? http : https;
    const headers: http.OutgoingHttpHeaders = { ...prepared.headers, 'User-Agent': this.opts.userAgent, Accept: 'application/json' };
    return new Promise((resolve, reject) => {
      let req: http.ClientRequest;
      try {
        req = mod.request(url, { method: 'GET', headers, agent: prepared.agent });
      } catch (e) {
        // e.g. a client key that is not valid PEM: OpenSSL's message names the problem, never the key.
        const code = (e as NodeJS.ErrnoException)?.code;
        reject(new ClusterError('bad-kubeconfig', `Cannot use the client certificate or key of ${this.userLabel()} (context "${this.contextName}")${code ? ` (${code})` : ''}.`));
        return;
      }
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
        this.usedFor.set(res, prepared);
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
          reject(this.stopped ? new ClusterError('aborted', 'stopped') : new ClusterError('unreachable', `Connection to ${this.where()} closed before an answer (${this.describe(what)}).`));
        }
      });
      req.end();
    });
  }

  private networkError(err: NodeJS.ErrnoException, what: RequestWhat): ClusterError {
    const code = typeof err?.code === 'string' ? err.code : '';
    const message = typeof err?.message === 'string' ? err.message : '';
    if (this.stopped) return new ClusterError('aborted', 'stopped');
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      const e = err as NodeJS.ErrnoException & { host?: string; cert?: { subjectaltname?: string; subject?: { CN?: string } } };
      const host = e.host ?? new URL(this.server).hostname;
      const names = e.cert?.subjectaltname || (e.cert?.subject?.CN ? `CN=${e.cert.subject.CN}` : '');
      return new ClusterError(
        'tls',
        `TLS error talking to ${this.where()}: the server's certificate does not match the server name "${host}"${names ? ` (the certificate is for ${names})` : ''} (${code}). Use a server address the certificate names, or set tls-server-name in the kubeconfig.`,
      );
    }
    if (TLS_REASONS[code] || /certificate|SSL|TLS/i.test(message) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
      const reason = TLS_REASONS[code] ?? (message.split('\n')[0] || 'the TLS handshake failed');
      return new ClusterError(
        'tls',
        `TLS error talking to ${this.where()}: ${reason} (${code || 'TLS'}). Check certificate-authority / tls-server-name in the kubeconfig.`,
      );
    }
    const why = NETWORK_CODES[code] ?? (code ? `network error (${code})` : 'network error');
    return new ClusterError('unreachable', `Cannot reach ${this.where()}: ${why} (${this.describe(what)}).`);
  }

  private tooLarge(what: RequestWhat, watch = false): ClusterError {
    const cap = formatBytes(this.opts.maxBodyBytes);
    if (watch) {
      return new ClusterError('too-large', `The watch on ${what.resource} at ${this.where()} sent one event of more than ${cap}; it was closed.`);
    }
    if (what.verb === 'list') {
      return new ClusterError(
        'too-large',
        `The cluster of context "${this.contextName}" (${safeUrl(this.server)}) sent more than ${cap} for one list page (${this.describe(what)}, at most ${sizeOfPage(this.opts.pageSize)} asked for); compare fewer namespaces (the namespace pick of Diff against cluster, or --namespace in the CLI).`,
      );
    }
    return new ClusterError('too-large', `The answer of ${this.where()} to ${this.describe(what)} is larger than ${cap}.`);
  }

  /** The whole body, at most maxBodyBytes; a stall of timeoutMs (or 10 × timeoutMs in all) is a timeout. */
  private readBody(res: http.IncomingMessage, what: RequestWhat): Promise<string> {
    const cap = this.opts.maxBodyBytes;
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > cap) {
      res.destroy();
      return Promise.reject(this.tooLarge(what));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      let stall: NodeJS.Timeout | undefined;
      const finish = (err: ClusterError | undefined, body?: string): void => {
        if (done) return;
        done = true;
        clearTimeout(stall);
        clearTimeout(deadline);
        chunks.length = 0;
        if (err) {
          reject(err);
          res.destroy();
        } else resolve(body!);
      };
      const timeout = (): ClusterError =>
        new ClusterError('timeout', `The answer of ${this.where()} stalled for ${Math.round(this.opts.timeoutMs / 100) / 10} s (${this.describe(what)}).`);
      const arm = (): void => {
        clearTimeout(stall);
        stall = setTimeout(() => finish(timeout()), this.opts.timeoutMs);
      };
      const deadline = setTimeout(
        () => finish(new ClusterError('timeout', `The answer of ${this.where()} took longer than ${Math.round(this.opts.timeoutMs / 100)} s (${this.describe(what)}).`)),
        this.opts.timeoutMs * 10,
      );
      arm();
      res.on('data', (c: Buffer) => {
        if (done) return;
        size += c.length;
        if (size > cap) return finish(this.tooLarge(what));
        chunks.push(c);
        arm();
      });
      res.on('end', () => finish(undefined, Buffer.concat(chunks).toString('utf8')));
      res.on('error', (e) => finish(this.networkError(e as NodeJS.ErrnoException, what)));
      res.on('close', () =>
        finish(this.stopped ? new ClusterError('aborted', 'stopped') : new ClusterError('unreachable', `Connection to ${this.where()} closed while reading (${this.describe(what)}).`)),
      );
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
        `Forbidden (403): context "${this.contextName}" may not ${what.verb} ${what.resource}${what.namespace ? ` in namespace "${what.namespace}"` : what.verb === 'get' ? '' : ' at the cluster scope (all namespaces)'}. Ask for RBAC "${what.verb}" on ${what.resource}, or choose namespaces you can read (the namespace pick of Diff against cluster, or --namespace in the CLI).`,
        403,
      );
    if (status === 404)
      return new ClusterError(
        'version-not-served',
        `The cluster of context "${this.contextName}" does not serve ${what.resource} (404 Not Found to ${this.describe(what)}).`,
        404,
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

  /**
   * GET a JSON object, with bounded retries (backoff, or the server's Retry-After) on 429/5xx and on answers that
   * are not JSON (cut off or garbled on the way).
   */
  async getJson<T = Record<string, unknown>>(pathAndQuery: string, what: RequestWhat, on404?: () => Promise<ClusterError>): Promise<T> {
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const res = await this.open(pathAndQuery, what);
      const body = await this.readBody(res, what);
      const status = res.statusCode ?? 0;
      if (status === 401 && this.credentialsExpireOn401(res)) {
        // As kubectl does: a rejected exec credential is fetched again, once per request.
        if (!refreshed) {
          refreshed = true;
          attempt--;
          continue;
        }
      }
      if (status >= 200 && status < 300) {
        const problem = this.jsonProblem(body);
        if (!problem.problem) return problem.value as T;
        const msg = `The answer of ${this.where()} to ${this.describe(what)} ${problem.problem}`;
        if (attempt < this.opts.maxRetries) {
          await sleep(this.retryDelay(attempt, undefined)!, this.abort.signal);
          continue;
        }
        throw new ClusterError('bad-response', `${msg}; gave up after ${attempt + 1} attempt(s).`);
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

  /** Parse an answer that must be a JSON object; says what is wrong with it otherwise (never quoting it). */
  private jsonProblem(body: string): { value?: unknown; problem?: string } {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (e) {
      const msg = String((e as Error)?.message);
      // Cut off: the parser ran out of input, also when it stops right after a value ("Expected ',' ... at position <end>").
      const at = /at position (\d+)/.exec(msg);
      const cut = /end of (JSON )?input|Unterminated|Unexpected end/i.test(msg) || (at !== null && Number(at[1]) >= body.length);
      return { problem: `is not JSON (${formatBytes(Buffer.byteLength(body))}${cut ? ', cut off mid-document' : ', garbled'})` };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problem: 'is JSON but not an object' };
    return { value };
  }

  /** List a collection page by page (`limit` = page size), following `continue` tokens. */
  async list<T = Record<string, unknown>>(collectionPath: string, what: RequestWhat, on404?: () => Promise<ClusterError>): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    let pages = 0;
    const seen = new Set<string>();
    do {
      const q = new URLSearchParams({ limit: String(this.opts.pageSize) });
      if (cont) q.set('continue', cont);
      const page = await this.getJson<{ items?: unknown; metadata?: { continue?: unknown; resourceVersion?: unknown } }>(`${collectionPath}?${q}`, what, on404);
      pages++;
      if (page.items !== undefined && page.items !== null && !Array.isArray(page.items)) {
        throw new ClusterError('bad-response', `The answer of ${this.where()} to ${this.describe(what)} is not a list (its items are not an array).`);
      }
      for (const it of (page.items as unknown[] | null | undefined) ?? []) if (it && typeof it === 'object' && !Array.isArray(it)) items.push(it as T);
      const md = page.metadata && typeof page.metadata === 'object' ? page.metadata : {};
      cont = typeof md.continue === 'string' && md.continue ? md.continue : undefined;
      if (typeof md.resourceVersion === 'string') rv = md.resourceVersion;
      if (cont) {
        // A server that hands out the same continue token again would keep us listing forever.
        if (seen.has(cont)) {
          throw new ClusterError('bad-response', `The cluster of context "${this.contextName}" repeated a continue token while paging (${this.describe(what)}); the list was abandoned after ${pages} pages.`);
        }
        seen.add(cont);
      }
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
        if (status === 401) this.credentialsExpireOn401(r);
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
          if (buf.length > this.opts.maxBodyBytes && buf.lastIndexOf('\n') < 0) {
            buf = '';
            finish(this.tooLarge(what, true));
            return;
          }
          while (!settled && (nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            let ev: WatchEvent;
            try {
              ev = JSON.parse(line) as WatchEvent;
            } catch {
              finish(new ClusterError('bad-response', `The watch on ${what.resource} at ${this.where()} sent a line that is not JSON; reconnecting.`));
              return;
            }
            if (!ev || typeof ev !== 'object' || typeof ev.type !== 'string' || !ev.object || typeof ev.object !== 'object' || Array.isArray(ev.object)) {
              finish(new ClusterError('bad-response', `The watch on ${what.resource} at ${this.where()} sent JSON that is not a watch event; reconnecting.`));
              return;
            }
            if (ev.type === 'ERROR') {
              const code = (ev.object as { code?: unknown }).code;
              finish(
                code === 410
                  ? new ClusterError('gone', `The resource version expired (410 Gone) for ${this.describe(what)}.`, 410)
                  : this.statusError(typeof code === 'number' ? code : 500, JSON.stringify(ev.object), what),
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

/** The `exp` claim (seconds since the epoch) of a JWT id-token: its middle part is base64url JSON. Undefined if unreadable. */
function idTokenExpiry(token: unknown): number | undefined {
  if (typeof token !== 'string') return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    const exp = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>)['exp'] : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}
