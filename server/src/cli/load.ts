// Reads files and folders from disk (./inputs) into one engine Workspace for `check` and `routes`, with the
// `.edgepolicy.yaml` settings that apply to them (./project).

import { Workspace } from '../engine/workspace';
import type { Finding } from '../engine/model';
import type { LoadedWorkspace, LoadOptions } from './commands';
import { noteParseSkip, readInputs } from './inputs';
import type { CliIo } from './io';
import { displayPath } from './paths';
import type { ProjectSettings } from './project';

export interface ReadWorkspace {
  ws: Workspace;
  /** Number of YAML files read into `ws`. */
  files: number;
  /** Engine failures (checker or route builder threw), filled in as `ws` is queried. */
  internalErrors: string[];
  /** The `.edgepolicy.yaml` settings of the paths. */
  settings: ProjectSettings;
}

/** Reads the paths (./inputs) and loads every file into a fresh Workspace. */
export async function readWorkspace(paths: string[], exclude: string[], io: CliIo): Promise<ReadWorkspace> {
  const { files, settings } = await readInputs(paths, exclude, io);
  const internalErrors: string[] = [];
  const ws = new Workspace({
    // Findings name other files as this report does: relative to the current directory.
    displayPath: (uri) => displayPath(uri, io.cwd),
    onError: (where, error) => {
      const message = error instanceof Error ? error.message : String(error);
      internalErrors.push(`${where}: ${message.split('\n')[0]}`);
    },
  });
  for (const f of files) {
    ws.setFile(f.uri, f.text);
    noteParseSkip(f, ws.parsed(f.uri), io);
  }
  return { ws, files: files.length, internalErrors, settings };
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
