// Smoke test of `npm start` (scripts/demo.mjs), the README's first command: it builds, starts the demo cluster and
// code-server with the packaged extension on a copy of examples/, prints a URL, and stops everything on Ctrl+C
// or SIGTERM. Run by test/e2e/run.mjs (phase "npm-start") with { repo, log, launchBrowser, shot(name, page), scratch }.
// When a check fails while the demo runs, the demo's logs (its services, code-server's and the extension host's)
// are copied to test/e2e/out/npm-start-logs/ and the lines that tell what happened are added to the failure.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { portOpen, until } from '../../scripts/lib/procs.mjs';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
  const printed = /^\s*Open (http:\/\/127\.0\.0\.1:\d+\/\?\S+)$/m.exec(demo.out)?.[1];
  assert.ok(printed, `the demo prints "Open <url>":\n${demo.out}`);
  const url = new URL(printed);
  const folder = url.searchParams.get('folder');
  assert.ok(folder, `the URL names the workspace folder: ${printed}`);
  // the file the URL opens (a vscode-remote URI on the same host and port)
  const openFile = new URL(Object.fromEntries(JSON.parse(url.searchParams.get('payload') ?? '[]')).openFile ?? 'none:');
  const scratch = /logs in (\S+); press Ctrl\+C/.exec(demo.out)?.[1];
  const kubeconfig = /kubeconfig: (\S+)/.exec(demo.out)?.[1];
  assert.ok(scratch && kubeconfig, 'the demo names its scratch folder and kubeconfig');
  const kc = yaml.load(fs.readFileSync(kubeconfig, 'utf8'));
  const clusterPort = Number(new URL(kc.clusters[0].cluster.server).port);
  return { url: printed, port: Number(url.port), folder, openFile, scratch, kubeconfig, clusterPort };
}

/** A process as { pid, pgrp, argv, cmd }, or undefined when it is gone or a zombie. */
function proc(pid) {
  try {
    // "pid (comm) state ppid pgrp ...": the fields after the last ')'
    const [state, , pgrp] = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)\s*/s, '').split(' ');
    if (state === 'Z' || state === 'X') return undefined;
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid: Number(pid), pgrp: Number(pgrp), argv, cmd: argv.join(' ') };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** The live processes other than this one. */
const processes = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).map(proc).filter(Boolean);
const show = (ps) => ps.map((p) => `${p.pid} ${p.cmd.slice(0, 160)}`).join(' | ');
/** Processes whose command line names `text` (the demo's services name its scratch folder). */
const processesNaming = (text) => processes().filter((p) => p.cmd.includes(text));
/** Processes in the process group `pgrp` (the one `npm start` was started in, as a terminal does). */
const processGroup = (pgrp) => processes().filter((p) => p.pgrp === pgrp);

/** After a signal: the demo exits cleanly, its services are gone, their ports closed, the scratch folder removed. */
async function assertStopped(demo, info, signal) {
  const exited = await Promise.race([demo.exit, sleep(60000).then(() => undefined)]);
  assert.ok(exited, 'the demo exits after the signal');
  // npm ends itself with the signal it got (as a shell expects after Ctrl+C); the demo exits with 0
  assert.ok(exited.code === 0 || exited.signal === signal, `exit status ${JSON.stringify(exited)}\n${demo.out.slice(-2000)}`);
  await until(`no process left in the demo's process group (left: ${show(processGroup(demo.child.pid))})`,
    () => processGroup(demo.child.pid).length === 0, 30000);
  await until(`no process left that names ${info.scratch} (left: ${show(processesNaming(info.scratch))})`,
    () => processesNaming(info.scratch).length === 0, 30000);
  await until('code-server to stop listening', async () => !(await portOpen(info.port)), 30000);
  await until('the demo cluster to stop listening', async () => !(await portOpen(info.clusterPort)), 30000);
  await until(`the scratch folder ${info.scratch} to be removed`, () => !fs.existsSync(info.scratch), 30000);
}

/**
 * Cleanup after a failed check: Ctrl+C to the demo's process group (the demo stops its services), SIGKILL to what
 * is left of the group; then SIGKILL to the process groups of services that outlived the demo (they name its
 * scratch folder, which nothing else does), and removal of that folder.
 */
async function stopDemo(demo, info) {
  const signal = (target, sig) => {
    try {
      process.kill(target, sig);
    } catch {
      // already gone
    }
  };
  const group = demo.child.pid;
  if (processGroup(group).length) {
    signal(-group, 'SIGINT');
    await until('the demo to stop', () => processGroup(group).length === 0, 20000).catch(() => signal(-group, 'SIGKILL'));
  }
  if (!info) return;
  const own = proc('self').pgrp;
  const left = () => processesNaming(info.scratch);
  if (left().length) {
    await until('the services to stop', () => left().length === 0, 10000).catch(() => {
      for (const p of left()) signal(p.pgrp > 1 && p.pgrp !== own ? -p.pgrp : p.pid, 'SIGKILL');
    });
  }
  fs.rmSync(info.scratch, { recursive: true, force: true });
}

/** Lines of `file` matching `re` (or its last `tail` lines), for a failure message. */
function linesOf(file, re, tail = 15) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [`(${path.basename(file)}: not written)`];
  }
  const lines = text.split('\n').filter((l) => l.trim());
  return re ? lines.filter((l) => re.test(l)).slice(-tail) : lines.slice(-tail);
}

/**
 * Copies the running demo's logs to test/e2e/out/npm-start-logs/<label>/ (kept after the run; the demo removes its
 * scratch folder when it stops) and returns what they say about the extension: whether and how VS Code activated
 * it, and the end of its output.
 */
function collectLogs(repo, info, label) {
  const dest = path.join(repo, 'test/e2e/out/npm-start-logs', label.replace(/\W+/g, '-').slice(0, 60));
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  for (const f of fs.readdirSync(info.scratch).filter((x) => x.endsWith('.log'))) fs.copyFileSync(path.join(info.scratch, f), path.join(dest, f));
  const logs = path.join(info.scratch, 'user-data', 'logs');
  if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dest, 'vscode'), { recursive: true });
  const copied = fs.readdirSync(dest, { recursive: true }).map((f) => path.join(dest, String(f)));
  const found = (name) => copied.filter((f) => path.basename(f) === name);
  const exthost = found('remoteexthost.log');
  const ours = /edgepolicy\.edgepolicy|Eager extensions/;
  const out = [`logs copied to ${path.relative(repo, dest)}`];
  const lines = exthost.flatMap((f) => linesOf(f, ours));
  if (exthost.length && !lines.some((l) => /_doActivateExtension edgepolicy\.edgepolicy/.test(l))) {
    out.push(lines.some((l) => /Not activating extension 'edgepolicy\.edgepolicy'/.test(l))
      ? 'VS Code did not activate the extension: its workspaceContains search took over 7 s (a busy machine?), and no YAML file was opened'
      : 'VS Code did not activate the extension');
  }
  if (exthost.length) out.push('extension host:', ...lines);
  for (const f of found('Edge Policy.log')) out.push('Edge Policy output:', ...linesOf(f));
  out.push('code-server:', ...linesOf(path.join(info.scratch, 'code-server.log'), null, 10));
  return out.join('\n  ');
}

/**
 * Runs `npm start` (or `cmd args`) in its own process group, waits until it printed its URL, and calls
 * `body(demo, info)`. A failure while the demo runs carries the demo's logs; the demo is stopped in any case.
 */
async function withDemo(repo, label, [cmd, ...args], body) {
  const demo = startDemo(cmd, args, repo);
  let info;
  try {
    info = await started(demo);
    await body(demo, info);
  } catch (e) {
    if (info && fs.existsSync(info.scratch)) {
      try {
        e.message += `\n  ${collectLogs(repo, info, label)}`;
      } catch (err) {
        e.message += `\n  (could not collect the demo's logs: ${err.message})`;
      }
    }
    throw e;
  } finally {
    await stopDemo(demo, info);
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

// How long the extension may take to start its language server once the workbench shows: about 5 s on an idle
// 2-core machine, 25 to 45 s with that machine heavily overloaded. A bound, not an expected time.
const EXTENSION_READY_MS = 180000;

export const checks = [
  {
    name: 'npm start: VS Code with the packaged extension on a copy of examples/, the demo cluster, Ctrl+C stops all',
    async run({ repo, log, launchBrowser, shot, scratch }) {
      await withDemo(repo, 'npm start, Ctrl+C', ['npm', 'start'], async (demo, info) => {
        log(`npm start: ${info.url}`);
        // the workspace is a copy of examples/, outside the repository; the URL opens one of its YAML files
        assert.ok(path.relative(repo, info.folder).startsWith('..'), 'the workspace is not inside the repository');
        assert.deepEqual(files(info.folder), files(path.join(repo, 'examples')), 'the workspace holds the example files');
        assert.equal(info.openFile.protocol, 'vscode-remote:', `the URL opens a workspace file: ${info.openFile}`);
        assert.equal(info.openFile.host, `127.0.0.1:${info.port}`, 'the file to open is on the same server');
        const opened = path.relative(info.folder, decodeURIComponent(info.openFile.pathname));
        assert.ok(!opened.startsWith('..') && /\.ya?ml$/.test(opened) && fs.existsSync(path.join(info.folder, opened)), `the URL opens a YAML file of the workspace: ${opened}`);
        // the packaged extension, this version, is installed into the demo's own profile
        const installed = JSON.parse(fs.readFileSync(path.join(info.scratch, 'extensions', `edgepolicy.edgepolicy-${JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).version}`, 'package.json'), 'utf8'));
        assert.equal(installed.name, 'edgepolicy');
        // the demo cluster serves the seeded Mappings
        const listed = JSON.parse(execFileSync('kubectl', ['--kubeconfig', info.kubeconfig, 'get', 'mappings.getambassador.io', '-A', '-o', 'json'],
          { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000 }).toString());
        assert.deepEqual(listed.items.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort(), seededMappings(repo));
        // the printed URL opens the workbench on that folder and file; the extension starts and reports the example's mistakes
        const profile = fs.mkdtempSync(path.join(scratch, 'chrome-'));
        const browser = await launchBrowser(profile);
        try {
          const page = browser.pages()[0] || (await browser.newPage());
          await page.goto(info.url, { timeout: 120000 });
          await page.locator('.monaco-workbench').waitFor({ timeout: 120000 });
          const t = Date.now();
          try {
            await page.locator('.statusbar-item[id*="edgepolicy"]', { hasText: 'Edge Policy' }).locator('.codicon-check').first().waitFor({ timeout: EXTENSION_READY_MS });
          } catch {
            const status = await page.locator('.statusbar-item[id*="edgepolicy"]').first().getAttribute('aria-label', { timeout: 1000 }).catch(() => undefined);
            throw new Error(`the extension did not report a running language server within ${EXTENSION_READY_MS / 1000} s of the workbench showing (status bar: ${status ? `"${status}"` : 'no Edge Policy item'})`);
          }
          log(`npm start: language server running ${((Date.now() - t) / 1000).toFixed(1)} s after the workbench showed`);
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
          // the opened file is the workspace's own (same URI as the diagnostics): its mistakes are squiggled
          await page.locator('.editor-group-container .tab.active', { hasText: path.basename(opened) }).waitFor({ timeout: 30000 });
          await page.locator('.editor-group-container .monaco-editor .squiggly-error').first().waitFor({ timeout: 30000 });
          await shot('npm-start', page);
        } catch (e) {
          await shot('FAILED-npm-start', browser.pages()[0]).catch(() => {});
          throw e;
        } finally {
          await browser.close();
        }
        // Ctrl+C in the terminal: SIGINT to the whole foreground process group
        process.kill(-demo.child.pid, 'SIGINT');
        await assertStopped(demo, info, 'SIGINT');
        assert.match(demo.out, /\[demo\] stopping/);
      });
    },
  },
  {
    // `kill <pid of npm>` (a process manager, a CI step's timeout): npm passes SIGTERM on to its script's process
    // only. That must be the demo itself (the start script execs it), not a shell that dies and leaves it running.
    name: 'npm start: SIGTERM to the npm process alone stops the demo, code-server and the demo cluster',
    async run({ repo }) {
      await withDemo(repo, 'npm start, SIGTERM to npm', ['npm', 'start'], async (demo, info) => {
        const group = demo.child.pid;
        // node scripts/demo.mjs (not a shell whose command line names it)
        const demoProcs = processGroup(group).filter((p) => /^node/.test(path.basename(p.argv[0] ?? '')) && p.argv[1] === 'scripts/demo.mjs');
        assert.equal(demoProcs.length, 1, `one demo process in npm's process group: ${show(processGroup(group))}`);
        assert.notEqual(demoProcs[0].pid, group, 'the demo runs under npm');
        assert.ok(await portOpen(info.port), 'code-server listens');
        assert.ok(await portOpen(info.clusterPort), 'the demo cluster listens');
        process.kill(group, 'SIGTERM'); // npm only, not its group
        await until(`the demo process ${demoProcs[0].pid} to exit (npm passes SIGTERM on to its script's process only: does the start script exec the demo?)`,
          () => !proc(demoProcs[0].pid), 30000);
        await assertStopped(demo, info, 'SIGTERM');
      });
    },
  },
  {
    name: 'the demo (scripts/demo.mjs) stops everything it started on SIGTERM',
    async run({ repo }) {
      await withDemo(repo, 'demo, SIGTERM', [process.execPath, 'scripts/demo.mjs'], async (demo, info) => {
        assert.ok(await portOpen(info.port), 'code-server listens');
        assert.ok(await portOpen(info.clusterPort), 'the demo cluster listens');
        process.kill(demo.child.pid, 'SIGTERM');
        await assertStopped(demo, info, 'SIGTERM');
      });
    },
  },
];
