// Maps pure ViewNodes to vscode.TreeItems.
import * as vscode from 'vscode';
import type { ViewNode } from './viewNode';

export function toTreeItem(node: ViewNode, command?: vscode.Command): vscode.TreeItem {
  const state = node.children
    ? node.children.length === 0
      ? vscode.TreeItemCollapsibleState.None
      : node.expanded
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed
    : vscode.TreeItemCollapsibleState.None;
  const item = new vscode.TreeItem(node.label, state);
  item.id = node.id;
  if (node.description) item.description = node.description;
  if (node.tooltip) item.tooltip = markdownTooltip(node.tooltip);
  if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
  if (node.contextValue) item.contextValue = node.contextValue;
  if (command) item.command = command;
  item.accessibilityInformation = { label: node.description ? `${node.label}, ${node.description}` : node.label };
  return item;
}

/** Markdown for a tooltip: theme icons ($(cloud)) rendered, links not trusted. */
export function markdownTooltip(text: string): vscode.MarkdownString {
  const t = new vscode.MarkdownString(text, true);
  t.isTrusted = false;
  return t;
}

/** Parent links for TreeView.reveal / getParent. */
export function parentIndex(roots: readonly ViewNode[]): Map<string, ViewNode> {
  const parents = new Map<string, ViewNode>();
  const visit = (n: ViewNode): void => {
    for (const c of n.children ?? []) {
      parents.set(c.id, n);
      visit(c);
    }
  };
  roots.forEach(visit);
  return parents;
}
