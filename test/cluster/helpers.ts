// Helpers shared by the cluster test suites: a summary recorder, a free-then-closed port, a TCP relay that can be
// cut and restored, and a before/after count of the process's active resources (timers, sockets, child processes).
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import type { DriftSummary } from '../../server/src/lsp/protocol';

/** Collects summaries; waitFor resolves with the first (past or future) one matching. */
export class Recorder {
  readonly all: DriftSummary[] = [];
  private waiters: { pred: (s: DriftSummary) => boolean; resolve: (s: DriftSummary) => void }[] = [];
  readonly push = (s: DriftSummary): void => {
    this.all.push(s);
    this.waiters = this.waiters.filter((w) => (w.pred(s) ? (w.resolve(s), false) : true));
  };
  /** The latest summary (if it matches) or the next matching one. */
  waitFor(pred: (s: DriftSummary) => boolean, what: string, ms = 15_000): Promise<DriftSummary> {
    const last = this.all.at(-1);
    if (last && pred(last)) return Promise.resolve(last);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for: ${what}; last: ${JSON.stringify(this.all.at(-1))}`)), ms);
      this.waiters.push({
        pred,
        resolve: (s) => {
          clearTimeout(t);
          resolve(s);
        },
      });
    });
  }
}

/** A port that was free a moment ago and has nothing listening on it. */
export async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

/** A TCP relay to the test server that can be cut and restored, to simulate a lost connection. */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  constructor(private readonly target: number) {}
  up(port: number): Promise<number> {
    const server = net.createServer((down) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      for (const x of [down, upstream]) {
        this.sockets.add(x);
        x.on('close', () => this.sockets.delete(x));
        x.on('error', () => (down.destroy(), upstream.destroy()));
      }
      down.pipe(upstream);
      upstream.pipe(down);
    });
    this.server = server;
    return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  }
  down(): Promise<void> {
    for (const x of this.sockets) x.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

/** Resource kinds that outlive a request when something is not cleaned up. */
const TRACKED = ['Timeout', 'Immediate', 'TCPSocketWrap', 'TLSSocketWrap', 'TCPServerWrap', 'TCPConnectWrap', 'ProcessWrap', 'PipeWrap', 'GetAddrInfoReqWrap'];

export type ResourceCounts = Record<string, number>;

/** Counts of the process's active resources (process.getActiveResourcesInfo), by kind. */
export function activeResources(): ResourceCounts {
  const out: ResourceCounts = Object.fromEntries(TRACKED.map((k) => [k, 0]));
  for (const r of process.getActiveResourcesInfo()) if (r in out) out[r]!++;
  return out;
}

/** Sockets (process._getActiveHandles) connected to or from `port`. */
export function socketsOnPort(port: number): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h) => h instanceof net.Socket && !h.destroyed && (h.remotePort === port || h.localPort === port)).length;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait (up to `ms`) until no kind of resource is above its count in `before`; fail naming what is left. */
export async function expectNothingLeft(before: ResourceCounts, ms = 4000): Promise<void> {
  const deadline = Date.now() + ms;
  let after = activeResources();
  const above = (): string[] => TRACKED.filter((k) => after[k]! > before[k]!);
  while (above().length && Date.now() < deadline) {
    await sleep(50);
    after = activeResources();
  }
  assert.deepEqual(
    above().map((k) => `${k}: ${before[k]} before, ${after[k]} after stop`),
    [],
    'resources left after stop()',
  );
}

/** Counts once they stop moving (the previous test's sockets finish closing), to compare against later. */
export async function settledResources(): Promise<ResourceCounts> {
  let prev = activeResources();
  for (let i = 0; i < 20; i++) {
    await sleep(50);
    const cur = activeResources();
    if (TRACKED.every((k) => cur[k] === prev[k])) return cur;
    prev = cur;
  }
  return prev;
}
