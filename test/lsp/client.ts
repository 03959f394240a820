// A small LSP client for tests: starts the BUILT server (`node dist/server.js --stdio`) and speaks the real
// protocol to it over its stdin/stdout. Needs `npm run build` first (npm test builds before it runs mocha).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import type {
  CodeAction,
  CompletionItem,
  CompletionList,
  Diagnostic,
  FileEvent,
  Hover,
  InitializeResult,
  Position,
  Range,
} from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';

export const REPO = path.resolve(__dirname, '..', '..');
export const SERVER = path.join(REPO, 'dist', 'server.js');

export function fileUri(p: string): string {
  return URI.file(p).toString();
}

export interface ClientOptions {
  /** Workspace folders (absolute paths). */
  folders: string[];
  /** Answers to workspace/configuration, by section. */
  settings?: Record<string, unknown>;
  /** Answers for a scopeUri (a workspace folder URI), by section; sections not given fall back to `settings`. */
  scopedSettings?: Record<string, Record<string, unknown>>;
  /** Advertise dynamic registration of file watchers (default true). */
  watchers?: boolean;
  /** Advertise window.workDoneProgress (server-initiated progress); default false. */
  progress?: boolean;
  /** Advertise workspace.codeLens.refreshSupport (the server may ask to re-request code lenses); default false. */
  codeLensRefresh?: boolean;
}

export class TestClient {
  private readonly proc: ChildProcess;

  /** The server process's pid, for tests that read its memory from /proc. */
  get pid(): number {
    return this.proc.pid!;
  }
  readonly conn: MessageConnection;
  /** Latest diagnostics per URI. */
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Every publishDiagnostics, in order. */
  readonly publishes: { uri: string; diagnostics: Diagnostic[] }[] = [];
  readonly logs: string[] = [];
  readonly registrations: { method: string; registerOptions?: unknown }[] = [];
  routesChanged = 0;
  /** workspace/codeLens/refresh requests received. */
  lensRefreshes = 0;
  /** Every item of every workspace/configuration request, in order. */
  readonly configurationRequests: { section?: string; scopeUri?: string }[] = [];
  /** Every $/progress value, in order (with `progress: true`). */
  readonly progress: { kind: string; title?: string; message?: string }[] = [];
  stderr = '';
  private versions = new Map<string, number>();
  private waiters: (() => void)[] = [];

  constructor(readonly options: ClientOptions) {
    if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
    this.proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      this.publishes.push(p);
      this.wake();
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
      this.wake();
    });
    this.conn.onNotification('edgepolicy/routesChanged', () => {
      this.routesChanged++;
      this.wake();
    });
    this.conn.onRequest('workspace/configuration', (p: { items: { section?: string; scopeUri?: string }[] }) => {
      this.configurationRequests.push(...p.items);
      return p.items.map((i) => {
        if (!i.section) return null;
        const scoped = i.scopeUri ? options.scopedSettings?.[i.scopeUri] : undefined;
        if (scoped && i.section in scoped) return scoped[i.section] ?? null;
        return options.settings?.[i.section] ?? null;
      });
    });
    this.conn.onRequest('client/registerCapability', (p: { registrations: { method: string; registerOptions?: unknown }[] }) => {
      this.registrations.push(...p.registrations);
      this.wake();
      return null;
    });
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    this.conn.onRequest('workspace/codeLens/refresh', () => {
      this.lensRefreshes++;
      this.wake();
      return null;
    });
    this.conn.onNotification('$/progress', (p: { value: { kind: string; title?: string; message?: string } }) => {
      this.progress.push(p.value);
      this.wake();
    });
    this.conn.listen();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `check` returns a truthy value (re-checked on every message), or rejects after `ms`. */
  async waitFor<T>(what: string, check: () => T | undefined | false, ms = 10000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = check();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async initialize(): Promise<InitializeResult> {
    const folders = this.options.folders.map((f) => ({ uri: fileUri(f), name: path.basename(f) }));
    const result = (await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: folders[0]?.uri ?? null,
      workspaceFolders: folders,
      capabilities: {
        window: { workDoneProgress: this.options.progress === true },
        workspace: {
          configuration: true,
          workspaceFolders: true,
          didChangeWatchedFiles: { dynamicRegistration: this.options.watchers !== false },
          didChangeConfiguration: { dynamicRegistration: true },
          codeLens: { refreshSupport: this.options.codeLensRefresh === true },
        },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true },
          completion: { completionItem: { snippetSupport: true, deprecatedSupport: true, tagSupport: { valueSet: [1] } } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
        },
      },
    })) as InitializeResult;
    await this.conn.sendNotification('initialized', {});
    return result;
  }

  /** Waits until the server logged its index statistics (the initial scan finished). */
  async indexed(): Promise<string> {
    return this.waitFor('the workspace index', () => this.logs.find((l) => /^indexed /.test(l)));
  }

  open(uri: string, text: string): void {
    this.versions.set(uri, 1);
    void this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  }

  /** Replaces the whole text of an open document. */
  change(uri: string, text: string): void {
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    void this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] });
  }

  /** Applies one ranged edit to an open document. */
  edit(uri: string, range: Range, text: string): void {
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    void this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ range, text }] });
  }

  close(uri: string): void {
    void this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  watched(changes: FileEvent[]): void {
    void this.conn.sendNotification('workspace/didChangeWatchedFiles', { changes });
  }

  async completion(uri: string, position: Position): Promise<CompletionItem[]> {
    const r = (await this.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position })) as
      | CompletionList
      | CompletionItem[]
      | null;
    if (!r) return [];
    return Array.isArray(r) ? r : r.items;
  }

  async hover(uri: string, position: Position): Promise<Hover | null> {
    return (await this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position })) as Hover | null;
  }

  async codeActions(uri: string, range: Range, diagnostics: Diagnostic[] = []): Promise<CodeAction[]> {
    const r = (await this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics } })) as
      | CodeAction[]
      | null;
    return r ?? [];
  }

  /** Waits until the latest diagnostics of `uri` satisfy `check`. */
  async diagnosticsFor(uri: string, check: (d: Diagnostic[]) => boolean = () => true, what = 'diagnostics'): Promise<Diagnostic[]> {
    return this.waitFor(`${what} for ${uri}`, () => {
      const d = this.diagnostics.get(uri);
      return d && check(d) ? d : undefined;
    });
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    await new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null) return resolve();
      const t = setTimeout(() => {
        this.proc.kill();
        resolve();
      }, 2000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.conn.dispose();
  }
}

/** Copies a fixture folder to a fresh temp dir (so tests can write files) and returns its path. */
/** A client whose server is initialized and has built its first index (stopped again if that fails). */
export async function indexedClient(options: ClientOptions): Promise<TestClient> {
  const client = new TestClient(options);
  try {
    await client.initialize();
    await client.indexed();
  } catch (e) {
    await client.stop();
    throw e;
  }
  return client;
}

/** For `after`: stops the client (if one was started) and removes the temporary workspace (if one was made). */
export async function stopAndRemove(client: TestClient | undefined, dir: string | undefined): Promise<void> {
  await client?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

export function tempWorkspace(fixture: string): string {
  const src = path.join(REPO, 'test', 'fixtures', 'lsp', fixture);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `edgepolicy-lsp-${fixture}-`));
  fs.cpSync(src, dir, { recursive: true });
  return dir;
}

export function codesOf(d: Diagnostic[]): string[] {
  return d.map((x) => String(x.code)).sort();
}
