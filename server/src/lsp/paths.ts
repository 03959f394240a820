// Path helpers shared by the language server's folder logic.
import * as path from 'path';
import { URI } from 'vscode-uri';

/**
 * True when `file` lies strictly inside `folder` (both absolute; the folder itself is not inside). A name that
 * merely starts with two dots (`..cache`) is inside: only `..` itself or a `../` prefix leaves the folder.
 */
export function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel);
}

/** The file path of a `file:` URI; undefined for an untitled document, any other scheme or a string that is no URI. */
export function filePathOf(uri: string): string | undefined {
  try {
    const u = URI.parse(uri);
    return u.scheme === 'file' ? u.fsPath : undefined;
  } catch {
    return undefined;
  }
}

/** The innermost of `folders` that holds `file`, if any. */
export function innermostFolder(folders: readonly string[], file: string): string | undefined {
  let best: string | undefined;
  for (const f of folders) if (isInside(f, file) && (!best || f.length > best.length)) best = f;
  return best;
}
