// Bundles every entry point with esbuild into dist/ (CommonJS, Node 20).
// yaml-language-server 2.x ships ESM only: --main-fields=module,main lets esbuild take it in,
// and prettier (used only for formatting, which we do not offer) is replaced by a stub.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
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
if (watch) console.log('watch mode is not supported; rerun npm run build');
