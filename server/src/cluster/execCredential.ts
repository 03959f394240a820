// Exec credential plugins (users.user.exec in a kubeconfig), run by us rather than by @kubernetes/client-node so that
// - a plugin that hangs is killed after a timeout (never a hung diff),
// - a failing plugin is reported by exit code only: its stderr and stdout may hold tokens and are never shown,
// - the credential it prints is shared by every client of this process (ExecCredentialCache): the namespace pick and
//   the diff session that follows it run the plugin once, not twice. It is reused until its expirationTimestamp, or
//   for a few minutes when it has none, and dropped at once when the API server rejects it (401).
// Only the ExecCredential contract is read: status.token, or status.clientCertificateData + clientKeyData.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Cluster, User } from '@kubernetes/client-node';
import { ClusterError } from './errors';

export interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
}

export interface ExecCredentialResult {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** ms since the epoch; undefined = valid for the life of the client. */
  expires?: number;
}

/** Most a plugin may print on stdout (an ExecCredential is a few KiB). */
const MAX_STDOUT = 1024 * 1024;

/** The exec configuration of a user: `user.exec`, or the legacy `auth-provider` whose config holds `exec`. */
export function execConfigOf(user: User | undefined): ExecConfig | undefined {
  if (!user) return undefined;
  const raw = (user.exec ?? (user.authProvider as { config?: { exec?: unknown } } | undefined)?.config?.exec) as Partial<ExecConfig> | undefined;
  if (!raw || typeof raw !== 'object') return undefined;
  return raw as ExecConfig;
}

function pluginName(command: string): string {
  return path.basename(String(command));
}

/**
 * Run the plugin once and read its ExecCredential. Rejects with ClusterError('credential-plugin') whose message names
 * the user, the command's base name and the exit code, never what the plugin printed.
 */
export function runExecCredential(
  userName: string,
  exec: ExecConfig,
  opts: { timeoutMs: number; cluster?: Cluster; signal?: AbortSignal },
): Promise<ExecCredentialResult> {
  const who = `The exec credential plugin of user "${userName}"`;
  if (typeof exec.command !== 'string' || !exec.command) {
    return Promise.reject(new ClusterError('credential-plugin', `${who} names no command (users.user.exec.command in the kubeconfig).`));
  }
  const name = pluginName(exec.command);
  if (exec.interactiveMode === 'Always') {
    return Promise.reject(
      new ClusterError('credential-plugin', `${who} (${name}) needs an interactive terminal (interactiveMode: Always); run kubectl once in a terminal to log in, or use another context.`),
    );
  }
  const apiVersion = exec.apiVersion || 'client.authentication.k8s.io/v1';
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo && opts.cluster) {
    const c = opts.cluster;
    spec['cluster'] = {
      server: c.server,
      ...(c.tlsServerName ? { 'tls-server-name': c.tlsServerName } : {}),
      ...(c.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(c.caData ? { 'certificate-authority-data': c.caData } : {}),
    };
  }
  const env: Record<string, string | undefined> = { ...process.env };
  for (const e of Array.isArray(exec.env) ? exec.env : []) if (e && typeof e.name === 'string') env[e.name] = String(e.value ?? '');
  env['KUBERNETES_EXEC_INFO'] = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec });

  return new Promise((resolve, reject) => {
    let settled = false;
    let stdout = '';
    let tooMuch = false;
    const finish = (err: ClusterError | undefined, result?: ExecCredentialResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(result!);
    };
    let child: ReturnType<typeof spawn>;
    try {
      // stdin and stderr are not ours to read: stderr often carries diagnostics with credentials in them.
      child = spawn(exec.command, Array.isArray(exec.args) ? exec.args.map(String) : [], { env, stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
    } catch (e) {
      reject(new ClusterError('credential-plugin', `${who} (${name}) could not be started (${(e as NodeJS.ErrnoException).code ?? 'spawn error'}).`));
      return;
    }
    const kill = (): void => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
      // A program the plugin started may still hold the pipe open: it is not ours to wait for.
      child.stdout?.destroy();
    };
    const timer = setTimeout(() => {
      kill();
      finish(new ClusterError('credential-plugin', `${who} (${name}) did not finish within ${Math.round(opts.timeoutMs / 100) / 10} s and was stopped.`));
    }, opts.timeoutMs);
    const onAbort = (): void => {
      kill();
      finish(new ClusterError('aborted', 'stopped'));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      if (tooMuch) return;
      stdout += d;
      if (stdout.length > MAX_STDOUT) {
        tooMuch = true;
        stdout = '';
        kill();
      }
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const hint = e.code === 'ENOENT' && typeof exec.installHint === 'string' ? ` ${exec.installHint.trim().split('\n')[0]}` : '';
      finish(new ClusterError('credential-plugin', `${who} could not be started: command "${name}" ${e.code === 'ENOENT' ? 'not found' : `failed (${e.code ?? 'spawn error'})`}.${hint}`));
    });
    child.on('close', (code, signal) => {
      if (tooMuch) return finish(new ClusterError('credential-plugin', `${who} (${name}) printed more than ${MAX_STDOUT / 1024} KiB; that is not an ExecCredential.`));
      if (code !== 0) {
        const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `failed (exit code ${code})`;
        return finish(
          new ClusterError('credential-plugin', `${who} (${name}) ${how}. Its output is not shown because it may contain credentials; run the command in a terminal to see why.`),
        );
      }
      const cred = parseCredential(stdout);
      stdout = '';
      if (!cred) {
        return finish(
          new ClusterError(
            'credential-plugin',
            `${who} (${name}) exited 0 but did not print an ExecCredential with status.token or a client certificate and key (its output is not shown).`,
          ),
        );
      }
      finish(undefined, cred);
    });
  });
}

function parseCredential(text: string): ExecCredentialResult | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const status = (v as { status?: unknown }).status;
  if (!status || typeof status !== 'object') return undefined;
  const s = status as Record<string, unknown>;
  const out: ExecCredentialResult = {};
  if (typeof s['token'] === 'string' && s['token']) out.token = s['token'];
  if (typeof s['clientCertificateData'] === 'string' && typeof s['clientKeyData'] === 'string') {
    out.clientCertificateData = s['clientCertificateData'];
    out.clientKeyData = s['clientKeyData'];
  }
  if (!out.token && !out.clientCertificateData) return undefined;
  if (typeof s['expirationTimestamp'] === 'string') {
    const t = Date.parse(s['expirationTimestamp']);
    if (Number.isFinite(t)) out.expires = t;
  }
  return out;
}

/** How long a credential without an expirationTimestamp is handed to other clients of the process. */
export const NO_EXPIRY_REUSE_MS = 5 * 60_000;
/** A credential that expires within this time is not handed out again (the plugin runs instead). */
const EXPIRY_MARGIN_MS = 10_000;
/** Most plugin configurations remembered at once (the oldest is dropped first). */
const MAX_ENTRIES = 64;

export interface ExecCredentialCacheOptions {
  /** The clock (ms since the epoch). Default Date.now. */
  now?: () => number;
  /** Default NO_EXPIRY_REUSE_MS. */
  noExpiryReuseMs?: number;
}

/** One run of a plugin, shared by the callers that asked for it while it ran. */
interface SharedRun {
  result: Promise<ExecCredentialResult>;
  stop: AbortController;
  /** Callers still waiting; the plugin is stopped when the last one gives up. */
  waiting: number;
}

/**
 * Exec credentials per plugin configuration: the user's name, command, args, env and apiVersion (and the cluster,
 * which the plugin is told about with provideClusterInfo). Holds credentials in memory only; never logs them. The
 * key is a hash, so env values are not kept a second time.
 */
export class ExecCredentialCache {
  private readonly creds = new Map<string, { cred: ExecCredentialResult; reuseUntil: number }>();
  private readonly running = new Map<string, SharedRun>();
  private readonly now: () => number;
  private readonly noExpiryReuseMs: number;

  constructor(options: ExecCredentialCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.noExpiryReuseMs = options.noExpiryReuseMs ?? NO_EXPIRY_REUSE_MS;
  }

  /**
   * A credential of the plugin: a remembered one that is still good, the one another caller is fetching, or a new run
   * (runExecCredential's errors; nothing is remembered of a failure). `signal` gives up this caller's wait only.
   */
  get(userName: string, exec: ExecConfig, opts: { timeoutMs: number; cluster?: Cluster; signal?: AbortSignal }): Promise<ExecCredentialResult> {
    if (opts.signal?.aborted) return Promise.reject(new ClusterError('aborted', 'stopped'));
    const key = cacheKey(userName, exec, opts.cluster);
    this.prune();
    const known = this.creds.get(key);
    if (known) return Promise.resolve(known.cred);
    let run = this.running.get(key);
    if (!run) {
      const stop = new AbortController();
      const started: SharedRun = { result: runExecCredential(userName, exec, { timeoutMs: opts.timeoutMs, cluster: opts.cluster, signal: stop.signal }), stop, waiting: 0 };
      run = started;
      this.running.set(key, started);
      started.result.then(
        (cred) => {
          if (this.running.get(key) === started) this.running.delete(key);
          this.remember(key, cred);
        },
        () => {
          if (this.running.get(key) === started) this.running.delete(key);
        },
      );
    }
    return this.wait(key, run, opts.signal);
  }

  /** The API server rejected `cred`: it is not handed out again. A newer credential of the same plugin is kept. */
  forget(cred: ExecCredentialResult): void {
    for (const [key, e] of this.creds) if (e.cred === cred) this.creds.delete(key);
  }

  /** Forget every credential (tests). Runs in progress go on for their callers. */
  clear(): void {
    this.creds.clear();
  }

  private remember(key: string, cred: ExecCredentialResult): void {
    const now = this.now();
    const reuseUntil = cred.expires !== undefined ? cred.expires - EXPIRY_MARGIN_MS : now + this.noExpiryReuseMs;
    if (reuseUntil <= now) return;
    this.creds.delete(key);
    this.creds.set(key, { cred, reuseUntil });
    while (this.creds.size > MAX_ENTRIES) this.creds.delete(this.creds.keys().next().value!);
  }

  private prune(): void {
    const now = this.now();
    for (const [key, e] of this.creds) if (e.reuseUntil <= now) this.creds.delete(key);
  }

  private wait(key: string, run: SharedRun, signal: AbortSignal | undefined): Promise<ExecCredentialResult> {
    run.waiting++;
    return new Promise((resolve, reject) => {
      let done = false;
      const leave = (): boolean => {
        if (done) return false;
        done = true;
        run.waiting--;
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = (): void => {
        if (!leave()) return;
        if (run.waiting === 0) {
          // Nobody wants it any more: stop the plugin, and let the next caller start a run of its own.
          if (this.running.get(key) === run) this.running.delete(key);
          run.stop.abort();
        }
        reject(new ClusterError('aborted', 'stopped'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      run.result.then(
        (cred) => leave() && resolve(cred),
        (e: unknown) => leave() && reject(e),
      );
    });
  }
}

/** The identity of a plugin configuration, hashed. */
function cacheKey(userName: string, exec: ExecConfig, cluster: Cluster | undefined): string {
  const env = (Array.isArray(exec.env) ? exec.env : []).map((e) => [String(e?.name), String(e?.value ?? '')]);
  const clusterInfo = exec.provideClusterInfo && cluster ? [cluster.server, cluster.tlsServerName ?? '', !!cluster.skipTLSVerify, cluster.caData ?? '', cluster.caFile ?? ''] : null;
  const id = JSON.stringify([userName, String(exec.command), Array.isArray(exec.args) ? exec.args.map(String) : [], env, exec.apiVersion ?? '', clusterInfo]);
  return createHash('sha256').update(id).digest('hex');
}

/** The process's exec credentials, shared by every KubeClient (the language server's requests and sessions, the CLI). */
export const execCredentials = new ExecCredentialCache();
