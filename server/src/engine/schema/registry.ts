// The bundled JSON Schemas and their compiled Ajv validators. No file I/O: the schemas come in through the static
// imports of schemas/index.ts (generated), so esbuild embeds them.

import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
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
export function createAjv(detailed = true): Ajv {
  const ajv = new Ajv({
    allErrors: detailed,
    verbose: detailed,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    validateSchema: false,
  });
  addFormats(ajv);
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['string', 'boolean'] });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  return ajv;
}

/** The JSON Schema for a kind at a version (e.g. 'Mapping', 'v3alpha1'), or undefined when not served. */
export function schemaFor(kind: string, version: string): SchemaNode | undefined {
  return SCHEMAS[`${version}/${kind}`] as SchemaNode | undefined;
}

const detailedValidators = { ajv: undefined as Ajv | undefined, detailed: true, cache: new Map<string, ValidateFunction>() };
const quickValidators = { ajv: undefined as Ajv | undefined, detailed: false, cache: new Map<string, ValidateFunction>() };

function compiled(set: typeof detailedValidators, kind: string, version: string): ValidateFunction | undefined {
  const key = `${version}/${kind}`;
  const hit = set.cache.get(key);
  if (hit) return hit;
  const schema = schemaFor(kind, version);
  if (!schema) return undefined;
  set.ajv ??= createAjv(set.detailed);
  const fn = set.ajv.compile(schema);
  set.cache.set(key, fn);
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
