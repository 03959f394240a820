// The YAML files of a command line and the `.edgepolicy.yaml` settings that apply to them (./project), read from
// disk: what `check`, `routes` (through ./load and the engine's Workspace) and `diff` (parse only) start from.
// It does not import the Workspace or the schema validators, so `diff` does not load them.

import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_EXTENSIONS, scanPaths, type ScannedFile } from '../node/scan';
import { PROJECT_CONFIG_FILE } from '../engine/config';
import { parseFile, type ParsedFile } from '../engine/parse';
import { UsageError, type CliIo } from './io';
import { displayPath } from './paths';
import { loadProjectSettings, type ProjectSettings } from './project';

export interface ReadInputs {
  /** The YAML files found, in scan order. */
  files: ScannedFile[];
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
 * Scans the paths (resolved against io.cwd) for YAML files. Throws UsageError when a given path cannot be read
 * (named as the user typed it); prints a line on io.stderr for each skipped file and each problem in a settings
 * file. Excludes are the given globs plus those of the settings files; the settings files themselves are not
 * manifests and are left out of folder scans.
 */
export async function readInputs(paths: string[], exclude: string[], io: CliIo): Promise<ReadInputs> {
  const inputs = selectInputs(paths, io);
  const settings = loadProjectSettings(inputs.map((i) => i.abs), io);
  const typedOf = new Map(inputs.map((i) => [i.abs, i.typed]));
  // Synchronous reads: the CLI has nothing else to do meanwhile, and they are several times faster on many files.
  const scan = await scanPaths(inputs.map((i) => i.abs), { exclude: [...exclude, ...settings.exclude, `**/${PROJECT_CONFIG_FILE}`], cwd: io.cwd, sync: true });
  if (scan.errors.length > 0) {
    const first = scan.errors[0]!;
    const more = scan.errors.length > 1 ? ` (and ${scan.errors.length - 1} more)` : '';
    throw new UsageError(`cannot read '${typedOf.get(first.path) ?? displayPath(first.path, io.cwd)}': ${first.message}${more}`);
  }
  for (const s of scan.skipped) io.stderr(`edgepolicy: skipped ${displayPath(s.path, io.cwd)}: ${s.reason}\n`);
  return { files: scan.files, settings };
}

/** Says on io.stderr why the engine did not read a file (binary, too large, template), if it did not. */
export function noteParseSkip(file: ScannedFile, parsed: ParsedFile | undefined, io: CliIo): void {
  if (parsed?.skipped) io.stderr(`edgepolicy: skipped ${displayPath(file.path, io.cwd)}: ${parsed.skipped}\n`);
}

/**
 * Parses each file on its own, nothing more (no schema validation, no cross-resource analysis): the files' parses in
 * URI order, the order in which a Workspace lists its resources.
 */
export function parseInputs(files: readonly ScannedFile[], io: CliIo): ParsedFile[] {
  const parsed = files.map((f) => {
    const p = parseFile(f.uri, f.text);
    noteParseSkip(f, p, io);
    return p;
  });
  return parsed.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
}
