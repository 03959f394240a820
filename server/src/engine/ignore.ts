// Ignore rules for the cluster diff, the `diff.ignore` part of the repository file `.edgepolicy.yaml` (the whole
// file is parsed by ./config parseProjectConfig). Pure: the caller reads the file and hands the text in.
//
//   diff:
//     ignore:
//       - kind: Mapping            # required
//         namespace: team-a        # optional: any namespace when absent
//         name: legacy-api         # optional: any name when absent
//         pointer: /spec/timeout_ms  # optional: without it the whole resource is ignored
import { isRecord } from './model';

export interface IgnoreRule {
  kind: string;
  namespace?: string;
  name?: string;
  /** A JSON pointer into the normalised object; absent = ignore the whole resource. */
  pointer?: string;
}

/** Checks one `diff.ignore` entry: the rule, or a sentence saying what is wrong with it. */
export function checkIgnoreRule(item: unknown): { rule: IgnoreRule } | { error: string } {
  if (!isRecord(item)) return { error: 'expected a mapping with "kind" (and optional namespace, name, pointer)' };
  const unknown = Object.keys(item).filter((k) => !IGNORE_RULE_FIELDS.includes(k));
  if (unknown.length) {
    return { error: `unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')} (allowed: ${IGNORE_RULE_FIELDS.join(', ')})` };
  }
  if (typeof item['kind'] !== 'string' || item['kind'] === '') return { error: '"kind" is required and must be a string' };
  const rule: IgnoreRule = { kind: item['kind'] };
  for (const f of ['namespace', 'name', 'pointer'] as const) {
    const v = item[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return { error: `"${f}" must be a string` };
    rule[f] = v;
  }
  if (rule.pointer !== undefined) {
    const problem = pointerProblem(rule.pointer);
    if (problem) return { error: `"pointer" ${problem}` };
  }
  return { rule };
}

const IGNORE_RULE_FIELDS = ['kind', 'namespace', 'name', 'pointer'];

function pointerProblem(p: string): string | undefined {
  if (p === '') return 'must not be empty (leave it out to ignore the whole resource)';
  if (!p.startsWith('/')) return `must be a JSON pointer starting with "/" (got "${p}")`;
  if (/~[^01]|~$/.test(p)) return `has an invalid escape: use ~0 for "~" and ~1 for "/" (got "${p}")`;
  return undefined;
}

/** Whether a rule applies to a resource (by kind, and namespace/name when the rule gives them). */
export function ruleMatches(rule: IgnoreRule, kind: string, namespace: string, name: string): boolean {
  return rule.kind === kind && (rule.namespace === undefined || rule.namespace === namespace) && (rule.name === undefined || rule.name === name);
}

/** The ignore decision for one resource: ignored entirely, or a list of pointers to leave out. */
export function ignoresFor(rules: IgnoreRule[], kind: string, namespace: string, name: string): { whole: boolean; pointers: string[] } {
  const pointers: string[] = [];
  for (const r of rules) {
    if (!ruleMatches(r, kind, namespace, name)) continue;
    if (r.pointer === undefined) return { whole: true, pointers: [] };
    pointers.push(r.pointer);
  }
  return { whole: false, pointers };
}

/** Split a JSON pointer into unescaped tokens. */
export function pointerTokens(p: string): string[] {
  if (p === '') return [];
  return p
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function escapePointerToken(t: string): string {
  return t.replace(/~/g, '~0').replace(/\//g, '~1');
}
