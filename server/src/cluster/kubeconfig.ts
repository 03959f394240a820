// Reading kubeconfig files the way kubectl does, read-only.
// - An explicit path wins; else KUBECONFIG (several files joined by the platform's path delimiter, merged:
//   the first file that names a cluster/user/context or sets current-context wins; missing files are skipped);
//   else ~/.kube/config.
// - The kubeconfig is never written and its current-context is never changed: a context is chosen in memory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import type { KubeContextInfo } from '../lsp/protocol';
import { ClusterError } from './errors';

export interface KubeconfigSource {
  /** Explicit kubeconfig path (trusted workspaces / CLI flag). */
  kubeconfig?: string;
  /** Environment to read KUBECONFIG and HOME from (defaults to process.env). */
  env?: Record<string, string | undefined>;
  /** Base directory for a relative explicit path (defaults to process.cwd()). */
  cwd?: string;
}

export interface LoadedKubeconfig {
  /** The files that were read, in merge order. */
  files: string[];
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext?: string;
}

function kubeconfigFiles(src: KubeconfigSource): { files: string[]; explicit: boolean } {
  const env = src.env ?? process.env;
  if (src.kubeconfig) return { files: [path.resolve(src.cwd ?? process.cwd(), src.kubeconfig)], explicit: true };
  const list = env['KUBECONFIG'];
  if (list && list.length) return { files: list.split(path.delimiter).filter((f) => f !== ''), explicit: false };
  const home = env['HOME'] || env['USERPROFILE'] || os.homedir();
  return { files: [path.join(home, '.kube', 'config')], explicit: false };
}

function readOne(file: string): KubeConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ClusterError('bad-kubeconfig', `Cannot read kubeconfig ${file}: ${(e as NodeJS.ErrnoException).code ?? 'read error'}`);
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (e) {
    // js-yaml errors quote the source around the error, which may hold a token: keep only reason and line.
    const err = e as { reason?: string; mark?: { line: number }; message?: string };
    const detail = err.reason ? `${err.reason}${err.mark ? ` at line ${err.mark.line + 1}` : ''}` : (err.message ?? 'invalid').split('\n')[0];
    throw new ClusterError('bad-kubeconfig', `Kubeconfig ${file} is not valid: ${detail}`);
  }
  kc.makePathsAbsolute(path.dirname(file));
  // As kubectl does: an exec plugin command given as a relative path with a separator is relative to the kubeconfig.
  for (const u of kc.users) {
    const exec = u.exec as { command?: unknown } | undefined;
    if (exec && typeof exec.command === 'string' && /[\\/]/.test(exec.command) && !path.isAbsolute(exec.command)) {
      exec.command = path.resolve(path.dirname(file), exec.command);
    }
  }
  return kc;
}

/** Load and merge the kubeconfig. Throws ClusterError('no-kubeconfig') when there is none. */
export function loadKubeconfig(src: KubeconfigSource = {}): LoadedKubeconfig {
  const { files, explicit } = kubeconfigFiles(src);
  const present = files.filter((f) => {
    try {
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  });
  if (!present.length) {
    if (explicit) throw new ClusterError('no-kubeconfig', `Kubeconfig file not found: ${files[0]}`);
    const where = (src.env ?? process.env)['KUBECONFIG'] ? `KUBECONFIG (${files.join(path.delimiter)})` : files[0];
    throw new ClusterError('no-kubeconfig', `No kubeconfig found: nothing at ${where}. Set KUBECONFIG, or name a kubeconfig file (the edgepolicy.kubeconfig setting in the editor, or --kubeconfig in the CLI).`);
  }
  const out: LoadedKubeconfig = { files: present, clusters: [], users: [], contexts: [] };
  const seen = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() };
  for (const f of present) {
    const kc = readOne(f);
    for (const c of kc.clusters) if (!seen.clusters.has(c.name)) (seen.clusters.add(c.name), out.clusters.push(c));
    for (const u of kc.users) if (!seen.users.has(u.name)) (seen.users.add(u.name), out.users.push(u));
    for (const c of kc.contexts) if (!seen.contexts.has(c.name)) (seen.contexts.add(c.name), out.contexts.push(c));
    if (out.currentContext === undefined && kc.currentContext) out.currentContext = kc.currentContext;
  }
  return out;
}

/** Contexts, current first, then in file order. */
export function listContexts(cfg: LoadedKubeconfig): KubeContextInfo[] {
  const all = cfg.contexts.map((c) => {
    const info: KubeContextInfo = { name: c.name, cluster: c.cluster, user: c.user ?? '', current: c.name === cfg.currentContext };
    if (c.namespace) info.namespace = c.namespace;
    return info;
  });
  return [...all.filter((c) => c.current), ...all.filter((c) => !c.current)];
}

/** Whether connecting as this user would run a program (exec plugin or an auth-provider command). */
export function userRunsProgram(u: User | undefined): boolean {
  if (!u) return false;
  if (u.exec) return true;
  const ap = u.authProvider as { name?: string; config?: Record<string, unknown> } | undefined | null;
  if (!ap) return false;
  return ap.name === 'exec' || !!ap.config?.['exec'] || !!ap.config?.['cmd-path'];
}

export interface ResolvedContext {
  name: string;
  namespace?: string;
  cluster: Cluster;
  user?: User;
  /** An in-memory KubeConfig whose current context is this one (never saved). */
  kc: KubeConfig;
}

/** Throws when `allowExec` is false (an untrusted workspace) and the context's user runs a credential program. */
export function refuseExecUnlessAllowed(ctx: { name: string; user?: User }, allowExec: boolean): void {
  if (allowExec || !userRunsProgram(ctx.user)) return;
  throw new ClusterError(
    'exec-not-allowed',
    `Context "${ctx.name}" authenticates with a credential plugin (user "${ctx.user!.name}" runs a program), which is not allowed in an untrusted workspace. Trust the workspace to use this context.`,
  );
}

/** Pick a context by name. Refuses exec credential plugins when `allowExec` is false. */
export function resolveContext(cfg: LoadedKubeconfig, name: string | undefined, allowExec: boolean): ResolvedContext {
  const ctxName = name || cfg.currentContext;
  if (!ctxName) throw new ClusterError('context-not-found', `No context given and the kubeconfig has no current-context (${cfg.files.join(', ')}).`);
  const ctx = cfg.contexts.find((c) => c.name === ctxName);
  if (!ctx) {
    const names = cfg.contexts.map((c) => c.name);
    throw new ClusterError(
      'context-not-found',
      `Context "${ctxName}" not found in the kubeconfig (${cfg.files.join(', ')}). Known contexts: ${names.length ? names.join(', ') : '(none)'}.`,
    );
  }
  const cluster = cfg.clusters.find((c) => c.name === ctx.cluster);
  if (!cluster) throw new ClusterError('bad-kubeconfig', `Context "${ctxName}" refers to cluster "${ctx.cluster}", which the kubeconfig does not define.`);
  const user = ctx.user ? cfg.users.find((u) => u.name === ctx.user) : undefined;
  if (ctx.user && !user) throw new ClusterError('bad-kubeconfig', `Context "${ctxName}" refers to user "${ctx.user}", which the kubeconfig does not define.`);
  refuseExecUnlessAllowed({ name: ctxName, user }, allowExec);
  // client-node applies the cluster's CA only when the context has a user: give anonymous contexts an empty one.
  const memUser: User = user ?? ({ name: '(anonymous)' } as User);
  const memCtx: Context = { name: ctx.name, cluster: ctx.cluster, user: memUser.name, namespace: ctx.namespace };
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [cluster], users: [memUser], contexts: [memCtx], currentContext: ctx.name });
  return { name: ctx.name, namespace: ctx.namespace, cluster, user, kc };
}
