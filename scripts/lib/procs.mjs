// Process helpers shared by the demo (`npm start`) and the end-to-end harness: a free loopback port, an open-port
// probe, polling until a condition holds, and
// background services that log to a file, signal readiness on stdout, and are stopped as a process group.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A free TCP port on 127.0.0.1 (or `preferred` when given and free). */
export function freePort(preferred = 0) {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(preferred, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Polls `fn` (sync or async) every 250 ms until it returns a truthy value, and returns that; a throw counts as not
 * yet. Fails after `timeoutMs`, naming `what` and the last error.
 */
export async function until(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await Promise.resolve().then(fn).catch((e) => e);
    if (last && !(last instanceof Error)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** Background services started by one script; `stopAll()` ends each with its process group. */
export class Services {
  constructor(logDir) {
    this.logDir = logDir;
    this.children = [];
  }

  /**
   * Starts `cmd` detached, logs its output to `<logDir>/<name>.log`, and resolves once its stdout matches
   * `ready`; rejects if it exits first or does not get ready within `timeoutMs`.
   */
  start(name, cmd, args, opts, ready, timeoutMs = 120000) {
    const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    const logFile = fs.createWriteStream(path.join(this.logDir, `${name}.log`));
    child.stdout.pipe(logFile);
    child.stderr.pipe(logFile);
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms (see ${name}.log)`)), timeoutMs);
      child.stdout.on('data', (d) => {
        out += d.toString();
        if (ready.test(out)) {
          clearTimeout(timer);
          resolve(child);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited early with ${code}:\n${out.slice(-2000)}`));
      });
    });
  }

  stop(child) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      try { child.kill('SIGTERM'); } catch { /* already gone */ }
    }
    this.children = this.children.filter((c) => c !== child);
  }

  stopAll() {
    for (const c of [...this.children]) this.stop(c);
  }
}
