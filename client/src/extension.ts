// Entry point of the VS Code extension (bundled to dist/client.js).
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RoutesChangedNotification, RoutesRequest, SHOW_ROUTE_GROUP_COMMAND, type DriftEntry, type DriftSummary, type RoutesResult } from '../../server/src/lsp/protocol';
import type { EdgePolicyApi } from './api';
import { DiffSession, type DiffCommandArgs } from './diffSession';
import { DIFF_SCHEME, driftedCount, driftStatusText } from './driftModel';
import { DiffDocumentProvider, DriftTreeProvider } from './driftView';
import { EXAMPLE_YAML } from './example';
import { createLanguageClient, type ServerHandle, type ServerState } from './languageClient';
import { findMemberNode, type RoutesModel } from './routesModel';
import { RoutesRefresher } from './routesRefresh';
import { RoutesTreeProvider } from './routesView';
import { ResumeTracker, statusShows } from './serverStatus';
import { locationOf, type ViewNode } from './viewNode';

/** A position as LSP sends it (0-based). */
type LspPosition = { line: number; character: number };

let handle: ServerHandle | undefined;

function waitFor<T>(current: () => T, event: vscode.Event<unknown>, predicate: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    if (predicate(current())) return resolve(current());
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const sub = event(() => {
      if (predicate(current())) {
        clearTimeout(timer);
        sub.dispose();
        resolve(current());
      }
    });
  });
}

/** A Location, a tree node with one, or a drift entry -> open the file and select the range. */
async function goToSource(arg: unknown): Promise<void> {
  const loc = locationOf(arg);
  if (!loc) {
    void vscode.window.showInformationMessage('Edge Policy: this item has no source in the workspace.');
    return;
  }
  const r = loc.range;
  const range = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(loc.uri));
    await vscode.window.showTextDocument(doc, { selection: range, preview: true });
  } catch (e) {
    void vscode.window.showErrorMessage(`Edge Policy: cannot open ${loc.uri}: ${(e as Error).message}`);
  }
}

/** Resolves once `event` has not fired for `quietMs`. */
function settled(event: vscode.Event<unknown>, quietMs: number): Promise<void> {
  return new Promise((resolve) => {
    let timer = setTimeout(done, quietMs);
    const sub = event(() => {
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    function done(): void {
      sub.dispose();
      resolve();
    }
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<EdgePolicyApi> {
  const output = vscode.window.createOutputChannel('Edge Policy', { log: true });
  context.subscriptions.push(output);
  output.info(`[client] Edge Policy ${context.extension.packageJSON?.version ?? ''} activating (VS Code ${vscode.version}, workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted'})`);

  // ---- views
  const routesProvider = new RoutesTreeProvider();
  const driftProvider = new DriftTreeProvider();
  const routesView = vscode.window.createTreeView('edgepolicy.routes', { treeDataProvider: routesProvider, showCollapseAll: true });
  const driftView = vscode.window.createTreeView('edgepolicy.drift', { treeDataProvider: driftProvider, showCollapseAll: true });
  context.subscriptions.push(routesProvider, driftProvider, routesView, driftView);
  void vscode.commands.executeCommand('setContext', 'edgepolicy.routesState', 'loading');
  void vscode.commands.executeCommand('setContext', 'edgepolicy.diffActive', false);
  void vscode.commands.executeCommand('setContext', 'edgepolicy.routesFiltered', false);

  // ---- language server
  let client: LanguageClient | undefined;
  try {
    handle = createLanguageClient(context, output);
    client = handle.client;
    context.subscriptions.push(handle);
  } catch (e) {
    output.error(`[client] cannot create the language client: ${(e as Error).message}`);
  }

  const docs: DiffDocumentProvider = new DiffDocumentProvider((key, side) => diff.fetchDocument(key, side));
  const diff: DiffSession = new DiffSession(() => client, driftProvider, docs, routesProvider, output);
  context.subscriptions.push(docs, diff, vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, docs));

  // ---- status bar
  const status = vscode.window.createStatusBarItem('edgepolicy.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'Edge Policy';
  context.subscriptions.push(status);
  const updateStatus = (): void => {
    const state: ServerState = handle?.state ?? 'crashed';
    const s = driftProvider.summary;
    status.backgroundColor = undefined;
    if (s && statusShows(state, diff.active) === 'drift') {
      const t = driftStatusText(s);
      status.text = t.text;
      status.tooltip = t.tooltip;
      status.command = 'edgepolicy.drift.focus';
      if (s.status === 'error') status.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      else if (driftedCount(s) > 0) status.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else {
      const icon = { starting: '$(sync~spin)', restarting: '$(sync~spin)', running: '$(check)', stopped: '$(circle-slash)', crashed: '$(error)' }[state];
      status.text = `${icon} Edge Policy`;
      status.tooltip = `Edge Policy language server: ${state}. Click to show its output.`;
      status.command = 'edgepolicy.showOutput';
      if (state === 'crashed') status.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    }
    status.show();
  };
  updateStatus();

  // ---- routes: fetched while the view is visible (or the API waits for routes), once per burst of routesChanged;
  // changes while it is hidden are fetched once when it is shown again (routesRefresh.ts).
  const fetchRoutes = async (): Promise<boolean> => {
    if (!client?.isRunning()) return false;
    try {
      // The server answers with a table or an error (it waits for its first index; never a stand-in empty table).
      routesProvider.setTable(await client.sendRequest<RoutesResult>(RoutesRequest));
      return true;
    } catch (e) {
      const msg = (e as Error).message;
      output.error(`[routes] ${msg}`);
      // A request cut off by a crash is not the server's answer: the state change says what happened (crashed, or
      // a new table after the restart), and must not be overwritten by the connection's own error.
      if (handle?.state === 'running' && client.isRunning()) routesProvider.setError(msg);
      return false;
    }
  };
  const routesRefresh = new RoutesRefresher(fetchRoutes, { onActiveChange: (active) => routesProvider.setActive(active) });
  routesRefresh.setVisible(routesView.visible);
  context.subscriptions.push(routesRefresh, routesView.onDidChangeVisibility((e) => routesRefresh.setVisible(e.visible)));
  const updateRoutesView = (): void => {
    routesView.description = routesProvider.viewDescription();
    routesView.message = routesProvider.viewMessage();
  };
  context.subscriptions.push(routesProvider.onDidUpdate(updateRoutesView));

  // drift view badge/description + status bar
  context.subscriptions.push(
    diff.onDidChangeSummary((s: DriftSummary | undefined) => {
      const n = driftedCount(s);
      driftView.badge = s && n ? { value: n, tooltip: `${n} resources differ from ${s.context}` } : undefined;
      driftView.description = s ? `${s.context}${s.status !== 'live' ? ` · ${s.status}` : ''}` : undefined;
      updateStatus();
    }),
  );

  // ---- readiness
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  // Every start after the first (crash restart, "Restart Language Server", a start after 'crashed') loses the
  // server-side diff session: resume it, without taking the focus.
  const resumes = new ResumeTracker();
  if (handle) {
    context.subscriptions.push(
      handle.onDidChangeState((s) => {
        updateStatus();
        const resume = resumes.onState(s);
        if (s === 'running') {
          // A new server process: what the view shows may be out of date.
          routesRefresh.markStale();
          void routesRefresh.refreshIfActive().finally(readyResolve);
          if (resume && diff.active) void diff.resume();
        } else if (s === 'crashed' || s === 'stopped') {
          if (s === 'crashed') routesProvider.setError('the language server crashed');
          readyResolve();
        }
      }),
    );
  }
  if (client) {
    diff.attach(client);
    context.subscriptions.push(client.onNotification(RoutesChangedNotification, () => routesRefresh.changed()));
    client.start().catch((e: Error) => {
      output.error(`[client] the language server failed to start: ${e.message}`);
      routesProvider.setError(`the language server failed to start: ${e.message}`);
      updateStatus();
      readyResolve();
    });
  } else {
    routesProvider.setError('the language client could not be created');
    readyResolve();
  }

  // ---- commands
  const reg = (id: string, fn: (...args: any[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  };
  reg('edgepolicy.showOutput', () => output.show(true));
  reg('edgepolicy.restartServer', async () => {
    if (!client) return;
    output.info('[client] restarting the language server on request');
    try {
      if (client.isRunning()) await client.restart();
      else await client.start();
    } catch (e) {
      void vscode.window.showErrorMessage(`Edge Policy: the language server did not restart: ${(e as Error).message}`, 'Open Output').then((c) => c && output.show(true));
    }
  });
  reg('edgepolicy.refreshRoutes', () => routesRefresh.refresh());
  reg('edgepolicy.filterRoutes', async (text?: string) => {
    const value =
      typeof text === 'string'
        ? text
        : await vscode.window.showInputBox({
            title: 'Edge Policy: Filter Routes',
            prompt: 'Show routes whose host, path, headers, Mapping or service contain all of these words',
            value: routesProvider.filter,
            placeHolder: 'e.g. api.example.com /orders',
          });
    if (value === undefined) return;
    routesProvider.setFilter(value);
  });
  reg('edgepolicy.clearRoutesFilter', () => routesProvider.setFilter(''));
  reg('edgepolicy.goToSource', (arg: unknown) => goToSource(arg));
  reg('edgepolicy.diffAgainstCluster', (args?: DiffCommandArgs) => {
    const given = args && typeof args === 'object' && 'context' in args ? args : undefined;
    // The namespace pick offers the workspace's namespaces from the route table: bring it up to date meanwhile
    // (the Routes view may be hidden).
    if (!given?.namespaces) void routesRefresh.whenFresh();
    return diff.run(given);
  });
  reg('edgepolicy.stopDiff', () => diff.stop());
  reg('edgepolicy.refreshDiff', () => diff.refresh());
  reg('edgepolicy.openDiff', async (arg: ViewNode | DriftEntry | string) => {
    const entry = typeof arg === 'string' ? driftProvider.entry(arg) : 'entry' in arg && arg.entry ? arg.entry : 'key' in arg ? (arg as DriftEntry) : undefined;
    if (!entry) return;
    await diff.openDiff(entry);
  });
  // A route-group code lens (server: engine/lenses.ts): its Mappings as a references peek at the lens.
  reg(SHOW_ROUTE_GROUP_COMMAND, (uri: string, at: LspPosition, members: { uri: string; range: { start: LspPosition; end: LspPosition } }[]) => {
    const pos = (p: LspPosition) => new vscode.Position(p.line, p.character);
    const locations = (members ?? []).map((m) => new vscode.Location(vscode.Uri.parse(m.uri), new vscode.Range(pos(m.range.start), pos(m.range.end))));
    return vscode.commands.executeCommand('editor.action.showReferences', vscode.Uri.parse(uri), pos(at), locations);
  });
  /** Selects, in the Routes view, the Mapping under the editor's cursor (found with our outline). */
  const revealInRoutes = async (): Promise<void> => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return;
    const symbols = (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', editor.document.uri)) ?? [];
    const at = editor.selection.active;
    // Our symbols' detail starts with the kind (engine/navigate.ts resourceSymbol): `Mapping · namespace · ...`.
    const mapping = symbols
      .flatMap((s) => [s, ...s.children])
      .find((s) => s.children.length === 0 && s.range.contains(at) && /^(TCP)?Mapping · /.test(s.detail));
    if (!mapping) {
      void vscode.window.showInformationMessage('Edge Policy: put the cursor in a Mapping to reveal it in the Routes view.');
      return;
    }
    // Shown first: a hidden view rebuilds its tree when it becomes visible, and a reveal during that rebuild would
    // be resolved against nodes VS Code is about to drop.
    if (!routesView.visible) await vscode.commands.executeCommand('edgepolicy.routes.focus');
    await routesRefresh.whenFresh();
    await settled(routesProvider.onDidUpdate, 300);
    const uri = editor.document.uri.toString();
    const line = mapping.selectionRange.start.line;
    let node = findMemberNode(routesProvider.current.nodes, uri, line);
    if (!node && routesProvider.filter) {
      // The filter hides it: show every route again rather than nothing.
      routesProvider.setFilter('');
      await settled(routesProvider.onDidUpdate, 300);
      node = findMemberNode(routesProvider.current.nodes, uri, line);
    }
    if (!node) {
      void vscode.window.showInformationMessage(
        `Edge Policy: ${mapping.name} is not in the route table (another ambassador_id, a later definition of the same name, or a Mapping that cannot be read).`,
      );
      return;
    }
    try {
      await routesView.reveal(node, { select: true, focus: true, expand: true });
    } catch (e) {
      output.error(`[routes] could not reveal ${node.label}: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Edge Policy: could not reveal ${node.label} in the Routes view.`);
    }
  };
  // Fetching a large table takes a moment: the status bar says what is going on.
  reg('edgepolicy.revealInRoutes', () =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Edge Policy: revealing in the Routes view' }, () => revealInRoutes()),
  );
  reg('edgepolicy.openExample', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: EXAMPLE_YAML });
    await vscode.window.showTextDocument(doc);
  });

  const api: EdgePolicyApi = {
    routesProvider,
    driftProvider,
    diff,
    client,
    serverState: () => handle?.state ?? 'crashed',
    // An API caller wants the routes even while the view is hidden: fetched for it (whenReady once, waitForRoutes
    // for as long as it waits).
    whenReady: () => ready.then(() => routesRefresh.whenFresh()),
    waitForRoutes: (pred: (m: RoutesModel) => boolean, timeoutMs = 15000) => {
      const release = routesRefresh.hold();
      return waitFor(() => routesProvider.current, routesProvider.onDidUpdate, (m) => routesProvider.routeTable !== undefined && pred(m), timeoutMs, 'routes').finally(release);
    },
    waitForDrift: (pred: (s: DriftSummary | undefined) => boolean, timeoutMs = 15000) =>
      waitFor(() => driftProvider.summary, driftProvider.onDidUpdate, pred, timeoutMs, 'drift summary'),
    refreshRoutes: () => routesRefresh.refresh(),
    routesSelection: () => routesView.selection,
  };
  return api;
}

export async function deactivate(): Promise<void> {
  const c = handle?.client;
  handle = undefined;
  if (c?.isRunning()) {
    try {
      await c.stop(2000);
    } catch {
      // the server is going away anyway
    }
  }
}
