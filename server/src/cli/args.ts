// Thin layer over node:util parseArgs that turns its errors into short usage messages.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseCommandArgs(command: string, argv: string[], options: OptionSpec): Parsed {
  const hint = `run \`edgepolicy ${command} --help\` for usage`;
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    throw new UsageError(describeParseError(err), hint);
  }
}

function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // Either a value was given to a flag, or a value-taking option was last with nothing after it.
      const opt = /--([\w-]+)/.exec(e.message ?? '')?.[0] ?? quoted ?? 'option';
      return /argument missing|ambiguous/i.test(e.message ?? '') ? `option ${opt} needs a value` : `option ${opt} takes no value`;
    }
    default:
      return (e.message ?? String(err)).split('\n')[0]!;
  }
}

/** Checks that an option's value is one of the allowed ones. */
export function oneOf<T extends string>(command: string, option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(
    `invalid value '${String(value)}' for --${option} (expected ${allowed.join(', ')})`,
    `run \`edgepolicy ${command} --help\` for usage`,
  );
}
