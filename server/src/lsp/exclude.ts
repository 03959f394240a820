// Which files the workspace index skips: `edgepolicy.exclude` globs, `files.exclude` entries set to true,
// and always node_modules and .git. Globs are matched against the path relative to its workspace folder, and a
// glob that matches a folder excludes everything below it (as VS Code's files.exclude does).
import * as path from 'path';
import { minimatch } from 'minimatch';

export const ALWAYS_EXCLUDED = ['**/node_modules', '**/.git'];

export function excludeGlobs(edgepolicyExclude: unknown, filesExclude: unknown): string[] {
  const out = new Set<string>(ALWAYS_EXCLUDED);
  if (Array.isArray(edgepolicyExclude)) {
    for (const g of edgepolicyExclude) if (typeof g === 'string' && g.trim()) out.add(g.trim());
  }
  if (filesExclude && typeof filesExclude === 'object' && !Array.isArray(filesExclude)) {
    for (const [g, on] of Object.entries(filesExclude as Record<string, unknown>)) if (on === true && g.trim()) out.add(g.trim());
  }
  return [...out];
}

export function isYamlPath(p: string): boolean {
  return /\.ya?ml$/i.test(p);
}

/** True when `file` (absolute) is excluded, given the workspace folders (absolute) it may live in. */
export function isExcluded(file: string, folders: readonly string[], globs: readonly string[]): boolean {
  const norm = path.resolve(file);
  const parts = norm.split(path.sep);
  if (parts.includes('node_modules') || parts.includes('.git')) return true;
  for (const folder of folders) {
    const rel = path.relative(path.resolve(folder), norm);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const segs = rel.split(path.sep);
    for (let i = 1; i <= segs.length; i++) {
      const sub = segs.slice(0, i).join('/');
      for (const g of globs) {
        if (minimatch(sub, g, { dot: true }) || minimatch(sub, g.replace(/^\/+/, ''), { dot: true })) return true;
      }
    }
  }
  return false;
}
