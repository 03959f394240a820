// Reads files and folders from disk into one engine Workspace for `check` and `routes`.

import path from 'node:path';
import { scanPaths } from '../node/scan';
import { Workspace } from '../engine/workspace';
import type { Finding } from '../engine/model';
import type { LoadedWorkspace, LoadOptions } from './commands';
import { UsageError, type CliIo } from './io';
import { displayPath } from './paths';

export interface ReadWorkspace {
  ws: Workspace;
  /** Number of YAML files read into `ws`. */
  files: number;
  /** Engine failures (checker or route builder threw), filled in as `ws` is queried. */
  internalErrors: string[];
}

/**
 * Scans the paths (resolved against io.cwd) and loads every file into a fresh Workspace. Throws UsageError when a
 * given path cannot be read; prints a line on io.stderr for each skipped file. Shared by check, routes and diff.
 */
export async function readWorkspace(paths: string[], exclude: string[], io: CliIo): Promise<ReadWorkspace> {
  const absolute = paths.map((p) => path.resolve(io.cwd, p));
  const scan = await scanPaths(absolute, { exclude, cwd: io.cwd });
  if (scan.errors.length > 0) {
    const first = scan.errors[0]!;
    const more = scan.errors.length > 1 ? ` (and ${scan.errors.length - 1} more)` : '';
    throw new UsageError(`cannot read '${displayPath(first.path, io.cwd)}': ${first.message}${more}`);
  }
  for (const s of scan.skipped) io.stderr(`edgepolicy: skipped ${displayPath(s.path, io.cwd)}: ${s.reason}\n`);
  const internalErrors: string[] = [];
  const ws = new Workspace({
    onError: (where, error) => {
      const message = error instanceof Error ? error.message : String(error);
      internalErrors.push(`${where}: ${message.split('\n')[0]}`);
    },
  });
  for (const f of scan.files) {
    ws.setFile(f.uri, f.text);
    const skipped = ws.parsed(f.uri)?.skipped;
    if (skipped) io.stderr(`edgepolicy: skipped ${displayPath(f.path, io.cwd)}: ${skipped}\n`);
  }
  return { ws, files: scan.files.length, internalErrors };
}

export async function loadWorkspace(paths: string[], opts: LoadOptions, io: CliIo): Promise<LoadedWorkspace> {
  const { ws, files, internalErrors } = await readWorkspace(paths, opts.exclude, io);
  return {
    internalErrors,
    files,
    resources: ws.resources().length,
    findings: () => {
      const all: Finding[] = [];
      for (const list of ws.allFindings().values()) all.push(...list);
      return all;
    },
    routeTable: () => ws.routeTable(),
  };
}
