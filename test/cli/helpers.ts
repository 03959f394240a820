// Shared helpers for the CLI tests: hand-made findings and a capturing io.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, Range, RouteMember, Severity } from '../../server/src/engine/model';
import type { CliIo } from '../../server/src/cli/io';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'cli');
export const BIN = path.join(REPO_ROOT, 'bin', 'edgepolicy');

export function range(line: number, character: number, endLine = line, endCharacter = character + 5): Range {
  return { start: { line, character }, end: { line: endLine, character: endCharacter } };
}

export function uriOf(cwd: string, rel: string): string {
  return pathToFileURL(path.join(cwd, rel)).href;
}

export function finding(
  cwd: string,
  file: string,
  code: string,
  severity: Severity,
  line: number,
  character: number,
  message = `${code} message`,
  related: { file: string; line: number; message: string }[] = [],
): Finding {
  return {
    code,
    severity,
    message,
    uri: uriOf(cwd, file),
    range: range(line, character),
    related: related.map((r) => ({ uri: uriOf(cwd, r.file), range: range(r.line, 2), message: r.message })),
  };
}

export function member(cwd: string, file: string, over: Partial<RouteMember> = {}): RouteMember {
  return {
    kind: 'Mapping',
    name: 'm',
    namespace: 'default',
    service: 'svc',
    weight: 100,
    location: { uri: uriOf(cwd, file), range: range(3, 0) },
    ...over,
  };
}

export interface CapturedIo extends CliIo {
  out: string;
  err: string;
}

export function captureIo(cwd: string): CapturedIo {
  const io: CapturedIo = {
    out: '',
    err: '',
    cwd,
    env: {},
    stdout: (t) => void (io.out += t),
    stderr: (t) => void (io.err += t),
  };
  return io;
}

/** Builds dist/ when dist/cli.js is missing (`npm test` builds first; a single test file run may not). */
export function ensureCliBuilt(): void {
  if (fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli.js'))) return;
  const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build failed:\n${build.stderr}`);
}

/**
 * Writes a kubeconfig with one context, `offline` (current), whose cluster is `server` (by default a port nobody
 * listens on: for tests that must fail or finish before any request). Returns the file.
 */
export function writeOfflineKubeconfig(file: string, server = 'https://127.0.0.1:1'): string {
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: offline',
      `  cluster: { server: '${server}' }`,
      'users:',
      '- name: offline-user',
      '  user: { token: not-a-real-token }',
      'contexts:',
      '- name: offline',
      '  context: { cluster: offline, user: offline-user }',
      'current-context: offline',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}
