// LSP wiring of the live cluster diff: edgepolicy/listContexts, listNamespaces, diffStart, diffStop, diffDocument
// and the diffChanged notification. One session at a time; read-only towards the cluster.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { Workspace, type ChangeSet } from '../engine/workspace';
import { parseProjectConfig, PROJECT_CONFIG_FILE } from '../engine/config';
import { desiredFromResource, type DesiredItem } from '../engine/diff';
import type { IgnoreRule } from '../engine/ignore';
import type { Resource } from '../engine/model';
import { KubeClient } from '../cluster/client';
import { errorMessage } from '../cluster/errors';
import { listContexts, loadKubeconfig, resolveContext } from '../cluster/kubeconfig';
import { listNamespaceNames } from '../cluster/resources';
import { DiffSession } from '../cluster/session';
import { filePathOf, isInside } from './paths';
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

/**
 * A Workspace that remembers which files' parses changed (set, replaced or removed), so the diff session can
 * update only their resources. The language server uses it as its Workspace.
 */
export class FileTrackingWorkspace extends Workspace {
  private changedFiles = new Set<string>();

  override setFile(uri: string, text: string): ChangeSet {
    const before = this.parsed(uri);
    const changes = super.setFile(uri, text);
    if (this.parsed(uri) !== before) this.changedFiles.add(uri);
    return changes;
  }

  override removeFile(uri: string): ChangeSet {
    if (this.has(uri)) this.changedFiles.add(uri);
    return super.removeFile(uri);
  }

  /** The URIs whose parse changed since the last call. */
  takeChangedFiles(): Set<string> {
    const c = this.changedFiles;
    this.changedFiles = new Set();
    return c;
  }
}

/** What the handlers read of the workspace (a Workspace; tests may hand in less). */
export type DiffWorkspace = Pick<Workspace, 'resources'> & Partial<Pick<Workspace, 'uris' | 'parsed'>>;

/** Told after the workspace changed: the URIs whose files changed, or undefined when anything may have. */
export type WorkspaceChangeListener = (changedFiles?: ReadonlySet<string>) => void;

export interface DiffHandlerOptions {
  /**
   * The `diff.ignore` rules of the workspace folders' `.edgepolicy.yaml` files, as the server keeps them (it
   * watches the files and calls DiffHandlers.ignoreRulesChanged). Without it the files are read from `folders`
   * when a session starts.
   */
  ignoreRules?: () => IgnoreRule[];
  /**
   * Workspace folder paths. Only files inside them are on the workspace side of a diff: an open document from
   * elsewhere does not count (the server already leaves excluded files out of its Workspace). Without `ignoreRules`,
   * `.edgepolicy.yaml` is read from each when a session starts. Without `folders` (or with none), every file counts. Untitled
   * documents (and any URI that is not a file) never count.
   */
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
  /** The server re-read a `.edgepolicy.yaml`: the running session takes the new `ignoreRules()`. */
  ignoreRulesChanged(): void;
  dispose(): Promise<void>;
}

/** Which files' resources are on the workspace side of a diff. */
type FileFilter = (uri: string) => boolean;

/** Files inside `folders` (every file when there are none); never an untitled document or another non-file URI. */
function workspaceFileFilter(folders: readonly string[] | undefined): FileFilter {
  return (uri) => {
    const file = filePathOf(uri);
    if (!file) return false;
    // A window without folders: the open files are the workspace.
    return !folders || folders.length === 0 || folders.some((f) => isInside(f, file));
  };
}

/** The desired side of a session, kept per file so that a change re-reads only the changed files' resources. */
class DesiredByFile {
  private readonly byUri = new Map<string, (DesiredItem & { source: Resource })[]>();
  /** Sorted, like Workspace.resources(): the first of two definitions of one resource is the one compared. */
  private uris: string[] = [];

  private static items(resources: readonly Resource[]): (DesiredItem & { source: Resource })[] {
    return resources.map((r) => ({ ...desiredFromResource(r), source: r }));
  }

  /** Everything from the workspace's files that `counts`. */
  reset(ws: DiffWorkspace, counts: FileFilter): void {
    this.byUri.clear();
    if (ws.uris && ws.parsed) {
      for (const uri of ws.uris()) if (counts(uri)) this.byUri.set(uri, DesiredByFile.items(ws.parsed(uri)?.resources ?? []));
    } else {
      const grouped = new Map<string, Resource[]>();
      for (const r of ws.resources()) {
        if (!counts(r.origin.uri)) continue;
        let list = grouped.get(r.origin.uri);
        if (!list) grouped.set(r.origin.uri, (list = []));
        list.push(r);
      }
      for (const [uri, list] of grouped) this.byUri.set(uri, DesiredByFile.items(list));
    }
    this.uris = [...this.byUri.keys()].sort();
  }

  /**
   * Only the given files; false when the workspace cannot tell per file (then reset instead). `removed` and
   * `added` receive the changed files' old and new items.
   */
  update(
    ws: DiffWorkspace,
    counts: FileFilter,
    changed: ReadonlySet<string>,
    removed: (DesiredItem & { source: Resource })[] = [],
    added: (DesiredItem & { source: Resource })[] = [],
  ): boolean {
    if (!ws.parsed) return false;
    for (const uri of changed) {
      // A file that does not count is as good as absent (its resources, if it had any, go).
      const parsed = counts(uri) ? ws.parsed(uri) : undefined;
      const had = this.byUri.has(uri);
      for (const it of this.byUri.get(uri) ?? []) removed.push(it);
      if (parsed) {
        const items = DesiredByFile.items(parsed.resources);
        for (const it of items) added.push(it);
        this.byUri.set(uri, items);
        if (!had) this.uris.splice(sortedIndex(this.uris, uri), 0, uri);
      } else if (had) {
        this.byUri.delete(uri);
        this.uris.splice(sortedIndex(this.uris, uri), 1);
      }
    }
    return true;
  }

  all(): (DesiredItem & { source: Resource })[] {
    const out: (DesiredItem & { source: Resource })[] = [];
    for (const uri of this.uris) for (const it of this.byUri.get(uri)!) out.push(it);
    return out;
  }
}

/** Where `key` is or would go in the sorted array. */
function sortedIndex(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function registerDiffHandlers(
  connection: Connection,
  getWorkspace: () => DiffWorkspace,
  onWorkspaceChanged: (cb: WorkspaceChangeListener) => void,
  opts: DiffHandlerOptions = {},
): DiffHandlers {
  let session: DiffSession | undefined;
  const desired = new DesiredByFile();
  const log = opts.log ?? (() => undefined);
  const env = opts.env ?? process.env;

  /** The ignore rules: the server's, else read from the folders' `.edgepolicy.yaml` (once per session start). */
  const readIgnore = (): IgnoreRule[] => {
    if (opts.ignoreRules) return opts.ignoreRules();
    const rules: IgnoreRule[] = [];
    for (const folder of opts.folders?.() ?? []) {
      const f = path.join(folder, PROJECT_CONFIG_FILE);
      let text: string;
      try {
        text = fs.readFileSync(f, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`diff: cannot read ${f}: ${errorMessage(e)}`);
        continue;
      }
      const cfg = parseProjectConfig(text);
      for (const e of cfg.errors) log(`diff: ${f}:${e.line}: ${e.message}`);
      rules.push(...cfg.diffIgnore);
    }
    return rules;
  };

  const source = (p: KubeconfigParams) => ({ kubeconfig: p.kubeconfig || undefined, env });
  /** Which files count, by the folders as they are now. */
  const counts = (): FileFilter => workspaceFileFilter(opts.folders?.());

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
      desired.reset(getWorkspace(), counts());
      s.setDesired(desired.all());
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

  // Only the changed files' resources are read again; the settings file is re-read by the server when it changes.
  onWorkspaceChanged((changedFiles) => {
    const s = session;
    if (!s) return;
    try {
      const ws = getWorkspace();
      const removed: (DesiredItem & { source: Resource })[] = [];
      const added: (DesiredItem & { source: Resource })[] = [];
      const filter = counts();
      if (changedFiles && desired.update(ws, filter, changedFiles, removed, added)) s.updateDesired(() => desired.all(), removed, added);
      else {
        desired.reset(ws, filter);
        s.setDesired(desired.all());
      }
    } catch (e) {
      log(`diff: workspace update failed: ${errorMessage(e)}`);
    }
  });

  return {
    session: () => session,
    ignoreRulesChanged: () => {
      try {
        session?.setIgnoreRules(readIgnore());
      } catch (e) {
        log(`diff: ignore rules update failed: ${errorMessage(e)}`);
      }
    },
    dispose: async () => {
      const s = session;
      session = undefined;
      await s?.stop(false);
    },
  };
}
