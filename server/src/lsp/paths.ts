// Path helpers shared by the language server's folder logic.
import * as path from 'path';

/**
 * True when `file` lies strictly inside `folder` (both absolute; the folder itself is not inside). A name that
 * merely starts with two dots (`..cache`) is inside: only `..` itself or a `../` prefix leaves the folder.
 */
export function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel);
}
