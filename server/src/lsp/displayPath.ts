// How the language server names files inside diagnostic messages (CheckOptions.displayPath): relative to the
// workspace folder that holds them, with the folder's name in front when several folders are open. Files
// outside every folder (or not on disk) fall back to the engine's short path.
import * as path from 'path';
import { shortPath } from '../engine/checks/context';
import { filePathOf, innermostFolder } from './paths';

/** `folders` is read on every call, so the names follow folders added or removed later. */
export function folderRelativePath(folders: () => readonly string[]): (uri: string) => string {
  return (uri) => {
    const file = filePathOf(uri);
    const list = folders();
    const folder = file && innermostFolder(list, file);
    if (!file || !folder) return shortPath(uri);
    const rel = path.relative(folder, file).split(path.sep).join('/');
    return list.length > 1 ? `${path.basename(folder)}/${rel}` : rel;
  };
}
