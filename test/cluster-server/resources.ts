// The resource types the test cluster serves: core v1 Namespaces, Services, Secrets, networking.k8s.io/v1
// Ingresses and the fourteen getambassador.io kinds with the versions, scope, categories and printer columns
// that Emissary 3.x's CRDs declare.

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  jsonPath: string;
  priority?: number;
  description?: string;
}

export interface ResourceType {
  group: string; // '' for core
  /** Served versions in the API server's preference order (the first one is preferred). */
  versions: string[];
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Whether a /status subresource exists (status is then ignored on the main resource). */
  statusSubresource: boolean;
  /** Custom resources: PUT without metadata.resourceVersion is rejected, strategic merge is emulated. */
  custom: boolean;
  columns?: PrinterColumn[];
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export const AMBASSADOR_GROUP = 'getambassador.io';

const mappingColumns: PrinterColumn[] = [
  { name: 'Source Host', type: 'string', jsonPath: '.spec.host' },
  { name: 'Source Prefix', type: 'string', jsonPath: '.spec.prefix' },
  { name: 'Dest Service', type: 'string', jsonPath: '.spec.service' },
  { name: 'State', type: 'string', jsonPath: '.status.state' },
  { name: 'Reason', type: 'string', jsonPath: '.status.reason' },
];
const hostColumns: PrinterColumn[] = [
  { name: 'Hostname', type: 'string', jsonPath: '.spec.hostname' },
  { name: 'State', type: 'string', jsonPath: '.status.state' },
  { name: 'Phase Completed', type: 'string', jsonPath: '.status.phaseCompleted' },
  { name: 'Phase Pending', type: 'string', jsonPath: '.status.phasePending' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
const listenerColumns: PrinterColumn[] = [
  { name: 'Port', type: 'integer', jsonPath: '.spec.port' },
  { name: 'Protocol', type: 'string', jsonPath: '.spec.protocol' },
  { name: 'Stack', type: 'string', jsonPath: '.spec.protocolStack' },
  { name: 'StatsPrefix', type: 'string', jsonPath: '.spec.statsPrefix' },
  { name: 'Security', type: 'string', jsonPath: '.spec.securityModel' },
  { name: 'L7Depth', type: 'integer', jsonPath: '.spec.l7Depth' },
];

function amb(kind: string, opts: { versions?: string[]; status?: boolean; columns?: PrinterColumn[] } = {}): ResourceType {
  const singular = kind.toLowerCase();
  return {
    group: AMBASSADOR_GROUP,
    // Kubernetes orders versions GA (highest major first), then beta, then alpha: v2, v1, v3alpha1.
    versions: opts.versions ?? ['v2', 'v1', 'v3alpha1'],
    kind,
    plural: `${singular}s`,
    singular,
    namespaced: true,
    shortNames: [],
    categories: ['ambassador-crds'],
    statusSubresource: opts.status ?? false,
    custom: true,
    columns: opts.columns,
  };
}

export const RESOURCE_TYPES: ResourceType[] = [
  {
    group: '',
    versions: ['v1'],
    kind: 'Namespace',
    plural: 'namespaces',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    categories: [],
    statusSubresource: true,
    custom: false,
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    statusSubresource: true,
    custom: false,
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'Secret',
    plural: 'secrets',
    singular: 'secret',
    namespaced: true,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    custom: false,
  },
  {
    group: 'networking.k8s.io',
    versions: ['v1'],
    kind: 'Ingress',
    plural: 'ingresses',
    singular: 'ingress',
    namespaced: true,
    shortNames: ['ing'],
    categories: ['all'],
    statusSubresource: true,
    custom: false,
  },
  amb('AuthService'),
  amb('ConsulResolver'),
  amb('DevPortal'),
  amb('Host', { versions: ['v2', 'v3alpha1'], status: true, columns: hostColumns }),
  amb('KubernetesEndpointResolver'),
  amb('KubernetesServiceResolver'),
  amb('Listener', { versions: ['v3alpha1'], columns: listenerColumns }),
  amb('LogService'),
  amb('Mapping', { status: true, columns: mappingColumns }),
  amb('Module'),
  amb('RateLimitService'),
  amb('TCPMapping'),
  amb('TLSContext'),
  amb('TracingService'),
];

export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function typeKey(t: ResourceType): string {
  return `${t.group}/${t.plural}`;
}

/** `mappings.getambassador.io` or `services`, as API server messages name a resource. */
export function qualifiedName(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}
