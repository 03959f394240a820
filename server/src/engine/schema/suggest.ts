// "Did you mean ...?" helpers for schema diagnostics. Pure functions.

// Three rows of the distance table, reused between calls (grown when a longer word comes).
let rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/**
 * Edit distance (insertions, deletions, substitutions and swaps of neighbours, so `prefxi` is 1 away from
 * `prefix`). Returns `max + 1` as soon as the distance is known to exceed `max`. The table rows are reused,
 * so a call allocates nothing.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  if (rows[0].length < n + 1) rows = [new Int32Array(n + 1), new Int32Array(n + 1), new Int32Array(n + 1)];
  // prev2, prev, cur: rows i-2, i-1 and i of the table.
  let [prev2, prev, cur] = rows;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = Infinity;
    const ai = a.charCodeAt(i - 1);
    const aPrev = i > 1 ? a.charCodeAt(i - 2) : -1;
    for (let j = 1; j <= n; j++) {
      const bj = b.charCodeAt(j - 1);
      const cost = ai === bj ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && aPrev === bj) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[n];
}

/** Lower case without `_` and `-`: `mapping_selector`, `MappingSelector` and `mappingselector` are the same. */
function squash(s: string): string {
  let out = squashed.get(s);
  if (out === undefined) {
    out = s.toLowerCase().replace(/[_-]/g, '');
    if (squashed.size >= 5000) squashed.clear();
    squashed.set(s, out);
  }
  return out;
}
const squashed = new Map<string, string>();

/**
 * Best candidate for a misspelt `word`, or undefined. Exact matches after squashing (case, `_`/`-`) win; otherwise
 * the closest by edit distance within `maxDistance`, by default a budget that grows with the word's length (1 for
 * short words, up to 3). Names that are references (a resolver, a TLSContext) want 1: `consul-dc2` is another
 * resolver, not a misspelt `consul`.
 */
export function suggest(word: string, candidates: Iterable<string>, maxDistance?: number): string | undefined {
  const list = [...candidates].filter((c) => c !== word);
  // The same misspelling tends to come back (copied documents, every keystroke re-checking a file): remember
  // the answer per word and candidate list. Bounded, like `squashed`.
  const memoKey = `${maxDistance ?? ''}\u0000${word}\u0000${list.join('\u0001')}`;
  const known = answers.get(memoKey);
  if (known !== undefined) return known === NONE ? undefined : known;
  const answer = closest(word, list, maxDistance);
  if (answers.size >= 2000) answers.clear();
  answers.set(memoKey, answer ?? NONE);
  return answer;
}
const answers = new Map<string, string | typeof NONE>();
const NONE = Symbol('none');

function closest(word: string, list: string[], maxDistance?: number): string | undefined {
  const sq = squash(word);
  const same = list.find((c) => squash(c) === sq);
  if (same) return same;
  const budget = maxDistance ?? (word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3);
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
