// End-to-end tests in real VS Code (code-server) in a real browser (Debian chromium via playwright-core).
//
//   1. test/e2e/setup.sh installs (once, into a cache outside the clone) Node 24, code-server, chromium.
//   2. A demo cluster (our Kubernetes-API-compatible test server) is started, seeded with a drifted copy of
//      the example workspace, and a kubeconfig for it is written into a scratch folder.
//   3. Phase "in-host": code-server loads the extension from this repo (extensionDevelopmentPath) and runs
//      the mocha suite dist/e2e-suite.js inside its extension host (extensionTestsPath).
//   4. Phase "untrusted": the same, with workspace trust on and the workspace not trusted (restricted mode);
//      the suite runs only its restricted-mode tests (suite/untrusted.test.ts).
//   5. Phase "ui": the journeys in test/e2e/ui/*.mjs drive the workbench with playwright and save screenshots.
//   6. Phase "npm-start": `npm start` (scripts/demo.mjs) as a user runs it, then Ctrl+C / SIGTERM (start.mjs).
//   7. Everything started here is stopped; the last line is `N passed, N failed`.
//
// Options (env): EDGEPOLICY_E2E_CACHE (cache folder), E2E_KEEP=1 (keep the scratch folder),
// E2E_ONLY=in-host|untrusted|ui|npm-start (one phase, or several separated by commas),
// E2E_GREP=regex (UI journeys and npm-start checks by name, in-host tests by full title).
// Screenshots (and FAILED-*.png for failed journeys) go to test/e2e/out/screenshots/. All four phases take
// about 90 s together on the 2-core build machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { codeServerArgs, codeServerTools, workbenchUrl } from '../../scripts/lib/codeServer.mjs';
import { freePort, Services, until } from '../../scripts/lib/procs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const yaml = require('js-yaml');
const PHASES = ['in-host', 'untrusted', 'ui', 'npm-start'];

const T0 = Date.now();
const log = (m) => console.log(`[e2e +${((Date.now() - T0) / 1000).toFixed(1)}s] ${m}`);
let services;
let scratch;

function cleanup() {
  services?.stopAll();
  if (scratch && !process.env.E2E_KEEP) fs.rmSync(scratch, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

export async function launchBrowser(profileDir) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    env: { ...process.env, XDG_CONFIG_HOME: profileDir, XDG_CACHE_HOME: profileDir },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/**
 * For the untrusted phase: a second kubeconfig file (KUBECONFIG holds both) with a context on the demo cluster
 * whose user runs a credential plugin. The plugin leaves a marker file when it runs; it must never run there.
 */
function writeExecKubeconfig(dir, demoKubeconfig) {
  const demo = yaml.load(fs.readFileSync(demoKubeconfig, 'utf8'));
  const marker = path.join(dir, 'exec-plugin-ran');
  const plugin = path.join(dir, 'exec-plugin.sh');
  fs.writeFileSync(plugin, '#!/bin/sh\ntouch "$MARKER"\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"none"}}\'\n', { mode: 0o755 });
  const file = path.join(dir, 'kubeconfig-exec');
  fs.writeFileSync(file, yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    users: [{ name: 'edgepolicy-exec-user', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, env: [{ name: 'MARKER', value: marker }], interactiveMode: 'Never' } } }],
    contexts: [{ name: 'edgepolicy-exec', context: { cluster: demo.clusters[0].name, user: 'edgepolicy-exec-user' } }],
  }));
  return { file, marker };
}

async function main() {
  const only = process.env.E2E_ONLY;
  log('setting up Node 24 + code-server + chromium (cached after the first run)');
  const { node24, codeServer } = codeServerTools(repo);
  for (const f of ['dist/client.js', 'dist/server.js', 'dist/test-cluster.js', 'dist/e2e-suite.js']) {
    if (!fs.existsSync(path.join(repo, f))) throw new Error(`${f} is missing: run npm run build first`);
  }

  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-e2e-'));
  services = new Services(scratch);
  log(`scratch folder ${scratch}`);
  const kubeconfig = path.join(scratch, 'kubeconfig');
  const seed = path.join(repo, 'test', 'fixtures', 'demo-cluster');
  const clusterArgs = [path.join(repo, 'dist/test-cluster.js'), '--kubeconfig-out', kubeconfig];
  if (fs.existsSync(seed)) clusterArgs.push('--seed', seed);
  await services.start('cluster', process.execPath, clusterArgs, { cwd: repo, env: process.env }, /^ready$/m, 30000);
  log('demo cluster ready');

  const results = { passed: 0, failed: 0, failures: [] };
  const phases = only ? only.split(',').map((p) => p.trim()) : PHASES;
  const unknown = phases.filter((p) => !PHASES.includes(p));
  if (unknown.length) throw new Error(`E2E_ONLY: unknown phase ${unknown.join(', ')} (phases: ${PHASES.join(', ')})`);

  for (const phase of phases) {
    const dir = path.join(scratch, phase);
    if (phase === 'npm-start') {
      fs.mkdirSync(dir, { recursive: true });
      const r = await runChecks({ repo, log, launchBrowser, scratch: dir });
      results.passed += r.passed;
      results.failed += r.failed;
      results.failures.push(...r.failures);
      continue;
    }
    const untrusted = phase === 'untrusted';
    const ws = path.join(dir, 'workspace');
    fs.cpSync(path.join(repo, 'examples'), ws, { recursive: true });
    const udd = path.join(dir, 'user-data');
    fs.mkdirSync(path.join(udd, 'User'), { recursive: true });
    const exec = untrusted ? writeExecKubeconfig(dir, kubeconfig) : undefined;
    fs.writeFileSync(path.join(udd, 'User', 'settings.json'), JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      // untrusted: trust is on and nobody is asked, so the folder stays in restricted mode
      'security.workspace.trust.enabled': untrusted,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'never',
      'editor.minimap.enabled': false,
      'files.autoSave': 'off',
      'window.restoreWindows': 'none',
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'workbench.layoutControl.enabled': false,
      'diffEditor.useInlineViewWhenSpaceIsLimited': false,
      'editor.hover.delay': 200,
      // untrusted: a file that does not exist, so that honouring the setting would break the diff
      'edgepolicy.kubeconfig': untrusted ? path.join(dir, 'no-such-kubeconfig') : kubeconfig,
    }, null, 2));
    const port = await freePort();
    const env = {
      ...process.env,
      PATH: `${node24}:${process.env.PATH}`,
      XDG_CONFIG_HOME: path.join(dir, 'xdg-config'),
      XDG_DATA_HOME: path.join(dir, 'xdg-data'),
      XDG_CACHE_HOME: path.join(dir, 'xdg-cache'),
      KUBECONFIG: exec ? [kubeconfig, exec.file].join(path.delimiter) : kubeconfig,
      EDGEPOLICY_E2E_PHASE: phase,
      EDGEPOLICY_E2E_EXEC_MARKER: exec?.marker ?? '',
      EDGEPOLICY_E2E_RESULTS: path.join(dir, 'results.json'),
      EDGEPOLICY_E2E_WORKSPACE: ws,
      EDGEPOLICY_E2E_KUBECONFIG: kubeconfig,
      EDGEPOLICY_E2E_REPO: repo,
    };
    const csArgs = [...codeServerArgs(port, udd, path.join(dir, 'extensions')),
      ...(untrusted ? [] : ['--disable-workspace-trust']), '--vscode-option', 'enable-smoke-test-driver'];
    fs.mkdirSync(path.join(dir, 'extensions'), { recursive: true });
    const cs = await services.start(`code-server-${phase}`, codeServer, csArgs, { env, cwd: dir }, /HTTP server listening/, 120000);
    await until(`code-server's /healthz on port ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60000);
    log(`code-server (${phase}) on port ${port}`);
    const ctx = { phase, port, repo, ws, kubeconfig, scratch: dir, log, launchBrowser, env };
    const r = phase === 'ui' ? await runUi(ctx) : await runInHost(ctx);
    results.passed += r.passed;
    results.failed += r.failed;
    results.failures.push(...r.failures);
    // stop this phase's code-server before the next
    services.stop(cs);
  }

  for (const f of results.failures) console.log(`FAILED: ${f}`);
  if (process.env.E2E_KEEP) log(`kept ${scratch}`);
  console.log(`${results.passed} passed, ${results.failed} failed`);
  return results.failed === 0 && results.passed > 0 ? 0 : 1;
}

async function runInHost({ phase, port, repo, ws, scratch: dir, log }) {
  const auth = `127.0.0.1:${port}`;
  const url = workbenchUrl(port, ws, [
    ['extensionDevelopmentPath', `vscode-remote://${auth}${repo}`],
    ['extensionTestsPath', `vscode-remote://${auth}${path.join(repo, 'dist/e2e-suite.js')}`],
  ]);
  const profile = fs.mkdtempSync(path.join(dir, 'chrome-'));
  const browser = await launchBrowser(profile);
  const page = browser.pages()[0] || (await browser.newPage());
  let done;
  const exited = new Promise((r) => (done = r));
  await page.exposeFunction('codeAutomationExit', (code) => done(code));
  page.on('console', (m) => {
    const t = m.text();
    if (/\[edgepolicy-e2e\]/.test(t)) console.log('  ' + t.replace(/^.*\[edgepolicy-e2e\]\s*/, ''));
  });
  log(`${phase} suite: starting`);
  await page.goto(url);
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 600000))]);
  await browser.close();
  const resFile = path.join(dir, 'results.json');
  if (!fs.existsSync(resFile)) {
    return { passed: 0, failed: 1, failures: [`${phase} suite ended with ${code} and wrote no results`] };
  }
  const res = JSON.parse(fs.readFileSync(resFile, 'utf8'));
  log(`${phase} suite: ${res.passed} passed, ${res.failed} failed (exit ${code})`);
  return { passed: res.passed, failed: res.failed, failures: res.failures.map((f) => `${phase}: ${f}`) };
}

/**
 * Runs each { name, run(ctx) } whose name matches E2E_GREP, counting into `out`; `shot(name)` saves a screenshot,
 * `failed(name)` is called after a failure.
 */
async function runEach(label, items, ctx, out, { shot, failed }) {
  const grep = process.env.E2E_GREP ? new RegExp(process.env.E2E_GREP) : null;
  for (const item of items) {
    if (grep && !grep.test(item.name)) continue;
    const t = Date.now();
    try {
      await item.run({ ...ctx, shot });
      out.passed++;
      ctx.log(`${label}: ✓ ${item.name} (${Date.now() - t} ms)`);
    } catch (e) {
      out.failed++;
      out.failures.push(`${label}: ${item.name}: ${e.message.split('\n')[0]}`);
      ctx.log(`${label}: ✗ ${item.name}: ${e.message}`);
      await failed?.(item.name);
    }
  }
}

const screenshotDir = () => {
  const shots = path.join(repo, 'test/e2e/out/screenshots');
  fs.mkdirSync(shots, { recursive: true });
  return shots;
};

/** Phase npm-start: the checks of start.mjs (each starts its own demo; `shot(name, page)` with their own browser). */
async function runChecks(ctx) {
  const { checks } = await import(pathToFileURL(path.join(here, 'start.mjs')).href);
  const out = { passed: 0, failed: 0, failures: [] };
  const shots = screenshotDir();
  await runEach('npm-start', checks, ctx, out, {
    shot: async (name, page) => page.screenshot({ path: path.join(shots, `${name}.png`) }),
  });
  return out;
}

async function runUi(ctx) {
  const uiDir = path.join(here, 'ui');
  const files = fs.readdirSync(uiDir).filter((f) => f.endsWith('.mjs')).sort();
  const out = { passed: 0, failed: 0, failures: [] };
  const shots = screenshotDir();
  const url = workbenchUrl(ctx.port, ctx.ws, [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${ctx.port}${ctx.repo}`]]);
  const profile = fs.mkdtempSync(path.join(ctx.scratch, 'chrome-'));
  const browser = await launchBrowser(profile);
  const page = browser.pages()[0] || (await browser.newPage());
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 120000 });
  // the extension is active and its language server running (the status bar item shows a check)
  try {
    await page.locator('.statusbar-item[id*="edgepolicy"]', { hasText: 'Edge Policy' })
      .locator('.codicon-check').first().waitFor({ timeout: 120000 });
  } catch (e) {
    await page.screenshot({ path: path.join(shots, 'FAILED-startup.png') }).catch(() => {});
    await browser.close();
    return { passed: 0, failed: 1, failures: [`ui: the extension did not become ready: ${e.message.split('\n')[0]}`] };
  }
  ctx.log('ui: extension ready');
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(uiDir, f)).href);
    await runEach('ui', mod.journeys, { ...ctx, page }, out, {
      shot: async (name) => page.screenshot({ path: path.join(shots, `${name}.png`) }),
      failed: (name) => page.screenshot({ path: path.join(shots, `FAILED-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {}),
    });
  }
  await browser.close();
  return out;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[e2e] ${e.stack || e.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
