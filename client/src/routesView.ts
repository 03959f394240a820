// The Routes tree (view `edgepolicy.routes`). When to fetch the table is routesRefresh.ts's business; this provider
// shows the table it is given. While nobody looks (setActive(false)), a new table, filter or drift marks only mark
// the tree out of date: it is rebuilt when someone looks again, or when the API reads it.
import * as vscode from 'vscode';
import type { DriftEntry, RoutesResult } from '../../server/src/lsp/protocol';
import { buildRoutesModel, routesViewMessage, sameTable, type RoutesModel } from './routesModel';
import { markdownTooltip, parentIndex, toTreeItem } from './treeItems';
import type { ViewNode } from './viewNode';

export type RoutesState = 'loading' | 'ready' | 'empty' | 'error';

export class RoutesTreeProvider implements vscode.TreeDataProvider<ViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ViewNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly updated = new vscode.EventEmitter<RoutesModel>();
  /** Fires after every rebuild of the tree (new table, filter, drift marks). */
  readonly onDidUpdate = this.updated.event;

  private table: RoutesResult | undefined;
  private filterText = '';
  private drift: readonly DriftEntry[] = [];
  private model: RoutesModel = buildRoutesModel(undefined);
  /** Someone looks at the view (or waits for it through the API): rebuild at once. */
  private active = false;
  /** The model is older than the table, filter or drift marks. */
  private outdated = false;
  private parents = new Map<string, ViewNode>();
  private stateValue: RoutesState = 'loading';
  private errorText: string | undefined;

  get state(): RoutesState {
    if (this.outdated) this.rebuildNow();
    return this.stateValue;
  }
  get filter(): string {
    return this.filterText;
  }
  /** The last route table fetched (undefined until the server answered). */
  get routeTable(): RoutesResult | undefined {
    return this.table;
  }
  /** The root nodes as shown (after filtering). */
  get roots(): readonly ViewNode[] {
    return this.current.nodes;
  }
  get current(): RoutesModel {
    if (this.outdated) this.rebuildNow();
    return this.model;
  }

  /** Whether someone looks; becoming true rebuilds a tree that went out of date meanwhile. */
  setActive(active: boolean): void {
    this.active = active;
    if (active && this.outdated) this.rebuildNow();
  }

  setTable(table: RoutesResult): void {
    if (sameTable(this.table, table) && this.errorText === undefined) return;
    this.table = table;
    this.errorText = undefined;
    this.rebuild();
  }

  /**
   * A fetch failed or the server is gone. Without a table the view shows the error (state `error`); with one it
   * keeps showing the last table and says so. Either way the view's message follows through onDidUpdate.
   */
  setError(message: string): void {
    this.errorText = message;
    this.rebuild();
  }

  setFilter(text: string): void {
    this.filterText = text.trim();
    void vscode.commands.executeCommand('setContext', 'edgepolicy.routesFiltered', this.filterText !== '');
    this.rebuild();
  }

  setDrift(entries: readonly DriftEntry[]): void {
    this.drift = entries;
    this.rebuild();
  }

  private rebuild(): void {
    if (this.active) this.rebuildNow();
    else this.outdated = true;
  }

  private rebuildNow(): void {
    this.outdated = false;
    this.model = buildRoutesModel(this.table, { filter: this.filterText, drift: this.drift });
    this.parents = parentIndex(this.model.nodes);
    this.stateValue = this.table ? (this.model.empty ? 'empty' : 'ready') : this.errorText ? 'error' : 'loading';
    void vscode.commands.executeCommand('setContext', 'edgepolicy.routesState', this.stateValue);
    this.changed.fire(undefined);
    this.updated.fire(this.model);
  }

  /** The message above the view (routesViewMessage). */
  viewMessage(): string | undefined {
    return routesViewMessage(this.table !== undefined, this.errorText);
  }

  /** Description for the view title: the active filter and how much it shows. */
  viewDescription(): string | undefined {
    if (!this.filterText) return undefined;
    const m = this.current;
    return `Filter: ${this.filterText} (${m.shownGroups} of ${m.totalGroups})`;
  }

  getTreeItem(node: ViewNode): vscode.TreeItem {
    const cmd: vscode.Command | undefined =
      node.location && node.kind !== 'message'
        ? { command: 'edgepolicy.goToSource', title: 'Go to Source', arguments: [node] }
        : node.kind === 'message' && this.filterText
          ? { command: 'edgepolicy.clearRoutesFilter', title: 'Clear Filter' }
          : undefined;
    return toTreeItem(node, cmd);
  }

  /** Tooltips (markdown with the problems' explanations) are built on hover, not for every node of every refresh. */
  resolveTreeItem(item: vscode.TreeItem, node: ViewNode): vscode.TreeItem {
    if (item.tooltip === undefined && node.resolveTooltip) item.tooltip = markdownTooltip(node.resolveTooltip());
    return item;
  }

  getChildren(node?: ViewNode): ViewNode[] {
    return node ? (node.children ?? []) : this.current.nodes;
  }

  getParent(node: ViewNode): ViewNode | undefined {
    if (this.outdated) this.rebuildNow();
    return this.parents.get(node.id);
  }

  dispose(): void {
    this.changed.dispose();
    this.updated.dispose();
  }
}
