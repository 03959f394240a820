// Ignore rules for the cluster diff, the `diff.ignore` part of the repository file `.edgepolicy.yaml` (the whole
// file is parsed by ./config parseProjectConfig). Pure: the caller reads the file and hands the text in.
//
//   diff:
//     ignore:
//       - kind: Mapping            # required
//         namespace: team-a        # optional: any namespace when absent
//         name: legacy-api         # optional: any name when absent
//         pointer: /spec/timeout_ms  # optional: without it the whole resource is ignored
import * as yaml from 'js-yaml';
import { isRecord } from './model';

export interface IgnoreRule {
  kind: string;
  namespace?: string;
  name?: string;
  /** A JSON pointer into the normalised object; absent = ignore the whole resource. */
  pointer?: string;
}

export interface IgnoreConfig {
  rules: IgnoreRule[];
  /** Problems found in the file, each a sentence for the user. Bad entries are left out, the rest still apply. */
  errors: string[];
}

/** Parse the text of `.edgepolicy.yaml`. Never throws. */
export function parseIgnoreConfig(text: string, fileName = '.edgepolicy.yaml'): IgnoreConfig {
  const rules: IgnoreRule[] = [];
  const errors: string[] = [];
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: fileName, json: true });
  } catch (e) {
    const err = e as { reason?: string; mark?: { line: number; column: number } };
    const where = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : '';
    errors.push(`${fileName}: YAML syntax error${where}: ${err.reason ?? String(e)}`);
    return { rules, errors };
  }
  if (doc === undefined || doc === null) return { rules, errors };
  if (!isRecord(doc)) {
    errors.push(`${fileName}: expected a mapping at the top level`);
    return { rules, errors };
  }
  const diff = doc['diff'];
  if (diff === undefined || diff === null) return { rules, errors };
  if (!isRecord(diff)) {
    errors.push(`${fileName}: "diff" must be a mapping`);
    return { rules, errors };
  }
  const ignore = diff['ignore'];
  if (ignore === undefined || ignore === null) return { rules, errors };
  if (!Array.isArray(ignore)) {
    errors.push(`${fileName}: "diff.ignore" must be a list`);
    return { rules, errors };
  }
  ignore.forEach((item, i) => {
    const checked = checkIgnoreRule(item);
    if ('error' in checked) errors.push(`${fileName}: diff.ignore[${i}]: ${checked.error}`);
    else rules.push(checked.rule);
  });
  return { rules, errors };
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
