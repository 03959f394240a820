// Property test: a Workspace updated edit by edit (incremental parse, cached schema findings, incremental
// cross-resource analysis) gives exactly what a from-scratch analysis gives for the same files, and its change
// sets name every file whose findings changed. Workspaces come from the benchmark generator plus the kinds it
// does not write (TCPMappings, Listeners, resolvers, TLSContexts, Modules, Secrets, AuthServices).
import assert from 'node:assert/strict';
import { Workspace } from '../../server/src/engine/workspace';
import { analyzeResources } from '../../server/src/engine/checks';
import { parseFile, parseFileIncremental } from '../../server/src/engine/parse';
import { generate, mapping, host, rng } from '../bench/gen';

type Files = Map<string, string[]>;

const SEP = '\n---\n';

function textOf(docs: string[]): string {
  return docs.join(SEP) + '\n';
}

function extraDocument(i: number, r: () => number): string {
  const pick = Math.floor(r() * 9);
  const ns = `team-${i % 3}`;
  switch (pick) {
    case 0:
      return `apiVersion: getambassador.io/v3alpha1\nkind: TCPMapping\nmetadata:\n  name: tcp-${i % 5}\n  namespace: ${ns}\nspec:\n  port: ${9000 + (i % 3)}\n  service: tcp-${i}:80${r() < 0.3 ? '\n  weight: 60' : ''}`;
    case 1:
      return `apiVersion: getambassador.io/v3alpha1\nkind: Listener\nmetadata:\n  name: l-${i % 4}\n  namespace: ${ns}\nspec:\n  port: ${8080 + (i % 2)}\n  protocol: HTTP\n  securityModel: XFP\n  hostBinding:\n    namespace:\n      from: ALL`;
    case 2:
      return `apiVersion: getambassador.io/v3alpha1\nkind: TLSContext\nmetadata:\n  name: tls-${i % 3}\n  namespace: ${ns}\nspec:\n  hosts: ["h${i % 4}.example.com"]\n  secret: cert-${i % 4}`;
    case 3:
      return `apiVersion: getambassador.io/v3alpha1\nkind: KubernetesEndpointResolver\nmetadata:\n  name: res-${i % 3}\n  namespace: ${ns}`;
    case 4:
      return `apiVersion: getambassador.io/v3alpha1\nkind: Module\nmetadata:\n  name: ambassador\n  namespace: ${ns}\nspec:\n  config:\n    regex_max_size: ${r() < 0.5 ? 20 : 200}`;
    case 5:
      return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: cert-${i % 4}\n  namespace: ambassador\ntype: kubernetes.io/tls`;
    case 6:
      return `apiVersion: getambassador.io/v3alpha1\nkind: AuthService\nmetadata:\n  name: auth-${i % 2}\n  namespace: ${ns}\nspec:\n  auth_service: auth:3000\n  timeout_ms: ${1000 * (1 + (i % 2))}`;
    case 7:
      return `apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata:\n  name: x-${i % 7}.v${i % 2}\n  namespace: ${ns}\nspec:\n  prefix: /x/${i % 3}/\n  service: x-${i}\n  hostname: "*"\n  tls: tls-${i % 4}\n  resolver: res-${i % 5}${r() < 0.3 ? '\n  prefix_regex: true' : ''}${r() < 0.3 ? `\n  weight: ${30 + (i % 4) * 20}` : ''}`;
    default:
      return host(i % 7);
  }
}

/** One random edit of the files; returns the URIs it touched. */
function edit(files: Files, r: () => number, step: number): string[] {
  const uris = [...files.keys()];
  const uri = uris[Math.floor(r() * uris.length)];
  const docs = files.get(uri)!;
  const k = Math.floor(r() * Math.max(1, docs.length));
  const op = Math.floor(r() * 12);
  const doc = docs[k] ?? '';
  switch (op) {
    case 0: // change a prefix (moves the Mapping to another route group)
    case 1:
      if (doc.includes('  prefix: ')) docs[k] = doc.replace(/  prefix: .*/, `  prefix: /${['api', 'shop', 'x'][step % 3]}/${r() < 0.5 ? 'shared' : step}/`);
      break;
    case 2: // rename (duplicates, name-prefix shadowing)
      docs[k] = doc.replace(/  name: .*/, `  name: ${r() < 0.5 ? 'm-1' : `api.v${step % 3}`}`);
      break;
    case 3: // insert lines above a document (it and the following ones move)
      docs[k] = `# comment ${step}\n# another\n` + doc;
      break;
    case 4: // delete a document
      if (docs.length > 1) docs.splice(k, 1);
      break;
    case 5: // add a Mapping or another kind
      docs.splice(k, 0, r() < 0.5 ? mapping(50000 + step, r, 4) : extraDocument(step, r));
      break;
    case 6: // break or repair YAML
      docs[k] = doc.includes('[unclosed') ? doc.replace('\nbroken: [unclosed', '') : doc + '\nbroken: [unclosed';
      break;
    case 7: // weights
      docs[k] = doc.includes('  weight: ') ? doc.replace(/\n  weight: .*/, '') : doc.replace(/  service: (.*)/, `  service: $1\n  weight: ${10 + (step % 12) * 10}`);
      break;
    case 8: // hostname
      docs[k] = doc.replace(/  hostname: .*/, `  hostname: ${r() < 0.3 ? '"*"' : `h${step % 5}.example.com`}`);
      break;
    case 9: // remove or add a whole file
      if (r() < 0.5 && files.size > 3) {
        files.delete(uri);
        return [uri];
      }
      files.set(`file:///ws/new-${step}.yaml`, [extraDocument(step, r), mapping(60000 + step, r, 4)]);
      return [`file:///ws/new-${step}.yaml`];
    case 10: // a line ending change inside one document only
      docs[k] = doc.replace(/\n/, '\r\n');
      break;
    default: // edit inside a scalar without changing lines
      docs[k] = doc.replace(/  service: (\S+)/, `  service: $1x`);
  }
  return [uri];
}

/** Findings and route table exactly as a from-scratch analysis (the full analyzeResources path) gives them. */
function reference(files: Files): { findings: Record<string, unknown>; routes: unknown } {
  const ws = new Workspace({ analyzer: (rs, o) => analyzeResources(rs, o) });
  for (const [uri, docs] of files) ws.setFile(uri, textOf(docs));
  const findings: Record<string, unknown> = {};
  for (const [uri, list] of ws.allFindings()) findings[uri] = list;
  return { findings, routes: ws.routeTable() };
}

function snapshot(ws: Workspace): { findings: Record<string, unknown>; routes: unknown } {
  const findings: Record<string, unknown> = {};
  for (const [uri, list] of ws.allFindings()) findings[uri] = list;
  return { findings, routes: ws.routeTable() };
}

function json(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x));
}

function initialFiles(seed: number, documents: number): Files {
  const files: Files = new Map();
  for (const f of generate({ documents, files: documents / 10, seed })) files.set(f.uri, f.text.replace(/\n$/, '').split(SEP));
  const r = rng(seed + 1);
  const extras: string[] = [];
  for (let i = 0; i < 12; i++) extras.push(extraDocument(i, r));
  files.set('file:///bench/extras.yaml', extras);
  return files;
}

describe('incremental analysis equals a from-scratch analysis', function () {
  this.timeout(180000);

  for (const seed of [1, 2, 3]) {
    it(`after random edit sequences (seed ${seed})`, () => {
      const files = initialFiles(seed, 200);
      const r = rng(seed * 7919);
      const ws = new Workspace();
      for (const [uri, docs] of files) ws.setFile(uri, textOf(docs));
      // What the "editor" last saw per URI.
      const seen = new Map<string, string>();
      for (const [uri, list] of ws.allFindings()) seen.set(uri, JSON.stringify(list));
      ws.routeTable();
      for (let step = 0; step < 60; step++) {
        const touched = edit(files, r, step);
        const changed = new Set<string>();
        for (const uri of touched) {
          const change = files.has(uri) ? ws.setFile(uri, textOf(files.get(uri)!)) : ws.removeFile(uri);
          for (const u of change) changed.add(u);
        }
        for (const u of changed) seen.set(u, JSON.stringify(ws.findingsFor(u)));
        // Every file whose findings differ from what was last seen must have been in the change set.
        for (const uri of new Set([...files.keys(), ...seen.keys()])) {
          const now = JSON.stringify(ws.has(uri) ? ws.findingsFor(uri) : []);
          const was = seen.get(uri) ?? '[]';
          assert.equal(now, was, `step ${step}: findings of ${uri} changed but were not reported`);
        }
        if (step % 3 === 2 || step === 59) {
          const want = json(reference(files));
          const got = json(snapshot(ws));
          assert.deepEqual(got, want, `step ${step}: incremental result differs from a from-scratch analysis`);
        }
      }
    });
  }

  it('keeps Resource objects of unchanged documents and shifts moved ones', () => {
    const files = initialFiles(5, 60);
    const uri = [...files.keys()][0];
    const docs = files.get(uri)!;
    const first = parseFile(uri, textOf(docs));
    // Edit the third document on one line: the others are reused as they are.
    docs[2] = docs[2].replace(/  service: (\S+)/, '  service: changed');
    const second = parseFileIncremental(uri, textOf(docs), {}, first);
    assert.equal(second.reused, docs.length - 1);
    assert.equal(second.moved.length, 0);
    assert.equal(second.parsed.resources[0], first.resources[0]);
    assert.notEqual(second.parsed.documents[2].resources[0], first.documents[2].resources[0]);
    // Insert lines at the top (they belong to the first document): every other document moves; their values are
    // reused, their resources are new and located anew.
    const third = parseFileIncremental(uri, '# a\n# b\n' + textOf(docs), {}, second.parsed);
    assert.equal(third.reused, 0);
    assert.equal(third.moved.length, docs.length - 1);
    const fresh = parseFile(uri, '# a\n# b\n' + textOf(docs));
    for (let d = 0; d < fresh.documents.length; d++) {
      const now = third.parsed.documents[d].resources[0];
      assert.deepEqual(now.locate(['metadata', 'name']), fresh.documents[d].resources[0].locate(['metadata', 'name']));
      assert.notEqual(now, second.parsed.documents[d].resources[0]);
      if (d > 0 && !now.origin.annotation) assert.equal(now.object, second.parsed.documents[d].resources[0].object);
    }
    assert.deepEqual(json(third.parsed.findings), json(fresh.findings));
    // Reused resources locate in the new text (same positions), and the old text is no longer needed.
    assert.deepEqual(second.parsed.resources[5].locate(['metadata', 'name']), first.resources[5].locate(['metadata', 'name']));
  });
});
