// Reads files and folders from disk into one engine Workspace for `check`, `routes` and `diff`, with the
// `.edgepolicy.yaml` settings that apply to them (./project).

import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_EXTENSIONS, scanPaths } from '../node/scan';
import { PROJECT_CONFIG_FILE } from '../engine/config';
import { Workspace } from '../engine/workspace';
import type { Finding } from '../engine/model';
import type { LoadedWorkspace, LoadOptions } from './commands';
import { UsageError, type CliIo } from './io';
import { displayPath } from './paths';
import { loadProjectSettings, type ProjectSettings } from './project';

export interface ReadWorkspace {
  ws: Workspace;
  /** Number of YAML files read into `ws`. */
  files: number;
  /** Engine failures (checker or route builder threw), filled in as `ws` is queried. */
  internalErrors: string[];
  /** The `.edgepolicy.yaml` settings of the paths. */
  settings: ProjectSettings;
}

/** A path from the command line: as typed (for messages) and absolute. */
interface Input {
  typed: string;
  abs: string;
}

/**
 * The command-line paths to scan. A file named explicitly that is not *.yaml / *.yml is left out with a notice
 * (so `git diff --name-only | xargs edgepolicy check` works); missing paths stay in and fail in the scan.
 */
function selectInputs(paths: string[], io: CliIo): Input[] {
  const out: Input[] = [];
  for (const typed of paths) {
    const abs = path.resolve(io.cwd, typed);
    let isFile = false;
    try {
      isFile = !fs.statSync(abs).isDirectory();
    } catch {
      // Missing or unreadable: the scanner says why.
    }
    const lower = abs.toLowerCase();
    if (isFile && !DEFAULT_EXTENSIONS.some((x) => lower.endsWith(x))) {
      io.stderr(`edgepolicy: skipped ${typed}: not a YAML file\n`);
      continue;
    }
    out.push({ typed, abs });
  }
  return out;
}

/**
 * Scans the paths (resolved against io.cwd) and loads every file into a fresh Workspace. Throws UsageError when a
 * given path cannot be read (named as the user typed it); prints a line on io.stderr for each skipped file and
 * each problem in a settings file. Excludes are the given globs plus those of the settings files; the settings
 * files themselves are not manifests and are left out of folder scans.
 */
export async function readWorkspace(paths: string[], exclude: string[], io: CliIo): Promise<ReadWorkspace> {
  const inputs = selectInputs(paths, io);
  const settings = loadProjectSettings(inputs.map((i) => i.abs), io);
  const typedOf = new Map(inputs.map((i) => [i.abs, i.typed]));
  const scan = await scanPaths(inputs.map((i) => i.abs), { exclude: [...exclude, ...settings.exclude, `**/${PROJECT_CONFIG_FILE}`], cwd: io.cwd });
  if (scan.errors.length > 0) {
    const first = scan.errors[0]!;
    const more = scan.errors.length > 1 ? ` (and ${scan.errors.length - 1} more)` : '';
    throw new UsageError(`cannot read '${typedOf.get(first.path) ?? displayPath(first.path, io.cwd)}': ${first.message}${more}`);
  }
  for (const s of scan.skipped) io.stderr(`edgepolicy: skipped ${displayPath(s.path, io.cwd)}: ${s.reason}\n`);
  const internalErrors: string[] = [];
  const ws = new Workspace({
    // Findings name other files as this report does: relative to the current directory.
    displayPath: (uri) => displayPath(uri, io.cwd),
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
  return { ws, files: scan.files.length, internalErrors, settings };
}

export async function loadWorkspace(paths: string[], opts: LoadOptions, io: CliIo): Promise<LoadedWorkspace> {
  const { ws, files, internalErrors, settings } = await readWorkspace(paths, opts.exclude, io);
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
    severityFor: (uri) => settings.severityFor(uri),
  };
}
