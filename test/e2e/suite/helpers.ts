// Shared helpers of the in-host suite. Paths come from the runner's environment:
//   EDGEPOLICY_E2E_WORKSPACE  the scratch copy of examples/ that VS Code has open
//   EDGEPOLICY_E2E_KUBECONFIG the demo cluster's kubeconfig
//   EDGEPOLICY_E2E_REPO       this repository (schemas, the demo cluster's README)
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { EdgePolicyApi } from '../../../client/src/api';

export function env(name: string): string {
  const v = process.env[name];
  assert.ok(v, `${name} is set by the e2e runner`);
  return v;
}

export const workspaceDir = (): string => env('EDGEPOLICY_E2E_WORKSPACE');
export const repoDir = (): string => env('EDGEPOLICY_E2E_REPO');

export function wsUri(rel: string): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceDir(), ...rel.split('/')));
}

export function readWs(rel: string): string {
  return fs.readFileSync(path.join(workspaceDir(), ...rel.split('/')), 'utf8');
}

/** 0-based line and column of the first occurrence of `needle` in a workspace file. */
export function find(rel: string, needle: string, after = 0): vscode.Position {
  const lines = readWs(rel).split('\n');
  for (let i = after; i < lines.length; i++) {
    const c = lines[i].indexOf(needle);
    if (c >= 0) return new vscode.Position(i, c);
  }
  throw new Error(`${needle} not found in ${rel}`);
}

/** The range of the value of `key: value` (its first occurrence) in a workspace file, as the text has it. */
export function valueRange(rel: string, key: string, value: string): vscode.Range {
  const at = find(rel, `${key}: ${value}`);
  const start = at.character + key.length + 2;
  return new vscode.Range(at.line, start, at.line, start + value.length);
}

/** `[startLine, startCharacter, endLine, endCharacter]`, for assertions that show all four. */
export function span(r: vscode.Range): number[] {
  return [r.start.line, r.start.character, r.end.line, r.end.character];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

let apiPromise: Promise<EdgePolicyApi> | undefined;

/** The extension's API, once its server is running and the first route table arrived. */
export function api(): Promise<EdgePolicyApi> {
  apiPromise ??= (async () => {
    const ext = vscode.extensions.getExtension<EdgePolicyApi>('edgepolicy.edgepolicy');
    assert.ok(ext, 'the edgepolicy extension is loaded');
    const a = await ext.activate();
    await a.whenReady();
    assert.strictEqual(a.serverState(), 'running', 'the language server is running');
    return a;
  })();
  return apiPromise;
}

export function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code ? String(d.code.value) : String(d.code ?? '');
}

/** Our diagnostics of a file (from any state: opened or not), once `pred` holds for them. */
export async function diagnosticsOf(rel: string | vscode.Uri, pred: (ds: vscode.Diagnostic[]) => boolean, timeoutMs = 30000): Promise<vscode.Diagnostic[]> {
  const uri = typeof rel === 'string' ? wsUri(rel) : rel;
  const ours = (): vscode.Diagnostic[] => vscode.languages.getDiagnostics(uri).filter((d) => /^EP\d{3}$/.test(codeOf(d)));
  return until(`diagnostics of ${rel} (now: ${ours().map(codeOf).join(', ') || 'none'})`, () => {
    const ds = ours();
    return pred(ds) ? ds : undefined;
  }, timeoutMs);
}

export function isOpen(rel: string): boolean {
  const uri = wsUri(rel).toString();
  return vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri);
}

/** Spec fields of a kind/version, from our JSON Schemas. */
export function specFields(version: string, kind: string): Record<string, { description?: string }> {
  const schema = JSON.parse(fs.readFileSync(path.join(repoDir(), 'schemas', version, `${kind}.json`), 'utf8'));
  return schema.properties.spec.properties;
}

export interface ExpectedDrift {
  kind: string;
  namespace: string;
  name: string;
  state: string;
  pointer: string;
}

/** The drift the demo cluster is seeded with, from the table in test/fixtures/demo-cluster/README.md. */
export function expectedDrift(): ExpectedDrift[] {
  const text = fs.readFileSync(path.join(repoDir(), 'test/fixtures/demo-cluster/README.md'), 'utf8');
  const out: ExpectedDrift[] = [];
  for (const line of text.split('\n')) {
    const m = /^\|\s*(\w+) ([\w-]+)\/([\w.-]+)\s*\|\s*(changed|cluster-only|workspace-only)\s*`?([^`|]*)`?\s*\|/.exec(line);
    if (m) out.push({ kind: m[1], namespace: m[2], name: m[3], state: m[4], pointer: m[5].trim() });
  }
  assert.ok(out.length >= 3, 'the demo cluster README lists the seeded drift');
  return out;
}

/** The current context of the demo cluster's kubeconfig. */
export function demoContext(): string {
  const text = fs.readFileSync(env('EDGEPOLICY_E2E_KUBECONFIG'), 'utf8');
  const m = /^current-context:\s*"?([^"\s]+)"?/m.exec(text);
  assert.ok(m, 'the demo kubeconfig names a current context');
  return m[1];
}

/** Opens a workspace file in an editor. */
export async function show(rel: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(wsUri(rel));
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** Replaces `from` with `to` (unsaved) on the first line of the editor that reads `key: from`. */
export async function replaceValue(editor: vscode.TextEditor, key: string, from: string, to: string): Promise<void> {
  const doc = editor.document;
  const re = new RegExp(`^\\s*${key}: ${from.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s*$`);
  const line = [...Array(doc.lineCount).keys()].find((i) => re.test(doc.lineAt(i).text));
  assert.ok(line !== undefined, `a line "${key}: ${from}" in ${doc.uri.path}`);
  const start = doc.lineAt(line).text.indexOf(from, doc.lineAt(line).text.indexOf(`${key}:`));
  assert.ok(await editor.edit((e) => e.replace(new vscode.Range(line, start, line, start + from.length), to)));
  assert.ok(doc.isDirty, 'the edit is not saved');
}

/** Throws away unsaved changes of the active editor and closes it. */
export async function revertAndClose(editor: vscode.TextEditor): Promise<void> {
  await vscode.window.showTextDocument(editor.document, { preview: false });
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}

export function labelOf(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}
