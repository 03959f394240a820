// Custom LSP messages between the VS Code client and the edgepolicy server. Shared by both sides.
import type { RouteGroup, RouteTable, Severity, TcpRoute } from '../engine/model';

/**
 * client -> server request (no params): the current effective route table. The server builds it only when asked
 * (the client asks while its Routes view is visible).
 */
export const RoutesRequest = 'edgepolicy/routes';

/**
 * The problems of a route group or TCP route as the folders' settings (`edgepolicy.severity`, `.edgepolicy.yaml`)
 * make them, the same settings the diagnostics use: `problems` leaves out codes turned `off` in the folder of every
 * member, and `severities` gives each remaining code its severity (the worst over the members' folders).
 */
export interface EffectiveProblems {
  problems: string[];
  /** Code -> severity after the settings. Absent only in tables that did not come from the server (tests). */
  severities?: Record<string, Severity>;
}

/** The engine's RouteTable (what `edgepolicy routes --format json` prints) with effective problems. */
export interface RoutesResult extends RouteTable {
  groups: (RouteGroup & EffectiveProblems)[];
  tcp: (TcpRoute & EffectiveProblems)[];
}

/**
 * server -> client notification: the route table, or the severity settings applied to it, changed; re-request what
 * you show (a client whose view is hidden may wait until it is shown).
 */
export const RoutesChangedNotification = 'edgepolicy/routesChanged';

/**
 * The client command a route-group code lens runs: arguments are the document URI, the lens position and the
 * members' locations (LSP shapes); the client shows them as references.
 */
export const SHOW_ROUTE_GROUP_COMMAND = 'edgepolicy.showRouteGroup';

export interface KubeContextInfo {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
  current: boolean;
}

/** Where the kubeconfig comes from: an explicit path (trusted workspaces only), else KUBECONFIG, else ~/.kube/config. */
export interface KubeconfigParams {
  kubeconfig?: string;
  /** false in an untrusted workspace: exec credential plugins must not run. */
  allowExec: boolean;
}

/** client -> server: contexts of the kubeconfig, current first. */
export const ListContextsRequest = 'edgepolicy/listContexts';
export type ListContextsParams = KubeconfigParams;
export interface ListContextsResult {
  contexts: KubeContextInfo[];
  error?: string;
}

/** client -> server: namespaces of a context (empty with `error` when not allowed to list). */
export const ListNamespacesRequest = 'edgepolicy/listNamespaces';
export interface ListNamespacesParams extends KubeconfigParams {
  context: string;
}
export interface ListNamespacesResult {
  namespaces: string[];
  error?: string;
}

export type DriftState = 'in-sync' | 'changed' | 'workspace-only' | 'cluster-only';

export interface DriftEntry {
  /** Stable key: `${apiGroupVersion}/${kind}/${namespace}/${name}`. */
  key: string;
  kind: string;
  namespace: string;
  name: string;
  state: DriftState;
  /** JSON pointers into the normalised object. */
  changes: string[];
  /** Workspace source, when the resource is defined in the workspace. */
  uri?: string;
  /** 0-based line of the resource's document start in `uri` (the CLI prints it 1-based). */
  line?: number;
  /**
   * Set when the resource is defined in the getambassador.io/config annotation of a Service or Ingress. Such a
   * resource is compared with that object's live annotation (Emissary never creates CRs from annotations), never
   * with a CR of the same name; the owner is part of `key`.
   */
  annotationOf?: { kind: string; namespace: string; name: string };
}

export interface DriftSummary {
  context: string;
  namespaces: string[];
  status: 'loading' | 'live' | 'reconnecting' | 'error' | 'stopped';
  /** A clear message for the user when status is error/reconnecting. Never holds credentials. */
  message?: string;
  entries: DriftEntry[];
}

/** client -> server: start (or restart) a live diff session against a context. */
export const DiffStartRequest = 'edgepolicy/diffStart';
export interface DiffStartParams extends KubeconfigParams {
  context: string;
  /** Namespaces to compare; empty = all namespaces the workspace or cluster has. */
  namespaces: string[];
}
export type DiffStartResult = DriftSummary;

/** client -> server: stop the live session (closes watches). */
export const DiffStopRequest = 'edgepolicy/diffStop';

/** server -> client notification: the drift summary changed. */
export const DiffChangedNotification = 'edgepolicy/diffChanged';

/** client -> server: the normalised YAML of one side of one entry (Secret data masked). */
export const DiffDocumentRequest = 'edgepolicy/diffDocument';
export interface DiffDocumentParams {
  key: string;
  side: 'workspace' | 'cluster';
}
export interface DiffDocumentResult {
  text: string;
}
