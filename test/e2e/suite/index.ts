// Entry point of the mocha suite that runs INSIDE the VS Code extension host (extensionTestsPath), under
// code-server (test/e2e/run.mjs) or under @vscode/test-electron (test/e2e/electron.mjs). Bundled to
// dist/e2e-suite.js; mocha itself is loaded from node_modules.
import * as fs from 'fs';

const SUITES: Array<() => unknown> = [
  // Each entry loads one test file after mocha's BDD globals exist.
  () => require('./activation.test'),
  () => require('./diagnostics.test'),
  () => require('./hover.test'),
  () => require('./navigation.test'),
  () => require('./routes.test'),
  () => require('./routesFilter.test'),
  () => require('./crossfile.test'),
  () => require('./completion.test'),
  () => require('./diff.test'),
  () => require('./quickfix.test'),
  () => require('./files.test'),
  // Last: it kills the language server several times.
  () => require('./serverCrash.test'),
];

/** The runner's "untrusted" phase (a folder in restricted mode) runs only these. */
const UNTRUSTED_SUITES: Array<() => unknown> = [() => require('./untrusted.test')];

export function run(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof import('mocha');
  const mocha = new Mocha({ ui: 'bdd', timeout: 90000, color: false, reporter: 'dot', forbidOnly: true, forbidPending: true });
  if (process.env.E2E_GREP) mocha.grep(new RegExp(process.env.E2E_GREP));
  mocha.suite.emit('pre-require', globalThis, 'edgepolicy-e2e', mocha);
  for (const load of process.env.EDGEPOLICY_E2E_PHASE === 'untrusted' ? UNTRUSTED_SUITES : SUITES) load();
  const failures: string[] = [];
  let passed = 0;
  const say = (m: string) => console.log(`[edgepolicy-e2e] ${m}`);
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failed) => {
      const file = process.env.EDGEPOLICY_E2E_RESULTS;
      if (file) fs.writeFileSync(file, JSON.stringify({ passed, failed: failures.length, failures }));
      say(`${passed} passed, ${failures.length} failed`);
      if (failed > 0) reject(new Error(`${failed} in-host tests failed`));
      else resolve();
    });
    runner.on('pass', (t) => {
      passed++;
      say(`✓ ${t.fullTitle()}`);
    });
    runner.on('fail', (t, err) => {
      failures.push(`${t.fullTitle()}: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
      say(`✗ ${t.fullTitle()}: ${(err as Error)?.stack ?? err}`);
    });
  });
}
