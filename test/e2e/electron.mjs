// Runs the same in-host mocha suite (dist/e2e-suite.js, built from test/e2e/suite/) under @vscode/test-electron,
// i.e. in desktop VS Code, on machines that can download VS Code or have one: set E2E_VSCODE_EXECUTABLE to use an
// installed VS Code instead of downloading (E2E_VSCODE_VERSION picks the downloaded version, default stable).
// Machines without either (like the build machine) use `npm run test:e2e`, which runs the suite in code-server.
// Starts the demo cluster too, so the diff tests have something to talk to. Last line: `N passed, N failed`.
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WATCHDOG_MS = 15 * 60 * 1000;
let cluster;
let scratch;

function finish(passed, failed, message) {
  if (message) console.error(`[e2e-electron] ${message}`);
  try { cluster?.kill('SIGTERM'); } catch { /* gone */ }
  if (scratch && !process.env.E2E_KEEP) fs.rmSync(scratch, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

setTimeout(() => finish(0, 1, `gave up after ${WATCHDOG_MS / 60000} minutes`), WATCHDOG_MS).unref();
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => finish(0, 1, `interrupted (${sig})`));

for (const f of ['dist/client.js', 'dist/server.js', 'dist/test-cluster.js', 'dist/e2e-suite.js']) {
  if (!fs.existsSync(path.join(repo, f))) finish(0, 1, `${f} is missing: run npm run build first`);
}

// 1. VS Code: an installed one, or a download (fails fast with a clear message when offline)
let vscodeExecutablePath = process.env.E2E_VSCODE_EXECUTABLE;
if (vscodeExecutablePath) {
  if (!fs.existsSync(vscodeExecutablePath)) finish(0, 1, `E2E_VSCODE_EXECUTABLE=${vscodeExecutablePath} does not exist`);
} else {
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version: process.env.E2E_VSCODE_VERSION || 'stable', timeout: 30000 });
  } catch (e) {
    finish(0, 1,
      `could not download VS Code (${String(e?.message ?? e).split('\n')[0]}). ` +
      'Without internet access, run the same suite in code-server with `npm run test:e2e` ' +
      '(E2E_ONLY=in-host for this suite only), or point E2E_VSCODE_EXECUTABLE at an installed VS Code.');
  }
}

// 2. The demo cluster, seeded with the drift that test/fixtures/demo-cluster/README.md lists
scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-electron-'));
const ws = path.join(scratch, 'workspace');
fs.cpSync(path.join(repo, 'examples'), ws, { recursive: true });
const kubeconfig = path.join(scratch, 'kubeconfig');
cluster = spawn(process.execPath, [path.join(repo, 'dist/test-cluster.js'), '--kubeconfig-out', kubeconfig,
  '--seed', path.join(repo, 'test', 'fixtures', 'demo-cluster')], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the demo cluster did not start within 30 s')), 30000);
    cluster.stdout.on('data', (d) => {
      out += d;
      if (/^ready$/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    cluster.on('exit', (c) => reject(new Error(`the demo cluster exited with ${c}`)));
  });
} catch (e) {
  finish(0, 1, e.message);
}

// 3. The suite inside VS Code's extension host
const userData = path.join(scratch, 'user-data');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
  'edgepolicy.kubeconfig': kubeconfig,
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
}));
const results = path.join(scratch, 'results.json');
let error;
try {
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: repo,
    extensionTestsPath: path.join(repo, 'dist/e2e-suite.js'),
    launchArgs: [ws, '--user-data-dir', userData, '--extensions-dir', path.join(scratch, 'extensions'), '--disable-extensions',
      '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--disable-gpu'],
    extensionTestsEnv: { KUBECONFIG: kubeconfig, EDGEPOLICY_E2E_WORKSPACE: ws, EDGEPOLICY_E2E_KUBECONFIG: kubeconfig,
      EDGEPOLICY_E2E_REPO: repo, EDGEPOLICY_E2E_RESULTS: results, E2E_GREP: process.env.E2E_GREP ?? '' },
  });
} catch (e) {
  error = String(e?.message ?? e);
}
if (!fs.existsSync(results)) finish(0, 1, `the suite wrote no results${error ? `: ${error}` : ''}`);
const r = JSON.parse(fs.readFileSync(results, 'utf8'));
for (const f of r.failures) console.log(`FAILED: in-host: ${f}`);
finish(r.passed, r.failed);
