// The seeded fuzz run that is part of `npm test`: 2,000 mutated inputs through the engine and the built
// language server (dist/, built by `npm test` before mocha). Long runs: `npm run fuzz -- --cases 100000`.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

describe('fuzz (seeded)', function () {
  this.timeout(600000);
  it('2,000 mutated inputs: no exception, hang or runaway memory in the engine or the language server', () => {
    const repo = path.resolve(__dirname, '..', '..');
    const r = spawnSync(process.execPath, [path.join(repo, 'dist', 'fuzz.js'), '--cases', '2000', '--seed', '20261125'], {
      encoding: 'utf8',
      timeout: 590000,
    });
    assert.strictEqual(r.status, 0, `fuzzer failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^2000 passed, 0 failed$/m);
  });
});
