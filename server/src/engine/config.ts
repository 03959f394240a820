// The project settings file `.edgepolicy.yaml`, shared by the editor and the CLI. Pure: the caller reads the file
// and hands the text in; problems come back as data with the (1-based) line they are on.
//
//   severity:                  # per diagnostic code: error | warning | info | hint | off
//     EP221: warning
//     EP203: off
//   exclude:                   # globs of files/folders to leave out, relative to the folder of this file
//     - "**/charts/**"
//     - rendered/*.yaml
//   diff:
//     ignore:                  # differences the cluster diff does not report (see ./ignore)
//       - kind: Module
//         name: ambassador
//         pointer: /spec/config/diagnostics
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Finding, Severity } from './model';
import { checkIgnoreRule, type IgnoreRule } from './ignore';
import { isRecord } from './model';

export const PROJECT_CONFIG_FILE = '.edgepolicy.yaml';

/** A severity for a code, or `off` to drop the code's findings. */
export type SeverityLevel = Severity | 'off';

export const SEVERITY_LEVELS: readonly SeverityLevel[] = ['error', 'warning', 'info', 'hint', 'off'];

export interface ConfigError {
  /** 1-based line of the offending entry (1 when the file as a whole is wrong). */
  line: number;
  message: string;
}

export interface ProjectConfig {
  severity: Record<string, SeverityLevel>;
  /** Globs relative to the folder holding the file. */
  exclude: string[];
  diffIgnore: IgnoreRule[];
  /** Problems found in the file. Bad entries are left out; the rest still apply. */
  errors: ConfigError[];
}

const TOP_LEVEL_KEYS = ['severity', 'exclude', 'diff'];
const DIFF_KEYS = ['ignore'];
const CODE = /^EP\d{3}$/;

export function emptyProjectConfig(): ProjectConfig {
  return { severity: {}, exclude: [], diffIgnore: [], errors: [] };
}

export function isSeverityLevel(v: unknown): v is SeverityLevel {
  return typeof v === 'string' && (SEVERITY_LEVELS as readonly string[]).includes(v);
}

export function isDiagnosticCode(v: string): boolean {
  return CODE.test(v);
}

/** Parses the text of `.edgepolicy.yaml`. Never throws. */
export function parseProjectConfig(text: string): ProjectConfig {
  const cfg = emptyProjectConfig();
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    cfg.errors.push({ line: 1, message: `cannot be read as YAML: ${e instanceof Error ? e.message : String(e)}` });
    return cfg;
  }
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lines.linePos(offset).line);
  const err = (node: Node | null | undefined, message: string): void => void cfg.errors.push({ line: lineOf(node?.range?.[0]), message });

  if (doc.errors.length > 0) {
    // The first error only: the others usually follow from it.
    const e = doc.errors[0]!;
    cfg.errors.push({ line: lineOf(e.pos?.[0]), message: `YAML syntax error: ${e.message.split('\n')[0]}` });
    return cfg;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    cfg.errors.push({ line: 1, message: `cannot be read: ${e instanceof Error ? e.message : String(e)}` });
    return cfg;
  }
  if (value === undefined || value === null) return cfg;
  const root = doc.contents;
  if (!isRecord(value) || !isMap(root)) {
    err(root, 'expected a mapping at the top level (with severity, exclude and/or diff)');
    return cfg;
  }

  /** The key node and value node of `key` in a YAML map node. */
  const entry = (map: unknown, key: string): { key?: Node; value?: Node } => {
    if (!isMap(map)) return {};
    for (const p of map.items) {
      if (isPair(p) && isScalar(p.key) && String(p.key.value) === key) return { key: p.key as Node, value: (p.value ?? undefined) as Node | undefined };
    }
    return {};
  };

  for (const k of Object.keys(value)) {
    if (!TOP_LEVEL_KEYS.includes(k)) err(entry(root, k).key, `unknown key "${k}" (allowed: ${TOP_LEVEL_KEYS.join(', ')})`);
  }

  // severity
  const sev = value['severity'];
  const sevNode = entry(root, 'severity').value;
  if (sev !== undefined && sev !== null) {
    if (!isRecord(sev)) err(sevNode, '"severity" must be a mapping of diagnostic codes to levels, e.g. "EP221: warning"');
    else {
      for (const [code, level] of Object.entries(sev)) {
        const e = entry(sevNode, code);
        if (!isDiagnosticCode(code)) {
          err(e.key, `severity: "${code}" is not a diagnostic code (expected EP followed by three digits, e.g. EP221)`);
          continue;
        }
        if (!isSeverityLevel(level)) {
          err(e.value ?? e.key, `severity.${code}: invalid level ${JSON.stringify(level)} (expected ${SEVERITY_LEVELS.join(', ')})`);
          continue;
        }
        cfg.severity[code] = level;
      }
    }
  }

  // exclude
  const exclude = value['exclude'];
  const exNode = entry(root, 'exclude').value;
  if (exclude !== undefined && exclude !== null) {
    const list = typeof exclude === 'string' ? [exclude] : exclude;
    if (!Array.isArray(list)) err(exNode, '"exclude" must be a list of glob patterns');
    else {
      list.forEach((g, i) => {
        const node = isSeq(exNode) ? (exNode.items[i] as Node | undefined) : exNode;
        if (typeof g !== 'string' || g.trim() === '') err(node, `exclude[${i}]: expected a non-empty glob pattern`);
        else if (g.trim().startsWith('!')) err(node, `exclude[${i}]: negated patterns ("${g.trim()}") are not supported; list only what to leave out`);
        else cfg.exclude.push(g.trim());
      });
    }
  }

  // diff.ignore
  const diff = value['diff'];
  const diffNode = entry(root, 'diff').value;
  if (diff !== undefined && diff !== null) {
    if (!isRecord(diff)) err(diffNode, '"diff" must be a mapping (with "ignore")');
    else {
      for (const k of Object.keys(diff)) {
        if (!DIFF_KEYS.includes(k)) err(entry(diffNode, k).key, `unknown key "diff.${k}" (allowed: ${DIFF_KEYS.map((d) => `diff.${d}`).join(', ')})`);
      }
      const ignore = diff['ignore'];
      const ignoreNode = entry(diffNode, 'ignore').value;
      if (ignore !== undefined && ignore !== null) {
        if (!Array.isArray(ignore)) err(ignoreNode, '"diff.ignore" must be a list');
        else {
          ignore.forEach((item, i) => {
            const checked = checkIgnoreRule(item);
            if ('error' in checked) err(isSeq(ignoreNode) ? (ignoreNode.items[i] as Node | undefined) : ignoreNode, `diff.ignore[${i}]: ${checked.error}`);
            else cfg.diffIgnore.push(checked.rule);
          });
        }
      }
    }
  }
  cfg.errors.sort((a, b) => a.line - b.line);
  return cfg;
}

/**
 * The findings with per-code overrides applied: `off` drops a code, a level replaces the finding's severity.
 * Returns the same array when nothing changes.
 */
export function applySeverity(findings: Finding[], overrides: Readonly<Record<string, SeverityLevel>>): Finding[] {
  let touched = false;
  for (const f of findings) {
    const o = overrides[f.code];
    if (o !== undefined && o !== f.severity) {
      touched = true;
      break;
    }
  }
  if (!touched) return findings;
  const out: Finding[] = [];
  for (const f of findings) {
    const o = overrides[f.code];
    if (o === 'off') continue;
    out.push(o === undefined || o === f.severity ? f : { ...f, severity: o });
  }
  return out;
}
