// The API `activate()` returns, for the in-VS-Code (extension host) tests:
//
//   const api = vscode.extensions.getExtension<EdgePolicyApi>('edgepolicy.edgepolicy')!.exports  // after activate()
//   await api.whenReady();                        // server running and the route table loaded (or failed)
//   api.routesProvider.roots                      // ViewNodes as shown in the Routes view (after the filter)
//   api.routesProvider.getChildren(node) / getTreeItem(node)   // what VS Code sees (tooltips: resolveTreeItem)
//   await api.waitForRoutes((m) => m.shownGroups > 0)          // wait for a live refresh
//
// The Routes view fetches the route table only while it is visible. whenReady() and refreshRoutes() fetch it
// while hidden too, and waitForRoutes() keeps it current (as if visible) for as long as it waits.
//   api.driftProvider.summary / roots             // the current diff session
//   await vscode.commands.executeCommand('edgepolicy.diffAgainstCluster', { context: 'kind-test', namespaces: [] })
//
// ViewNode (client/src/viewNode.ts) is plain data: id, kind ('host' | 'hostBucket' | 'group' | 'member' | 'tcp' |
// 'tcpRoute' | 'message' | 'driftState' | 'driftEntry'), label, description, tooltip (markdown; Routes nodes build
// theirs on demand: read it with viewNode.ts tooltipOf(node)), icon {id, color},
// contextValue, children, location (members/hosts/drift entries), entry (drift entries), groupId, drifted.
import type { LanguageClient } from 'vscode-languageclient/node';
import type { DriftSummary } from '../../server/src/lsp/protocol';
import type { DiffSession } from './diffSession';
import type { DriftTreeProvider } from './driftView';
import type { ServerState } from './languageClient';
import type { RoutesModel } from './routesModel';
import type { RoutesTreeProvider } from './routesView';
import type { ViewNode } from './viewNode';

export interface EdgePolicyApi {
  /** Provider of view `edgepolicy.routes`. */
  routesProvider: RoutesTreeProvider;
  /** Provider of view `edgepolicy.drift`. */
  driftProvider: DriftTreeProvider;
  /** The diff-session controller (start/stop/refresh without UI: `diff.start({context, namespaces, allowExec})`). */
  diff: DiffSession;
  /** The language client (undefined only if it could not be created). */
  client: LanguageClient | undefined;
  /** 'starting' | 'running' | 'restarting' | 'stopped' | 'crashed'. */
  serverState(): ServerState;
  /**
   * Resolves when the server is running and the route table arrived (fetched for the caller if the view is hidden
   * and the table is out of date), or the server failed to start.
   */
  whenReady(): Promise<void>;
  /**
   * Resolves with the routes model once `predicate` holds (checked now and after each refresh); rejects after
   * `timeoutMs`. While it waits, the table is fetched on changes even if the view is hidden.
   */
  waitForRoutes(predicate: (m: RoutesModel) => boolean, timeoutMs?: number): Promise<RoutesModel>;
  /** Resolves with the drift summary once `predicate` holds; rejects after `timeoutMs`. */
  waitForDrift(predicate: (s: DriftSummary | undefined) => boolean, timeoutMs?: number): Promise<DriftSummary | undefined>;
  /** Re-request the route table now (visible or not). */
  refreshRoutes(): Promise<void>;
  /** The nodes selected in the Routes view (e.g. by Reveal in Routes View). */
  routesSelection(): readonly ViewNode[];
}
