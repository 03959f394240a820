// Packages the extension with vsce into a .vsix: `npm run package` (node scripts/lib/vsce.mjs dist/edgepolicy.vsix),
// `npm start` (scripts/demo.mjs) and the VSIX test use this one set of arguments. The bundles must be built first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Bundles only (no node_modules), the README's links as written, no prompts about a repository or a license.
const ARGS = ['package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '--skip-license'];

/** Writes the VSIX to `out`; vsce's own messages go to `stdio` (default: its errors only). */
export function packageVsix(out, stdio = ['ignore', 'ignore', 'inherit']) {
  execFileSync(process.execPath, [path.join(repo, 'node_modules/@vscode/vsce/vsce'), ...ARGS, '-o', out], { cwd: repo, stdio });
}

// Run as a script (argv[1] is the path as typed, resolved; the module URL is the real path: compare real paths).
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node scripts/lib/vsce.mjs <out.vsix>\n');
    process.exit(2);
  }
  packageVsix(path.resolve(out), 'inherit');
}
