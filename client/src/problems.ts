// Explanations of the finding codes attached to route groups, and the severity used for a group's icon, both
// from the engine's code catalogue (server/src/engine/codes.ts) so the tree agrees with the Problems panel.
// Pure: no vscode import, so it can be unit tested under Node.
import { DEFAULT_SEVERITY, ruleFor, ruleTitle } from '../../server/src/engine/codes';
import type { Severity } from '../../server/src/engine/model';

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1, hint: 0 };

/** Per-code severity overrides, as in the `edgepolicy.severity` setting (e.g. `{ "EP221": "info" }`). */
export type SeverityOverrides = Record<string, string>;

function isSeverity(s: unknown): s is Severity {
  return s === 'error' || s === 'warning' || s === 'info' || s === 'hint';
}

/** The severity of a code, honouring overrides; `off` (or any unknown value) in overrides is ignored here. */
export function severityOf(code: string, overrides: SeverityOverrides = {}): Severity {
  const o = overrides[code];
  if (isSeverity(o)) return o;
  return DEFAULT_SEVERITY[code] ?? 'warning';
}

/** True when the user switched the code off in `edgepolicy.severity`. */
export function isSuppressed(code: string, overrides: SeverityOverrides = {}): boolean {
  return overrides[code] === 'off' || overrides[code] === 'none';
}

export function explainCode(code: string): string {
  return DEFAULT_SEVERITY[code] ? `${ruleTitle(code)}: ${ruleFor(code).summary}` : 'See the Problems panel for details.';
}

/** The worst severity among codes (suppressed ones left out), or undefined when none remain. */
export function worstSeverity(codes: readonly string[], overrides: SeverityOverrides = {}): Severity | undefined {
  let worst: Severity | undefined;
  for (const c of codes) {
    if (isSuppressed(c, overrides)) continue;
    const s = severityOf(c, overrides);
    if (worst === undefined || RANK[s] > RANK[worst]) worst = s;
  }
  return worst;
}

/** One markdown bullet per distinct code, worst first. */
export function explainCodes(codes: readonly string[], overrides: SeverityOverrides = {}): string[] {
  const distinct = [...new Set(codes)].filter((c) => !isSuppressed(c, overrides));
  distinct.sort((a, b) => RANK[severityOf(b, overrides)] - RANK[severityOf(a, overrides)] || a.localeCompare(b));
  return distinct.map((c) => `- **${c}** (${severityOf(c, overrides)}): ${explainCode(c)}`);
}
