// When the Routes view fetches the route table (client/src/routesRefresh.ts): only while someone looks, once per
// burst of change notifications, once when shown again after changes. Time is driven by hand (fake timers).
import * as assert from 'node:assert/strict';
import { RoutesRefresher, type Timers } from '../../client/src/routesRefresh';

class FakeTimers implements Timers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();

  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Lets every pending timer fire (as if the quiet time passed), then the fetches they start settle. */
  async elapse(): Promise<void> {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.fn();
    await settle();
  }
}

/** Lets promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A fetch that counts its calls and can be held open to test overlapping requests. */
function fetcher(result = true) {
  const f = {
    calls: 0,
    gate: undefined as Promise<void> | undefined,
    fetch: async (): Promise<boolean> => {
      f.calls++;
      if (f.gate) await f.gate;
      return result;
    },
  };
  return f;
}

function setup(result = true) {
  const timers = new FakeTimers();
  const f = fetcher(result);
  const active: boolean[] = [];
  const r = new RoutesRefresher(f.fetch, { timers, debounceMs: 250, onActiveChange: (a) => active.push(a) });
  return { timers, f, r, active };
}

describe('client routes refresh (fetch only while visible)', () => {
  it('does not fetch while the view is hidden, however many changes arrive', async () => {
    const { timers, f, r } = setup();
    r.setVisible(false);
    for (let i = 0; i < 20; i++) r.changed();
    assert.equal(timers.pending.size, 0, 'no fetch scheduled');
    await timers.elapse();
    assert.equal(f.calls, 0);
    assert.equal(r.stale, true);
  });

  it('fetches once when the view becomes visible after changes arrived while it was hidden', async () => {
    const { timers, f, r, active } = setup();
    r.setVisible(true);
    await settle();
    assert.equal(f.calls, 1, 'the first table when first shown');
    r.setVisible(false);
    r.changed();
    r.changed();
    r.changed();
    await timers.elapse();
    assert.equal(f.calls, 1, 'nothing while hidden');
    r.setVisible(true);
    await settle();
    await timers.elapse();
    assert.equal(f.calls, 2, 'one fetch when shown again');
    assert.equal(r.stale, false);
    assert.deepEqual(active, [true, false, true]);
    // Shown again without changes meanwhile: nothing to fetch.
    r.setVisible(false);
    r.setVisible(true);
    await settle();
    assert.equal(f.calls, 2);
  });

  it('coalesces a burst of changes while visible into one fetch', async () => {
    const { timers, f, r } = setup();
    r.setVisible(true);
    await settle();
    const before = f.calls;
    for (let i = 0; i < 30; i++) r.changed();
    assert.equal(timers.pending.size, 1, 'one timer, re-armed by each change');
    assert.equal(f.calls, before, 'nothing before the quiet time');
    await timers.elapse();
    assert.equal(f.calls, before + 1);
  });

  it('a change that arrived before hiding is fetched when shown again, not while hidden', async () => {
    const { timers, f, r } = setup();
    r.setVisible(true);
    await settle();
    r.changed();
    r.setVisible(false);
    await timers.elapse();
    assert.equal(f.calls, 1);
    r.setVisible(true);
    await settle();
    assert.equal(f.calls, 2);
  });

  it('runs a fetch asked for during another one once, after it', async () => {
    const { f, r } = setup();
    let open!: () => void;
    f.gate = new Promise((resolve) => (open = resolve));
    const first = r.refresh();
    void r.refresh();
    void r.refresh();
    await settle();
    assert.equal(f.calls, 1, 'the second fetch waits for the first');
    open();
    await first;
    assert.equal(f.calls, 2, 'one more for the requests made meanwhile');
  });

  it('fetches for an API caller that holds the view, and stops when it lets go', async () => {
    const { timers, f, r, active } = setup();
    const release = r.hold();
    await settle();
    assert.equal(f.calls, 1, 'stale table fetched for the holder');
    r.changed();
    await timers.elapse();
    assert.equal(f.calls, 2, 'changes fetched while held');
    release();
    release();
    r.changed();
    await timers.elapse();
    assert.equal(f.calls, 2, 'hidden again after the hold');
    assert.deepEqual(active, [true, false]);
    await r.whenFresh();
    assert.equal(f.calls, 3, 'whenFresh fetches a stale table even while hidden');
    await r.whenFresh();
    assert.equal(f.calls, 3, 'and nothing when it is current');
  });

  it('keeps the table stale after a failed fetch, so the next look fetches again', async () => {
    const { f, r } = setup(false);
    r.setVisible(true);
    await settle();
    assert.equal(f.calls, 1);
    assert.equal(r.stale, true);
    r.setVisible(false);
    r.setVisible(true);
    await settle();
    assert.equal(f.calls, 2);
  });

  it('fetches nothing after dispose', async () => {
    const { timers, f, r } = setup();
    r.setVisible(true);
    await settle();
    r.changed();
    r.dispose();
    await timers.elapse();
    assert.equal(timers.pending.size, 0);
    assert.equal(f.calls, 1);
  });
});
