// "Diff against cluster": pick a context and namespaces, start the server's live diff session, keep the drift
// view, the status bar and open diff editors up to date. Read-only: only the server talks to the cluster, with
// get/list/watch; the kubeconfig's current context is never changed.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
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
  type DriftEntry,
  type DriftSummary,
  type KubeconfigParams,
  type ListContextsParams,
  type ListContextsResult,
  type ListNamespacesParams,
  type ListNamespacesResult,
} from '../../server/src/lsp/protocol';
import { namespacesText } from './driftModel';
import type { DiffDocumentProvider, DriftTreeProvider } from './driftView';
import {
  contextItems,
  kubeconfigParams,
  namespaceItems,
  namespacesFromPick,
  parseNamespaceInput,
  workspaceNamespaces,
  type PickItem,
} from './pickers';
import type { RoutesTreeProvider } from './routesView';

/** Arguments of `edgepolicy.diffAgainstCluster` for scripted use (tests): skip the pickers. */
export interface DiffCommandArgs {
  context: string;
  /** [] or undefined = all namespaces. */
  namespaces?: string[];
}

type QuickPickEntry = vscode.QuickPickItem & { item?: PickItem };

function toQuickPick(items: PickItem[]): QuickPickEntry[] {
  return items.map((i) =>
    i.separator
      ? { label: i.label, kind: vscode.QuickPickItemKind.Separator }
      : { label: i.label, description: i.description, detail: i.detail, picked: i.picked, item: i },
  );
}

export class DiffSession implements vscode.Disposable {
  private params: DiffStartParams | undefined;
  private lastShownError: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly summaryEmitter = new vscode.EventEmitter<DriftSummary | undefined>();
  readonly onDidChangeSummary = this.summaryEmitter.event;

  constructor(
    private readonly getClient: () => LanguageClient | undefined,
    private readonly drift: DriftTreeProvider,
    private readonly docs: DiffDocumentProvider,
    private readonly routes: RoutesTreeProvider,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** Subscribe to the server's notifications; call again after a client restart is not needed (handlers persist). */
  attach(client: LanguageClient): void {
    this.disposables.push(client.onNotification(DiffChangedNotification, (s: DriftSummary) => this.onSummary(s)));
  }

  get active(): boolean {
    return this.params !== undefined;
  }
  get context(): string | undefined {
    return this.params?.context;
  }

  kubeconfig(): KubeconfigParams {
    const setting = vscode.workspace.getConfiguration('edgepolicy').get<string>('kubeconfig');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return kubeconfigParams(setting, vscode.workspace.isTrusted, os.homedir(), folder?.scheme === 'file' ? folder.fsPath : undefined);
  }

  /** The running client; waits (up to 30 s) while the server is still starting. */
  private async requireClient(): Promise<LanguageClient> {
    const c = this.getClient();
    if (c && !c.isRunning() && c.state === State.Starting) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 30000);
        const sub = c.onDidChangeState((e) => e.newState !== State.Starting && done());
        function done(): void {
          clearTimeout(timer);
          sub.dispose();
          resolve();
        }
      });
    }
    if (!c || !c.isRunning()) throw new Error('The Edge Policy language server is not running. See the "Edge Policy" output.');
    return c;
  }

  /** The running client, or undefined after telling the user why not. */
  private async clientOrError(): Promise<LanguageClient | undefined> {
    try {
      return await this.requireClient();
    } catch (e) {
      this.showError((e as Error).message);
      return undefined;
    }
  }

  async fetchDocument(key: string, side: 'workspace' | 'cluster'): Promise<string> {
    const params: DiffDocumentParams = { key, side };
    const r = await (await this.requireClient()).sendRequest<DiffDocumentResult>(DiffDocumentRequest, params);
    return r?.text ?? '';
  }

  /** The command: pickers (unless args are given), then start the session. Returns the first summary. */
  async run(args?: DiffCommandArgs): Promise<DriftSummary | undefined> {
    const client = await this.clientOrError();
    if (!client) return undefined;
    const kube = this.kubeconfig();
    if (!vscode.workspace.isTrusted) this.output.info('[diff] untrusted workspace: the edgepolicy.kubeconfig setting and exec credential plugins are not used');
    let context = args?.context;
    let namespaces = args?.namespaces;
    if (!context) {
      context = await this.pickContext(client, kube);
      if (!context) return undefined;
    }
    if (!namespaces) {
      namespaces = await this.pickNamespaces(client, kube, context);
      if (!namespaces) return undefined;
    }
    return this.start({ ...kube, context, namespaces });
  }

  private async pickContext(client: LanguageClient, kube: KubeconfigParams): Promise<string | undefined> {
    const p: ListContextsParams = kube;
    let res: ListContextsResult;
    try {
      res = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Edge Policy: reading kubeconfig' },
        () => client.sendRequest<ListContextsResult>(ListContextsRequest, p),
      );
    } catch (e) {
      this.showError(`Could not read the kubeconfig: ${(e as Error).message}`);
      return undefined;
    }
    if (!res.contexts.length) {
      this.showError(res.error ?? 'The kubeconfig has no contexts. Set KUBECONFIG or the edgepolicy.kubeconfig setting.');
      return undefined;
    }
    if (res.error) this.output.warn(`[diff] kubeconfig: ${res.error}`);
    const picked = await vscode.window.showQuickPick(toQuickPick(contextItems(res.contexts)), {
      title: 'Edge Policy: Diff against cluster (1/2)',
      placeHolder: 'Kubernetes context to compare the workspace with (read-only)',
      matchOnDetail: true,
      ignoreFocusOut: true,
    });
    return picked?.item?.value;
  }

  /**
   * The namespace multi-pick. It opens at once (busy while the cluster's namespaces are listed) with "All
   * namespaces" selected, so accepting early takes the default. If listing is not allowed, the user types names.
   */
  private async pickNamespaces(client: LanguageClient, kube: KubeconfigParams, context: string): Promise<string[] | undefined> {
    const wsNs = workspaceNamespaces(this.routes.routeTable);
    const qp = vscode.window.createQuickPick<QuickPickEntry>();
    qp.title = 'Edge Policy: Diff against cluster (2/2)';
    qp.placeholder = `Listing the namespaces of ${context}…`;
    qp.canSelectMany = true;
    qp.ignoreFocusOut = true;
    qp.busy = true;
    const setItems = (items: PickItem[]): void => {
      const keep = new Set(qp.selectedItems.map((i) => i.item?.value));
      const entries = toQuickPick(items);
      qp.items = entries;
      qp.selectedItems = entries.filter((e) => e.item && (keep.size ? keep.has(e.item.value) : e.item.picked));
    };
    setItems(namespaceItems([], wsNs));
    let forbidden: string | undefined;
    const chosen = new Promise<string[] | undefined>((resolve) => {
      qp.onDidAccept(() => {
        resolve(namespacesFromPick(qp.selectedItems.map((p) => p.item).filter((i): i is PickItem => !!i)));
        qp.hide();
      });
      qp.onDidHide(() => resolve(undefined));
    });
    qp.show();
    const p: ListNamespacesParams = { ...kube, context };
    void client.sendRequest<ListNamespacesResult>(ListNamespacesRequest, p).then(
      (res) => {
        if (res.error && res.namespaces.length === 0) {
          forbidden = res.error;
          qp.hide();
          return;
        }
        if (res.error) this.output.warn(`[diff] listing namespaces of ${context}: ${res.error}`);
        setItems(namespaceItems(res.namespaces, wsNs));
        qp.placeholder = 'Namespaces to compare';
        qp.busy = false;
      },
      (e: Error) => {
        forbidden = e.message;
        qp.hide();
      },
    );
    const picked = await chosen;
    qp.dispose();
    if (picked !== undefined || forbidden === undefined) return picked;
    // Listing is forbidden (or failed): let the user type the names.
    this.output.warn(`[diff] listing namespaces of ${context}: ${forbidden}`);
    const typed = await vscode.window.showInputBox({
      title: 'Edge Policy: Diff against cluster (2/2)',
      prompt: `Cannot list the namespaces of ${context} (${forbidden}). Type the namespaces to compare, separated by commas.`,
      value: wsNs.join(', '),
      placeHolder: 'e.g. default, ambassador',
      ignoreFocusOut: true,
      validateInput: (v) => parseNamespaceInput(v).error ?? (v.trim() ? undefined : 'Type at least one namespace.'),
    });
    if (typed === undefined) return undefined;
    return parseNamespaceInput(typed).namespaces;
  }

  /** Start (or restart) the live session and wait, with a progress notification, for the first complete result. */
  async start(params: DiffStartParams, opts: { focus?: boolean } = {}): Promise<DriftSummary | undefined> {
    const client = await this.clientOrError();
    if (!client) return undefined;
    this.params = params;
    this.lastShownError = undefined;
    this.docs.session++;
    void vscode.commands.executeCommand('setContext', 'edgepolicy.diffActive', true);
    this.output.info(`[diff] comparing the workspace with ${params.context} (${namespacesText(params.namespaces)})`);
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Edge Policy: comparing the workspace with ${params.context}`,
        cancellable: true,
      },
      async (progress, token) => {
        progress.report({ message: `loading ${namespacesText(params.namespaces)}…` });
        let summary: DriftSummary;
        try {
          summary = await client.sendRequest<DriftSummary>(DiffStartRequest, params, token);
        } catch (e) {
          if (token.isCancellationRequested) {
            await this.stop();
            return undefined;
          }
          summary = { context: params.context, namespaces: params.namespaces, status: 'error', message: (e as Error).message, entries: [] };
        }
        this.onSummary(summary);
        if (summary.status === 'loading') {
          summary = await this.waitUntilLoaded(token) ?? summary;
          if (token.isCancellationRequested) {
            await this.stop();
            return undefined;
          }
        }
        if (opts.focus !== false) void vscode.commands.executeCommand('edgepolicy.drift.focus');
        return summary;
      },
    );
  }

  private waitUntilLoaded(token: vscode.CancellationToken): Promise<DriftSummary | undefined> {
    return new Promise((resolve) => {
      const subs: vscode.Disposable[] = [];
      const done = (s: DriftSummary | undefined): void => {
        subs.forEach((d) => d.dispose());
        resolve(s);
      };
      subs.push(this.onDidChangeSummary((s) => s?.status !== 'loading' && done(s)));
      subs.push(token.onCancellationRequested(() => done(undefined)));
    });
  }

  /** A new summary from the server (response or notification). */
  onSummary(s: DriftSummary): void {
    if (!this.params) return; // stopped meanwhile
    this.drift.setSummary(s);
    this.routes.setDrift(s.entries);
    this.docs.refreshOpenDocuments();
    this.summaryEmitter.fire(s);
    if (s.status === 'error') {
      const msg = s.message ?? `The diff against ${s.context} failed.`;
      this.output.error(`[diff] ${msg}`);
      if (msg !== this.lastShownError) {
        this.lastShownError = msg;
        this.showError(msg);
      }
    } else if (s.status === 'reconnecting') {
      this.output.warn(`[diff] reconnecting to ${s.context}${s.message ? `: ${s.message}` : ''}`);
    } else if (s.status === 'live') this.lastShownError = undefined;
  }

  /** After a server restart the server-side session is gone: start it again with the same parameters. */
  async resume(): Promise<void> {
    // A restart the user may not even have noticed must not move the focus to the drift view.
    if (this.params) await this.start(this.params, { focus: false });
  }

  async refresh(): Promise<DriftSummary | undefined> {
    if (!this.params) return this.run();
    return this.start(this.params);
  }

  async stop(): Promise<void> {
    const was = this.params;
    this.params = undefined;
    void vscode.commands.executeCommand('setContext', 'edgepolicy.diffActive', false);
    this.drift.setSummary(undefined);
    this.routes.setDrift([]);
    this.summaryEmitter.fire(undefined);
    if (!was) return;
    this.output.info(`[diff] stopped the live diff with ${was.context}`);
    const client = this.getClient();
    if (client?.isRunning()) {
      try {
        await client.sendRequest(DiffStopRequest, {});
      } catch (e) {
        this.output.warn(`[diff] stop: ${(e as Error).message}`);
      }
    }
  }

  async openDiff(entry: DriftEntry): Promise<void> {
    const context = this.drift.summary?.context ?? this.params?.context ?? 'cluster';
    await this.docs.openDiff(entry, context);
  }

  private showError(message: string): void {
    void vscode.window.showErrorMessage(`Edge Policy: ${message}`, 'Open Output').then((choice) => {
      if (choice === 'Open Output') this.output.show(true);
    });
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.summaryEmitter.dispose();
  }
}
