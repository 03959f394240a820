// Conflicts between definitions: EP210 duplicate kind/namespace/name, EP211 Hosts sharing a hostname,
// EP212 Listeners on one port, EP213 singletons defined more than once.
import type { Resource } from '../model';
import { compareStrings, groupBy, ofKind, RESOLVER_KINDS, resolveDuplicates, sortKey, specOf } from '../routes';
import type { CheckContext } from './context';
import { MAX_RELATED, describe, joinSome, othersOf, qualifiedName, relatedAt, whereDefined } from './context';

export function checkConflicts(ctx: CheckContext): void {
  checkDuplicateNames(ctx);
  checkHostnames(ctx);
  checkListeners(ctx);
  checkSingletons(ctx);
}

function byProcessingOrder(ctx: CheckContext) {
  const ns = ctx.model.defaultNamespace;
  return (a: Resource, b: Resource) => compareStrings(sortKey(a.name, a.namespace ?? ns), sortKey(b.name, b.namespace ?? ns));
}

/** `teams/b/routes.yaml (line 12)` / `the getambassador.io/config annotation of Service x in b.yaml (line 12)` */
function placeOf(ctx: CheckContext, r: Resource): string {
  const line = r.locate(['metadata', 'name'], 'value').start.line + 1;
  return `${whereDefined(r, ctx.names)} (line ${line})`;
}

function checkDuplicateNames(ctx: CheckContext): void {
  const ns = ctx.model.defaultNamespace;
  const sets = ctx.model.duplicates ?? resolveDuplicates(ctx.model.inScope, ns).duplicates;
  for (const defs of sets) {
    const kinds = [...new Set(defs.map((r) => r.kind))];
    for (const r of defs) {
      const others = othersOf(defs, r);
      const what = RESOLVER_KINDS.includes(r.kind) && kinds.length > 1
        ? `The resolver name ${qualifiedName(r, ns)} is used by ${joinSome(defs, (d) => `${d.kind} in ${placeOf(ctx, d)}`)}; ` +
          'the three resolver kinds share one name space'
        : `${r.kind} ${qualifiedName(r, ns)} is defined ${defs.length} times: here and in ${joinSome(others, (o) => placeOf(ctx, o))}`;
      ctx.report({
        code: 'EP210',
        message: `${what}. Emissary reports an error and keeps only one of the definitions; give each a unique name.`,
        subject: r,
        path: ['metadata', 'name'],
        related: others.slice(0, MAX_RELATED).map((o) => relatedAt(o, ['metadata', 'name'], `${describe(o, ctx.names)} has the same name`)),
      });
    }
  }
}

function checkHostnames(ctx: CheckContext): void {
  const ns = ctx.model.defaultNamespace;
  const sets = groupBy(ctx.model.hosts, (h) => h.hostname.toLowerCase());
  for (const hosts of sets.values()) {
    if (hosts.length < 2) continue;
    for (const h of hosts) {
      const others = othersOf(hosts, h);
      ctx.report({
        code: 'EP211',
        message:
          `Host ${qualifiedName(h.resource, ns)} has the same hostname ${h.hostname} as ${joinSome(others, (o) => describe(o.resource, ctx.names))}. ` +
          'Emissary does not report this, but for cleartext requests the later Host silently overrides the earlier ' +
          "one's settings, and for TLS, if the Hosts use different TLSContexts or certificates, one of them is discarded. " +
          'Merge them into one Host or give them different hostnames.',
        subject: h.resource,
        path: ['spec', 'hostname'],
        related: others.slice(0, MAX_RELATED).map((o) => relatedAt(o.resource, ['spec', 'hostname'], `${describe(o.resource, ctx.names)}: hostname ${o.hostname}`)),
      });
    }
  }
}

function socketProtocol(r: Resource): 'TCP' | 'UDP' {
  const spec = specOf(r);
  const stack = Array.isArray(spec.protocolStack) ? spec.protocolStack : [];
  return spec.protocol === 'UDP' || stack.includes('UDP') ? 'UDP' : 'TCP';
}

function checkListeners(ctx: CheckContext): void {
  const ns = ctx.model.defaultNamespace;
  const listeners = ofKind(ctx.model.active, 'Listener')
    .filter((r) => typeof specOf(r).port === 'number')
    .sort(byProcessingOrder(ctx));
  const sets = groupBy(listeners, (r) => `${socketProtocol(r)}:${specOf(r).port}`);
  for (const list of sets.values()) {
    if (list.length < 2) continue;
    const port = specOf(list[0]).port;
    const proto = socketProtocol(list[0]);
    list.forEach((r, i) => {
      const others = othersOf(list, r);
      const kept = i === 0 ? 'this one is kept' : `Emissary keeps ${describe(list[0], ctx.names)}`;
      ctx.report({
        code: 'EP212',
        message:
          `Listener ${qualifiedName(r, ns)} listens on ${proto.toLowerCase()} port ${port}, like ${joinSome(others, (o) => describe(o, ctx.names))}. ` +
          `Emissary reports a duplicate listener and uses only one of them (${kept}); the others' settings are ignored.`,
        subject: r,
        path: ['spec', 'port'],
        related: others.slice(0, MAX_RELATED).map((o) => relatedAt(o, ['spec', 'port'], `${describe(o, ctx.names)} uses the same port`)),
      });
    });
  }
}

function checkSingletons(ctx: CheckContext): void {
  const ns = ctx.model.defaultNamespace;
  for (const kind of ['RateLimitService', 'TracingService']) {
    const list = ofKind(ctx.model.active, kind).slice().sort(byProcessingOrder(ctx));
    if (list.length < 2) continue;
    for (const r of list) {
      const others = othersOf(list, r);
      ctx.report({
        code: 'EP213',
        message:
          `Emissary supports only one ${kind}, but ${list.length} are defined: ${qualifiedName(r, ns)} and ` +
          `${joinSome(others, (o) => describe(o, ctx.names))}. Only one of them takes effect; remove the others.`,
        subject: r,
        path: ['metadata', 'name'],
        related: others.slice(0, MAX_RELATED).map((o) => relatedAt(o, ['metadata', 'name'], `${describe(o, ctx.names)} is another ${kind}`)),
      });
    }
  }

  // AuthServices are merged into one external-auth filter; these settings cannot differ between them.
  const auths = ofKind(ctx.model.active, 'AuthService').slice().sort(byProcessingOrder(ctx));
  for (const key of ['path_prefix', 'timeout_ms', 'allow_request_body', 'proto']) {
    let first: Resource | undefined;
    for (const r of auths) {
      const value = specOf(r)[key];
      if (!value) continue; // unset, empty, false and 0 do not count (Emissary skips falsy values)
      if (!first) {
        first = r;
        continue;
      }
      const firstValue = specOf(first)[key];
      if (JSON.stringify(firstValue) === JSON.stringify(value)) continue;
      ctx.report({
        code: 'EP213',
        severity: 'warning',
        message:
          `AuthService ${qualifiedName(r, ns)} sets ${key} to ${JSON.stringify(value)}, but ${describe(first, ctx.names)} sets ` +
          `${JSON.stringify(firstValue)}. Emissary combines all AuthServices into one external-auth filter, cannot ` +
          `support two ${key} values and keeps ${JSON.stringify(firstValue)}.`,
        subject: r,
        path: ['spec', key],
        related: [relatedAt(first, ['spec', key], `${describe(first, ctx.names)}: ${key} ${JSON.stringify(firstValue)}`)],
      });
    }
  }

  // The `ambassador` Module configures the whole installation: one definition only.
  const modules = ofKind(ctx.model.active, 'Module').filter((r) => r.name === 'ambassador').sort(byProcessingOrder(ctx));
  if (modules.length > 1) {
    for (const r of modules) {
      const others = othersOf(modules, r);
      ctx.report({
        code: 'EP213',
        severity: 'warning',
        message:
          `Module ambassador is defined in more than one namespace: ${qualifiedName(r, ns)} and ` +
          `${joinSome(others, (o) => describe(o, ctx.names))}. It configures the whole installation and only one definition takes effect.`,
        subject: r,
        path: ['metadata', 'name'],
        related: others.slice(0, MAX_RELATED).map((o) => relatedAt(o, ['metadata', 'name'], `${describe(o, ctx.names)} is another ambassador Module`)),
      });
    }
  }
}
