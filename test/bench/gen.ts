// Deterministic synthetic workspaces for the benchmark: many teams' Mappings, Hosts and annotation-configured
// Services, about 10% of documents carrying a mistake, and some route-group collisions. Same seed, same files.

export interface GenOptions {
  documents: number;
  files: number;
  seed?: number;
}

export interface GenFile {
  uri: string;
  text: string;
  documents: number;
}

/** mulberry32: a tiny, fast, deterministic PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['api', 'shop', 'cart', 'search', 'users', 'orders', 'pay', 'media', 'auth', 'catalog', 'feed', 'admin'];

export function mapping(i: number, r: () => number, hosts: number): string {
  const team = `team-${i % 97}`;
  const word = WORDS[i % WORDS.length];
  // Most prefixes are unique; every 25th reuses a shared prefix so some route groups collide.
  const prefix = i % 25 === 0 ? `/${word}/shared/` : `/${word}/${i}/`;
  const host = `h${Math.floor(r() * hosts)}.example.com`;
  const mistake = i % 10 === 7 ? Math.floor(r() * 3) : -1;
  const lines = [
    'apiVersion: getambassador.io/v3alpha1',
    'kind: Mapping',
    'metadata:',
    `  name: m-${i}`,
    `  namespace: ${team}`,
    '  labels:',
    `    team: ${team}`,
    'spec:',
    `  hostname: ${host}`,
    `  prefix: ${prefix}`,
    `  service: svc-${i}.${team}:8080`,
  ];
  if (mistake === 0) lines.push('  timeout_msx: 3000');
  else if (mistake === 1) lines.push('  timeout_ms: "soon"');
  else if (mistake === 2) lines.push('  headers:', '    x-version: "(?=v2)"', '  regex_headers:', '    x-canary: "(?<=a)b"');
  else lines.push(`  timeout_ms: ${1000 + (i % 9) * 500}`);
  if (i % 5 === 0) lines.push('  rewrite: /', `  weight: ${10 + (i % 3) * 10}`);
  return lines.join('\n');
}

export function host(i: number): string {
  return [
    'apiVersion: getambassador.io/v3alpha1',
    'kind: Host',
    'metadata:',
    `  name: host-${i}`,
    '  namespace: ambassador',
    'spec:',
    `  hostname: h${i}.example.com`,
    '  tlsSecret:',
    `    name: cert-${i}`,
  ].join('\n');
}

export function annotatedService(i: number): string {
  return [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: legacy-${i}`,
    `  namespace: legacy-${i % 13}`,
    '  annotations:',
    '    getambassador.io/config: |',
    '      apiVersion: ambassador/v2',
    '      kind: Mapping',
    `      name: legacy-${i}`,
    `      prefix: /legacy/${i}/`,
    `      service: legacy-${i}:80`,
    'spec:',
    '  ports:',
    '    - port: 80',
  ].join('\n');
}

/** One document by index: mostly Mappings, one Host in 50, one annotation-configured Service in 20. */
export function document(i: number, r: () => number, hosts: number): string {
  if (i % 50 === 0) return host(Math.floor(i / 50) % hosts);
  if (i % 20 === 3) return annotatedService(i);
  return mapping(i, r, hosts);
}

export function generate(opts: GenOptions): GenFile[] {
  const r = rng(opts.seed ?? 42);
  const perFile = Math.max(1, Math.round(opts.documents / opts.files));
  const hosts = Math.max(1, Math.floor(opts.documents / 200));
  const files: GenFile[] = [];
  let i = 0;
  for (let f = 0; f < opts.files && i < opts.documents; f++) {
    const docs: string[] = [];
    const n = f === opts.files - 1 ? opts.documents - i : Math.min(perFile, opts.documents - i);
    for (let k = 0; k < n; k++) docs.push(document(i++, r, hosts));
    files.push({ uri: `file:///bench/team-${f % 97}/routes-${f}.yaml`, text: docs.join('\n---\n') + '\n', documents: n });
  }
  return files;
}
