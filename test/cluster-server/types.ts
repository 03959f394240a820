// Public types of the test cluster: fault knobs and request-log entries.

/** Which requests a fault applies to. Unset lists match everything. */
export interface FaultMatch {
  /** Kubernetes verbs: get, list, watch, create, update, patch, delete, deletecollection. */
  verbs?: string[];
  /** Resource plurals ("mappings", "hosts", "services"); '*' matches any, '' matches discovery/non-resource paths. */
  resources?: string[];
  namespaces?: string[];
}

export interface ForbiddenRule {
  /** Resource plural or '*'. */
  resource: string;
  /** Kubernetes verb or '*'. */
  verb: string;
  namespace?: string;
  user?: string;
}

export interface Faults {
  /** Every API request is answered 401 Unauthorized. */
  unauthorized?: boolean;
  /** (resource, verb) pairs answered 403 Forbidden. */
  forbidden?: ForbiddenRule[];
  /** API groups that look uninstalled ("CRDs not installed"): gone from discovery, 404 under their paths. */
  missingGroups?: string[];
  /** Delay in ms before every API request is answered. */
  delayMs?: number;
  /** Close each watch stream after this many events (initial ADDED events count, bookmarks do not). */
  dropWatchAfterEvents?: number;
  /** Close each watch stream this many ms after it opened. */
  dropWatchAfterMs?: number;
  /** Answer matching requests with `status` (429, 500, 503, ...) and a Retry-After header; `times` limits how often. */
  errorStatus?: FaultMatch & { status: number; retryAfterSeconds?: number; times?: number };
  /** Cut matching JSON response bodies in half (Content-Length matches the cut body). */
  truncateBody?: FaultMatch;
  /** Replace matching JSON response bodies with text that is not JSON. */
  invalidJson?: FaultMatch;
  /** Write a line that is not JSON to every watch stream right after its initial events. */
  watchGarbage?: boolean;
  /** Lists of `resource` (default "mappings") in `namespace` (default "default") gain `count` synthetic objects. */
  enormousList?: { count: number; resource?: string; namespace?: string };
  /** Lists ignore `limit`: every matching object in one page, without a continue token (as some proxies/servers do). */
  ignoreLimit?: boolean;
  /** JSON answers are sent chunked, without Content-Length (as re-encoding proxies do). */
  chunkedBodies?: boolean;
  /** Interval of BOOKMARK events on watches that ask for them (default 5000 ms). */
  bookmarkIntervalMs?: number;
}

export interface RequestLogEntry {
  /** ISO time the request arrived. */
  time: string;
  /** Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection); "get" for discovery. */
  verb: string;
  method: string;
  path: string;
  query: Record<string, string>;
  userAgent: string;
  /** Authenticated user, '' when the request was not authenticated. */
  user: string;
  /** HTTP status sent (for watches: the status of the stream's start). */
  status: number;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  contentType?: string;
  accept?: string;
}
