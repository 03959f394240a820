// Settings of the language server per workspace folder: the folder's VS Code settings (`edgepolicy.exclude`,
// `edgepolicy.severity`, `files.exclude`, all resource-scoped) over the folder's `.edgepolicy.yaml` (severity,
// exclude, diff.ignore). Files outside every folder take the window's settings. Exclude globs are compiled once
// per change; the server asks what changed to decide between re-indexing, re-publishing and telling the diff.
import * as path from 'path';
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node';
import { URI } from 'vscode-uri';
import { emptyProjectConfig, isSeverityLevel, parseProjectConfig, PROJECT_CONFIG_FILE, type ProjectConfig, type SeverityLevel } from '../engine/config';
import type { IgnoreRule } from '../engine/ignore';
import { readTextFile } from '../node/scan';
import { SOURCE } from './diagnostics';
import { ALWAYS_EXCLUDED, ExcludeMatcher, excludeGlobs, type FolderExcludes } from './exclude';
import { innermostFolder } from './paths';

/** Settings files larger than this are not read. */
const MAX_PROJECT_FILE_BYTES = 1024 * 1024;

/** Globs every folder leaves out: the built-in ones and the settings file itself (it is not a manifest). */
export const BASE_EXCLUDES = [...ALWAYS_EXCLUDED, `**/${PROJECT_CONFIG_FILE}`];

/** The VS Code settings sections the server reads, as workspace/configuration returns them. */
export interface ClientSettings {
  edgepolicy?: unknown;
  files?: unknown;
}

interface ProjectFile {
  config: ProjectConfig;
  /** Length of each line, to underline a whole line in a diagnostic. */
  lineLengths: number[];
  /** Why the file could not be read (it exists). */
  unreadable?: string;
}

interface Effective {
  exclude: ExcludeMatcher;
  severity: Record<string, SeverityLevel>;
}

export interface SettingsChange {
  /** The exclude globs of some folder changed: the index must be rebuilt. */
  exclude: boolean;
  /** The severity of some code in some folder changed: diagnostics must be published again. */
  severity: boolean;
  /** The diff.ignore rules changed. */
  ignore: boolean;
}

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** `edgepolicy.severity` of VS Code: valid levels only (`none` is an old spelling of `off`). */
function clientSeverity(ep: unknown): Record<string, SeverityLevel> {
  const out: Record<string, SeverityLevel> = {};
  for (const [code, v] of Object.entries(asObject(asObject(ep).severity))) {
    const level = v === 'none' ? 'off' : v;
    if (isSeverityLevel(level)) out[code] = level;
  }
  return out;
}

export class FolderSettings {
  private folders: string[] = [];
  private readonly client = new Map<string, ClientSettings>();
  private readonly projects = new Map<string, ProjectFile>();
  private effective = new Map<string, Effective>();
  private outside: Effective = { exclude: new ExcludeMatcher(BASE_EXCLUDES), severity: {} };
  private folderExcludes: FolderExcludes[] = [];
  private rules: IgnoreRule[] = [];
  private stamp = { exclude: '', severity: '', ignore: '' };

  /** The workspace folders (absolute paths). Settings of folders no longer listed are dropped. */
  setFolders(folders: readonly string[]): void {
    this.folders = [...folders];
    for (const f of [...this.client.keys()]) if (f !== '' && !this.folders.includes(f)) this.client.delete(f);
    for (const f of [...this.projects.keys()]) if (!this.folders.includes(f)) this.projects.delete(f);
  }

  /** VS Code settings of one folder, or of the window (`folder` undefined) for files outside every folder. */
  setClientSettings(folder: string | undefined, settings: ClientSettings): void {
    this.client.set(folder ?? '', settings);
  }

  /** The same settings for the window and every folder (clients that push settings instead of answering requests). */
  setClientSettingsEverywhere(settings: ClientSettings): void {
    this.client.set('', settings);
    for (const f of this.folders) this.client.set(f, settings);
  }

  /** The settings file of a folder, when `file` is one (absolute path). */
  folderOfProjectFile(file: string): string | undefined {
    if (path.basename(file) !== PROJECT_CONFIG_FILE) return undefined;
    const dir = path.dirname(path.resolve(file));
    return this.folders.find((f) => path.resolve(f) === dir);
  }

  /** Reads (again) the `.edgepolicy.yaml` of a folder; a missing file is an empty configuration. Never throws. */
  async readProjectFile(folder: string): Promise<void> {
    const file = path.join(folder, PROJECT_CONFIG_FILE);
    const r = await readTextFile(file, MAX_PROJECT_FILE_BYTES);
    if ('text' in r) {
      this.projects.set(folder, { config: parseProjectConfig(r.text), lineLengths: r.text.split(/\r?\n/).map((l) => l.length) });
    } else if (r.missing) {
      this.projects.delete(folder);
    } else {
      this.projects.set(folder, { config: emptyProjectConfig(), lineLengths: [], unreadable: r.reason });
    }
  }

  /** Recomputes every folder's effective settings and says what changed since the previous call. */
  recompute(): SettingsChange {
    const effective = new Map<string, Effective>();
    for (const folder of this.folders) {
      const client = this.client.get(folder) ?? this.client.get('') ?? {};
      const project = this.projects.get(folder)?.config;
      effective.set(folder, this.combine(client, project));
    }
    this.effective = effective;
    this.outside = this.combine(this.client.get('') ?? {}, undefined);
    this.folderExcludes = this.folders.map((folder) => ({ folder, exclude: effective.get(folder)!.exclude }));
    this.rules = this.folders.flatMap((f) => this.projects.get(f)?.config.diffIgnore ?? []);
    const stamp = {
      exclude: JSON.stringify(this.folders.map((f) => [f, effective.get(f)!.exclude.globs])),
      severity: JSON.stringify([this.folders.map((f) => [f, effective.get(f)!.severity]), this.outside.severity]),
      ignore: JSON.stringify(this.rules),
    };
    const change = { exclude: stamp.exclude !== this.stamp.exclude, severity: stamp.severity !== this.stamp.severity, ignore: stamp.ignore !== this.stamp.ignore };
    this.stamp = stamp;
    return change;
  }

  private combine(client: ClientSettings, project: ProjectConfig | undefined): Effective {
    const globs = excludeGlobs(asObject(client.edgepolicy).exclude, client.files ? asObject(client.files).exclude : undefined, [
      ...BASE_EXCLUDES,
      ...(project?.exclude ?? []),
    ]);
    // VS Code settings override the file's value for a code.
    return { exclude: new ExcludeMatcher(globs), severity: { ...project?.severity, ...clientSeverity(client.edgepolicy) } };
  }

  /** Every folder with its compiled excludes (for isExcluded). */
  excludes(): readonly FolderExcludes[] {
    return this.folderExcludes;
  }

  /** The exclude globs of one folder (for the scanner); the built-in ones for a path that is no folder. */
  excludeGlobs(folder: string): readonly string[] {
    return (this.effective.get(folder) ?? this.outside).exclude.globs;
  }

  /** Per-code overrides for a file (absolute path, or undefined for a non-file URI): its innermost folder's. */
  severityFor(file: string | undefined): Record<string, SeverityLevel> {
    const folder = file && innermostFolder(this.folders, file);
    return (folder && this.effective.get(folder)?.severity) || this.outside.severity;
  }

  /** The diff.ignore rules of every folder's settings file. */
  ignoreRules(): IgnoreRule[] {
    return this.rules;
  }

  /** Diagnostics for each folder's settings file (empty lists for files without problems). */
  projectDiagnostics(): { uri: string; file: string; diagnostics: Diagnostic[] }[] {
    const out: { uri: string; file: string; diagnostics: Diagnostic[] }[] = [];
    for (const folder of this.folders) {
      const file = path.join(folder, PROJECT_CONFIG_FILE);
      const p = this.projects.get(folder);
      const diagnostics: Diagnostic[] = [];
      if (p?.unreadable) diagnostics.push(this.diagnostic(p, 1, `${PROJECT_CONFIG_FILE} cannot be read: ${p.unreadable}; its settings are not used.`));
      for (const e of p?.config.errors ?? []) diagnostics.push(this.diagnostic(p!, e.line, e.message));
      out.push({ uri: URI.file(file).toString(), file, diagnostics });
    }
    return out;
  }

  private diagnostic(p: ProjectFile, line: number, message: string): Diagnostic {
    const l = Math.max(0, line - 1);
    return {
      range: { start: { line: l, character: 0 }, end: { line: l, character: p.lineLengths[l] ?? 0 } },
      severity: DiagnosticSeverity.Error,
      source: SOURCE,
      message,
    };
  }
}
