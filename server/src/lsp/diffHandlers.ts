// LSP wiring of the live cluster diff: edgepolicy/listContexts, listNamespaces, diffStart, diffStop, diffDocument
// and the diffChanged notification. One session at a time; read-only towards the cluster.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import type { Workspace } from '../engine/workspace';
import { parseIgnoreConfig, type IgnoreRule } from '../engine/ignore';
import { KubeClient } from '../cluster/client';
import { errorMessage } from '../cluster/errors';
import { listContexts, loadKubeconfig, resolveContext } from '../cluster/kubeconfig';
import { listNamespaceNames } from '../cluster/resources';
import { DiffSession } from '../cluster/session';
import {
  DiffChangedNotification,
  DiffDocumentRequest,
  DiffStartRequest,
  DiffStopRequest,
  ListContextsRequest,
  ListNamespacesRequest,
  type DiffDocumentParams,
  type DiffDocumentResult,
  type DiffStartParams,
  type DiffStartResult,
  type DriftSummary,
  type KubeconfigParams,
  type ListContextsResult,
  type ListNamespacesParams,
  type ListNamespacesResult,
} from './protocol';

export interface DiffHandlerOptions {
  /** Workspace folder paths; `.edgepolicy.yaml` is read from each (rules are merged). */
  folders?: () => string[];
  /** Log a line to the server's output channel (never credentials). */
  log?: (message: string) => void;
  /** Environment for KUBECONFIG/HOME (default process.env). */
  env?: Record<string, string | undefined>;
  /** Least time between two diffChanged notifications (default 200 ms). */
  throttleMs?: number;
}

export interface DiffHandlers {
  /** The running session, if any (tests, shutdown). */
  session(): DiffSession | undefined;
  dispose(): Promise<void>;
}

export function registerDiffHandlers(
  connection: Connection,
  getWorkspace: () => Workspace,
  onWorkspaceChanged: (cb: () => void) => void,
  opts: DiffHandlerOptions = {},
): DiffHandlers {
  let session: DiffSession | undefined;
  const log = opts.log ?? (() => undefined);
  const env = opts.env ?? process.env;
  let ignoreStamp = '';
  let ignoreRules: IgnoreRule[] = [];

  /** Read `.edgepolicy.yaml` from the folders; re-parse only when a file changed (size + mtime). */
  const readIgnore = (): IgnoreRule[] => {
    const files = (opts.folders?.() ?? []).map((f) => path.join(f, '.edgepolicy.yaml'));
    const stats = files.map((f) => {
      try {
        const s = fs.statSync(f);
        return s.isFile() ? `${f}:${s.size}:${s.mtimeMs}` : '';
      } catch {
        return '';
      }
    });
    const stamp = stats.join('|');
    if (stamp === ignoreStamp) return ignoreRules;
    ignoreStamp = stamp;
    const rules: IgnoreRule[] = [];
    files.forEach((f, i) => {
      if (!stats[i]) return;
      try {
        const cfg = parseIgnoreConfig(fs.readFileSync(f, 'utf8'), f);
        for (const e of cfg.errors) log(`diff: ${e}`);
        rules.push(...cfg.rules);
      } catch (e) {
        log(`diff: cannot read ${f}: ${errorMessage(e)}`);
      }
    });
    ignoreRules = rules;
    return rules;
  };

  const source = (p: KubeconfigParams) => ({ kubeconfig: p.kubeconfig || undefined, env });

  connection.onRequest(ListContextsRequest, (p: KubeconfigParams): ListContextsResult => {
    try {
      return { contexts: listContexts(loadKubeconfig(source(p ?? { allowExec: false }))) };
    } catch (e) {
      return { contexts: [], error: errorMessage(e) };
    }
  });

  connection.onRequest(ListNamespacesRequest, async (p: ListNamespacesParams): Promise<ListNamespacesResult> => {
    let client: KubeClient | undefined;
    try {
      const ctx = resolveContext(loadKubeconfig(source(p)), p.context, p.allowExec === true);
      client = new KubeClient(ctx);
      return { namespaces: await listNamespaceNames(client) };
    } catch (e) {
      return { namespaces: [], error: errorMessage(e) };
    } finally {
      client?.close();
    }
  });

  connection.onRequest(DiffStartRequest, async (p: DiffStartParams): Promise<DiffStartResult> => {
    await session?.stop(false);
    const s = new DiffSession(
      { ...source(p), allowExec: p.allowExec === true, ignore: readIgnore(), throttleMs: opts.throttleMs },
      (summary: DriftSummary) => {
        if (session === s) void connection.sendNotification(DiffChangedNotification, summary);
      },
    );
    session = s;
    try {
      s.setResources(getWorkspace().resources());
    } catch (e) {
      log(`diff: cannot read the workspace resources: ${errorMessage(e)}`);
    }
    const summary = await s.start(p.context, Array.isArray(p.namespaces) ? p.namespaces : []);
    log(`diff: ${summary.context}: ${summary.status}${summary.message ? ` (${summary.message})` : ''}, ${summary.entries.length} resource(s)`);
    return summary;
  });

  connection.onRequest(DiffStopRequest, async (): Promise<null> => {
    const s = session;
    session = undefined;
    if (s) {
      await s.stop(false);
      void connection.sendNotification(DiffChangedNotification, s.summary());
    }
    return null;
  });

  connection.onRequest(DiffDocumentRequest, (p: DiffDocumentParams): DiffDocumentResult => {
    const text = session?.document(p.key, p.side === 'cluster' ? 'cluster' : 'workspace');
    return { text: text ?? `# ${p.key}: not part of the current diff (the session stopped or the resource is gone)\n` };
  });

  onWorkspaceChanged(() => {
    const s = session;
    if (!s) return;
    try {
      s.setIgnoreRules(readIgnore());
      s.setResources(getWorkspace().resources());
    } catch (e) {
      log(`diff: workspace update failed: ${errorMessage(e)}`);
    }
  });

  return {
    session: () => session,
    dispose: async () => {
      const s = session;
      session = undefined;
      await s?.stop(false);
    },
  };
}
