// Renders the findings of `edgepolicy check` as text, JSON, SARIF 2.1.0 or GitHub Actions workflow commands.

import type { Finding, Range, RelatedInfo } from '../engine/model';
import { compareFindings } from '../engine/model';
import { pathToFileURL } from 'node:url';
import { displayPath, relativeUriReference } from './paths';
import { RULES, ruleFor, type RuleInfo } from '../engine/codes';

export type CliSeverity = 'error' | 'warning' | 'info';

export interface CheckSummary {
  files: number;
  resources: number;
  errors: number;
  warnings: number;
  infos: number;
}

export interface CheckReport {
  findings: Finding[];
  files: number;
  resources: number;
  /** Folder the printed paths are relative to. */
  cwd: string;
}

export interface JsonFinding {
  code: string;
  severity: CliSeverity;
  message: string;
  file: string;
  line: number;
  column: number;
  related: { file: string; line: number; message: string }[];
}

export interface JsonCheckOutput {
  findings: JsonFinding[];
  summary: CheckSummary;
}

/** The engine's 'hint' is shown as 'info' everywhere outside the editor. */
export function cliSeverity(f: Pick<Finding, 'severity'>): CliSeverity {
  return f.severity === 'hint' ? 'info' : f.severity;
}

export function summarize(report: CheckReport): CheckSummary {
  const s: CheckSummary = { files: report.files, resources: report.resources, errors: 0, warnings: 0, infos: 0 };
  for (const f of report.findings) {
    const sev = cliSeverity(f);
    if (sev === 'error') s.errors++;
    else if (sev === 'warning') s.warnings++;
    else s.infos++;
  }
  return s;
}

/** Findings in a stable order: file, line, column, code, message. */
export function sortFindings(findings: Finding[], cwd: string): Finding[] {
  const keyed = findings.map((f) => ({ f, file: displayPath(f.uri, cwd) }));
  // By the path shown, then the engine's order within the file.
  keyed.sort((a, b) => cmp(a.file, b.file) || compareFindings(a.f, b.f));
  return keyed.map((k) => k.f);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(s: CheckSummary): string {
  const where = `${plural(s.files, 'file')}, ${plural(s.resources, 'resource')}`;
  if (s.errors + s.warnings + s.infos === 0) return `No problems found (${where}).`;
  return `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')} (${where}).`;
}

/** Multi-line messages are printed with their continuation lines indented under the first. */
function indentContinuation(message: string, indent: string): string {
  return message.replace(/\r?\n/g, `\n${indent}`);
}

export function formatText(report: CheckReport): string {
  const out: string[] = [];
  for (const f of sortFindings(report.findings, report.cwd)) {
    const where = `${displayPath(f.uri, report.cwd)}:${f.range.start.line + 1}:${f.range.start.character + 1}`;
    out.push(`${where}: ${cliSeverity(f)} ${f.code} ${indentContinuation(f.message, '    ')}`);
    for (const r of f.related ?? []) {
      const rw = `${displayPath(r.uri, report.cwd)}:${r.range.start.line + 1}:${r.range.start.character + 1}`;
      out.push(`    ${rw}: ${indentContinuation(r.message, '      ')}`);
    }
  }
  if (out.length > 0) out.push('');
  out.push(summaryLine(summarize(report)));
  return out.join('\n') + '\n';
}

export function toJson(report: CheckReport): JsonCheckOutput {
  return {
    findings: sortFindings(report.findings, report.cwd).map((f) => ({
      code: f.code,
      severity: cliSeverity(f),
      message: f.message,
      file: displayPath(f.uri, report.cwd),
      line: f.range.start.line + 1,
      column: f.range.start.character + 1,
      related: (f.related ?? []).map((r) => ({
        file: displayPath(r.uri, report.cwd),
        line: r.range.start.line + 1,
        message: r.message,
      })),
    })),
    summary: summarize(report),
  };
}

export function formatJson(report: CheckReport): string {
  return JSON.stringify(toJson(report), null, 2) + '\n';
}

// ---- GitHub Actions: one `::error` / `::warning` / `::notice` workflow command per finding, which GitHub shows as
// an annotation on the line in the pull request's changed files. Paths are relative to the current folder: run the
// check from the repository root.

/** Escapes a workflow command's message: `%`, CR and LF are percent-encoded. */
function githubData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command's property value: as the message, plus `:` and `,`. */
function githubProperty(text: string): string {
  return githubData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function githubCommand(sev: CliSeverity): 'error' | 'warning' | 'notice' {
  return sev === 'info' ? 'notice' : sev;
}

export function formatGithub(report: CheckReport): string {
  const out: string[] = [];
  for (const f of sortFindings(report.findings, report.cwd)) {
    const { start, end } = f.range;
    const props = [
      `file=${githubProperty(displayPath(f.uri, report.cwd))}`,
      `line=${start.line + 1}`,
      `col=${start.character + 1}`,
    ];
    // GitHub takes an end column only on a one-line range.
    if (end.line > start.line) props.push(`endLine=${end.line + 1}`);
    else if (end.line === start.line && end.character > start.character) props.push(`endColumn=${end.character + 1}`);
    props.push(`title=${githubProperty(`${f.code} (edgepolicy)`)}`);
    const related = (f.related ?? []).map((r) => `\n${displayPath(r.uri, report.cwd)}:${r.range.start.line + 1}: ${r.message}`).join('');
    out.push(`::${githubCommand(cliSeverity(f))} ${props.join(',')}::${githubData(f.message + related)}`);
  }
  out.push(summaryLine(summarize(report)));
  return out.join('\n') + '\n';
}

// ---- SARIF 2.1.0

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = 'SRCROOT';

function sarifLevel(sev: CliSeverity): 'error' | 'warning' | 'note' {
  return sev === 'info' ? 'note' : sev;
}

function sarifRegion(range: Range): Record<string, number> {
  const startLine = range.start.line + 1;
  const startColumn = range.start.character + 1;
  let endLine = range.end.line + 1;
  let endColumn = range.end.character + 1;
  // A malformed range (end before start) becomes an empty region at the start.
  if (endLine < startLine || (endLine === startLine && endColumn < startColumn)) {
    endLine = startLine;
    endColumn = startColumn;
  }
  return { startLine, startColumn, endLine, endColumn };
}

function physicalLocation(uri: string, range: Range, cwd: string): Record<string, unknown> {
  return {
    artifactLocation: { uri: relativeUriReference(displayPath(uri, cwd)), uriBaseId: SRCROOT },
    region: sarifRegion(range),
  };
}

function sarifRule(rule: RuleInfo): Record<string, unknown> {
  return {
    id: rule.code,
    name: rule.name,
    shortDescription: { text: rule.summary },
    fullDescription: { text: `${rule.summary} ${rule.help}` },
    help: { text: rule.help },
    defaultConfiguration: { level: sarifLevel(rule.severity === 'hint' ? 'info' : rule.severity) },
  };
}

export function toSarif(report: CheckReport, toolVersion: string): Record<string, unknown> {
  const rules: RuleInfo[] = [...RULES];
  const index = new Map(rules.map((r, i) => [r.code, i]));
  const findings = sortFindings(report.findings, report.cwd);
  for (const f of findings) {
    if (!index.has(f.code)) {
      index.set(f.code, rules.length);
      rules.push(ruleFor(f.code));
    }
  }
  const results = findings.map((f) => {
    const result: Record<string, unknown> = {
      ruleId: f.code,
      ruleIndex: index.get(f.code),
      level: sarifLevel(cliSeverity(f)),
      message: { text: f.message },
      locations: [{ physicalLocation: physicalLocation(f.uri, f.range, report.cwd) }],
    };
    const related = f.related ?? [];
    if (related.length > 0) {
      result.relatedLocations = related.map((r: RelatedInfo, i: number) => ({
        id: i + 1,
        physicalLocation: physicalLocation(r.uri, r.range, report.cwd),
        message: { text: r.message },
      }));
    }
    return result;
  });
  let root = pathToFileURL(report.cwd).href;
  if (!root.endsWith('/')) root += '/';
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'edgepolicy',
            version: toolVersion,
            semanticVersion: toolVersion,
            rules: rules.map(sarifRule),
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: root } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

export function formatSarif(report: CheckReport, toolVersion: string): string {
  return JSON.stringify(toSarif(report, toolVersion), null, 2) + '\n';
}

/** True when some finding is at or above the threshold. */
export function failsAt(findings: Finding[], failOn: 'error' | 'warning'): boolean {
  return findings.some((f) => {
    const sev = cliSeverity(f);
    return sev === 'error' || (failOn === 'warning' && sev === 'warning');
  });
}
