// Copies the journeys' screenshots that the README shows from test/e2e/out/screenshots to docs/screenshots.
// Run with `npm run screenshots` (it runs the UI journeys first), then look at each picture before committing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const from = path.join(repo, 'test/e2e/out/screenshots');
const to = path.join(repo, 'docs/screenshots');
const shown = ['diagnostics', 'completion', 'hover', 'routes', 'reveal', 'drift', 'diff-editor'];
fs.mkdirSync(to, { recursive: true });
let copied = 0;
for (const name of shown) {
  const src = path.join(from, `${name}.png`);
  if (!fs.existsSync(src)) {
    console.error(`missing ${path.relative(repo, src)}: did its journey pass?`);
    continue;
  }
  fs.copyFileSync(src, path.join(to, `${name}.png`));
  copied++;
}
console.log(`copied ${copied} of ${shown.length} screenshots to docs/screenshots`);
process.exit(copied === shown.length ? 0 : 1);
