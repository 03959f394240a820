// DNS-glob compatibility and label selectors, as Emissary uses them to associate Mappings with Hosts.
//
// Rules (the shared Emissary semantics notes, ../shared/docs/emissary-semantics.md, "Hosts"):
// - A glob is `*`, `*.suffix`-style (leading wildcard) or `prefix.*`-style (trailing wildcard), or exact.
// - Two globs are compatible when some hostname could match both. A `*` that is not the whole glob
//   stands for at least one character.
// - A glob with a wildcard at both ends is not a valid DNS glob; it is only compatible with itself.
// - A glob starting with a bare "." is never compatible with another glob.
// - Selectors: matchLabels only; every label must be present with the same value; an empty
//   matchLabels matches everything; a non-empty one never matches a Mapping without labels.

import { isRecord } from './model';

/** True when some hostname could satisfy both DNS globs. */
export function hostGlobsIntersect(a: string, b: string): boolean {
  if (a === b) return true;
  if (a === '*' || b === '*') return true;
  if (a === '' || b === '') return false;
  if (a.startsWith('.') || b.startsWith('.')) return false;

  const aStart = a.startsWith('*');
  const aEnd = a.endsWith('*');
  const bStart = b.startsWith('*');
  const bEnd = b.endsWith('*');

  // Wildcards at both ends: not a valid glob, only an identical string matches (handled above).
  if ((aStart && aEnd) || (bStart && bEnd)) return false;
  // No wildcard anywhere and not equal.
  if (!aStart && !aEnd && !bStart && !bEnd) return false;
  // One leading, the other trailing: a long enough name satisfies both.
  if ((aStart && bEnd) || (bStart && aEnd)) return true;
  if (aStart) return leadingMatches(a, b, bStart);
  if (bStart) return leadingMatches(b, a, aStart);
  if (aEnd) return trailingMatches(a, b, bEnd);
  return trailingMatches(b, a, aEnd);
}

/** `wild` starts with `*`; `other` does not end with `*` (it may start with one). */
function leadingMatches(wild: string, other: string, otherWild: boolean): boolean {
  const wildSuffix = wild.slice(1);
  if (otherWild) {
    // Both leading wildcards: one suffix must end with the other.
    const otherSuffix = other.slice(1);
    return wildSuffix.length >= otherSuffix.length ? wildSuffix.endsWith(otherSuffix) : otherSuffix.endsWith(wildSuffix);
  }
  // The `*` must cover at least one character of the exact name.
  return other.length > wildSuffix.length && other.endsWith(wildSuffix);
}

/** `wild` ends with `*`; `other` does not start with `*` (it may end with one). */
function trailingMatches(wild: string, other: string, otherWild: boolean): boolean {
  const wildPrefix = wild.slice(0, -1);
  if (otherWild) {
    const otherPrefix = other.slice(0, -1);
    return wildPrefix.length >= otherPrefix.length ? wildPrefix.startsWith(otherPrefix) : otherPrefix.startsWith(wildPrefix);
  }
  return other.length > wildPrefix.length && other.startsWith(wildPrefix);
}

/** `matchLabels` of a selector object, as string pairs; undefined when there is no usable matchLabels. */
export function matchLabelsOf(selector: unknown): Record<string, string> | undefined {
  if (!isRecord(selector)) return undefined;
  const ml = selector.matchLabels;
  if (!isRecord(ml)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ml)) out[k] = v === null || v === undefined ? '' : String(v);
  return out;
}

/** Kubernetes matchLabels semantics (strict, as Emissary 3.2+): all required labels must be present. */
export function selectorMatches(matchLabels: Record<string, string>, labels: Record<string, string>): boolean {
  const required = Object.entries(matchLabels);
  if (required.length === 0) return true;
  if (Object.keys(labels).length === 0) return false;
  return required.every(([k, v]) => k in labels && String(labels[k]) === v);
}

