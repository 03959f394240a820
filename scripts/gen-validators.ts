// Build step (run by scripts/build.mjs): writes the Ajv standalone source of every served kind/version's two
// validators (quick and detailed, see server/src/engine/schema/registry.ts) to `<out>/<mode>/<version>-<kind>.js`.
// build.mjs then bundles each into dist/validators/, which server/src/node/validators.ts loads at run time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { _ } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { createAjv } from '../server/src/engine/schema/registry';
import type { ValidatorMode } from '../server/src/engine/schema/registry';
import { SCHEMAS } from '../schemas/index';

const [out, formatsModule] = process.argv.slice(2);
if (!out || !formatsModule) throw new Error('usage: gen-validators <out dir> <formats module path>');
const modes: ValidatorMode[] = ['quick', 'detailed'];
let n = 0;
for (const mode of modes) {
  fs.mkdirSync(path.join(out, mode), { recursive: true });
  for (const [key, schema] of Object.entries(SCHEMAS)) {
    const [version, kind] = key.split('/');
    // One Ajv per validator: the module holds this schema's code only.
    const ajv = createAjv(mode === 'detailed', { formats: _`require(${formatsModule}).FORMATS` });
    const validate = ajv.compile(schema as object);
    fs.writeFileSync(path.join(out, mode, `${version}-${kind}.js`), standaloneCode(ajv, validate));
    n++;
  }
}
console.log(`gen-validators: ${n} validators`);
