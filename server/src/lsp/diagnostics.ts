// Engine findings → LSP diagnostics and code actions.
import {
  CodeAction,
  CodeActionKind,
  Diagnostic,
  DiagnosticRelatedInformation,
  DiagnosticSeverity,
  DiagnosticTag,
  Range,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver/node';
import { DEFAULT_SEVERITY } from '../engine/codes';
import type { SeverityLevel } from '../engine/config';
import type { Finding, RouteMember, RouteTable, Severity } from '../engine/model';
import { positionBefore } from '../engine/model';
import type { EffectiveProblems, RoutesResult } from './protocol';

export const SOURCE = 'edgepolicy';

/**
 * A level per code for one file, as FolderSettings.severityFor gives it (`edgepolicy.severity` over the folder's
 * `.edgepolicy.yaml`): a severity, or `off` to hide the code.
 */
export type SeverityOverrides = Readonly<Record<string, SeverityLevel>>;

/** Lower is worse. */
const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** The one place a code's level is decided: the override for the code, else `base` (the finding's own severity). */
function levelOf(code: string, base: Severity, overrides: SeverityOverrides): SeverityLevel {
  return overrides[code] ?? base;
}

function safeRange(r: Range | undefined): Range {
  const ok = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  if (!r || !ok(r.start?.line) || !ok(r.start?.character) || !ok(r.end?.line) || !ok(r.end?.character)) {
    return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  }
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

/** A finding as a diagnostic, with `severity` (the finding's own unless given). */
export function toDiagnostic(f: Finding, severity: Severity = f.severity): Diagnostic {
  const d: Diagnostic = {
    range: safeRange(f.range),
    severity: SEVERITY[severity] ?? DiagnosticSeverity.Warning,
    code: f.code,
    source: SOURCE,
    message: f.message,
  };
  if (f.related?.length) {
    d.relatedInformation = f.related.map((r) =>
      DiagnosticRelatedInformation.create({ uri: r.uri, range: safeRange(r.range) }, r.message),
    );
  }
  if (f.code === 'EP102' || f.code === 'EP103') d.tags = [DiagnosticTag.Deprecated];
  return d;
}

/** The findings of one file as diagnostics after its overrides (codes turned `off` left out). */
export function toDiagnostics(findings: readonly Finding[], overrides: SeverityOverrides = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of findings) {
    const level = levelOf(f.code, f.severity, overrides);
    if (level !== 'off') out.push(toDiagnostic(f, level));
  }
  return out;
}

function overlaps(a: Range, b: Range): boolean {
  return !positionBefore(a.end, b.start) && !positionBefore(b.end, a.start);
}

/** Quick fixes for the findings of one file that touch `range`. */
export function quickFixes(findings: readonly Finding[], range: Range, overrides: SeverityOverrides = {}): CodeAction[] {
  const out: CodeAction[] = [];
  for (const f of findings) {
    const level = levelOf(f.code, f.severity, overrides);
    if (!f.fix || !f.fix.edits?.length || level === 'off') continue;
    if (!overlaps(safeRange(f.range), range)) continue;
    const changes: Record<string, TextEdit[]> = {};
    for (const e of f.fix.edits) {
      (changes[e.uri] ??= []).push({ range: safeRange(e.range), newText: e.newText });
    }
    const edit: WorkspaceEdit = { changes };
    out.push({
      title: f.fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [toDiagnostic(f, level)],
      edit,
      isPreferred: out.length === 0,
    });
  }
  return out;
}

/**
 * The route table with the problems of each route group and TCP route after the settings of its members' folders
 * (`overridesFor(uri)`), so that the Routes view agrees with the Problems panel: a code turned `off` in the folder of
 * every member is left out; any other code gets the worst of its levels in those folders (a folder without an
 * override for it: the code's default severity). The engine's table is left as it is (it is cached between
 * requests, and the CLI prints it as it is).
 */
export function effectiveRouteTable(table: RouteTable, overridesFor: (uri: string | undefined) => SeverityOverrides): RoutesResult {
  const perUri = new Map<string | undefined, SeverityOverrides>();
  const overridesOf = (uri: string | undefined): SeverityOverrides => {
    let o = perUri.get(uri);
    if (!o) perUri.set(uri, (o = overridesFor(uri)));
    return o;
  };
  const effective = <T extends { problems: string[]; members: RouteMember[] }>(route: T): T & EffectiveProblems => {
    const problems: string[] = [];
    const severities: Record<string, Severity> = {};
    if (route.problems.length) {
      // Usually one folder's overrides (FolderSettings hands out one object per folder).
      const folders = new Set(route.members.map((m) => overridesOf(m.location?.uri)));
      if (folders.size === 0) folders.add(overridesOf(undefined));
      for (const code of route.problems) {
        let worst: Severity | undefined;
        for (const o of folders) {
          const level = levelOf(code, DEFAULT_SEVERITY[code] ?? 'warning', o);
          if (level !== 'off' && (!worst || SEVERITY[level] < SEVERITY[worst])) worst = level;
        }
        if (!worst) continue;
        problems.push(code);
        severities[code] = worst;
      }
    }
    return { ...route, problems, severities };
  };
  return { hosts: table.hosts, groups: table.groups.map(effective), tcp: table.tcp.map(effective) };
}
