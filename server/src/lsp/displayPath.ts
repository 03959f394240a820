// How the language server names files inside diagnostic messages (CheckOptions.displayPath): relative to the
// workspace folder that holds them, with the folder's name in front when several folders are open. Files
// outside every folder (or not on disk) fall back to the engine's short path.
import * as path from 'path';
import { URI } from 'vscode-uri';
import { shortPath } from '../engine/checks/context';
import { isInside } from './paths';

/** `folders` is read on every call, so the names follow folders added or removed later. */
export function folderRelativePath(folders: () => readonly string[]): (uri: string) => string {
  return (uri) => {
    let file: string | undefined;
    try {
      const u = URI.parse(uri);
      if (u.scheme === 'file') file = u.fsPath;
    } catch {
      // not a URI: named by the fallback below
    }
    if (!file) return shortPath(uri);
    const list = folders();
    let best: { folder: string; rel: string } | undefined;
    for (const folder of list) {
      if (!isInside(folder, file)) continue;
      const rel = path.relative(folder, file);
      // The innermost folder gives the shortest relative path.
      if (!best || rel.length < best.rel.length) best = { folder, rel };
    }
    if (!best) return shortPath(uri);
    const rel = best.rel.split(path.sep).join('/');
    return list.length > 1 ? `${path.basename(best.folder)}/${rel}` : rel;
  };
}
