// A tree node as plain data (plus, for tooltips built on demand, a function). The pure model builders (routesModel,
// driftModel) produce these; the vscode providers only map them to TreeItems. Keeping vscode out of here lets the
// tree logic run under mocha.
import type { Location } from '../../server/src/engine/model';
import type { DriftEntry } from '../../server/src/lsp/protocol';

export interface IconSpec {
  /** Codicon id, e.g. `warning`. */
  id: string;
  /** Theme color id, e.g. `problemsWarningIcon.foreground`. */
  color?: string;
}

export type ViewNodeKind =
  | 'host'
  | 'hostBucket'
  | 'group'
  | 'member'
  | 'tcp'
  | 'tcpRoute'
  | 'message'
  | 'driftState'
  | 'driftEntry';

export interface ViewNode {
  /** Unique and stable within one tree (kept across refreshes so expansion state survives). */
  id: string;
  kind: ViewNodeKind;
  label: string;
  description?: string;
  /** Markdown, when it is known up front. */
  tooltip?: string;
  /**
   * Builds the markdown tooltip when it is first needed (VS Code's resolveTreeItem, on hover), for trees too big
   * to build every tooltip on each refresh. Read tooltips with `tooltipOf`.
   */
  resolveTooltip?: () => string;
  icon?: IconSpec;
  /** Used in `view/item/context` when-clauses (`viewItem == ...`). */
  contextValue?: string;
  /** Undefined for leaves. */
  children?: ViewNode[];
  /** Initial state for nodes with children; default collapsed. */
  expanded?: boolean;
  /** The source to reveal (members, hosts). */
  location?: Location;
  /** Set on drift entries. */
  entry?: DriftEntry;
  /** Set on route groups (for tests and commands). */
  groupId?: string;
  /** Set on route groups/members whose resources drifted from the cluster. */
  drifted?: boolean;
}

/** Depth-first walk over nodes and their children. */
export function* walk(nodes: readonly ViewNode[]): Generator<ViewNode> {
  for (const n of nodes) {
    yield n;
    if (n.children) yield* walk(n.children);
  }
}

/** A node's markdown tooltip, built now if it is built lazily. */
export function tooltipOf(node: ViewNode): string | undefined {
  return node.tooltip ?? node.resolveTooltip?.();
}

/** `file:///a/b/c.yaml` -> `c.yaml:12` (1-based line) for tooltips. */
export function shortLocation(loc: Location | undefined): string {
  if (!loc) return '';
  const path = loc.uri.replace(/[?#].*$/, '');
  const base = decodeURIComponentSafe(path.slice(path.lastIndexOf('/') + 1)) || path;
  return `${base}:${loc.range.start.line + 1}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Escape text for use inside markdown tooltips (inline: emphasis, code, links, html, tables). */
export function md(text: string): string {
  return text.replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`);
}

export function lineLocation(uri: string, line = 0): Location {
  return { uri, range: { start: { line, character: 0 }, end: { line, character: 0 } } };
}

/**
 * The source to reveal for a command argument: a tree node with a location, a node carrying a drift entry,
 * a Location, or a drift entry (`uri` + `line`). Undefined when there is none.
 */
export function locationOf(arg: unknown): Location | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as Partial<ViewNode & Location & DriftEntry>;
  if (a.location) return a.location;
  if (a.entry?.uri) return lineLocation(a.entry.uri, a.entry.line);
  if (typeof a.uri === 'string' && a.range) return { uri: a.uri, range: a.range };
  if (typeof a.uri === 'string') return lineLocation(a.uri, a.line);
  return undefined;
}
