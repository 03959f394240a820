// The catalogue of edgepolicy diagnostic codes: name, default severity and explanation of each. One list for
// every side: the checks take their default severities from it, the CLI's SARIF rules and help, and the
// VS Code client's Routes-tree icons and tooltips. Pure data.

import type { Severity } from './model';

export interface RuleInfo {
  code: string;
  /** PascalCase identifier (SARIF reportingDescriptor.name). */
  name: string;
  severity: Severity;
  /** One line: what the rule reports. */
  summary: string;
  /** One line: why it matters or what to do about it. */
  help: string;
}

export const RULES: readonly RuleInfo[] = [
  {
    code: 'EP001',
    name: 'YamlSyntax',
    severity: 'error',
    summary: 'The file (or a getambassador.io/config annotation) is not valid YAML.',
    help: 'Fix the syntax first: Emissary ignores the whole document, and for an annotation every document in it.',
  },
  {
    code: 'EP100',
    name: 'SchemaViolation',
    severity: 'error',
    summary: 'A field is unknown, has the wrong type, is missing though required, or holds a value outside its enum.',
    help: 'Compare the resource with the CRD schema of its kind and version; Emissary rejects resources that do not fit it.',
  },
  {
    code: 'EP101',
    name: 'UnknownKindOrVersion',
    severity: 'error',
    summary: 'The kind or apiVersion is not one Emissary serves in the getambassador.io group.',
    help: 'Check the spelling and case of the kind and use a served version (v3alpha1, v2, or v1 for most kinds).',
  },
  {
    code: 'EP102',
    name: 'DeprecatedVersion',
    severity: 'warning',
    summary: 'The resource uses the deprecated getambassador.io/v1 API.',
    help: 'Move the resource to getambassador.io/v3alpha1.',
  },
  {
    code: 'EP103',
    name: 'DeprecatedField',
    severity: 'warning',
    summary: 'The resource sets a field that its version deprecates (for example `host` on a v3alpha1 Mapping).',
    help: 'Use the replacement field (for a v3alpha1 Mapping: `hostname`).',
  },
  {
    code: 'EP200',
    name: 'AccidentalTrafficSplit',
    severity: 'warning',
    summary: 'Several Mappings match the same requests, so Emissary merges them into one group and splits traffic between them.',
    help: 'Give the Mappings different prefixes, hosts or headers, or set explicit weights if the split is intended.',
  },
  {
    code: 'EP201',
    name: 'WeightOverflow',
    severity: 'error',
    summary: 'A weight is above 100, or the weights of one route group add up to more than 100.',
    help: 'Emissary rejects the whole route group; bring the weights down to a total of at most 100.',
  },
  {
    code: 'EP202',
    name: 'GroupMemberMismatch',
    severity: 'error',
    summary: 'A Mapping joins a route group but disagrees with it on a key every member must share.',
    help: 'Emissary drops this Mapping; align the key (headers, method, prefix flags, load balancer, timeouts, ...) with the group.',
  },
  {
    code: 'EP203',
    name: 'ZeroShareMember',
    severity: 'warning',
    summary: 'An unweighted Mapping gets no traffic because the weighted members already take 100%.',
    help: 'Lower the other weights or give this Mapping a weight of its own.',
  },
  {
    code: 'EP204',
    name: 'NamePrefixShadowing',
    severity: 'warning',
    summary: 'Two Mappings in one namespace and one route group share the name part before the first dot.',
    help: 'Emissary keeps only one of them; rename so the names differ before the first dot.',
  },
  {
    code: 'EP210',
    name: 'DuplicateResource',
    severity: 'error',
    summary: 'The same kind, namespace and name is defined more than once (the three resolver kinds share one name space).',
    help: 'Only one definition takes effect; remove or rename the others.',
  },
  {
    code: 'EP211',
    name: 'DuplicateHostname',
    severity: 'warning',
    summary: 'Two Hosts claim the same hostname.',
    help: 'One silently overrides the other; merge them or give each its own hostname.',
  },
  {
    code: 'EP212',
    name: 'ListenerPortConflict',
    severity: 'error',
    summary: 'Two Listeners bind the same address and port.',
    help: 'Use one Listener per address and port.',
  },
  {
    code: 'EP213',
    name: 'DuplicateSingleton',
    severity: 'error',
    summary: 'A resource Emissary allows only once (such as RateLimitService or TracingService) is defined more than once.',
    help: 'Keep a single definition.',
  },
  {
    code: 'EP220',
    name: 'UnattachedMapping',
    severity: 'warning',
    summary: 'The workspace defines Hosts, but this Mapping attaches to none of them, so it serves no traffic.',
    help: 'Match a Host hostname or its mappingSelector labels, or add a Host for this Mapping.',
  },
  {
    code: 'EP221',
    name: 'UndefinedReference',
    severity: 'info',
    summary: 'The resource refers to a TLSContext, resolver or Secret that the workspace does not define.',
    help: 'Fine if the target lives in the cluster only; otherwise add it or fix the name.',
  },
  {
    code: 'EP230',
    name: 'WildcardInExactHost',
    severity: 'error',
    summary: 'An exact host match (`host` or an `:authority` header) contains `*`.',
    help: 'Use `hostname` for DNS globs, or `host_regex` for a pattern.',
  },
  {
    code: 'EP231',
    name: 'InvalidRegex',
    severity: 'error',
    summary: 'A regex is not accepted by RE2, or its estimated RE2 program size exceeds the Module regex_max_size.',
    help: 'Envoy would reject the whole configuration update; remove lookaround and backreferences, or shorten the regex.',
  },
];

const BY_CODE = new Map(RULES.map((r) => [r.code, r]));

/** The catalogue entry for a code; codes the catalogue does not know get a generic entry. */
export function ruleFor(code: string): RuleInfo {
  return (
    BY_CODE.get(code) ?? {
      code,
      name: 'Other',
      severity: 'warning',
      summary: `Diagnostic ${code}.`,
      help: 'See the message of each finding.',
    }
  );
}

/** Default severity of each code, from the catalogue. */
export const DEFAULT_SEVERITY: Readonly<Record<string, Severity>> = Object.fromEntries(RULES.map((r) => [r.code, r.severity]));

/** The rule's name as words for people: `AccidentalTrafficSplit` → `Accidental traffic split`. */
export function ruleTitle(code: string): string {
  const words = ruleFor(code).name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
