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
import type { Finding, Severity } from '../engine/model';

export const SOURCE = 'edgepolicy';

/** `edgepolicy.severity` values: a severity per code, or `off` to hide the code. */
export type SeverityOverrides = Record<string, string>;

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

function isSeverity(s: unknown): s is Severity {
  return s === 'error' || s === 'warning' || s === 'info' || s === 'hint';
}

export function isSuppressed(code: string, overrides: SeverityOverrides): boolean {
  const o = overrides[code];
  return o === 'off' || o === 'none';
}

function safeRange(r: Range | undefined): Range {
  const ok = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  if (!r || !ok(r.start?.line) || !ok(r.start?.character) || !ok(r.end?.line) || !ok(r.end?.character)) {
    return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  }
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

export function toDiagnostic(f: Finding, overrides: SeverityOverrides = {}): Diagnostic {
  const o = overrides[f.code];
  const severity = isSeverity(o) ? o : f.severity;
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

export function toDiagnostics(findings: readonly Finding[], overrides: SeverityOverrides = {}): Diagnostic[] {
  return findings.filter((f) => !isSuppressed(f.code, overrides)).map((f) => toDiagnostic(f, overrides));
}

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/** Quick fixes for the findings of one file that touch `range`. */
export function quickFixes(findings: readonly Finding[], range: Range, overrides: SeverityOverrides = {}): CodeAction[] {
  const out: CodeAction[] = [];
  for (const f of findings) {
    if (!f.fix || !f.fix.edits?.length || isSuppressed(f.code, overrides)) continue;
    if (!overlaps(safeRange(f.range), range)) continue;
    const changes: Record<string, TextEdit[]> = {};
    for (const e of f.fix.edits) {
      (changes[e.uri] ??= []).push({ range: safeRange(e.range), newText: e.newText });
    }
    const edit: WorkspaceEdit = { changes };
    out.push({
      title: f.fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [toDiagnostic(f, overrides)],
      edit,
      isPreferred: out.length === 0,
    });
  }
  return out;
}
