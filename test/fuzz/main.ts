// `npm run fuzz -- --cases N [--seed S] [--no-lsp]`: mutates the fixture corpus and feeds every case through
// the engine (parse, schema checks, policy checks, route table, source ranges) and through the language server
// (didChange, completion, hover, outline, definition, references, code lenses). Fails on any exception, hang
// or runaway memory, and saves the failing input.
//
// The supervisor forks itself as a worker and watches it: no progress for HANG_MS is a hang; the worker runs
// with a capped heap, so runaway memory ends it (reported as such).
import { fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCorpus } from './corpus';

const HANG_MS = 60000;
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);

interface Progress {
  type: 'progress' | 'done' | 'fail';
  index: number;
  message?: string;
  input?: string;
  rss?: number;
  maxMs?: number;
}

async function supervise(): Promise<number> {
  const cases = Number(opt('--cases', '2000'));
  const seed = Number(opt('--seed', '1'));
  if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed)) {
    console.error('usage: fuzz [--cases N] [--seed S] [--no-lsp]');
    return 3;
  }
  const t0 = Date.now();
  const child = fork(__filename, ['--worker', ...argv], { execArgv: ['--max-old-space-size=1536'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let last: Progress = { type: 'progress', index: -1 };
  let lastAt = Date.now();
  let outcome: Progress | undefined;
  child.on('message', (m: Progress) => {
    last = m;
    lastAt = Date.now();
    if (m.type !== 'progress' && outcome?.type !== 'fail') outcome = m; // the first failure carries the input
    if (m.type === 'progress' && m.index > 0 && m.index % 500 === 0) {
      console.log(`[fuzz] ${m.index}/${cases} cases, rss ${((m.rss ?? 0) / 1048576).toFixed(0)} MB, slowest case ${m.maxMs?.toFixed(0)} ms`);
    }
  });
  const exit = await new Promise<number | string>((resolve) => {
    const watchdog = setInterval(() => {
      if (Date.now() - lastAt > HANG_MS) {
        clearInterval(watchdog);
        child.kill('SIGKILL');
        outcome = { type: 'fail', index: last.index + 1, message: `hang: no progress for ${HANG_MS} ms after case ${last.index}` };
        resolve('hang');
      }
    }, 1000);
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (outcome?.type === 'done') {
    console.log(`[fuzz] seed ${seed}: ${cases} cases through engine${argv.includes('--no-lsp') ? '' : ' and language server'} in ${secs} s, slowest ${outcome.maxMs?.toFixed(0)} ms`);
    console.log(`${cases} passed, 0 failed`);
    return 0;
  }
  const why = outcome?.type === 'fail' ? outcome.message : `worker died (${exit}) at case ${last.index + 1}: out of memory or crash`;
  const saved = path.join(os.tmpdir(), `edgepolicy-fuzz-seed${seed}-case${(outcome?.index ?? last.index + 1)}.yaml`);
  if (outcome?.input !== undefined) fs.writeFileSync(saved, outcome.input);
  console.error(`[fuzz] FAILED (seed ${seed}): ${why}${outcome?.input !== undefined ? `\n[fuzz] input saved to ${saved}` : ''}`);
  console.log(`${Math.max(0, (outcome?.index ?? last.index + 1))} passed, 1 failed`);
  return 1;
}

async function work(): Promise<void> {
  const { runCases } = await import('./cases');
  const cases = Number(opt('--cases', '2000'));
  const seed = Number(opt('--seed', '1'));
  const send = (m: Progress) => process.send?.(m);
  const corpus = loadCorpus(path.resolve(__dirname, '..'));
  const serverJs = argv.includes('--no-lsp') ? undefined : path.resolve(__dirname, 'server.js');
  await runCases({ corpus, cases, seed, serverJs, report: send });
}

if (argv.includes('--worker')) {
  const die = (what: string) => (e: unknown) => {
    process.send?.({ type: 'fail', index: -1, message: `${what}: ${(e as Error)?.stack ?? e}` });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100);
  };
  process.on('uncaughtException', die('uncaught exception in the fuzzer'));
  process.on('unhandledRejection', die('unhandled rejection in the fuzzer'));
  work().then(
    () => process.exit(0),
    (e) => {
      process.send?.({ type: 'fail', index: -1, message: `fuzzer error: ${e?.stack ?? e}` });
      process.exit(1);
    },
  );
} else {
  supervise().then((c) => process.exit(c));
}
