// Runs the same in-host mocha suite (dist/e2e-suite.js) under @vscode/test-electron, on machines that can
// download VS Code (this one cannot: use `npm run test:e2e`, which runs it in code-server).
// Starts the demo cluster too, so the cluster journeys have something to talk to.
import { runTests } from '@vscode/test-electron';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-electron-'));
const ws = path.join(scratch, 'workspace');
fs.cpSync(path.join(repo, 'examples'), ws, { recursive: true });
const kubeconfig = path.join(scratch, 'kubeconfig');

const cluster = spawn(process.execPath, [path.join(repo, 'dist/test-cluster.js'), '--kubeconfig-out', kubeconfig,
  '--seed', path.join(repo, 'test', 'fixtures', 'demo-cluster')], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  let out = '';
  cluster.stdout.on('data', (d) => { out += d; if (/^ready$/m.test(out)) resolve(); });
  cluster.on('exit', (c) => reject(new Error(`demo cluster exited with ${c}`)));
});
const userData = path.join(scratch, 'user-data');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'edgepolicy.kubeconfig': kubeconfig,
  'security.workspace.trust.enabled': false }));
let code = 1;
try {
  code = await runTests({
    extensionDevelopmentPath: repo,
    extensionTestsPath: path.join(repo, 'dist/e2e-suite.js'),
    launchArgs: [ws, '--user-data-dir', userData, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { KUBECONFIG: kubeconfig, EDGEPOLICY_E2E_WORKSPACE: ws, EDGEPOLICY_E2E_KUBECONFIG: kubeconfig,
      EDGEPOLICY_E2E_REPO: repo, EDGEPOLICY_E2E_RESULTS: path.join(scratch, 'results.json') },
  }).then(() => 0, (e) => { console.error(e.message ?? e); return 1; });
} finally {
  cluster.kill('SIGTERM');
  fs.rmSync(scratch, { recursive: true, force: true });
}
process.exit(code);
