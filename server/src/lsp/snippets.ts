// Snippets that start a resource of each kind with its required fields, plus apiVersion/kind value items.
import {
  CompletionItem,
  CompletionItemKind,
  CompletionItemTag,
  InsertTextFormat,
  MarkupKind,
  Range,
} from 'vscode-languageserver/node';
import { AMBASSADOR_GROUP, AMBASSADOR_KINDS, isRecord, versionsOf } from '../engine/model';
import { DEPRECATED_VERSIONS, JsonObject, LATEST_VERSION, SchemaStore, kindsFor } from './schemaStore';

/** Fields a snippet writes for each kind beyond the schema's required list, with placeholder text. */
const SUGGESTED: Record<string, string[]> = {
  Mapping: ['prefix', 'service'],
  TCPMapping: ['port', 'service'],
  Host: ['hostname'],
  Listener: ['port', 'protocol', 'securityModel', 'hostBinding'],
  TLSContext: ['hosts', 'secret'],
  AuthService: ['auth_service'],
  RateLimitService: ['service'],
  LogService: ['service', 'driver'],
  TracingService: ['service', 'driver'],
  ConsulResolver: ['address', 'datacenter'],
  Module: ['config'],
  DevPortal: [],
  KubernetesServiceResolver: [],
  KubernetesEndpointResolver: [],
};

const PLACEHOLDER: Record<string, string> = {
  prefix: '/api/',
  service: 'my-service:80',
  auth_service: 'auth-service:3000',
  hostname: 'example.com',
  port: '8080',
  secret: 'example-tls',
  address: 'consul-server:8500',
  datacenter: 'dc1',
  hosts: 'example.com',
};

const DEFAULT_NAME: Record<string, string> = { Module: 'ambassador' };

function escapeSnippet(s: string): string {
  return s.replace(/[$}\\]/g, (c) => `\\${c}`);
}

function choice(values: unknown[]): string | undefined {
  const strs = values.filter((v): v is string => typeof v === 'string' && /^[^,|$}\\]+$/.test(v));
  return strs.length ? strs.join(',') : undefined;
}

class Tabstops {
  private n = 1;
  next(): number {
    return this.n++;
  }
}

/** Snippet text for one field at `indent` spaces. */
function fieldSnippet(field: string, schema: JsonObject | undefined, indent: string, tabs: Tabstops): string {
  const types = schema ? (Array.isArray(schema.type) ? schema.type : [schema.type]) : [];
  const enumChoice = schema && Array.isArray(schema.enum) ? choice(schema.enum) : undefined;
  if (enumChoice) return `${indent}${field}: \${${tabs.next()}|${enumChoice}|}`;
  if (field === 'hostBinding') {
    return `${indent}hostBinding:\n${indent}  namespace:\n${indent}    from: \${${tabs.next()}|SELF,ALL|}`;
  }
  if (types.includes('array')) {
    return `${indent}${field}:\n${indent}  - \${${tabs.next()}:${escapeSnippet(PLACEHOLDER[field] ?? 'value')}}`;
  }
  if (types.includes('object') && !types.includes('string')) {
    return `${indent}${field}:\n${indent}  \${${tabs.next()}}`;
  }
  const ph = PLACEHOLDER[field] ?? (types.includes('integer') || types.includes('number') ? '0' : field);
  return `${indent}${field}: \${${tabs.next()}:${escapeSnippet(ph)}}`;
}

function specFields(store: SchemaStore, version: string, kind: string): { name: string; schema?: JsonObject }[] {
  const spec = store.specOf(version, kind);
  const props = spec && isRecord(spec.properties) ? spec.properties : {};
  const required = spec && Array.isArray(spec.required) ? spec.required.map(String) : [];
  const names = [...required];
  for (const f of SUGGESTED[kind] ?? []) if (!names.includes(f) && (props[f] !== undefined || !spec)) names.push(f);
  return names.map((name) => ({ name, schema: isRecord(props[name]) ? props[name] : undefined }));
}

/** "Mapping (v3alpha1)" etc. for an empty document / top-level line. `range` is what the snippet replaces. */
export function kindSnippets(store: SchemaStore, range: Range, layout: 'crd' | 'flat'): CompletionItem[] {
  const items: CompletionItem[] = [];
  AMBASSADOR_KINDS.forEach((kind, i) => {
    const version = LATEST_VERSION;
    if (!versionsOf(kind).includes(version)) return;
    const tabs = new Tabstops();
    const name = `\${${tabs.next()}:${DEFAULT_NAME[kind] ?? kind.toLowerCase() + '-name'}}`;
    const fields = specFields(store, version, kind);
    let text: string;
    if (layout === 'crd') {
      const lines = [`apiVersion: ${AMBASSADOR_GROUP}/${version}`, `kind: ${kind}`, 'metadata:', `  name: ${name}`, 'spec:'];
      if (fields.length) for (const f of fields) lines.push(fieldSnippet(f.name, f.schema, '  ', tabs));
      else lines[lines.length - 1] = `spec: {}`;
      text = lines.join('\n') + '\n$0';
    } else {
      const lines = [`apiVersion: ${AMBASSADOR_GROUP}/${version}`, `kind: ${kind}`, `name: ${name}`];
      for (const f of fields) lines.push(fieldSnippet(f.name, f.schema, '', tabs));
      text = lines.join('\n') + '\n$0';
    }
    const label = layout === 'crd' ? `${kind} (${version})` : `${kind} (${version}, annotation)`;
    const description = store.kindDescription(kind);
    items.push({
      label,
      kind: CompletionItemKind.Snippet,
      detail: `New ${kind} with its required fields`,
      documentation: description ? { kind: MarkupKind.Markdown, value: description } : undefined,
      insertTextFormat: InsertTextFormat.Snippet,
      textEdit: { range, newText: text },
      filterText: kind,
      sortText: `0-${String(i).padStart(2, '0')}`,
    });
  });
  return items;
}

/** Value items for `apiVersion:`; v1 is marked deprecated. */
export function apiVersionItems(values: string[], range: Range): CompletionItem[] {
  return values.map((value, i) => {
    const version = value.slice(value.indexOf('/') + 1);
    const deprecated = DEPRECATED_VERSIONS.has(version);
    const item: CompletionItem = {
      label: value,
      kind: CompletionItemKind.EnumMember,
      detail: deprecated ? 'deprecated: use v3alpha1' : version === LATEST_VERSION ? 'current version' : 'still served',
      textEdit: { range, newText: value },
      sortText: `${deprecated ? 9 : 0}-${String(i).padStart(2, '0')}`,
    };
    if (deprecated) {
      item.tags = [CompletionItemTag.Deprecated];
      item.deprecated = true;
    }
    if (version === LATEST_VERSION && i === 0) item.preselect = true;
    return item;
  });
}

/** Value items for `kind:` valid for the document's version (all 14 when it has none yet). */
export function kindItems(store: SchemaStore, version: string | undefined, range: Range): CompletionItem[] {
  const kinds = version ? kindsFor(version) : [...AMBASSADOR_KINDS];
  return kinds.map((kind) => {
    const description = store.kindDescription(kind);
    return {
      label: kind,
      kind: CompletionItemKind.Class,
      detail: `${AMBASSADOR_GROUP} ${versionsOf(kind).join(', ')}`,
      documentation: description ? { kind: MarkupKind.Markdown, value: description } : undefined,
      textEdit: { range, newText: kind },
    };
  });
}
