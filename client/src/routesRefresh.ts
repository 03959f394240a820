// When the Routes view asks the server for the route table. A large workspace's table is megabytes of JSON and a
// noticeable rebuild, so it is fetched only while someone looks at it: while the view is visible, or while an API
// caller waits for routes (a "hold"). Change notifications that arrive meanwhile only mark the table stale; it is
// fetched once when the view is shown again. A burst of notifications (typing) is coalesced into one fetch after
// a quiet time, and a fetch asked for while one is running is done once, after it.
// Pure: no vscode import, and timers are injected, so the tests drive time by hand.

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Quiet time after the last change notification before the table is fetched. */
export const ROUTES_DEBOUNCE_MS = 250;

export interface RoutesRefresherOptions {
  debounceMs?: number;
  timers?: Timers;
  /** Called when someone starts or stops looking (see `active`), before a fetch that this causes. */
  onActiveChange?: (active: boolean) => void;
}

export class RoutesRefresher {
  private visible = false;
  private holds = 0;
  /** The table shown may be out of date (nothing fetched yet, a change since, or the last fetch failed). */
  private staleValue = true;
  private timer: unknown;
  private inflight: Promise<void> | undefined;
  private again = false;
  private disposed = false;
  private readonly debounceMs: number;
  private readonly timers: Timers;

  /** `fetch` gets the table and shows it; it resolves to false (or rejects) when there was no table to get. */
  constructor(
    private readonly fetch: () => Promise<boolean>,
    private readonly options: RoutesRefresherOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? ROUTES_DEBOUNCE_MS;
    this.timers = options.timers ?? realTimers;
  }

  /** Someone looks: the view is visible or an API caller holds it. */
  get active(): boolean {
    return this.visible || this.holds > 0;
  }

  get stale(): boolean {
    return this.staleValue;
  }

  /** The view's visibility (TreeView.visible / onDidChangeVisibility). */
  setVisible(visible: boolean): void {
    const was = this.active;
    this.visible = visible;
    this.activeChanged(was);
  }

  /** Keeps the table current as if the view were visible, until the returned function is called. */
  hold(): () => void {
    const was = this.active;
    this.holds++;
    this.activeChanged(was);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const before = this.active;
      this.holds--;
      this.activeChanged(before);
    };
  }

  /** The server said the table changed: fetch after the quiet time if someone looks, else when someone does. */
  changed(): void {
    this.staleValue = true;
    if (this.disposed || !this.active) return;
    this.cancelTimer();
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      void this.refresh();
    }, this.debounceMs);
  }

  /** The table shown is out of date (e.g. a new server process), without fetching now. */
  markStale(): void {
    this.staleValue = true;
  }

  /** Fetches now if someone looks. */
  refreshIfActive(): Promise<void> {
    return this.active ? this.refresh() : Promise.resolve();
  }

  /** Resolves once the table is current: fetches now when it is stale, waits for a running fetch. */
  whenFresh(): Promise<void> {
    if (this.staleValue) return this.refresh();
    return this.inflight ?? Promise.resolve();
  }

  /** Fetches now (whether someone looks or not); joins a running fetch by fetching once more after it. */
  refresh(): Promise<void> {
    this.cancelTimer();
    if (this.disposed) return Promise.resolve();
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    const run = async (): Promise<void> => {
      do {
        this.again = false;
        this.staleValue = false;
        let ok = false;
        try {
          ok = await this.fetch();
        } catch {
          ok = false;
        }
        if (!ok) this.staleValue = true;
      } while (this.again && !this.disposed);
    };
    this.inflight = run().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
  }

  private activeChanged(was: boolean): void {
    if (was === this.active) return;
    // Nobody looks any more: a pending fetch waits until someone does (the table stays stale).
    if (!this.active) this.cancelTimer();
    this.options.onActiveChange?.(this.active);
    if (this.active && this.staleValue) void this.refresh();
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.timers.clear(this.timer);
    this.timer = undefined;
  }
}
