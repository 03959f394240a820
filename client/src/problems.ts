// Explanations of the finding codes attached to route groups, and the severity used for a group's icon. The
// severities come from the server, after the folder's settings (`edgepolicy.severity`, `.edgepolicy.yaml`), with
// codes turned off already left out; the engine's code catalogue (server/src/engine/codes.ts) only explains the
// codes, and gives a default for a code the server sent no severity for.
// Pure: no vscode import, so it can be unit tested under Node.
import { DEFAULT_SEVERITY, ruleFor, ruleTitle } from '../../server/src/engine/codes';
import type { Severity } from '../../server/src/engine/model';

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1, hint: 0 };

/** Severities per code as the server sent them with a route group or TCP route (RoutesResult). */
export type Severities = Readonly<Record<string, Severity>>;

/** The severity to show for a code: the server's, else the catalogue's default. */
export function severityOf(code: string, severities: Severities = {}): Severity {
  return severities[code] ?? DEFAULT_SEVERITY[code] ?? 'warning';
}

export function explainCode(code: string): string {
  return DEFAULT_SEVERITY[code] ? `${ruleTitle(code)}: ${ruleFor(code).summary}` : 'See the Problems panel for details.';
}

/** The worst severity among codes, or undefined when there are none. */
export function worstSeverity(codes: readonly string[], severities: Severities = {}): Severity | undefined {
  let worst: Severity | undefined;
  for (const c of codes) {
    const s = severityOf(c, severities);
    if (worst === undefined || RANK[s] > RANK[worst]) worst = s;
  }
  return worst;
}

/** One markdown bullet per distinct code, worst first. */
export function explainCodes(codes: readonly string[], severities: Severities = {}): string[] {
  const distinct = [...new Set(codes)];
  distinct.sort((a, b) => RANK[severityOf(b, severities)] - RANK[severityOf(a, severities)] || a.localeCompare(b));
  return distinct.map((c) => `- **${c}** (${severityOf(c, severities)}): ${explainCode(c)}`);
}
