// `.edgepolicy.yaml` for the CLI: each path on the command line takes the settings file of the nearest folder at
// or above it (stopping at a Git root or the file-system root). The same file the editor reads per workspace folder.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { escape } from 'minimatch';
import { parseProjectConfig, PROJECT_CONFIG_FILE, type ProjectConfig, type SeverityLevel } from '../engine/config';
import type { IgnoreRule } from '../engine/ignore';
import type { CliIo } from './io';
import { displayPath } from './paths';

/** Settings files larger than this are not read. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The settings that apply to the paths of one command line. */
export interface ProjectSettings {
  /** Settings files read (absolute paths), in command-line order. */
  files: string[];
  /** The files' `exclude` globs, anchored at the folder of their file (absolute, for the scanner). */
  exclude: string[];
  /** Every file's `diff.ignore` rules. */
  diffIgnore: IgnoreRule[];
  /** Per-code overrides for a finding in `uri`: those of the settings file of the command-line path holding it. */
  severityFor(uri: string): Record<string, SeverityLevel>;
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The nearest `.edgepolicy.yaml` at or above `start` (a file starts at its folder). The search stops after a
 * folder that holds `.git` (the root of a repository), or at the file-system root.
 */
export function findProjectConfig(start: string): string | undefined {
  let dir = path.resolve(start);
  if (!isDirectory(dir)) dir = path.dirname(dir);
  for (;;) {
    const candidate = path.join(dir, PROJECT_CONFIG_FILE);
    if (isFile(candidate)) return candidate;
    if (exists(path.join(dir, '.git'))) return undefined;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Reads and parses one settings file; problems go to stderr as `file:line: message`. */
function readConfig(file: string, io: CliIo): ProjectConfig | undefined {
  const shown = displayPath(file, io.cwd);
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_CONFIG_BYTES) {
      io.stderr(`edgepolicy: warning: ${shown}: larger than ${MAX_CONFIG_BYTES} bytes; not read\n`);
      return undefined;
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : e instanceof Error ? e.message : String(e);
    io.stderr(`edgepolicy: warning: cannot read ${shown}: ${why}\n`);
    return undefined;
  }
  const cfg = parseProjectConfig(text);
  for (const e of cfg.errors) io.stderr(`edgepolicy: warning: ${shown}:${e.line}: ${e.message}\n`);
  return cfg;
}

/** A glob of a settings file, anchored at the file's folder so it only applies below it. */
function anchor(folder: string, glob: string): string {
  const base = escape(folder.split(path.sep).join('/')).replace(/\/+$/, '');
  return `${base}/${glob.replace(/^\/+/, '')}`;
}

/** Finds and reads the settings of each command-line path (each file once). `paths` are absolute. */
export function loadProjectSettings(paths: readonly string[], io: CliIo): ProjectSettings {
  const parsed = new Map<string, ProjectConfig | undefined>();
  const byPath: { root: string; config: ProjectConfig | undefined }[] = [];
  for (const p of paths) {
    const file = findProjectConfig(p);
    if (file && !parsed.has(file)) parsed.set(file, readConfig(file, io));
    byPath.push({ root: path.resolve(p), config: file ? parsed.get(file) : undefined });
  }
  // The most specific command-line path decides for a file below several of them.
  byPath.sort((a, b) => b.root.length - a.root.length);
  const exclude: string[] = [];
  const diffIgnore: IgnoreRule[] = [];
  for (const [file, cfg] of parsed) {
    if (!cfg) continue;
    for (const g of cfg.exclude) exclude.push(anchor(path.dirname(file), g));
    diffIgnore.push(...cfg.diffIgnore);
  }
  const none: Record<string, SeverityLevel> = {};
  return {
    files: [...parsed.keys()],
    exclude,
    diffIgnore,
    severityFor(uri: string) {
      let file: string;
      try {
        file = uri.startsWith('file:') ? fileURLToPath(uri) : uri;
      } catch {
        return none;
      }
      for (const { root, config } of byPath) {
        const prefix = root.endsWith(path.sep) ? root : root + path.sep;
        if (file === root || file.startsWith(prefix)) return config?.severity ?? none;
      }
      return none;
    },
  };
}
