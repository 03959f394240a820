// Which files the workspace index skips: per workspace folder, that folder's `edgepolicy.exclude` globs, its
// `files.exclude` entries set to true and the `exclude` globs of its `.edgepolicy.yaml`; always node_modules and
// .git. Globs are matched against the path relative to their workspace folder, and a glob that matches a folder
// excludes everything below it (as VS Code's files.exclude does). Globs are compiled once per settings change.
import * as path from 'path';
import { Minimatch } from 'minimatch';
import { isInside } from './paths';

export const ALWAYS_EXCLUDED = ['**/node_modules', '**/.git'];

/** The exclude globs of one folder: the built-in ones, `edgepolicy.exclude`, `files.exclude` and the settings file's. */
export function excludeGlobs(edgepolicyExclude: unknown, filesExclude: unknown, projectExclude: readonly string[] = []): string[] {
  const out = new Set<string>(ALWAYS_EXCLUDED);
  if (Array.isArray(edgepolicyExclude)) {
    for (const g of edgepolicyExclude) if (typeof g === 'string' && g.trim()) out.add(g.trim());
  }
  if (filesExclude && typeof filesExclude === 'object' && !Array.isArray(filesExclude)) {
    for (const [g, on] of Object.entries(filesExclude as Record<string, unknown>)) if (on === true && g.trim()) out.add(g.trim());
  }
  for (const g of projectExclude) if (g.trim()) out.add(g.trim());
  return [...out];
}

export function isYamlPath(p: string): boolean {
  return /\.ya?ml$/i.test(p);
}

/** Compiled exclude globs of one folder. */
export class ExcludeMatcher {
  private readonly compiled: Minimatch[];

  constructor(readonly globs: readonly string[]) {
    const patterns = new Set<string>();
    for (const g of globs) {
      const t = g.trim();
      if (!t) continue;
      patterns.add(t);
      // `/generated/**` means the same as `generated/**` relative to the folder.
      const unrooted = t.replace(/^\/+/, '');
      if (unrooted) patterns.add(unrooted);
    }
    this.compiled = [...patterns].map((p) => new Minimatch(p, { dot: true, nonegate: true }));
  }

  /** True when a path relative to the folder (posix separators), or one of the folders above it, matches. */
  matches(relative: string): boolean {
    if (this.compiled.length === 0) return false;
    const segs = relative.split('/');
    let sub = '';
    for (let i = 0; i < segs.length; i++) {
      sub = i === 0 ? segs[0]! : `${sub}/${segs[i]}`;
      for (const m of this.compiled) if (m.match(sub)) return true;
    }
    return false;
  }
}

/** A workspace folder (absolute path) with its own compiled excludes. */
export interface FolderExcludes {
  folder: string;
  exclude: ExcludeMatcher;
}

/**
 * True when `file` (absolute) is excluded: it lies under node_modules or .git, or under a workspace folder whose
 * own globs match its path relative to that folder.
 */
export function isExcluded(file: string, folders: readonly FolderExcludes[]): boolean {
  const norm = path.resolve(file);
  const parts = norm.split(path.sep);
  if (parts.includes('node_modules') || parts.includes('.git')) return true;
  for (const { folder, exclude } of folders) {
    if (!isInside(folder, norm)) continue;
    const rel = path.relative(path.resolve(folder), norm);
    if (exclude.matches(rel.split(path.sep).join('/'))) return true;
  }
  return false;
}
