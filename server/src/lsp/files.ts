// Disk access for the language server, through the shared scanner (server/src/node/scan.ts handles excludes,
// node_modules/VCS folders, symlink loops, binary/huge/non-UTF-8 files and files vanishing mid-read).
import { scanPaths } from '../node/scan';

export interface ScannedFolders {
  files: { path: string; text: string }[];
  skipped: { path: string; reason: string }[];
}

/** Every *.yaml / *.yml file under the folders, minus excluded ones. Never throws. */
export async function scanWorkspaceFolders(folders: readonly string[], exclude: readonly string[]): Promise<ScannedFolders> {
  if (folders.length === 0) return { files: [], skipped: [] };
  const r = await scanPaths([...folders], { exclude: [...exclude] });
  return {
    files: r.files.map((f) => ({ path: f.path, text: f.text })),
    skipped: [...r.skipped, ...r.errors.map((e) => ({ path: e.path, reason: e.message }))],
  };
}
