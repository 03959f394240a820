// LSP shapes of the engine's navigation symbols (engine/navigate.ts): a symbol kind per Ambassador kind, so the
// outline and the symbol pickers show routes, hosts, TLS and services apart.
import { SymbolKind, type DocumentSymbol, type WorkspaceSymbol } from 'vscode-languageserver/node';
import type { ResourceSymbol, SymbolHit } from '../engine/navigate';

const KINDS: Record<string, SymbolKind> = {
  Mapping: SymbolKind.Method,
  TCPMapping: SymbolKind.Method,
  Host: SymbolKind.Namespace,
  Listener: SymbolKind.Event,
  TLSContext: SymbolKind.Key,
  Module: SymbolKind.Module,
  AuthService: SymbolKind.Interface,
  RateLimitService: SymbolKind.Interface,
  TracingService: SymbolKind.Interface,
  LogService: SymbolKind.Interface,
  ConsulResolver: SymbolKind.Constructor,
  KubernetesEndpointResolver: SymbolKind.Constructor,
  KubernetesServiceResolver: SymbolKind.Constructor,
  DevPortal: SymbolKind.Package,
  // Kubernetes objects that carry a getambassador.io/config annotation.
  Service: SymbolKind.Class,
  Ingress: SymbolKind.Class,
};

export function symbolKindOf(kind: string): SymbolKind {
  return KINDS[kind] ?? SymbolKind.Object;
}

export function toDocumentSymbol(s: ResourceSymbol): DocumentSymbol {
  const out: DocumentSymbol = { name: s.name, detail: s.detail, kind: symbolKindOf(s.kind), range: s.range, selectionRange: s.selectionRange };
  if (s.children) out.children = s.children.map(toDocumentSymbol);
  return out;
}

export function toWorkspaceSymbol(h: SymbolHit): WorkspaceSymbol {
  return { name: h.name, kind: symbolKindOf(h.kind), containerName: h.container, location: { uri: h.location.uri, range: h.location.range } };
}
