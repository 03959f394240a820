// The Cluster drift tree (view `edgepolicy.drift`) and the read-only virtual documents shown in the diff editor.
import * as vscode from 'vscode';
import type { DriftEntry, DriftSummary } from '../../server/src/lsp/protocol';
import { buildDriftNodes, DIFF_SCHEME, diffTitle, diffUriParts, parseDiffQuery, type DiffSide } from './driftModel';
import { parentIndex, toTreeItem } from './treeItems';
import type { ViewNode } from './viewNode';

export class DriftTreeProvider implements vscode.TreeDataProvider<ViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ViewNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly updated = new vscode.EventEmitter<DriftSummary | undefined>();
  /** Fires after every new summary (or when the session is cleared). */
  readonly onDidUpdate = this.updated.event;
  private summaryValue: DriftSummary | undefined;
  private nodes: ViewNode[] = [];
  private parents = new Map<string, ViewNode>();

  get summary(): DriftSummary | undefined {
    return this.summaryValue;
  }
  get roots(): readonly ViewNode[] {
    return this.nodes;
  }

  setSummary(s: DriftSummary | undefined): void {
    this.summaryValue = s;
    this.nodes = buildDriftNodes(s);
    this.parents = parentIndex(this.nodes);
    this.changed.fire(undefined);
    this.updated.fire(s);
  }

  entry(key: string): DriftEntry | undefined {
    return this.summaryValue?.entries.find((e) => e.key === key);
  }

  getTreeItem(node: ViewNode): vscode.TreeItem {
    const cmd: vscode.Command | undefined =
      node.kind === 'driftEntry' && node.entry
        ? { command: 'edgepolicy.openDiff', title: 'Open Diff', arguments: [node] }
        : node.contextValue === 'driftMessage.error'
          ? { command: 'edgepolicy.showOutput', title: 'Show Output' }
          : undefined;
    return toTreeItem(node, cmd);
  }

  getChildren(node?: ViewNode): ViewNode[] {
    return node ? (node.children ?? []) : this.nodes;
  }

  getParent(node: ViewNode): ViewNode | undefined {
    return this.parents.get(node.id);
  }

  dispose(): void {
    this.changed.dispose();
    this.updated.dispose();
  }
}

export type FetchDocument = (key: string, side: DiffSide) => Promise<string>;

/** Serves `edgepolicy-diff:` documents; their text comes from the server (`edgepolicy/diffDocument`). */
export class DiffDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  /** Bumped per diff session so documents of an earlier session are not reused. */
  session = 0;

  constructor(private readonly fetch: FetchDocument) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const p = parseDiffQuery(uri.query);
    if (!p) return '# Edge Policy: this document address is not valid.\n';
    try {
      return await this.fetch(p.key, p.side);
    } catch (e) {
      return `# Edge Policy: could not load the ${p.side} side of ${p.key}:\n# ${String((e as Error)?.message ?? e).replace(/\n/g, '\n# ')}\n`;
    }
  }

  uri(entry: DriftEntry, side: DiffSide): vscode.Uri {
    const parts = diffUriParts(entry, side, this.session);
    return vscode.Uri.from({ scheme: parts.scheme, path: parts.path, query: parts.query });
  }

  /** Tell VS Code that every open virtual document may have changed (it re-asks for their text). */
  refreshOpenDocuments(): void {
    for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === DIFF_SCHEME) this.changed.fire(doc.uri);
  }

  async openDiff(entry: DriftEntry, context: string): Promise<void> {
    await vscode.commands.executeCommand('vscode.diff', this.uri(entry, 'workspace'), this.uri(entry, 'cluster'), diffTitle(entry, context), {
      preview: true,
    });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
