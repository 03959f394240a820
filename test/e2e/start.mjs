// Smoke test of `npm start` (scripts/demo.mjs), the README's first command: it builds, starts the demo cluster and
// code-server with the packaged extension on a copy of examples/, prints a URL, and stops everything on Ctrl+C
// or SIGTERM. Run by test/e2e/run.mjs (phase "npm-start") with { repo, log, launchBrowser, shot(name, page), scratch }.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await Promise.resolve().then(fn).catch((e) => e);
    if (last && !(last instanceof Error)) return last;
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** Starts `cmd` in its own process group (as a terminal would) and collects its output. */
function startDemo(cmd, args, repo) {
  const env = { ...process.env };
  delete env.PORT; // a free port, whatever the caller's environment says
  const child = spawn(cmd, args, { cwd: repo, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const demo = { child, out: '', exited: undefined };
  child.stdout.on('data', (d) => (demo.out += d.toString()));
  child.stderr.on('data', (d) => (demo.out += d.toString()));
  demo.exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((demo.exited = { code, signal }))));
  return demo;
}

/** What the demo printed: the URL, its port and folder, the scratch folder and the kubeconfig. */
async function started(demo) {
  await until('the demo to print its URL', () => {
    if (demo.exited) throw new Error(`the demo exited (${JSON.stringify(demo.exited)}):\n${demo.out.slice(-3000)}`);
    return /press Ctrl\+C to stop/.test(demo.out);
  }, 600000);
  const url = /^\s*Open (http:\/\/127\.0\.0\.1:(\d+)\/\?folder=(\S+))$/m.exec(demo.out);
  assert.ok(url, `the demo prints "Open <url>":\n${demo.out}`);
  const scratch = /logs in (\S+); press Ctrl\+C/.exec(demo.out)?.[1];
  const kubeconfig = /kubeconfig: (\S+)/.exec(demo.out)?.[1];
  assert.ok(scratch && kubeconfig, 'the demo names its scratch folder and kubeconfig');
  return { url: url[1], port: Number(url[2]), folder: decodeURIComponent(url[3]), scratch, kubeconfig };
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Processes (other than this one) whose command line names `text`. */
function processesNaming(text) {
  const out = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmd;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (cmd.includes(text)) out.push(`${pid} ${cmd.slice(0, 160)}`);
  }
  return out;
}

/** After a signal: the demo exits cleanly, its services are gone, their ports closed, the scratch folder removed. */
async function assertStopped(demo, info, clusterPort, signal) {
  const exited = await Promise.race([demo.exit, sleep(60000).then(() => undefined)]);
  assert.ok(exited, 'the demo exits after the signal');
  // npm ends itself with the signal it got (as a shell expects after Ctrl+C); the demo exits with 0
  assert.ok(exited.code === 0 || exited.signal === signal, `exit status ${JSON.stringify(exited)}\n${demo.out.slice(-2000)}`);
  await until(`no process left that names ${info.scratch} (left: ${processesNaming(info.scratch).join(' | ')})`,
    () => processesNaming(info.scratch).length === 0, 30000);
  await until('code-server to stop listening', async () => !(await portOpen(info.port)), 30000);
  await until('the demo cluster to stop listening', async () => !(await portOpen(clusterPort)), 30000);
  await until(`the scratch folder ${info.scratch} to be removed`, () => !fs.existsSync(info.scratch), 30000);
}

/** Cleanup after a failed check: Ctrl+C (the demo stops its services), SIGKILL if it does not exit. */
async function stopDemo(demo) {
  if (demo.exited) return;
  try {
    process.kill(-demo.child.pid, 'SIGINT');
    if (await Promise.race([demo.exit, sleep(20000).then(() => false)])) return;
    process.kill(-demo.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The names of the Mapping custom resources the demo cluster is seeded with (test/fixtures/demo-cluster). */
function seededMappings(repo) {
  const dir = path.join(repo, 'test/fixtures/demo-cluster');
  const names = [];
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    for (const doc of yaml.loadAll(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      if (doc?.kind === 'Mapping' && /^getambassador\.io\//.test(doc.apiVersion)) names.push(`${doc.metadata.namespace}/${doc.metadata.name}`);
    }
  }
  assert.ok(names.length >= 3, 'the demo cluster fixtures hold Mappings');
  return names.sort();
}

/** Errors and warnings the CLI finds in examples/ (the editor must show the same counts). */
function cliCounts(repo) {
  // (exit status 1: the examples have errors on purpose)
  const run = spawnSync(path.join(repo, 'bin/edgepolicy'), ['check', 'examples', '-f', 'json'], { cwd: repo, encoding: 'utf8' });
  const r = JSON.parse(run.stdout);
  const count = (s) => r.findings.filter((f) => f.severity === s).length;
  return { errors: count('error'), warnings: count('warning') };
}

function files(dir) {
  return fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).map(String).sort();
}

export const checks = [
  {
    name: 'npm start: VS Code with the packaged extension on a copy of examples/, the demo cluster, Ctrl+C stops all',
    async run({ repo, log, launchBrowser, shot, scratch }) {
      const demo = startDemo('npm', ['start'], repo);
      try {
        const info = await started(demo);
        log(`npm start: ${info.url}`);
        // the workspace is a copy of examples/, outside the repository
        assert.ok(path.relative(repo, info.folder).startsWith('..'), 'the workspace is not inside the repository');
        assert.deepEqual(files(info.folder), files(path.join(repo, 'examples')), 'the workspace holds the example files');
        // the packaged extension, this version, is installed into the demo's own profile
        const installed = JSON.parse(fs.readFileSync(path.join(info.scratch, 'extensions', `edgepolicy.edgepolicy-${JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).version}`, 'package.json'), 'utf8'));
        assert.equal(installed.name, 'edgepolicy');
        // the demo cluster serves the seeded Mappings
        const kc = yaml.load(fs.readFileSync(info.kubeconfig, 'utf8'));
        const clusterPort = Number(new URL(kc.clusters[0].cluster.server).port);
        const listed = JSON.parse(execFileSync('kubectl', ['--kubeconfig', info.kubeconfig, 'get', 'mappings.getambassador.io', '-A', '-o', 'json'],
          { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000 }).toString());
        assert.deepEqual(listed.items.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort(), seededMappings(repo));
        // the printed URL opens the workbench on that folder; the extension starts and reports the example's mistakes
        const profile = fs.mkdtempSync(path.join(scratch, 'chrome-'));
        const browser = await launchBrowser(profile);
        try {
          const page = browser.pages()[0] || (await browser.newPage());
          await page.goto(info.url);
          await page.locator('.monaco-workbench').waitFor({ timeout: 120000 });
          await page.locator('.statusbar-item[id*="edgepolicy"]', { hasText: 'Edge Policy' }).locator('.codicon-check').first().waitFor({ timeout: 120000 });
          const want = cliCounts(repo);
          assert.ok(want.errors > 0 && want.warnings > 0, 'the example has errors and warnings');
          const problems = page.locator('.statusbar-item[id="status.problems"]').first();
          const label = await until(`the status bar to count ${want.errors} errors and ${want.warnings} warnings`, async () => {
            const l = (await problems.getAttribute('aria-label')) ?? '';
            const e = Number(/Errors?: (\d+)/i.exec(l)?.[1]);
            const w = Number(/Warnings?: (\d+)/i.exec(l)?.[1]);
            return e === want.errors && w === want.warnings ? l : undefined;
          }, 60000);
          log(`npm start: status bar "${label}"`);
          await shot('npm-start', page);
        } catch (e) {
          await shot('FAILED-npm-start', browser.pages()[0]).catch(() => {});
          throw e;
        } finally {
          await browser.close();
        }
        // Ctrl+C in the terminal: SIGINT to the whole foreground process group
        process.kill(-demo.child.pid, 'SIGINT');
        await assertStopped(demo, info, clusterPort, 'SIGINT');
        assert.match(demo.out, /\[demo\] stopping/);
      } finally {
        await stopDemo(demo);
      }
    },
  },
  {
    name: 'the demo (scripts/demo.mjs) stops everything it started on SIGTERM',
    async run({ repo }) {
      const demo = startDemo(process.execPath, ['scripts/demo.mjs'], repo);
      try {
        const info = await started(demo);
        const kc = yaml.load(fs.readFileSync(info.kubeconfig, 'utf8'));
        const clusterPort = Number(new URL(kc.clusters[0].cluster.server).port);
        assert.ok(await portOpen(info.port), 'code-server listens');
        assert.ok(await portOpen(clusterPort), 'the demo cluster listens');
        process.kill(demo.child.pid, 'SIGTERM');
        await assertStopped(demo, info, clusterPort, 'SIGTERM');
      } finally {
        await stopDemo(demo);
      }
    },
  },
];
