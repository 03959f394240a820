// Loads the validators compiled at build time (dist/validators/<mode>/<version>-<kind>.js, written by
// scripts/build.mjs) into the engine's registry. Run from sources (tests), there are none and the engine compiles
// the schemas on first use, as it does for any kind/version without a file here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { useBuiltValidators } from '../engine/schema/registry';

/** Installs the built validators of `dir` (default: `validators` beside the running bundle). True when found. */
export function installBuiltValidators(dir = path.join(__dirname, 'validators')): boolean {
  if (!fs.existsSync(path.join(dir, 'quick'))) return false;
  useBuiltValidators((mode, kind, version) => {
    const file = path.join(dir, mode, `${version}-${kind}.js`);
    try {
      // A plain run-time require: these files are not part of the bundle.
      return require(file) as ValidateFunction;
    } catch {
      return undefined; // missing or unreadable: the schema is compiled instead
    }
  });
  return true;
}
