// Hostile inputs for the hardening suites (engine, CLI, language server), generated at test time: nothing big is
// committed. Each case says what a user must get: a finding with a clear message, or a skip with its reason.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** What the user must see for a case. */
export type Expectation =
  /** The file is not analysed; the reason (matched by `reason`) is printed / logged with the file's path. */
  | { kind: 'skip'; reason: RegExp }
  /** The file is analysed; a finding with this code and message appears (at `line`, 0-based, when given). */
  | { kind: 'finding'; code: string; message: RegExp; line?: number; resources: number };

export interface HostileCase {
  id: string;
  /** File name on disk. */
  file: string;
  what: string;
  /** The bytes on disk. */
  bytes: () => Buffer;
  expect: Expectation;
}

const MAPPING_HEAD = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: hostile\nspec:\n  prefix: /a/\n  service: s\n';

/** "Billion laughs": 9^11 nodes if expanded. */
export function aliasBomb(levels = 11): string {
  let s = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i <= levels; i++) s += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]\n`;
  return MAPPING_HEAD + '  x:\n' + s.replace(/^/gm, '    ');
}

/** `n` Mappings in one file whose names repeat every `distinct` documents (EP210 sets of n/distinct members). */
export function collidingMappings(n: number, distinct = 7): string {
  return Array.from(
    { length: n },
    (_, i) => `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: m${i % distinct}}\nspec: {prefix: /a/, service: s}`,
  ).join('\n---\n');
}

/** A Mapping with `n` unknown spec fields (one EP100 each). */
export function manyUnknownFields(n: number): string {
  return MAPPING_HEAD + Array.from({ length: n }, (_, i) => `  field${i}: 1`).join('\n') + '\n';
}

/** Valid YAML of at least `bytes` bytes: Mappings with distinct names and prefixes. */
export function bigYaml(bytes: number): Buffer {
  const one = (i: number) =>
    `---\napiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: m${i}\nspec:\n  prefix: /p${i}/\n  service: s${i}\n`;
  const chunks: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const c = one(i);
    chunks.push(c);
    size += c.length;
  }
  return Buffer.from(chunks.join(''), 'utf8');
}

const text = (s: string) => () => Buffer.from(s, 'utf8');

/**
 * Content cases: each is a file of its own. The engine gets the text an editor would hand it (invalid UTF-8
 * decoded with U+FFFD, as VS Code does); the CLI and the language server read the bytes from disk.
 */
export const CONTENT_CASES: HostileCase[] = [
  {
    id: 'alias-bomb',
    file: 'alias-bomb.yaml',
    what: 'YAML alias bomb ("billion laughs", 9^11 nodes if expanded)',
    bytes: text(aliasBomb()),
    expect: { kind: 'finding', code: 'EP001', message: /^Aliases expand to more than \d+ nodes \(alias bomb or recursive alias\)/, line: 0, resources: 0 },
  },
  {
    id: 'recursive-alias',
    file: 'recursive-alias.yaml',
    what: 'an alias that refers to itself',
    bytes: text(MAPPING_HEAD + '  x: &a [*a, *a]\n'),
    expect: { kind: 'finding', code: 'EP001', message: /alias bomb or recursive alias/, resources: 0 },
  },
  {
    id: 'deep-flow-seq',
    file: 'deep-flow-seq.yaml',
    what: '100,000 nested flow sequences ([[[[...]]]])',
    bytes: text(MAPPING_HEAD + '  x: ' + '['.repeat(100000) + ']'.repeat(100000) + '\n'),
    expect: { kind: 'finding', code: 'EP001', message: /^Nested more than 100 levels deep; this document is not analysed\./, line: 7, resources: 0 },
  },
  {
    id: 'deep-flow-map',
    file: 'deep-flow-map.yaml',
    what: '50,000 nested flow mappings ({a: {a: ...}})',
    bytes: text(MAPPING_HEAD + '  x: ' + '{a: '.repeat(50000) + '1' + '}'.repeat(50000) + '\n'),
    expect: { kind: 'finding', code: 'EP001', message: /^Nested more than 100 levels deep; this document is not analysed\./, line: 7, resources: 0 },
  },
  {
    id: 'deep-block-map',
    file: 'deep-block-map.yaml',
    what: '2,000 nested block mappings, one more space of indentation each (2 MB)',
    bytes: text(MAPPING_HEAD + '  x:\n' + Array.from({ length: 2000 }, (_, i) => ' '.repeat(i + 4) + `k${i}:`).join('\n') + ' 1\n'),
    expect: { kind: 'finding', code: 'EP001', message: /^Nested more than 100 levels deep; this document is not analysed\./, resources: 0 },
  },
  {
    id: 'deep-block-seq',
    file: 'deep-block-seq.yaml',
    what: '100,000 nested compact block sequences on one line (- - - - ...)',
    bytes: text(MAPPING_HEAD + '  x:\n    ' + '- '.repeat(100000) + '1\n'),
    expect: { kind: 'finding', code: 'EP001', message: /^Nested more than 100 levels deep; this document is not analysed\./, resources: 0 },
  },
  {
    id: 'binary',
    file: 'binary.yaml',
    what: 'binary content (random bytes with NULs) named .yaml',
    bytes: () => {
      const b = Buffer.alloc(64 * 1024);
      let x = 12345;
      for (let i = 0; i < b.length; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        b[i] = x >>> 24;
      }
      b[10] = 0;
      return b;
    },
    expect: { kind: 'skip', reason: /binary content \(NUL byte at offset \d+\); not analysed/ },
  },
  {
    id: 'invalid-utf8',
    file: 'invalid-utf8.yaml',
    what: 'invalid UTF-8 (Latin-1 bytes) in a Mapping',
    bytes: () => Buffer.concat([Buffer.from(MAPPING_HEAD + '  x: "caf'), Buffer.from([0xe9, 0x22, 0x0a, 0xc3, 0x28, 0x0a])]),
    expect: { kind: 'skip', reason: /not valid UTF-8/ },
  },
  {
    id: 'tabs',
    file: 'tabs.yaml',
    what: 'tabs used for indentation',
    bytes: text('apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n\tname: m\nspec:\n\tprefix: /a/\n\tservice: s\n'),
    expect: { kind: 'finding', code: 'EP001', message: /tab characters must not be used in indentation/, line: 3, resources: 0 },
  },
  {
    id: 'duplicate-keys',
    file: 'duplicate-keys.yaml',
    what: 'a duplicate key (kubectl rejects it; the resource is still checked with the last value)',
    bytes: text(MAPPING_HEAD + '  prefix: /b/\n'),
    expect: { kind: 'finding', code: 'EP001', message: /duplicated mapping key \(kubectl rejects duplicate keys; the last one is used here\)/, line: 7, resources: 1 },
  },
  {
    id: 'helm',
    file: 'helm-template.yaml',
    what: 'a Helm template ({{ }})',
    bytes: text(
      'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n' +
        '  prefix: {{ .Values.prefix | quote }}\n{{- if .Values.tls }}\n  tls: true\n{{- end }}\n',
    ),
    expect: { kind: 'skip', reason: /template syntax .*first at line 4.* looks like a Helm\/Jinja template; not analysed/ },
  },
  {
    id: 'jinja',
    file: 'jinja-template.yaml',
    what: 'a Jinja template ({% %})',
    bytes: text('apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: m\nspec:\n{% for p in prefixes %}\n  prefix: {{ p }}\n{% endfor %}\n  service: s\n'),
    expect: { kind: 'skip', reason: /template syntax .*first at line 6.* looks like a Helm\/Jinja template; not analysed/ },
  },
  {
    id: 'json',
    file: 'json-as-yaml.yaml',
    what: 'JSON written as YAML (read as YAML; the misspelt field is found on its line)',
    bytes: text('{"apiVersion": "getambassador.io/v3alpha1", "kind": "Mapping",\n "metadata": {"name": "json"},\n "spec": {"prefix": "/json/", "service": "s", "prefx": 1}}\n'),
    expect: { kind: 'finding', code: 'EP100', message: /Unknown field 'prefx' in Mapping spec/, line: 2, resources: 1 },
  },
  {
    id: 'crlf',
    file: 'crlf.yaml',
    what: 'CRLF line endings (findings keep their real line)',
    bytes: text((MAPPING_HEAD + '  prefx: 1\n').replace(/\n/g, '\r\n').replace('name: hostile', 'name: crlf').replace('/a/', '/crlf/')),
    expect: { kind: 'finding', code: 'EP100', message: /Unknown field 'prefx' in Mapping spec/, line: 7, resources: 1 },
  },
  {
    id: 'bom',
    file: 'bom.yaml',
    what: 'a UTF-8 byte order mark (not a syntax error; findings keep their real line)',
    bytes: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(MAPPING_HEAD.replace('name: hostile', 'name: bom').replace('/a/', '/bom/') + '  prefx: 1\n')]),
    expect: { kind: 'finding', code: 'EP100', message: /Unknown field 'prefx' in Mapping spec/, line: 7, resources: 1 },
  },
];

/** The text an editor hands the server for these bytes (VS Code decodes invalid UTF-8 with U+FFFD). */
export function editorText(b: Buffer): string {
  return b.toString('utf8');
}

/** A fresh temp folder; removed by the returned cleanup. */
export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `edgepolicy-hardening-${tag}-`));
  return {
    dir,
    cleanup: () => {
      try {
        fs.chmodSync(dir, 0o700);
      } catch {
        // gone already
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes every content case into `dir` and returns the paths by case id. */
export function writeContentCases(dir: string, cases: HostileCase[] = CONTENT_CASES): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of cases) {
    const p = path.join(dir, c.file);
    fs.writeFileSync(p, c.bytes());
    out.set(c.id, p);
  }
  return out;
}

/** A plain, good Mapping: whatever else is in the folder, this one must still be analysed. */
export const GOOD_MAPPING = 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: good\nspec:\n  prefix: /good/\n  service: good\n';

/** Bounds every case must meet. */
export const LIMITS = {
  /** Wall time per hostile file, whatever the entry point (includes process start for the CLI). */
  caseMs: 10000,
  /** Wall time for the 50 MB file. */
  hugeMs: 30000,
  /** Peak RSS growth over a baseline. */
  rssGrowthBytes: 500 * 1024 * 1024,
  /** Size of the generated huge file. */
  hugeBytes: 50 * 1024 * 1024,
};

/** Creates a FIFO (named pipe) at `p`; false when the platform cannot. */
export function mkfifo(p: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const r = spawnSync('mkfifo', [p]);
  return r.status === 0 && fs.statSync(p).isFIFO();
}

/**
 * A preload for child processes (CLI, language server), written to a temp file and passed with
 * NODE_OPTIONS=--require: it simulates file-system races and failures that cannot be staged reliably from
 * outside, at the exact point the scanner reads a file:
 * - EP_HARDEN_VANISH=<regex>: the matching file is deleted just before it is read (deleted while being read);
 * - EP_HARDEN_DENY=<regex>: reading the matching file fails with EACCES (we run as root, so chmod 000 does not);
 * - EP_HARDEN_MAXRSS=1: the process prints its peak RSS (kB) on stderr when it exits.
 */
export const PRELOAD_SOURCE = `'use strict';
const fs = require('fs');
const vanish = process.env.EP_HARDEN_VANISH ? new RegExp(process.env.EP_HARDEN_VANISH) : null;
const deny = process.env.EP_HARDEN_DENY ? new RegExp(process.env.EP_HARDEN_DENY) : null;
// The scanner opens a file before reading it: asynchronously in the language server, synchronously in the CLI.
function staged(p) {
  const s = String(p);
  if (vanish && vanish.test(s)) {
    try { fs.unlinkSync(s); } catch {}
  }
  if (deny && deny.test(s)) {
    const e = new Error("EACCES: permission denied, open '" + s + "'");
    e.code = 'EACCES';
    e.errno = -13;
    e.syscall = 'open';
    throw e;
  }
}
const open = fs.promises.open;
fs.promises.open = async function (p, ...rest) {
  staged(p);
  return open.call(this, p, ...rest);
};
const openSync = fs.openSync;
fs.openSync = function (p, ...rest) {
  staged(p);
  return openSync.call(this, p, ...rest);
};
if (process.env.EP_HARDEN_MAXRSS) {
  process.on('exit', () => {
    try { fs.writeSync(2, '\\nEP_HARDEN_MAXRSS_KB=' + process.resourceUsage().maxRSS + '\\n'); } catch {}
  });
}
`;

export function writePreload(dir: string): string {
  const p = path.join(dir, 'hardening-preload.cjs');
  fs.writeFileSync(p, PRELOAD_SOURCE);
  return p;
}

/** Peak RSS in bytes printed by the preload, or undefined. */
export function maxRssFrom(stderr: string): number | undefined {
  const m = /EP_HARDEN_MAXRSS_KB=(\d+)/.exec(stderr);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Peak resident set size (VmHWM) and current RSS of a live process, from /proc (Linux). */
export function procMemory(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return undefined;
  }
}

/** Resets a live process's peak RSS (VmHWM) to its current RSS (Linux: `5` into /proc/<pid>/clear_refs). */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
