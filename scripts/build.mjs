// Bundles every entry point with esbuild into dist/ (CommonJS, Node 20).
// yaml-language-server 2.x ships ESM only: --main-fields=module,main lets esbuild take it in,
// and prettier (used only for formatting, which we do not offer) is replaced by a stub.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const watch = process.argv.includes('--watch');
const entries = {
  client: 'client/src/extension.ts',
  server: 'server/src/lsp/main.ts',
  cli: 'server/src/cli/main.ts',
  'test-cluster': 'test/cluster-server/main.ts',
  bench: 'test/bench/main.ts',
  fuzz: 'test/fuzz/main.ts',
  'e2e-suite': 'test/e2e/suite/index.ts',
};
const entryPoints = Object.fromEntries(
  Object.entries(entries).filter(([, p]) => existsSync(path.join(root, p))).map(([k, p]) => [k, path.join(root, p)]),
);
const ctx = {
  entryPoints,
  outdir: path.join(root, 'dist'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  mainFields: ['module', 'main'],
  external: ['vscode', 'mocha'],
  alias: { prettier: path.join(root, 'server/src/lsp/prettier-stub.ts') },
  logLevel: 'warning',
  legalComments: 'none',
};
await build(ctx);

// Validators compiled ahead of time (server/src/engine/schema/registry.ts useBuiltValidators): Ajv's standalone
// source of each kind/version's two validators, each bundled with the Ajv run-time helpers it requires, into
// dist/validators/<mode>/<version>-<kind>.js. server/src/node/validators.ts loads them beside the bundles.
const work = path.join(root, 'dist', '.validators-src');
const outDir = path.join(root, 'dist', 'validators');
rmSync(work, { recursive: true, force: true });
rmSync(outDir, { recursive: true, force: true });
await build({ ...ctx, entryPoints: [path.join(root, 'scripts/gen-validators.ts')], outdir: undefined, outfile: path.join(work, 'gen.js'), sourcemap: false });
execFileSync(process.execPath, [path.join(work, 'gen.js'), path.join(work, 'out'), path.join(root, 'server/src/engine/schema/formats.ts')], { stdio: 'inherit' });
const sources = readdirSync(path.join(work, 'out'), { recursive: true })
  .filter((f) => String(f).endsWith('.js'))
  .map((f) => path.join(work, 'out', String(f)));
await build({
  entryPoints: sources,
  outbase: path.join(work, 'out'),
  outdir: outDir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  logLevel: 'warning',
  legalComments: 'none',
});
rmSync(work, { recursive: true, force: true });
if (watch) console.log('watch mode is not supported; rerun npm run build');
