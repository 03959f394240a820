// Starts the edgepolicy language server (dist/server.js over node IPC) and reports its state.
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

export type ServerState = 'starting' | 'running' | 'restarting' | 'stopped' | 'crashed';

/** How many crashes within RESTART_WINDOW_MS are restarted before giving up. */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

export interface ServerHandle {
  client: LanguageClient;
  readonly state: ServerState;
  onDidChangeState: vscode.Event<ServerState>;
  dispose(): void;
}

export function createLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): ServerHandle {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const emitter = new vscode.EventEmitter<ServerState>();
  let state: ServerState = 'stopped';
  const setState = (s: ServerState, detail?: string): void => {
    if (s === state && !detail) return;
    state = s;
    output.info(`[client] language server ${s}${detail ? `: ${detail}` : ''}`);
    emitter.fire(s);
  };
  const crashes: number[] = [];

  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
    ],
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // Settings changes: the server registers for them itself (DidChangeConfiguration, then pulls the sections),
    // so no configurationSection here (it would send a second notification per change). A kubeconfig path from
    // settings is honoured only in trusted workspaces: pickers.ts kubeconfigParams puts it in the request params.
    synchronize: {
      // YAML files are watched by the server's own (dynamic) registration; this watcher reports created and
      // deleted folders (their YAML files may get no events of their own).
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*', false, true, false),
    },
    errorHandler: {
      error: (error, _message, count) => {
        output.error(`[client] connection error${count ? ` (${count})` : ''}: ${error.message}`);
        return { action: count !== undefined && count > 3 ? ErrorAction.Shutdown : ErrorAction.Continue, handled: true };
      },
      closed: () => {
        const now = Date.now();
        crashes.push(now);
        while (crashes.length && now - crashes[0] > RESTART_WINDOW_MS) crashes.shift();
        if (crashes.length <= MAX_RESTARTS) {
          setState('restarting', `the server stopped unexpectedly; restarting (${crashes.length}/${MAX_RESTARTS})`);
          return { action: CloseAction.Restart, handled: true };
        }
        setState('crashed', `the server crashed ${crashes.length} times in 3 minutes; not restarting`);
        return {
          action: CloseAction.DoNotRestart,
          message: 'The Edge Policy language server crashed several times and was not restarted. Run "Edge Policy: Restart Language Server" to try again.',
        };
      },
    },
  };

  const client = new LanguageClient('edgepolicy', 'Edge Policy', serverOptions, clientOptions);
  const sub = client.onDidChangeState((e) => {
    if (e.newState === State.Starting) {
      if (state !== 'restarting') setState('starting');
    } else if (e.newState === State.Running) setState('running');
    else if (e.newState === State.Stopped && state !== 'restarting' && state !== 'crashed') setState('stopped');
  });
  return {
    client,
    get state() {
      return state;
    },
    onDidChangeState: emitter.event,
    dispose() {
      sub.dispose();
      emitter.dispose();
    },
  };
}
