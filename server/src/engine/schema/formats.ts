// The string/number formats our schemas use, in one module so that validators compiled at build time (Ajv's
// standalone code, see registry.ts useBuiltValidators) refer to the very same definitions as run-time ones.
import { fullFormats } from 'ajv-formats/dist/formats';
import type { Format } from 'ajv';

export const FORMATS: Record<string, Format> = {
  'date-time': fullFormats['date-time'],
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
};
