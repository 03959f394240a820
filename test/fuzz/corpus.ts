// The fuzz corpus: every YAML file of the project's fixtures and examples, and Emissary's reference manifests
// when the shared folder sits beside the repository.
import * as fs from 'fs';
import * as path from 'path';

function walk(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') walk(p, out);
    else if (e.isFile() && /\.ya?ml$/.test(e.name) && fs.statSync(p).size < 512 * 1024) out.push(p);
  }
}

export function loadCorpus(repo: string): string[] {
  const files: string[] = [];
  for (const d of [path.join(repo, 'test', 'fixtures'), path.join(repo, 'examples'), path.join(repo, '..', 'shared', 'reference')]) walk(d, files);
  files.sort();
  const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
  if (texts.length === 0) throw new Error('fuzz corpus is empty: no YAML files under test/fixtures or examples');
  return texts;
}
