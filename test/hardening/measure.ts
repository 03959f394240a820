// Time and memory bounds for in-process work.
import * as assert from 'assert';

export interface Measured<T> {
  value: T;
  ms: number;
  /** Upper bound of the peak RSS growth during the call: peak RSS after the call minus RSS before it. */
  rssGrowth: number;
}

export async function measure<T>(fn: () => T | Promise<T>): Promise<Measured<T>> {
  global.gc?.();
  const before = process.memoryUsage.rss();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  return { value, ms, rssGrowth: Math.max(0, peak - before) };
}

export function assertBounded(what: string, m: { ms: number; rssGrowth?: number }, maxMs: number, maxGrowth: number): void {
  assert.ok(m.ms < maxMs, `${what}: took ${m.ms.toFixed(0)} ms (bound ${maxMs} ms)`);
  if (m.rssGrowth !== undefined) {
    assert.ok(m.rssGrowth < maxGrowth, `${what}: RSS grew by ${(m.rssGrowth / 1048576).toFixed(0)} MB (bound ${(maxGrowth / 1048576).toFixed(0)} MB)`);
  }
}

export const MB = 1024 * 1024;
