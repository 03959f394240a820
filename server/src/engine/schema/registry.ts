// The bundled JSON Schemas and their compiled Ajv validators. No file I/O: the schemas come in through the static
// imports of schemas/index.ts (generated), so esbuild embeds them.

import Ajv from 'ajv';
import type { Code, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { FORMATS } from './formats';
import { SCHEMAS } from '../../../../schemas/index';

/** A JSON Schema node as we generate them (draft-07 plus editor annotations). */
export interface SchemaNode {
  type?: string | string[];
  description?: string;
  markdownDescription?: string;
  enum?: unknown[];
  const?: unknown;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  doNotSuggest?: boolean;
  deprecated?: boolean;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  [k: string]: unknown;
}

/** Keywords our schemas carry for editors; Ajv must know them to stay in strict mode. */
export const ANNOTATION_KEYWORDS = ['markdownDescription', 'doNotSuggest', 'deprecationMessage'];

/**
 * `detailed` (the default): every error, with the failing data (what the diagnostics explain). Otherwise the
 * validator stops at the first error: the same valid/invalid answer, several times faster on valid documents.
 */
export function createAjv(detailed = true, standalone?: { formats: Code }): Ajv {
  const ajv = new Ajv({
    allErrors: detailed,
    verbose: detailed,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    validateSchema: false,
    // Build time (scripts/gen-validators.ts): keep the generated source, formats taken from ./formats.
    ...(standalone ? { code: { source: true, formats: standalone.formats } } : {}),
  });
  addFormats(ajv);
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['string', 'boolean'] });
  for (const [name, format] of Object.entries(FORMATS)) ajv.addFormat(name, format);
  return ajv;
}

/** The JSON Schema for a kind at a version (e.g. 'Mapping', 'v3alpha1'), or undefined when not served. */
export function schemaFor(kind: string, version: string): SchemaNode | undefined {
  return SCHEMAS[`${version}/${kind}`] as SchemaNode | undefined;
}

interface ValidatorSet {
  ajv: Ajv | undefined;
  detailed: boolean;
  /** By kind, then version: no key string to build for each resource checked. Only served kinds/versions. */
  cache: Map<string, Map<string, ValidateFunction>>;
}
const detailedValidators: ValidatorSet = { ajv: undefined, detailed: true, cache: new Map() };
const quickValidators: ValidatorSet = { ajv: undefined, detailed: false, cache: new Map() };

/** Which of the two validators of a kind/version (see validatorFor and quickValidatorFor). */
export type ValidatorMode = 'detailed' | 'quick';
/** Gives a validator compiled ahead of time (from the same schemas and options as createAjv), or undefined. */
export type BuiltValidators = (mode: ValidatorMode, kind: string, version: string) => ValidateFunction | undefined;
let built: BuiltValidators | undefined;

/**
 * Validators compiled at build time (Ajv's standalone code; `scripts/build.mjs` writes them beside the bundles):
 * compiling the Mapping validators at run time costs ~100 ms per process, a third of a small CLI run. The engine
 * does no I/O, so whoever can load them installs a loader here (server/src/node/validators.ts); without one, or
 * when it has no validator for a kind/version, the schema is compiled on first use as before.
 */
export function useBuiltValidators(load: BuiltValidators | undefined): void {
  built = load;
  detailedValidators.cache.clear();
  quickValidators.cache.clear();
}

function compiled(set: ValidatorSet, kind: string, version: string): ValidateFunction | undefined {
  const hit = set.cache.get(kind)?.get(version);
  if (hit) return hit;
  const schema = schemaFor(kind, version);
  if (!schema) return undefined;
  let fn = built?.(set.detailed ? 'detailed' : 'quick', kind, version);
  if (!fn) {
    set.ajv ??= createAjv(set.detailed);
    fn = set.ajv.compile(schema);
  }
  let byVersion = set.cache.get(kind);
  if (!byVersion) set.cache.set(kind, (byVersion = new Map()));
  byVersion.set(version, fn);
  return fn;
}

/** Compiled validator reporting every error for a kind/version, compiled on first use and cached. */
export function validatorFor(kind: string, version: string): ValidateFunction | undefined {
  return compiled(detailedValidators, kind, version);
}

/**
 * Validator that only answers valid or not (stops at the first error), for a kind/version. Most documents are
 * valid: checking them with this one and running validatorFor's only on failure saves most of the schema time.
 */
export function quickValidatorFor(kind: string, version: string): ValidateFunction | undefined {
  return compiled(quickValidators, kind, version);
}
