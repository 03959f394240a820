// The API `activate()` returns, for the in-VS-Code (extension host) tests:
//
//   const api = vscode.extensions.getExtension<EdgePolicyApi>('edgepolicy.edgepolicy')!.exports  // after activate()
//   await api.whenReady();                        // server running and the first route table loaded (or failed)
//   api.routesProvider.roots                      // ViewNodes as shown in the Routes view (after the filter)
//   api.routesProvider.getChildren(node) / getTreeItem(node)   // what VS Code sees
//   await api.waitForRoutes((m) => m.shownGroups > 0)          // wait for a live refresh
//   api.driftProvider.summary / roots             // the current diff session
//   await vscode.commands.executeCommand('edgepolicy.diffAgainstCluster', { context: 'kind-test', namespaces: [] })
//
// ViewNode (client/src/viewNode.ts) is plain data: id, kind ('host' | 'hostBucket' | 'group' | 'member' | 'tcp' |
// 'tcpRoute' | 'message' | 'driftState' | 'driftEntry'), label, description, tooltip (markdown), icon {id, color},
// contextValue, children, location (members/hosts/drift entries), entry (drift entries), groupId, drifted.
import type { LanguageClient } from 'vscode-languageclient/node';
import type { DriftSummary } from '../../server/src/lsp/protocol';
import type { DiffSession } from './diffSession';
import type { DriftTreeProvider } from './driftView';
import type { ServerState } from './languageClient';
import type { RoutesModel } from './routesModel';
import type { RoutesTreeProvider } from './routesView';

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
  /** Resolves when the server is running and the first route table arrived (or the server failed to start). */
  whenReady(): Promise<void>;
  /** Resolves with the routes model once `predicate` holds (checked now and after each refresh); rejects after `timeoutMs`. */
  waitForRoutes(predicate: (m: RoutesModel) => boolean, timeoutMs?: number): Promise<RoutesModel>;
  /** Resolves with the drift summary once `predicate` holds; rejects after `timeoutMs`. */
  waitForDrift(predicate: (s: DriftSummary | undefined) => boolean, timeoutMs?: number): Promise<DriftSummary | undefined>;
  /** Re-request the route table now. */
  refreshRoutes(): Promise<void>;
}
