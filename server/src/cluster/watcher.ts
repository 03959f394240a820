// One live listing: list a collection (paginated), then watch it from the list's resourceVersion with bookmarks.
// A normal end of the watch (server timeout) resumes from the last resourceVersion; 410 Gone re-lists; a lost
// connection reconnects with exponential backoff. Everything stops (no timers, no sockets) on stop().
import { ClusterError, errorMessage } from './errors';
import type { KubeClient, RequestWhat, WatchEvent, WatchHandle } from './client';

export type Obj = Record<string, unknown>;

export interface ListingHandlers {
  /** A full (re)list: replace what this listing holds. */
  onList(items: Obj[]): void;
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: Obj): void;
  /** The listing became unhealthy (message) or healthy again (undefined). */
  onHealth(problem: string | undefined): void;
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

export class LiveListing {
  private rv = '';
  private watch: WatchHandle | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;
  private failures = 0;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly path: string,
    private readonly what: RequestWhat,
    /** apiVersion and kind to stamp on items (list items of some servers omit them). */
    private readonly stamp: { apiVersion: string; kind: string },
    private readonly handlers: ListingHandlers,
    private readonly backoff: BackoffOptions = {},
    private readonly on404?: () => Promise<ClusterError>,
  ) {}

  /** First list. Rejects with a ClusterError when it fails; the caller decides what is fatal. */
  async initialList(): Promise<void> {
    await this.relist();
  }

  private async relist(): Promise<void> {
    const res = await this.client.list<Obj>(this.path, { ...this.what, verb: 'list' }, this.on404);
    if (this.stopped) return;
    this.rv = res.resourceVersion;
    this.handlers.onList(res.items.map((o) => this.stamped(o)));
  }

  private stamped(o: Obj): Obj {
    if (o['apiVersion'] === this.stamp.apiVersion && o['kind'] === this.stamp.kind) return o;
    return { ...o, apiVersion: this.stamp.apiVersion, kind: this.stamp.kind };
  }

  /** Start watching (after initialList). */
  startWatching(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let needList = false;
    let goneStreak = 0;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        if (this.stopped) return;
        const w = this.client.watch(this.path, this.rv, { ...this.what, verb: 'watch' }, (e) => this.onWatchEvent(e));
        this.watch = w;
        let healthy = false;
        const markHealthy = (): void => {
          if (!healthy && !this.stopped) {
            healthy = true;
            goneStreak = 0;
            if (this.failures) {
              const reported = this.failures >= 2;
              this.failures = 0;
              if (reported) this.handlers.onHealth(undefined);
            }
          }
        };
        // The watch counts as healthy once the server accepted it (first byte or a quiet second).
        const t = setTimeout(markHealthy, 1000);
        this.firstByte = markHealthy;
        try {
          await w.done;
        } finally {
          clearTimeout(t);
          this.firstByte = undefined;
          this.watch = undefined;
        }
        markHealthy();
      } catch (e) {
        if (this.stopped) return;
        if (e instanceof ClusterError && e.reason === 'aborted') return;
        // An event over the size cap would come back on every resume from this resourceVersion: list afresh instead.
        if (e instanceof ClusterError && e.reason === 'too-large') needList = true;
        if (e instanceof ClusterError && e.reason === 'gone') {
          // The resourceVersion is too old to resume from: list again, then watch from the new one.
          needList = true;
          // A server that keeps answering 410 right after a fresh list gets the backoff below instead of a hot loop.
          if (++goneStreak <= 2) continue;
        }
        this.failures++;
        // One lost connection is routine (proxies and API servers drop watches): only a second failure in a row
        // is reported. Resuming from the last resourceVersion replays what was missed; 410 leads to a re-list.
        if (this.failures >= 2) this.handlers.onHealth(`${errorMessage(e)} Reconnecting (attempt ${this.failures - 1})…`);
        const base = this.backoff.initialMs ?? 1000;
        const max = this.backoff.maxMs ?? 30_000;
        const delay = Math.min(max, base * 2 ** (this.failures - 1));
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, delay);
        });
        this.timer = undefined;
        this.wake = undefined;
      }
    }
  }

  private firstByte: (() => void) | undefined;

  private onWatchEvent(e: WatchEvent): void {
    this.firstByte?.();
    const md = e.object['metadata'] as { resourceVersion?: string } | undefined;
    if (md?.resourceVersion) this.rv = md.resourceVersion;
    if (e.type === 'BOOKMARK') return;
    if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED') this.handlers.onEvent(e.type, this.stamped(e.object));
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.watch?.stop();
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    return this.loop ?? Promise.resolve();
  }
}
