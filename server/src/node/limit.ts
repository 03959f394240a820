// Bounded concurrency for Node-side work (file reads of a scan, the cluster session's first lists).

/**
 * Runs `fn` on every item with at most `limit` running at a time, in order of the items. After the first failure no
 * further item is started; the returned promise rejects with that failure (items already running are not awaited).
 */
export async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
