// Short, user-facing explanations of the finding codes that can be attached to route groups, and the
// severity used for the group's icon. Pure: no vscode import, so it can be unit tested under Node.
import type { Severity } from '../../server/src/engine/model';

interface CodeInfo {
  severity: Severity;
  summary: string;
}

const CODES: Record<string, CodeInfo> = {
  EP001: { severity: 'error', summary: 'YAML syntax error in a member’s file.' },
  EP100: { severity: 'error', summary: 'A member does not match the schema of its kind.' },
  EP101: { severity: 'error', summary: 'Unknown kind or apiVersion.' },
  EP102: { severity: 'warning', summary: 'Deprecated apiVersion (v1): prefer getambassador.io/v3alpha1.' },
  EP103: { severity: 'warning', summary: 'Deprecated field (v3alpha1 Mapping `host`): use `hostname`.' },
  EP200: {
    severity: 'warning',
    summary: 'Accidental traffic split: several Mappings match the same requests, so Emissary merges them into one route and divides traffic between them.',
  },
  EP201: { severity: 'error', summary: 'A weight is over 100 or the weights add up to more than 100: Emissary rejects the whole route.' },
  EP202: {
    severity: 'warning',
    summary: 'A member sets a core key (headers, method, prefix flags, timeouts, ...) differently from the group: Emissary drops it.',
  },
  EP203: { severity: 'warning', summary: 'An unweighted member gets 0% because the other weights already total 100.' },
  EP204: {
    severity: 'warning',
    summary: 'Name shadowing: Mappings whose names share the part before the first dot collide; the later one is silently skipped.',
  },
  EP210: { severity: 'error', summary: 'The same kind, namespace and name is defined twice.' },
  EP211: { severity: 'warning', summary: 'Two Hosts claim the same hostname.' },
  EP212: { severity: 'error', summary: 'Two Listeners use the same port.' },
  EP213: { severity: 'error', summary: 'A singleton resource is defined more than once.' },
  EP220: { severity: 'warning', summary: 'The Mapping attaches to no Host, so it serves no traffic.' },
  EP221: { severity: 'info', summary: 'Reference to an undefined TLSContext, Host, resolver or Secret.' },
  EP230: { severity: 'error', summary: '`*` in an exact host or :authority value.' },
  EP231: {
    severity: 'error',
    summary: 'Invalid regex (RE2 rejects it, or it is longer than regex_max_size): Envoy would reject the whole configuration update.',
  },
};

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
  return CODES[code]?.severity ?? 'warning';
}

/** True when the user switched the code off in `edgepolicy.severity`. */
export function isSuppressed(code: string, overrides: SeverityOverrides = {}): boolean {
  return overrides[code] === 'off' || overrides[code] === 'none';
}

export function explainCode(code: string): string {
  return CODES[code]?.summary ?? 'See the Problems panel for details.';
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
