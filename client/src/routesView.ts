// The Routes tree (view `edgepolicy.routes`).
import * as vscode from 'vscode';
import type { RouteTable } from '../../server/src/engine/model';
import type { DriftEntry } from '../../server/src/lsp/protocol';
import type { SeverityOverrides } from './problems';
import { buildRoutesModel, type RoutesModel } from './routesModel';
import { parentIndex, toTreeItem } from './treeItems';
import type { ViewNode } from './viewNode';

export type RoutesState = 'loading' | 'ready' | 'empty' | 'error';

export class RoutesTreeProvider implements vscode.TreeDataProvider<ViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ViewNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly updated = new vscode.EventEmitter<RoutesModel>();
  /** Fires after every rebuild of the tree (new table, filter, drift marks). */
  readonly onDidUpdate = this.updated.event;

  private table: RouteTable | undefined;
  private filterText = '';
  private drift: readonly DriftEntry[] = [];
  private severity: SeverityOverrides = {};
  private model: RoutesModel = buildRoutesModel(undefined);
  private parents = new Map<string, ViewNode>();
  private stateValue: RoutesState = 'loading';
  private errorText: string | undefined;

  get state(): RoutesState {
    return this.stateValue;
  }
  get filter(): string {
    return this.filterText;
  }
  get lastError(): string | undefined {
    return this.errorText;
  }
  /** The current route table (undefined until the server answered). */
  get routeTable(): RouteTable | undefined {
    return this.table;
  }
  /** The root nodes as shown (after filtering). */
  get roots(): readonly ViewNode[] {
    return this.model.nodes;
  }
  get current(): RoutesModel {
    return this.model;
  }

  setTable(table: RouteTable): void {
    this.table = table;
    this.errorText = undefined;
    this.rebuild();
  }

  setError(message: string): void {
    this.errorText = message;
    if (!this.table) {
      this.stateValue = 'error';
      void vscode.commands.executeCommand('setContext', 'edgepolicy.routesState', this.stateValue);
    }
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

  setSeverity(overrides: SeverityOverrides): void {
    this.severity = overrides;
    this.rebuild();
  }

  private rebuild(): void {
    this.model = buildRoutesModel(this.table, { filter: this.filterText, drift: this.drift, severity: this.severity });
    this.parents = parentIndex(this.model.nodes);
    this.stateValue = this.table ? (this.model.empty ? 'empty' : 'ready') : this.errorText ? 'error' : 'loading';
    void vscode.commands.executeCommand('setContext', 'edgepolicy.routesState', this.stateValue);
    this.changed.fire(undefined);
    this.updated.fire(this.model);
  }

  /** Description for the view title: the active filter and how much it shows. */
  viewDescription(): string | undefined {
    if (!this.filterText) return undefined;
    return `Filter: ${this.filterText} (${this.model.shownGroups} of ${this.model.totalGroups})`;
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

  getChildren(node?: ViewNode): ViewNode[] {
    return node ? (node.children ?? []) : this.model.nodes;
  }

  getParent(node: ViewNode): ViewNode | undefined {
    return this.parents.get(node.id);
  }

  dispose(): void {
    this.changed.dispose();
    this.updated.dispose();
  }
}
