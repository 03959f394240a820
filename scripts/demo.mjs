// `npm start`: the product on the bundled example workspace and a demo cluster, in one command.
//   1. installs (once, cached outside the clone) Node 24, code-server and chromium — test/e2e/setup.sh;
//   2. starts the demo cluster (our Kubernetes-API-compatible test server) seeded with a slightly drifted copy
//      of the example (test/fixtures/demo-cluster), and writes a kubeconfig for it into a scratch folder;
//   3. packages the extension as a VSIX and installs it into a fresh code-server profile;
//   4. starts code-server on the example workspace (a scratch copy, so the repo stays clean) and prints the URL,
//      which opens one of the example's files.
// Stop with Ctrl+C; everything started here is stopped. PORT=NNNN picks the port (default: a free one).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerArgs, codeServerTools, workbenchUrl } from './lib/codeServer.mjs';
import { packageVsix } from './lib/vsce.mjs';
import { freePort, Services } from './lib/procs.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => console.log(`[demo] ${m}`);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-demo-'));
const services = new Services(scratch);

process.on('exit', () => {
  services.stopAll();
  fs.rmSync(scratch, { recursive: true, force: true });
});
process.on('SIGINT', () => { say('stopping'); process.exit(0); });
process.on('SIGTERM', () => process.exit(0));

async function main() {
  say('preparing Node 24, code-server and chromium (cached after the first run; the first takes a few minutes)');
  const { node24, codeServer } = codeServerTools(repo);

  const ws = path.join(scratch, 'example-workspace');
  fs.cpSync(path.join(repo, 'examples'), ws, { recursive: true });
  const kubeconfig = path.join(scratch, 'kubeconfig');
  await services.start('demo-cluster', process.execPath, [path.join(repo, 'dist/test-cluster.js'), '--kubeconfig-out', kubeconfig,
    '--seed', path.join(repo, 'test/fixtures/demo-cluster')], { cwd: repo }, /^ready$/m);
  say(`demo cluster is up; kubeconfig: ${kubeconfig}`);

  say('packaging the extension');
  const vsix = path.join(scratch, 'edgepolicy.vsix');
  packageVsix(vsix);
  const udd = path.join(scratch, 'user-data');
  const exts = path.join(scratch, 'extensions');
  fs.mkdirSync(path.join(udd, 'User'), { recursive: true });
  fs.writeFileSync(path.join(udd, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    // The demo is about the Edge Policy views: no chat panel taking the side of the window.
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'edgepolicy.kubeconfig': kubeconfig,
  }, null, 2));
  const env = { ...process.env, PATH: `${node24}:${process.env.PATH}`, KUBECONFIG: kubeconfig,
    XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'), XDG_DATA_HOME: path.join(scratch, 'xdg-data') };
  execFileSync(codeServer, ['--user-data-dir', udd, '--extensions-dir', exts, '--install-extension', vsix],
    { env, stdio: ['ignore', 'ignore', 'inherit'] });

  const port = await freePort(Number(process.env.PORT) || 0);
  await services.start('code-server', codeServer, [...codeServerArgs(port, udd, exts), '--disable-workspace-trust'],
    { env, cwd: scratch }, /HTTP server listening/);
  // The URL also opens a file with two of the example's mistakes. Besides showing them at once, this activates the
  // extension for sure (onLanguage:yaml): its other activation, workspaceContains:**/*.yaml, is a search that
  // VS Code gives up after 7 s, and then leaves the extension inactive; a busy machine can take that long.
  const url = workbenchUrl(port, ws, [['openFile', `vscode-remote://127.0.0.1:${port}${path.join(ws, 'teams/orders/routes.yaml')}`]]);
  console.log('');
  console.log(`  Open ${url}`);
  console.log('');
  say('try: the Problems panel, the Edge Policy view in the activity bar, and F1 → "Edge Policy: Diff against cluster"');
  say(`logs in ${scratch}; press Ctrl+C to stop`);
  await new Promise(() => {});
}

main().catch((e) => {
  console.error(`[demo] ${e.message}`);
  process.exit(1);
});
