// Entry point of dist/server.js. The transport comes from the command line, as every LSP client passes it:
// `--stdio` (Neovim, Helix, Emacs, ...), `--node-ipc` (VS Code) or `--socket=<port>`.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';
import { installBuiltValidators } from '../node/validators';

const transports = ['--stdio', '--node-ipc', '--socket', '--pipe'];
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write('usage: node dist/server.js --stdio | --node-ipc | --socket=<port>\nThe edgepolicy language server (LSP).\n');
  process.exit(0);
}
if (!process.argv.slice(2).some((a) => transports.some((t) => a === t || a.startsWith(`${t}=`)))) {
  process.stderr.write('edgepolicy language server: pass --stdio, --node-ipc or --socket=<port> (see --help)\n');
  process.exit(2);
}

// Never let one bad input take the editor's server down: log and carry on.
process.on('uncaughtException', (e) => {
  process.stderr.write(`edgepolicy: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`edgepolicy: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
});

installBuiltValidators();
startServer(createConnection(ProposedFeatures.all));
