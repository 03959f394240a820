// "Did you mean ...?" helpers for schema diagnostics. Pure functions.

/**
 * Edit distance (insertions, deletions, substitutions and swaps of neighbours, so `prefxi` is 1 away from
 * `prefix`). Returns `max + 1` as soon as the distance is known to exceed `max`. Field names are short, so the
 * full table is cheap.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d.push(new Array<number>(b.length + 1).fill(0));
    d[i][0] = i;
  }
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2][j - 2] + 1);
      d[i][j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
  }
  return d[a.length][b.length];
}

/** Lower case without `_` and `-`: `mapping_selector`, `MappingSelector` and `mappingselector` are the same. */
function squash(s: string): string {
  return s.toLowerCase().replace(/[_-]/g, '');
}

/**
 * Best candidate for a misspelt `word`, or undefined. Exact matches after squashing (case, `_`/`-`) win; otherwise
 * the closest by edit distance within a budget that grows with the word's length (1 for short words, up to 3).
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates].filter((c) => c !== word);
  const sq = squash(word);
  const same = list.find((c) => squash(c) === sq);
  if (same) return same;
  const budget = word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestD = budget + 1;
  for (const c of list) {
    const d = Math.min(editDistance(word, c, budget), editDistance(sq, squash(c), budget));
    if (d < bestD || (d === bestD && best !== undefined && c < best)) {
      best = c;
      bestD = d;
    }
  }
  return bestD <= budget ? best : undefined;
}
