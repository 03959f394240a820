// The edgepolicy language server: feeds open documents and workspace files to the engine's Workspace, publishes
// its findings (for every file, open or not), and serves completion/hover (YamlAssist), quick fixes, the outline,
// workspace symbols, go to definition and find references (engine/navigate.ts), route-group code lenses
// (engine/lenses.ts), and the custom edgepolicy/* messages. All analysis lives in the engine; this file only wires
// LSP to it.
import { promises as fsp } from 'fs';
import {
  CodeAction,
  type CodeLens,
  CodeLensRefreshRequest,
  CompletionList,
  Connection,
  type DocumentSymbol,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  type FileEvent,
  Hover,
  InitializeParams,
  InitializeResult,
  type Location,
  ResponseError,
  ErrorCodes,
  TextDocumentSyncKind,
  TextDocuments,
  WatchKind,
  type WorkDoneProgressServerReporter,
  type WorkspaceSymbol,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import { folderRelativePath } from './displayPath';
import { filePathOf, isInside } from './paths';
import { YamlAssist } from './assist';
import { DiffHandlers, FileTrackingWorkspace, registerDiffHandlers, type WorkspaceChangeListener } from './diffHandlers';
import { effectiveRouteTable, quickFixes, toDiagnostics } from './diagnostics';
import { isExcluded, isYamlPath } from './exclude';
import { readTextFile } from '../node/scan';
import { scanWorkspaceFolders, type ScannedFolders } from './files';
import { FolderSettings, type ClientSettings } from './folderSettings';
import { RoutesChangedNotification, RoutesRequest, SHOW_ROUTE_GROUP_COMMAND } from './protocol';
import { definitionAt, documentSymbols, referencesAt, secretDefinitions, workspaceSymbols, type NavigationIndex } from '../engine/navigate';
import { toDocumentSymbol, toWorkspaceSymbol } from './symbols';
import { routeGroupLenses } from '../engine/lenses';
import type { Location as EngineLocation } from '../engine/model';

/**
 * Delay between a keystroke and re-analysis. An edit is analysed at once (after the messages already received,
 * so a completion request sent with the edit is answered first) when the last analysis was quick, which it is
 * for an edit of Mappings (incremental); when it was slow (a Host edit rebuilds everything in a big workspace),
 * keystrokes are coalesced for up to EDIT_DEBOUNCE_MS.
 */
const EDIT_DEBOUNCE_MS = 60;
const QUICK_ANALYSIS_MS = 20;
/** Quiet time after the last change of the route table before the client is asked to refresh code lenses. */
const LENS_REFRESH_MS = 300;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Locations as plain `{ uri, range }` (a route member's location is a lazy object that locates its range when read). */
function plainLocations(list: EngineLocation[]): Location[] {
  return list.map((l) => ({ uri: l.uri, range: l.range }));
}

function toUri(p: string): string {
  return URI.file(p).toString();
}

export class EdgepolicyServer {
  readonly documents = new TextDocuments(TextDocument);
  // Messages name other files relative to their workspace folder (this.folders is read when a message is made).
  readonly workspace = new FileTrackingWorkspace({ displayPath: folderRelativePath(() => this.folders) });
  private assist: YamlAssist | undefined;
  private folders: string[] = [];
  /** Per-folder settings: VS Code's (resource-scoped) over each folder's `.edgepolicy.yaml`. */
  private readonly settings = new FolderSettings();
  /** Folders whose `.edgepolicy.yaml` changed on disk, read again after the current batch of file events. */
  private readonly projectFilesChanged = new Set<string>();
  private canPullConfig = false;
  private canWatchDynamically = false;
  private canRefreshLenses = false;
  /** URIs whose diagnostics we last published non-empty. */
  private readonly published = new Set<string>();
  /** Open documents whose latest text is not in the Workspace yet. */
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private indexing: Promise<void> = Promise.resolve();
  private indexGeneration = 0;
  /** Resolved when the first full index is built: a routes request waits for it (an empty table is not "no Mappings"). */
  private firstIndexDone!: () => void;
  private readonly firstIndex = new Promise<void>((resolve) => (this.firstIndexDone = resolve));

  constructor(readonly connection: Connection) {}

  start(): void {
    const c = this.connection;
    c.onInitialize((p) => this.initialize(p));
    // Whatever happens while starting, routes requests must not wait forever for the first index.
    c.onInitialized(() => void this.initialized().catch((e) => this.log(`start-up failed: ${errorText(e)}`)).finally(() => this.firstIndexDone()));
    c.onShutdown(async () => {
      if (this.timer) clearTimeout(this.timer);
      if (this.lensTimer) clearTimeout(this.lensTimer);
      await this.diff?.dispose().catch(() => undefined);
    });

    this.documents.onDidOpen((e) => this.guard('open', () => this.setOpen(e.document)));
    this.documents.onDidChangeContent((e) => this.guard('change', () => this.schedule(e.document.uri)));
    this.documents.onDidClose((e) => void this.guardAsync('close', () => this.closed(e.document.uri)));

    c.onCompletion((p) => this.interactive(() => this.guardAsync<CompletionList>('completion', async () => {
      const doc = this.documents.get(p.textDocument.uri);
      if (!doc) return { isIncomplete: false, items: [] };
      return this.getAssist().complete(doc.getText(), p.position, filePathOf(doc.uri) ?? doc.uri);
    }, { isIncomplete: false, items: [] })));
    c.onHover((p) => this.interactive(() => this.guardAsync<Hover | null>('hover', async () => {
      const doc = this.documents.get(p.textDocument.uri);
      if (!doc) return null;
      return this.getAssist().hover(doc.getText(), p.position, filePathOf(doc.uri) ?? doc.uri);
    }, null)));
    c.onDocumentSymbol((p) => this.guardAsync<DocumentSymbol[]>('documentSymbol', async () => {
      this.flush();
      const parsed = this.workspace.parsed(p.textDocument.uri);
      return parsed ? documentSymbols(parsed, this.workspace.defaultNamespace).map(toDocumentSymbol) : [];
    }, []));
    c.onWorkspaceSymbol((p) => this.guardAsync<WorkspaceSymbol[]>('workspaceSymbol', async () => {
      await this.firstIndex;
      this.flush();
      return workspaceSymbols(this.workspace.resources(), p.query, this.workspace.defaultNamespace).map(toWorkspaceSymbol);
    }, []));
    c.onDefinition((p) => this.guardAsync<Location[]>('definition', async () => {
      this.flush();
      const parsed = this.workspace.parsed(p.textDocument.uri);
      return parsed ? plainLocations(definitionAt(parsed, p.position, this.navigationIndex())) : [];
    }, []));
    c.onReferences((p) => this.guardAsync<Location[]>('references', async () => {
      this.flush();
      const parsed = this.workspace.parsed(p.textDocument.uri);
      if (!parsed) return [];
      return plainLocations(referencesAt(parsed, p.position, this.navigationIndex(), p.context.includeDeclaration));
    }, []));
    c.onCodeLens((p) => this.guardAsync<CodeLens[]>('codeLens', async () => {
      await this.firstIndex;
      this.flush();
      const parsed = this.workspace.parsed(p.textDocument.uri);
      if (!parsed) return [];
      // The client's command shows the members as references (a peek of every Mapping in the group).
      return routeGroupLenses(parsed, this.workspace.routeTable(), this.workspace.defaultNamespace).map((l) => ({
        range: l.range,
        command: { title: l.title, command: SHOW_ROUTE_GROUP_COMMAND, arguments: [p.textDocument.uri, l.name.start, l.members] },
      }));
    }, []));
    c.onCodeAction((p) => this.guardAsync<CodeAction[]>('codeAction', async () => {
      this.flush();
      return quickFixes(this.workspace.findingsFor(p.textDocument.uri), p.range, this.settings.severityFor(filePathOf(p.textDocument.uri)));
    }, []));

    c.onDidChangeWatchedFiles((p) => void this.guardAsync('watchedFiles', async () => {
      // Several watchers may report the same file in one batch: handle each URI once, its last event winning.
      const last = new Map<string, FileEvent>();
      for (const change of p.changes) {
        last.delete(change.uri);
        last.set(change.uri, change);
      }
      for (const change of last.values()) {
        if (this.isProjectFile(change.uri)) continue;
        if (change.type === FileChangeType.Deleted) this.fileDeleted(change.uri);
        else await this.fileOnDisk(change.uri);
      }
      this.afterChange();
      await this.projectFilesRead();
    }));
    c.workspace.onDidCreateFiles((p) => void this.guardAsync('didCreateFiles', async () => {
      for (const f of p.files) if (!this.isProjectFile(f.uri)) await this.fileOnDisk(f.uri);
      this.afterChange();
      await this.projectFilesRead();
    }));
    c.workspace.onDidDeleteFiles((p) => void this.guardAsync('didDeleteFiles', async () => {
      for (const f of p.files) if (!this.isProjectFile(f.uri)) this.fileDeleted(f.uri);
      this.afterChange();
      await this.projectFilesRead();
    }));
    c.workspace.onDidRenameFiles((p) => void this.guardAsync('didRenameFiles', async () => {
      for (const f of p.files) {
        this.isProjectFile(f.oldUri);
        this.isProjectFile(f.newUri);
        const moved = this.fileDeleted(f.oldUri);
        if (moved.length === 0) await this.fileOnDisk(f.newUri);
        for (const old of moved) await this.fileOnDisk(f.newUri + old.slice(f.oldUri.length));
      }
      this.afterChange();
      await this.projectFilesRead();
    }));
    c.onDidChangeConfiguration((p) => void this.guardAsync('configuration', async () => {
      if (this.canPullConfig) await this.loadSettings();
      else {
        // Clients without workspace/configuration push their settings with the notification.
        const pushed = (p?.settings ?? {}) as Record<string, unknown>;
        this.settings.setClientSettingsEverywhere({ edgepolicy: pushed.edgepolicy, files: pushed.files });
      }
      await this.settingsChanged('settings changed');
    }));

    // The table is built and sent only when a client asks (the VS Code client: while its Routes view is visible);
    // routesChanged only says that it may have changed.
    c.onRequest(RoutesRequest, async () => {
      await this.firstIndex;
      try {
        this.flush();
        return effectiveRouteTable(this.workspace.routeTable(), (uri) => this.settings.severityFor(uri === undefined ? undefined : filePathOf(uri)));
      } catch (e) {
        // An error, not an empty table: the client shows its error state instead of "no Mappings found".
        this.log(`routes request failed: ${errorText(e)}`);
        return new ResponseError(ErrorCodes.InternalError, `the route table could not be built: ${errorText(e)}`);
      }
    });

    this.registerOptionalHandlers();
    this.documents.listen(c);
    c.listen();
  }

  /** The live cluster diff (edgepolicy/listContexts, diffStart, ...) is the cluster layer's: diffHandlers.ts. */
  private registerOptionalHandlers(): void {
    this.diff = registerDiffHandlers(this.connection, () => this.workspace, (cb) => this.workspaceListeners.push(cb), {
      ignoreRules: () => this.settings.ignoreRules(),
      folders: () => this.folders,
      log: (m) => this.log(m),
    });
  }

  /** What go to definition and find references resolve against: the workspace as it is now. */
  private navigationIndex(): NavigationIndex {
    const ws = this.workspace;
    return {
      resources: ws.resources(),
      routes: () => ws.routeTable(),
      secrets: () => ws.filesWithSecrets().flatMap(secretDefinitions),
      defaultNamespace: ws.defaultNamespace,
    };
  }

  private diff: DiffHandlers | undefined;
  /** Called after every change to the Workspace's content (edits, disk changes, re-index). */
  private readonly workspaceListeners: WorkspaceChangeListener[] = [];

  private getAssist(): YamlAssist {
    this.assist ??= new YamlAssist(undefined, { log: (m) => this.log(m) });
    return this.assist;
  }

  private initialize(p: InitializeParams): InitializeResult {
    const caps = p.capabilities;
    this.canPullConfig = !!caps.workspace?.configuration;
    this.canWatchDynamically = !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    this.canRefreshLenses = !!caps.workspace?.codeLens?.refreshSupport;
    const folders = p.workspaceFolders?.map((f) => f.uri) ?? (p.rootUri ? [p.rootUri] : p.rootPath ? [toUri(p.rootPath)] : []);
    this.folders = folders.map(filePathOf).filter((x): x is string => !!x);
    this.settings.setFolders(this.folders);
    const yamlFiles = { filters: [{ scheme: 'file', pattern: { glob: '**/*.{yaml,yml}', matches: 'file' as const } }, { scheme: 'file', pattern: { glob: '**/*', matches: 'folder' as const } }] };
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { resolveProvider: false },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        documentSymbolProvider: { label: 'Edge policy' },
        workspaceSymbolProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        codeLensProvider: { resolveProvider: false },
        workspace: {
          workspaceFolders: { supported: true, changeNotifications: true },
          fileOperations: { didCreate: yamlFiles, didDelete: yamlFiles, didRename: yamlFiles },
        },
      },
      serverInfo: { name: 'edgepolicy' },
    };
  }

  private async initialized(): Promise<void> {
    const c = this.connection;
    if (this.canWatchDynamically) {
      await c.client
        .register(DidChangeWatchedFilesNotification.type, {
          watchers: [
            { globPattern: '**/*.{yaml,yml}', kind: WatchKind.Create | WatchKind.Change | WatchKind.Delete },
            { globPattern: '**/.edgepolicy.yaml', kind: WatchKind.Create | WatchKind.Change | WatchKind.Delete },
          ],
        })
        .catch((e) => this.log(`could not register file watchers: ${errorText(e)}`));
    }
    if (this.canPullConfig) {
      await c.client.register(DidChangeConfigurationNotification.type, { section: ['edgepolicy', 'files'] }).catch(() => undefined);
    }
    try {
      c.workspace.onDidChangeWorkspaceFolders((e) => void this.guardAsync('workspaceFolders', async () => {
        const removed = new Set(e.removed.map((f) => filePathOf(f.uri)));
        this.folders = this.folders.filter((f) => !removed.has(f));
        for (const f of e.added) {
          const p = filePathOf(f.uri);
          if (p && !this.folders.includes(p)) this.folders.push(p);
        }
        this.settings.setFolders(this.folders);
        await this.loadSettings();
        for (const f of e.added) {
          const p = filePathOf(f.uri);
          if (p) await this.settings.readProjectFile(p);
        }
        this.applyProjectSettings();
        this.collect(this.workspace.configure({})); // file names in messages are relative to the folders
        await this.reindex('workspace folders changed');
      }));
    } catch {
      // The client does not support workspace folder notifications.
    }
    await this.loadSettings();
    for (const f of this.folders) await this.settings.readProjectFile(f);
    this.applyProjectSettings();
    await this.reindex('startup');
    // Build the completion service now, so the first completion request does not pay for it.
    setTimeout(() => void this.guardAsync('warm-up', () => this.getAssist().warmUp()), 0);
  }

  /**
   * Asks the client for `edgepolicy` and `files` settings of every workspace folder (they are resource-scoped) and
   * of the window (for files outside the folders).
   */
  private async loadSettings(): Promise<void> {
    if (!this.canPullConfig) return;
    const scopes: (string | undefined)[] = [undefined, ...this.folders];
    try {
      const answers = (await this.connection.workspace.getConfiguration(
        scopes.flatMap((folder) => {
          const scopeUri = folder === undefined ? undefined : toUri(folder);
          return [
            { scopeUri, section: 'edgepolicy' },
            { scopeUri, section: 'files' },
          ];
        }),
      )) as unknown[];
      scopes.forEach((folder, i) => {
        const settings: ClientSettings = { edgepolicy: answers[2 * i], files: answers[2 * i + 1] };
        this.settings.setClientSettings(folder, settings);
      });
    } catch (e) {
      this.log(`could not read settings: ${errorText(e)}`);
    }
  }

  /** Marks a workspace folder's `.edgepolicy.yaml` as changed when `uri` is one; true if so. */
  private isProjectFile(uri: string): boolean {
    const file = filePathOf(uri);
    const folder = file ? this.settings.folderOfProjectFile(file) : undefined;
    if (folder) this.projectFilesChanged.add(folder);
    return !!folder;
  }

  /** Reads the changed `.edgepolicy.yaml` files and applies them. */
  private async projectFilesRead(): Promise<void> {
    if (this.projectFilesChanged.size === 0) return;
    const folders = [...this.projectFilesChanged];
    this.projectFilesChanged.clear();
    for (const f of folders) await this.settings.readProjectFile(f);
    await this.settingsChanged('.edgepolicy.yaml changed');
  }

  /**
   * After settings or a settings file changed: re-index for new excludes, else re-publish for new severities (and
   * tell the client: the route table's problems carry them).
   */
  private async settingsChanged(reason: string): Promise<void> {
    const change = this.applyProjectSettings();
    if (change.exclude) await this.reindex(reason);
    else {
      if (change.severity) this.publishAll();
      this.afterChange([], change.severity);
    }
  }

  /**
   * Recomputes the folders' settings, publishes the problems of their `.edgepolicy.yaml` files, and hands new
   * diff.ignore rules to a running diff. Returns what changed.
   */
  private applyProjectSettings(): ReturnType<FolderSettings['recompute']> {
    const change = this.settings.recompute();
    const files = this.settings.projectDiagnostics();
    // A folder that left the workspace: its settings file's problems go too.
    for (const uri of [...this.projectDiagnostics.keys()]) {
      if (files.some((p) => p.uri === uri)) continue;
      this.projectDiagnostics.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => undefined);
    }
    for (const p of files) {
      const key = JSON.stringify(p.diagnostics);
      if ((this.projectDiagnostics.get(p.uri) ?? '[]') === key) continue;
      this.projectDiagnostics.set(p.uri, key);
      for (const d of p.diagnostics) this.log(`${p.file}:${d.range.start.line + 1}: ${d.message}`);
      void this.connection.sendDiagnostics({ uri: p.uri, diagnostics: p.diagnostics }).catch(() => undefined);
    }
    if (change.ignore) this.diff?.ignoreRulesChanged();
    return change;
  }

  /** Diagnostics last published per settings file (JSON), to publish and log only what changed. */
  private readonly projectDiagnostics = new Map<string, string>();

  /** Scans folders (each with its own excludes); files excluded by an enclosing folder's settings are left out. */
  private async scanFolders(dirs: readonly string[]): Promise<ScannedFolders> {
    const out: ScannedFolders = { files: [], skipped: [] };
    const seen = new Set<string>();
    for (const dir of dirs) {
      const r = await scanWorkspaceFolders([dir], this.settings.excludeGlobs(dir));
      for (const f of r.files) {
        if (seen.has(f.path) || isExcluded(f.path, this.settings.excludes())) continue;
        seen.add(f.path);
        out.files.push(f);
      }
      out.skipped.push(...r.skipped);
    }
    return out;
  }

  /** Scans every workspace folder again and rebuilds the index (open documents keep their editor text). */
  private async reindex(reason: string): Promise<void> {
    const generation = ++this.indexGeneration;
    const run = async () => {
      // The user sees the index being built (and a routes request waits for the first one: firstIndex).
      const progress = await this.connection.window.createWorkDoneProgress().catch(() => undefined);
      try {
        await index(progress);
      } finally {
        progress?.done();
      }
    };
    const index = async (progress: WorkDoneProgressServerReporter | undefined) => {
      progress?.begin('Edge Policy', undefined, `Scanning ${this.folders.length} folder(s)`);
      const started = Date.now();
      const result = await this.scanFolders(this.folders);
      if (generation !== this.indexGeneration) return;
      progress?.report(`Indexing ${result.files.length} files`);
      const seen = new Set<string>();
      for (const f of result.files) {
        const uri = toUri(f.path);
        seen.add(uri);
        const open = this.documents.get(uri);
        if (open && this.isOurs(open)) continue;
        this.workspace.setFile(uri, f.text);
      }
      for (const uri of this.workspace.uris()) {
        const open = this.documents.get(uri);
        if (!seen.has(uri) && !(open && this.isOurs(open))) this.workspace.removeFile(uri);
      }
      for (const d of this.documents.all()) this.setOpen(d, false);
      // Settle the engine's change tracking: everything is published below in one go.
      for (const _ of this.workspace.setFiles([])) void _;
      const ms = Date.now() - started;
      this.log(
        `indexed ${result.files.length} YAML file(s) in ${this.folders.length} folder(s): ` +
          `${this.workspace.resources().length} Ambassador resource(s), ${ms} ms (${reason})`,
      );
      for (const s of result.skipped) this.log(`skipped ${s.path}: ${s.reason}`);
      for (const f of result.files) {
        if (this.documents.get(toUri(f.path))) continue; // open documents: logged by noteSkipped
        const why = this.workspace.parsed(toUri(f.path))?.skipped;
        if (why) this.log(`skipped ${f.path}: ${why}`);
      }
      this.publishAll();
      this.notifyRoutesChanged(true);
      this.firstIndexDone();
      // The first keystroke should not pay for the incremental analysis' indexes: build them when idle.
      setTimeout(() => this.guard('prepare', () => this.workspace.prepareForEdits()), 0);
    };
    this.indexing = this.indexing.then(run, run).catch((e) => {
      this.log(`indexing failed: ${errorText(e)}`);
      // Routes requests answer from what was indexed rather than wait forever.
      this.firstIndexDone();
    });
    await this.indexing;
  }

  /** YAML documents, except files in a workspace folder that the settings exclude from the index. */
  private isOurs(doc: TextDocument): boolean {
    if (doc.languageId !== 'yaml' && !isYamlPath(doc.uri.replace(/[?#].*$/, ''))) return false;
    const file = filePathOf(doc.uri);
    return !(file && this.inFolders(file) && isExcluded(file, this.settings.excludes()));
  }

  private setOpen(doc: TextDocument, publish = true): void {
    if (!this.isOurs(doc)) return;
    this.pending.delete(doc.uri);
    const changed = this.workspace.setFile(doc.uri, doc.getText());
    this.noteSkipped(doc.uri);
    if (publish) this.afterChange(changed);
  }

  /** Kind of skip reason last logged per open document (numbers blanked, so a moving line/offset is not news). */
  private readonly skipLogged = new Map<string, string>();

  /**
   * Logs why the engine skipped an open document (template, binary, too large): once per file and kind of
   * reason, not per keystroke; logged again only after the document was analysed in between.
   */
  private noteSkipped(uri: string): void {
    const why = this.workspace.parsed(uri)?.skipped;
    if (!why) {
      this.skipLogged.delete(uri);
      return;
    }
    const kind = why.replace(/\d+/g, '#');
    if (this.skipLogged.get(uri) === kind) return;
    this.skipLogged.set(uri, kind);
    this.log(`skipped ${filePathOf(uri) ?? uri}: ${why}`);
  }

  private schedule(uri: string): void {
    const doc = this.documents.get(uri);
    if (!doc || !this.isOurs(doc)) return;
    this.pending.add(uri);
    this.armTimer(this.lastFlushMs <= QUICK_ANALYSIS_MS ? 0 : EDIT_DEBOUNCE_MS);
  }

  /** How long the last flush took (parse + analysis + publishing). */
  private lastFlushMs = 0;

  private armTimer(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Completion/hover in flight: let them answer first, analysis follows right after.
      if (this.inFlight > 0) this.armTimer(10);
      else this.guard('flush', () => this.flush());
    }, ms);
  }

  private inFlight = 0;

  /** Runs a completion/hover request; a due re-analysis waits until it has answered. */
  private async interactive<T>(fn: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.inFlight--;
    }
  }

  /** Applies pending edits to the Workspace and publishes what changed. */
  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.size === 0) return;
    const started = performance.now();
    const changed = new Set<string>();
    for (const uri of [...this.pending]) {
      this.pending.delete(uri);
      const doc = this.documents.get(uri);
      if (!doc) continue;
      for (const u of this.workspace.setFile(uri, doc.getText())) changed.add(u);
      this.noteSkipped(uri);
    }
    this.afterChange(changed);
    this.lastFlushMs = performance.now() - started;
  }

  private async closed(uri: string): Promise<void> {
    this.pending.delete(uri);
    this.skipLogged.delete(uri);
    const file = filePathOf(uri);
    const onDisk = file && this.inFolders(file) && !isExcluded(file, this.settings.excludes()) ? await readTextFile(file) : undefined;
    if (onDisk && 'text' in onDisk) this.afterChange(this.workspace.setFile(uri, onDisk.text));
    else if (this.workspace.has(uri)) this.afterChange(this.workspace.removeFile(uri));
  }

  private inFolders(file: string): boolean {
    return this.folders.some((f) => isInside(f, file));
  }

  /** A YAML file (or a folder, after a rename/copy) appeared or changed on disk. Open documents keep their text. */
  private async fileOnDisk(uri: string): Promise<void> {
    const file = filePathOf(uri);
    if (!file || this.documents.get(uri)) return;
    if (!isYamlPath(file)) {
      // A folder created inside an excluded one (node_modules/pkg) is not walked at all.
      if (this.inFolders(file) && !isExcluded(file, this.settings.excludes()) && (await isDirectory(file))) {
        const r = await this.scanFolders([file]);
        for (const f of r.files) {
          const u = toUri(f.path);
          if (this.documents.get(u)) continue;
          this.collect(this.workspace.setFile(u, f.text));
        }
        for (const sk of r.skipped) this.log(`skipped ${sk.path}: ${sk.reason}`);
      }
      return;
    }
    if (!this.inFolders(file) || isExcluded(file, this.settings.excludes())) return;
    const r = await readTextFile(file);
    if ('text' in r) this.collect(this.workspace.setFile(uri, r.text));
    else {
      if (this.workspace.has(uri)) this.collect(this.workspace.removeFile(uri));
      if (r.reason) this.log(`skipped ${file}: ${r.reason}`);
    }
  }

  /** A file or folder went away on disk. Returns the indexed URIs it removed. */
  private fileDeleted(uri: string): string[] {
    const gone: string[] = [];
    const prefix = uri.endsWith('/') ? uri : uri + '/';
    for (const u of this.workspace.uris()) {
      if (u === uri || u.startsWith(prefix)) gone.push(u);
    }
    for (const u of gone) {
      if (this.documents.get(u)) continue;
      this.collect(this.workspace.removeFile(u));
    }
    return gone;
  }

  private readonly collected = new Set<string>();

  private collect(changed: Iterable<string>): void {
    for (const u of changed) this.collected.add(u);
  }

  /**
   * Publishes diagnostics of every URI whose findings changed, then tells the client the routes may have moved;
   * `severities`: the severity settings changed (the table's problems with them).
   */
  private afterChange(changed: Iterable<string> = [], severities = false): void {
    for (const u of changed) this.collected.add(u);
    const uris = [...this.collected];
    this.collected.clear();
    for (const uri of uris) this.publish(uri);
    this.notifyRoutesChanged(false, severities);
  }

  private publish(uri: string): void {
    const diagnostics = this.workspace.has(uri) ? toDiagnostics(this.workspace.findingsFor(uri), this.settings.severityFor(filePathOf(uri))) : [];
    if (diagnostics.length === 0 && !this.published.has(uri)) return;
    if (diagnostics.length) this.published.add(uri);
    else this.published.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics }).catch(() => undefined);
  }

  private publishAll(): void {
    const uris = new Set<string>([...this.published, ...this.workspace.allFindings().keys()]);
    for (const uri of uris) this.publish(uri);
  }

  private lastResources: number | undefined;

  /**
   * Tells the client (and the diff session) when the set of resources changed, `force` after a re-index; tells the
   * client alone when only the severity settings changed (`severities`).
   */
  private notifyRoutesChanged(force = false, severities = false): void {
    // Workspace.resourcesVersion changes only when a change touches Ambassador resources (or Secrets).
    const now = this.workspace.resourcesVersion;
    const resources = force || now !== this.lastResources;
    if (!resources && !severities) return;
    if (resources) {
      this.lastResources = now;
      // The diff session reads only the files whose parse changed (all of them after a re-index).
      const changedFiles = this.workspace.takeChangedFiles();
      for (const cb of this.workspaceListeners) this.guard('workspace listener', () => cb(force ? undefined : changedFiles));
    }
    void this.connection.sendNotification(RoutesChangedNotification).catch(() => undefined);
    this.scheduleLensRefresh();
  }

  private lensTimer: NodeJS.Timeout | undefined;

  /**
   * Route-group lenses of every open file may have changed with the route table (an edit elsewhere). A refresh makes
   * the client ask each visible editor's lenses again, which builds the route table: once per burst of edits, not
   * per keystroke.
   */
  private scheduleLensRefresh(): void {
    if (!this.canRefreshLenses) return;
    if (this.lensTimer) clearTimeout(this.lensTimer);
    this.lensTimer = setTimeout(() => {
      this.lensTimer = undefined;
      void this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    }, LENS_REFRESH_MS);
  }

  private log(message: string): void {
    this.connection.console.info(message);
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log(`${what} failed: ${errorText(e)}`);
    }
  }

  private async guardAsync<T>(what: string, fn: () => Promise<T>, fallback?: T): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.log(`${what} failed: ${errorText(e)}`);
      return fallback as T;
    }
  }
}

export function startServer(connection: Connection): EdgepolicyServer {
  const server = new EdgepolicyServer(connection);
  server.start();
  return server;
}
