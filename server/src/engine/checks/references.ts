// EP221: references to a TLSContext, resolver or Secret that the workspace does not define.
import type { JsonPath, Resource } from '../model';
import { RESOLVER_KINDS, ofKind, specOf } from '../routes';
import type { CheckContext, CheckOptions } from './context';
import { describe } from './context';
import { isRecord } from '../model';
import { suggest } from '../schema/suggest';

/** Resolvers Emissary creates by itself when they are not defined (ir/irserviceresolver.py). */
const BUILTIN_RESOLVERS = ['kubernetes-service', 'kubernetes-endpoint', 'endpoint', 'consul', 'consul-endpoint'];

export interface Reference {
  from: Resource;
  path: JsonPath;
  /** `TLSContext`, `resolver` or `Secret`. */
  target: 'TLSContext' | 'resolver' | 'Secret';
  name: string;
  /** For Secrets: the namespace the name resolves in. */
  namespace?: string;
  /** How the field is called, for the message: `tls`, `tlsSecret.name`, ... */
  field: string;
}

/** The names references resolve against. Depends only on the provider kinds (TLSContexts, Hosts, resolvers) and the options. */
export interface KnownNames {
  tlsContexts: Set<string>;
  resolvers: Set<string>;
  /** `namespace/name` */
  secrets: Set<string>;
}

/** EP221 over every active resource of the model. */
export function checkReferences(ctx: CheckContext): void {
  checkReferencesOf(ctx, ctx.model.active, knownNames(ctx.model.active, ctx.opts, ctx.model.defaultNamespace));
}

/** The TLSContext a Host with a tlsSecret brings with it, `<host>-context` (undefined for anything else). */
export function implicitTlsContext(r: Resource): string | undefined {
  return r.kind === 'Host' && isRecord(specOf(r).tlsSecret) ? `${r.name}-context` : undefined;
}

/**
 * The names `r` defines for references to `target`: a TLSContext its name, a Host its implicit TLSContext, a
 * resolver its name (Secrets are not resources; see secretCandidates).
 */
export function definedNames(r: Resource, target: Reference['target']): string[] {
  if (target === 'TLSContext') {
    if (r.kind === 'TLSContext') return [r.name];
    const implicit = implicitTlsContext(r);
    return implicit ? [implicit] : [];
  }
  return target === 'resolver' && RESOLVER_KINDS.includes(r.kind) ? [r.name] : [];
}

/**
 * The names under which the target of `ref` may be defined: the `namespace/name` forms of a Secret
 * (secretCandidates), a TLSContext's name with and without a `.namespace` suffix, a resolver's name.
 */
export function referencedNames(ref: Reference): string[] {
  if (ref.target === 'Secret') return secretCandidates(ref);
  if (ref.target === 'TLSContext' && ref.name.includes('.')) return [ref.name, ref.name.split('.')[0]];
  return [ref.name];
}

/** The names defined by `active` (the active resources, by kind) and the Secrets of the options. */
export function knownNames(active: readonly Resource[], opts: CheckOptions, defaultNamespace: string): KnownNames {
  const tlsContexts = new Set<string>();
  for (const kind of ['TLSContext', 'Host']) for (const r of ofKind(active, kind)) for (const n of definedNames(r, 'TLSContext')) tlsContexts.add(n);
  const resolvers = new Set(BUILTIN_RESOLVERS);
  for (const kind of RESOLVER_KINDS) for (const r of ofKind(active, kind)) resolvers.add(r.name);
  const secrets = new Set((opts.secrets ?? []).map((s) => `${s.namespace ?? defaultNamespace}/${s.name}`));
  return { tlsContexts, resolvers, secrets };
}

/** EP221 for the references made by `subjects` (active resources), resolved against `known`. */
export function checkReferencesOf(ctx: CheckContext, subjects: Iterable<Resource>, known: KnownNames): void {
  for (const ref of collectReferences(subjects, ctx.model.defaultNamespace)) {
    if (ref.target === 'Secret') {
      const candidates = referencedNames(ref);
      if (candidates.some((c) => known.secrets.has(c))) continue;
      ctx.report({
        code: 'EP221',
        severitySetting: ctx.opts.secretReferenceSeverity ?? ctx.opts.severity?.EP221,
        message:
          `${describe(ref.from, ctx.names)} refers to Secret ${candidates[0]} (${ref.field}), which is not defined in the workspace; ` +
          'it may exist only in the cluster. If it does not, Emissary cannot load the certificate and the resource does not work.',
        subject: ref.from,
        path: ref.path,
      });
      continue;
    }
    const names = ref.target === 'TLSContext' ? known.tlsContexts : known.resolvers;
    if (referencedNames(ref).some((n) => names.has(n))) continue;
    const hint = suggest(ref.name, names, 1);
    const consequence =
      ref.target === 'TLSContext'
        ? 'Emissary reports the missing TLSContext and the referring resource does not get the TLS settings it asks for.'
        : 'Emissary reports an unknown resolver and cannot resolve the service.';
    ctx.report({
      code: 'EP221',
      message:
        `${describe(ref.from, ctx.names)} refers to ${ref.target} ${ref.name} (${ref.field}), which is not defined in the workspace.` +
        `${hint ? ` Did you mean ${hint}?` : ''} ${consequence}`,
      subject: ref.from,
      path: ref.path,
    });
  }
}

const TLS_PATH: JsonPath = ['spec', 'tls'];
const RESOLVER_PATH: JsonPath = ['spec', 'resolver'];

/** The references `subjects` make to TLSContexts, resolvers and Secrets, each with the path of its field. */
export function collectReferences(subjects: Iterable<Resource>, ns: string): Reference[] {
  const refs: Reference[] = [];
  const add = (from: Resource, path: JsonPath, target: Reference['target'], name: unknown, field: string, namespace?: string) => {
    if (typeof name !== 'string' || name === '') return;
    refs.push({ from, path, target, name, field, namespace });
  };
  for (const r of subjects) {
    const spec = specOf(r);
    const rns = r.namespace ?? ns;
    switch (r.kind) {
      case 'Mapping':
      case 'TCPMapping':
      case 'AuthService':
        // Most Mappings name neither: no path is built for them.
        if (spec.tls !== undefined) add(r, TLS_PATH, 'TLSContext', spec.tls, 'tls');
        if (r.kind !== 'AuthService' && spec.resolver !== undefined) add(r, RESOLVER_PATH, 'resolver', spec.resolver, 'resolver');
        break;
      case 'Host': {
        if (isRecord(spec.tlsContext)) add(r, ['spec', 'tlsContext', 'name'], 'TLSContext', spec.tlsContext.name, 'tlsContext.name');
        if (isRecord(spec.tlsSecret)) add(r, ['spec', 'tlsSecret', 'name'], 'Secret', spec.tlsSecret.name, 'tlsSecret.name', rns);
        const acme = spec.acmeProvider;
        if (isRecord(acme) && isRecord(acme.privateKeySecret)) {
          add(r, ['spec', 'acmeProvider', 'privateKeySecret', 'name'], 'Secret', acme.privateKeySecret.name, 'acmeProvider.privateKeySecret.name', rns);
        }
        break;
      }
      case 'TLSContext':
        for (const field of ['secret', 'ca_secret', 'crl_secret']) {
          add(r, ['spec', field], 'Secret', spec[field], field, rns);
        }
        break;
      case 'Module':
        if (r.name === 'ambassador' && isRecord(spec.config)) add(r, ['spec', 'config', 'resolver'], 'resolver', spec.config.resolver, 'config.resolver');
        break;
      default:
        break;
    }
  }
  // TLSContext secrets may be written `name.namespace` unless secret_namespacing is false.
  for (const ref of refs) {
    if (ref.target === 'Secret' && ref.from.kind === 'TLSContext' && specOf(ref.from).secret_namespacing !== false && ref.name.includes('.')) {
      const dot = ref.name.indexOf('.');
      ref.namespace = ref.name.slice(dot + 1);
      ref.name = ref.name.slice(0, dot);
    }
  }
  return refs;
}

/** `namespace/name` forms under which the Secret could exist (the first is the one Emissary looks up). */
function secretCandidates(ref: Reference): string[] {
  const out = [`${ref.namespace}/${ref.name}`];
  if (ref.from.kind === 'Host' && ref.name.includes('.')) {
    const dot = ref.name.indexOf('.');
    out.push(`${ref.name.slice(dot + 1)}/${ref.name.slice(0, dot)}`);
  }
  return out;
}
