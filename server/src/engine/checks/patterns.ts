// EP230: `*` in an exact host; EP231: regexes Envoy's RE2 would reject (syntax, unsupported constructs,
// program size over the Module's regex_max_size).
import type { JsonPath, Resource } from '../model';
import { DEFAULT_REGEX_MAX_SIZE, checkRe2 } from '../re2';
import { moduleConfig, specOf } from '../routes';
import type { CheckContext } from './context';
import { qualifiedName } from './context';
import { NONE, isRecord } from '../model';

export function checkPatterns(ctx: CheckContext): void {
  const maxSize = regexMaxSize(ctx.model.active);
  // Per-resource checks: every definition the modelled Emissary loads (duplicates included).
  for (const r of ctx.model.inScope) {
    if (r.kind !== 'Mapping') continue;
    checkExactHost(ctx, r);
    checkRegexes(ctx, r, maxSize);
  }
}

/** spec.config.regex_max_size of the `ambassador` Module (the flat annotation layout keeps it under spec). */
export function regexMaxSize(active: Resource[]): number {
  const v = moduleConfig(active).regex_max_size;
  return typeof v === 'number' && v > 0 ? v : DEFAULT_REGEX_MAX_SIZE;
}

function checkExactHost(ctx: CheckContext, r: Resource): void {
  const spec = specOf(r);
  const ns = ctx.model.defaultNamespace;
  // `hostname` beats `host`: with a hostname set, Emissary ignores `host` (EP103 says so), so its `*` is harmless.
  const hostIgnored = spec.hostname !== undefined && spec.hostname !== null && spec.hostname !== '';
  if (typeof spec.host === 'string' && spec.host_regex !== true && spec.host.includes('*') && !hostIgnored) {
    ctx.report({
      code: 'EP230',
      message:
        `Mapping ${qualifiedName(r, ns)}: host ${JSON.stringify(spec.host)} is an exact match on the :authority header, so ` +
        '`*` is not a wildcard there and Emissary reports an error. Use hostname (a DNS glob such as *.example.com) instead.',
      subject: r,
      path: ['spec', 'host'],
    });
  }
  if (isRecord(spec.headers)) {
    for (const [name, value] of Object.entries(spec.headers)) {
      if (name.toLowerCase() !== ':authority' || typeof value !== 'string' || !value.includes('*')) continue;
      ctx.report({
        code: 'EP230',
        message:
          `Mapping ${qualifiedName(r, ns)}: headers[":authority"] ${JSON.stringify(value)} is an exact match, so \`*\` is ` +
          'not a wildcard there and Emissary reports an error. Use hostname (a DNS glob) instead.',
        subject: r,
        path: ['spec', 'headers', name],
      });
    }
  }
}

interface RegexField {
  path: JsonPath;
  label: string;
  pattern: string;
}

/** Spec fields that can hold a regex; a Mapping with none of them (most) has nothing to check. */
const REGEX_KEYS = ['prefix_regex', 'host_regex', 'method_regex', 'regex_headers', 'regex_query_parameters', 'regex_rewrite', 'regex_redirect'];

function regexFields(r: Resource): RegexField[] {
  const spec = specOf(r);
  if (!REGEX_KEYS.some((k) => spec[k] !== undefined)) return NONE;
  const out: RegexField[] = [];
  const add = (path: JsonPath, label: string, v: unknown) => {
    if (typeof v === 'string') out.push({ path, label, pattern: v });
  };
  if (spec.prefix_regex === true) add(['spec', 'prefix'], 'prefix (prefix_regex: true)', spec.prefix);
  if (spec.host_regex === true) add(['spec', 'host'], 'host (host_regex: true)', spec.host);
  if (spec.method_regex === true) add(['spec', 'method'], 'method (method_regex: true)', spec.method);
  for (const field of ['regex_headers', 'regex_query_parameters']) {
    const map = spec[field];
    if (!isRecord(map)) continue;
    for (const [name, v] of Object.entries(map)) add(['spec', field, name], `${field}[${JSON.stringify(name)}]`, v);
  }
  for (const field of ['regex_rewrite', 'regex_redirect']) {
    const obj = spec[field];
    if (isRecord(obj)) add(['spec', field, 'pattern'], `${field}.pattern`, obj.pattern);
  }
  return out;
}

function checkRegexes(ctx: CheckContext, r: Resource, maxSize: number): void {
  const ns = ctx.model.defaultNamespace;
  for (const field of regexFields(r)) {
    const problem = checkRe2(field.pattern, maxSize);
    if (!problem) continue;
    const at = problem.offset > 0 || problem.length < field.pattern.length
      ? ` (at ${JSON.stringify(field.pattern.slice(problem.offset, problem.offset + problem.length))}, offset ${problem.offset})`
      : '';
    ctx.report({
      code: 'EP231',
      message:
        `Mapping ${qualifiedName(r, ns)}: the ${field.label} regex ${JSON.stringify(field.pattern)} is rejected by RE2: ` +
        `${problem.message}${at}. Emissary passes it on unchecked and Envoy refuses the whole configuration update, ` +
        'so no change is applied until it is fixed.',
      subject: r,
      path: field.path,
    });
  }
}
