// Unit tests of the test cluster itself, over plain HTTPS (no kubectl).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as YAML from 'yaml';
import { startTestCluster, type TestCluster } from '../cluster-server/index';
import { call, watch } from '../cluster-server/http';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'cluster', 'basic');
const MAPPINGS = '/apis/getambassador.io/v3alpha1';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

function mapping(name: string, ns = 'default', labels: Record<string, string> = {}, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'getambassador.io/v3alpha1',
    kind: 'Mapping',
    metadata: { name, namespace: ns, labels },
    spec: { hostname: '*', prefix: `/${name}/`, service: `${name}:80`, ...spec },
  };
}

describe('test cluster server', function () {
  let c: TestCluster;

  beforeEach(async () => {
    c = await startTestCluster({ seed: [FIXTURES] });
  });
  afterEach(async () => {
    await c.stop();
  });

  describe('seeding', () => {
    it('loads every served document of the fixture directory', () => {
      assert.equal(c.seedResult.skipped.length, 0, JSON.stringify(c.seedResult.skipped));
      assert.equal(c.seedResult.applied, 11);
      const names = c.objects().map((o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      assert.ok(names.includes('Mapping/shop/catalog'));
      assert.ok(names.includes('Namespace//shop'));
      assert.ok(names.includes('Namespace//default'));
    });

    it('reports documents it cannot serve instead of failing', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-seed-'));
      try {
        const file = path.join(dir, 'x.yaml');
        require('node:fs').writeFileSync(file, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\nkind: [broken\n');
        const r = c.applyFiles([file]);
        assert.equal(r.applied, 0);
        assert.equal(r.skipped.length, 2);
        assert.match(r.skipped.map((s) => s.reason).join('\n'), /Deployment apps\/v1 is not served/);
        assert.match(r.skipped.map((s) => s.reason).join('\n'), /YAML error/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('discovery', () => {
    it('lists the getambassador.io group with v2 preferred and per-version resources', async () => {
      const apis = await call(c, '/apis');
      assert.equal(apis.status, 200);
      const g = apis.json.groups.find((x: any) => x.name === 'getambassador.io');
      assert.deepEqual(g.versions.map((v: any) => v.version), ['v2', 'v1', 'v3alpha1']);
      assert.equal(g.preferredVersion.version, 'v2');
      const v3 = await call(c, '/apis/getambassador.io/v3alpha1');
      const names = v3.json.resources.map((r: any) => r.name);
      assert.ok(names.includes('listeners'));
      assert.ok(names.includes('mappings/status'));
      assert.equal(names.filter((n: string) => !n.includes('/')).length, 14);
      const mappingRes = v3.json.resources.find((r: any) => r.name === 'mappings');
      assert.deepEqual(mappingRes.categories, ['ambassador-crds']);
      assert.ok(mappingRes.verbs.includes('watch'));
      const v2 = await call(c, '/apis/getambassador.io/v2');
      assert.ok(!v2.json.resources.some((r: any) => r.name === 'listeners'), 'Listener is v3alpha1 only');
      assert.ok(v2.json.resources.some((r: any) => r.name === 'hosts'));
      const core = await call(c, '/api/v1');
      assert.deepEqual(core.json.resources.find((r: any) => r.name === 'services').shortNames, ['svc']);
    });

    it('answers aggregated discovery only when asked for it', async () => {
      const r = await call(c, '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
      assert.match(String(r.headers['content-type']), /as=APIGroupDiscoveryList/);
      assert.equal(r.json.kind, 'APIGroupDiscoveryList');
      const g = r.json.items.find((i: any) => i.metadata.name === 'getambassador.io');
      assert.equal(g.versions[0].version, 'v2');
      const core = await call(c, '/api', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
      assert.ok(core.json.items[0].versions[0].resources.some((x: any) => x.resource === 'namespaces' && x.scope === 'Cluster'));
      const plain = await call(c, '/api');
      assert.equal(plain.json.kind, 'APIVersions');
    });

    it('serves /version and OpenAPI documents', async () => {
      assert.match((await call(c, '/version')).json.gitVersion, /^v1\.\d+/);
      const v3 = await call(c, '/openapi/v3');
      assert.ok(v3.json.paths['apis/getambassador.io/v3alpha1'].serverRelativeURL);
      const doc = await call(c, v3.json.paths['apis/getambassador.io/v3alpha1'].serverRelativeURL);
      const patch = doc.json.paths['/apis/getambassador.io/v3alpha1/namespaces/{namespace}/mappings/{name}'].patch;
      assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation'));
      const v2 = await call(c, '/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
      assert.equal(v2.status, 200);
      assert.match(String(v2.headers['content-type']), /protobuf/);
    });
  });

  describe('authentication', () => {
    it('rejects anonymous and unknown tokens with a 401 Status', async () => {
      for (const token of [null, 'not-a-token']) {
        const r = await call(c, '/api/v1/namespaces', { token });
        assert.equal(r.status, 401);
        assert.equal(r.json.kind, 'Status');
        assert.equal(r.json.reason, 'Unauthorized');
      }
    });

    it('accepts a client certificate signed by the cluster CA and takes the user from its CN', async () => {
      const cert = c.clientCert('alice');
      const r = await call(c, '/api/v1/namespaces/default', { token: null, cert });
      assert.equal(r.status, 200);
      const last = c.requestLog().at(-1)!;
      assert.equal(last.user, 'alice');
    });

    it('does not let the admin token call the API nor API tokens call the admin endpoints', async () => {
      assert.equal((await call(c, '/api/v1/namespaces', { token: c.adminToken })).status, 401);
      assert.equal((await call(c, '/__test/log')).status, 401);
      assert.equal((await call(c, '/__test/log', { token: c.adminToken })).status, 200);
    });
  });

  describe('objects', () => {
    it('stores one copy and serves it at every version', async () => {
      const created = await call(c, `${MAPPINGS}/namespaces/default/mappings`, { method: 'POST', body: mapping('m1') });
      assert.equal(created.status, 201);
      assert.equal(created.json.metadata.generation, 1);
      assert.match(created.json.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(created.json.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const asV2 = await call(c, '/apis/getambassador.io/v2/namespaces/default/mappings/m1');
      assert.equal(asV2.json.apiVersion, 'getambassador.io/v2');
      assert.equal(asV2.json.metadata.uid, created.json.metadata.uid);
      assert.equal(asV2.json.spec.prefix, '/m1/');
      const listener = await call(c, '/apis/getambassador.io/v2/namespaces/edge/listeners/https');
      assert.equal(listener.status, 404, 'no Listener at v2');
    });

    it('answers errors with Status objects', async () => {
      const notFound = await call(c, `${MAPPINGS}/namespaces/default/mappings/nope`);
      assert.equal(notFound.status, 404);
      assert.equal(notFound.json.reason, 'NotFound');
      assert.equal(notFound.json.message, 'mappings.getambassador.io "nope" not found');
      assert.deepEqual(notFound.json.details, { name: 'nope', group: 'getambassador.io', kind: 'mappings' });
      const dup = await call(c, `${MAPPINGS}/namespaces/default/mappings`, { method: 'POST', body: mapping('quote') });
      assert.equal(dup.status, 409);
      assert.equal(dup.json.reason, 'AlreadyExists');
      const noName = await call(c, `${MAPPINGS}/namespaces/default/mappings`, { method: 'POST', body: { ...mapping('x'), metadata: {} } });
      assert.equal(noName.status, 422);
      assert.equal(noName.json.reason, 'Invalid');
      const badName = await call(c, `${MAPPINGS}/namespaces/default/mappings`, { method: 'POST', body: mapping('Bad_Name') });
      assert.equal(badName.status, 422);
      const noNs = await call(c, `${MAPPINGS}/namespaces/ghost/mappings`, { method: 'POST', body: mapping('x', 'ghost') });
      assert.equal(noNs.status, 404);
      assert.equal(noNs.json.message, 'namespaces "ghost" not found');
      const wrongKind = await call(c, `${MAPPINGS}/namespaces/default/hosts`, { method: 'POST', body: mapping('x') });
      assert.equal(wrongKind.status, 400);
      const unknown = await call(c, `${MAPPINGS}/namespaces/default/widgets`);
      assert.equal(unknown.status, 404);
    });

    it('updates with optimistic concurrency and counts generations', async () => {
      const cur = (await call(c, `${MAPPINGS}/namespaces/default/mappings/quote`)).json;
      const stale = structuredClone(cur);
      cur.metadata.labels.extra = 'yes';
      const labelled = await call(c, `${MAPPINGS}/namespaces/default/mappings/quote`, { method: 'PUT', body: cur });
      assert.equal(labelled.status, 200);
      assert.equal(labelled.json.metadata.generation, 1, 'metadata changes keep the generation');
      assert.ok(Number(labelled.json.metadata.resourceVersion) > Number(cur.metadata.resourceVersion));
      stale.spec.prefix = '/stale/';
      const conflict = await call(c, `${MAPPINGS}/namespaces/default/mappings/quote`, { method: 'PUT', body: stale });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.json.reason, 'Conflict');
      assert.match(conflict.json.message, /the object has been modified/);
      const next = labelled.json;
      next.spec.prefix = '/fresh/';
      const ok = await call(c, `${MAPPINGS}/namespaces/default/mappings/quote`, { method: 'PUT', body: next });
      assert.equal(ok.json.metadata.generation, 2);
      delete next.metadata.resourceVersion;
      const unconditional = await call(c, `${MAPPINGS}/namespaces/default/mappings/quote`, { method: 'PUT', body: next });
      assert.equal(unconditional.status, 422, 'custom resources need metadata.resourceVersion on update');
    });

    it('patches with merge, JSON and strategic patches', async () => {
      const p = `${MAPPINGS}/namespaces/default/mappings/quote`;
      const merge = await call(c, p, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { timeout_ms: 500, service: null } } });
      assert.equal(merge.json.spec.timeout_ms, 500);
      assert.equal(merge.json.spec.service, undefined);
      const jp = await call(c, p, { method: 'PATCH', contentType: 'application/json-patch+json', body: [{ op: 'replace', path: '/spec/prefix', value: '/jp/' }, { op: 'add', path: '/spec/service', value: 'quote:81' }] });
      assert.equal(jp.json.spec.prefix, '/jp/');
      assert.equal(jp.json.spec.service, 'quote:81');
      const badJp = await call(c, p, { method: 'PATCH', contentType: 'application/json-patch+json', body: [{ op: 'remove', path: '/spec/nothing' }] });
      assert.equal(badJp.status, 422);
      const smp = await call(c, '/api/v1/namespaces/default/services/quote', {
        method: 'PATCH',
        contentType: 'application/strategic-merge-patch+json',
        body: { spec: { $setElementOrder: 1, ports: [{ port: 80, targetPort: 9090 }, { port: 443, name: 'https' }] } },
      });
      assert.equal(smp.status, 200);
      assert.deepEqual(smp.json.spec.ports.map((x: any) => [x.port, x.targetPort, x.name]), [[80, 9090, 'http'], [443, 443, 'https']]);
      const stale = await call(c, p, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { metadata: { resourceVersion: '1' } } });
      assert.equal(stale.status, 409);
      const missing = await call(c, `${MAPPINGS}/namespaces/default/mappings/ghost`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: {} });
      assert.equal(missing.status, 404);
    });

    it('server-side apply creates, detects conflicts, forces, and drops fields no longer applied', async () => {
      const p = `${MAPPINGS}/namespaces/default/mappings/ssa`;
      const apply = (manager: string, body: unknown, force = false) =>
        call(c, `${p}?fieldManager=${manager}${force ? '&force=true' : ''}`, { method: 'PATCH', contentType: 'application/apply-patch+yaml', body: YAML.stringify(body) });
      const first = await apply('alice', mapping('ssa', 'default', {}, { timeout_ms: 100 }));
      assert.equal(first.status, 201);
      assert.equal(first.json.metadata.managedFields[0].manager, 'alice');
      assert.equal(first.json.metadata.managedFields[0].operation, 'Apply');
      assert.ok(first.json.metadata.managedFields[0].fieldsV1['f:spec']['f:prefix']);
      const clash = await apply('bob', mapping('ssa', 'default', {}, { prefix: '/bob/' }));
      assert.equal(clash.status, 409);
      assert.match(clash.json.message, /conflict with "alice": \.spec\.prefix/);
      const same = await apply('bob', mapping('ssa', 'default', {}, {}));
      assert.equal(same.status, 200, 'applying equal values co-owns without conflict');
      const forced = await apply('bob', mapping('ssa', 'default', {}, { prefix: '/bob/' }), true);
      assert.equal(forced.json.spec.prefix, '/bob/');
      // alice stops applying timeout_ms: it goes, since nobody else owns it
      const trimmed = await apply('alice', { ...mapping('ssa'), spec: { hostname: '*', service: 'ssa:80' } });
      assert.equal(trimmed.status, 200);
      assert.equal(trimmed.json.spec.timeout_ms, undefined);
      assert.equal(trimmed.json.spec.prefix, '/bob/');
      const noManager = await call(c, p, { method: 'PATCH', contentType: 'application/apply-patch+yaml', body: YAML.stringify(mapping('ssa')) });
      assert.equal(noManager.status, 400);
    });

    it('dry-run writes change nothing', async () => {
      const before = c.server.resourceVersion;
      const r = await call(c, `${MAPPINGS}/namespaces/default/mappings/quote?dryRun=All`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { prefix: '/dry/' } } });
      assert.equal(r.json.spec.prefix, '/dry/');
      assert.equal(c.server.resourceVersion, before);
      assert.equal((await call(c, `${MAPPINGS}/namespaces/default/mappings/quote`)).json.spec.prefix, '/backend/');
    });

    it('deletes objects, checks preconditions, and removes a namespace with its contents', async () => {
      const pre = await call(c, `${MAPPINGS}/namespaces/default/mappings/quote`, { method: 'DELETE', body: { preconditions: { uid: 'other' } } });
      assert.equal(pre.status, 409, pre.text);
      const del = await call(c, `${MAPPINGS}/namespaces/default/mappings/quote`, { method: 'DELETE', body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
      assert.equal(del.status, 200);
      assert.equal((await call(c, `${MAPPINGS}/namespaces/default/mappings/quote`)).status, 404);
      const ns = await call(c, '/api/v1/namespaces/shop', { method: 'DELETE' });
      assert.equal(ns.status, 200);
      const left = await call(c, '/apis/getambassador.io/v2/mappings');
      assert.deepEqual(left.json.items.map((m: any) => m.metadata.name), ['quote-canary']);
      const coll = await call(c, `${MAPPINGS}/namespaces/default/mappings`, { method: 'DELETE' });
      assert.equal(coll.json.items.length, 1);
    });

    it('serves networking.k8s.io/v1 Ingresses: discovery, create, get, list, patch, watch, delete, Table', async () => {
      const apis = await call(c, '/apis');
      const g = apis.json.groups.find((x: any) => x.name === 'networking.k8s.io');
      assert.deepEqual(g.versions.map((v: any) => v.version), ['v1']);
      const res = (await call(c, '/apis/networking.k8s.io/v1')).json.resources;
      const ing = res.find((r: any) => r.name === 'ingresses');
      assert.equal(ing.kind, 'Ingress');
      assert.equal(ing.namespaced, true);
      assert.deepEqual(ing.shortNames, ['ing']);
      assert.ok(res.some((r: any) => r.name === 'ingresses/status'));
      const base = '/apis/networking.k8s.io/v1/namespaces/shop/ingresses';
      const w = await watch(c, `${base}?watch=1&resourceVersion=${c.server.resourceVersion}`);
      const body = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web', annotations: { 'getambassador.io/config': 'apiVersion: getambassador.io/v2\nkind: Mapping\nname: web\nprefix: /web/\nservice: web:80\n' } },
        spec: { ingressClassName: 'ambassador', rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
      };
      const created = await call(c, base, { method: 'POST', body });
      assert.equal(created.status, 201);
      assert.equal(created.json.metadata.namespace, 'shop');
      assert.deepEqual(created.json.status, { loadBalancer: {} });
      assert.match(created.json.metadata.annotations['getambassador.io/config'], /prefix: \/web\//);
      assert.equal((await call(c, `${base}/web`)).json.spec.ingressClassName, 'ambassador');
      assert.deepEqual((await call(c, '/apis/networking.k8s.io/v1/ingresses')).json.items.map((i: any) => i.metadata.name), ['web']);
      const patched = await call(c, `${base}/web`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { metadata: { labels: { team: 'web' } } } });
      assert.equal(patched.json.metadata.labels.team, 'web');
      const table = await call(c, base, { accept: TABLE });
      assert.deepEqual(table.json.columnDefinitions.map((d: any) => d.name), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
      assert.deepEqual(table.json.rows[0].cells.slice(0, 5), ['web', 'ambassador', 'shop.example.com', '', '80']);
      assert.equal((await call(c, `${base}/web`, { method: 'DELETE' })).status, 200);
      const ev = await w.until((e) => e.length >= 3);
      w.close();
      assert.deepEqual(ev.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
      assert.equal((await call(c, `${base}/web`)).status, 404);
    });

    it('defaults Services and turns Secret stringData into data', async () => {
      const svc = (await call(c, '/api/v1/namespaces/default/services/quote')).json;
      assert.equal(svc.spec.type, 'ClusterIP');
      assert.match(svc.spec.clusterIP, /^10\.96\./);
      assert.equal(svc.spec.ports[0].protocol, 'TCP');
      const sec = (await call(c, '/api/v1/namespaces/shop/secrets/shop-cert')).json;
      assert.equal(sec.stringData, undefined);
      assert.equal(Buffer.from(sec.data['tls.crt'], 'base64').toString(), 'placeholder-not-a-certificate');
    });
  });

  describe('lists', () => {
    it('paginates with limit and continue', async () => {
      c.apply([1, 2, 3, 4, 5].map((i) => mapping(`page-${i}`, 'edge')));
      const seen: string[] = [];
      let cont = '';
      let pages = 0;
      do {
        const r = await call(c, `/apis/getambassador.io/v2/namespaces/edge/mappings?limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
        assert.equal(r.status, 200);
        assert.ok(r.json.items.length <= 2);
        seen.push(...r.json.items.map((m: any) => m.metadata.name));
        cont = r.json.metadata.continue ?? '';
        if (cont) assert.equal(r.json.metadata.remainingItemCount, 5 - seen.length);
        pages++;
      } while (cont && pages < 10);
      assert.equal(pages, 3);
      assert.deepEqual(seen, ['page-1', 'page-2', 'page-3', 'page-4', 'page-5']);
    });

    it('expires continue tokens older than the retained history with 410', async () => {
      c.apply([1, 2, 3].map((i) => mapping(`exp-${i}`, 'edge')));
      const first = await call(c, '/apis/getambassador.io/v2/namespaces/edge/mappings?limit=1');
      c.apply([mapping('exp-4', 'edge')]);
      c.compact();
      const r = await call(c, `/apis/getambassador.io/v2/namespaces/edge/mappings?limit=1&continue=${encodeURIComponent(first.json.metadata.continue)}`);
      assert.equal(r.status, 410);
      assert.equal(r.json.reason, 'Expired');
      const garbage = await call(c, '/apis/getambassador.io/v2/namespaces/edge/mappings?continue=%%%');
      assert.equal(garbage.status, 400);
    });

    it('filters by label selectors', async () => {
      const names = async (sel: string): Promise<string[]> => {
        const r = await call(c, `/apis/getambassador.io/v2/mappings?labelSelector=${encodeURIComponent(sel)}`);
        assert.equal(r.status, 200, r.text);
        return r.json.items.map((m: any) => m.metadata.name).sort();
      };
      assert.deepEqual(await names('app=quote'), ['quote', 'quote-canary']);
      assert.deepEqual(await names('app==quote,tier=canary'), ['quote-canary']);
      assert.deepEqual(await names('app!=quote'), ['cart', 'catalog']);
      assert.deepEqual(await names('tier in (backend, canary)'), ['catalog', 'quote', 'quote-canary']);
      assert.deepEqual(await names('tier notin (backend)'), ['cart', 'quote-canary']);
      assert.deepEqual(await names('tier'), ['catalog', 'quote', 'quote-canary']);
      assert.deepEqual(await names('!tier'), ['cart']);
      const bad = await call(c, `/apis/getambassador.io/v2/mappings?labelSelector=${encodeURIComponent('a in (b')}`);
      assert.equal(bad.status, 400);
    });

    it('filters by metadata.name and metadata.namespace field selectors', async () => {
      const r = await call(c, `/apis/getambassador.io/v2/mappings?fieldSelector=${encodeURIComponent('metadata.namespace=shop,metadata.name!=cart')}`);
      assert.deepEqual(r.json.items.map((m: any) => m.metadata.name), ['catalog']);
      const bad = await call(c, `/apis/getambassador.io/v2/mappings?fieldSelector=spec.prefix%3D%2F`);
      assert.equal(bad.status, 400);
      assert.match(bad.json.message, /field label not supported: spec.prefix/);
    });

    it('renders Tables with the CRD printer columns and NAME/AGE otherwise', async () => {
      const t = await call(c, '/apis/getambassador.io/v2/namespaces/shop/mappings', { accept: TABLE });
      assert.equal(t.json.kind, 'Table');
      assert.deepEqual(t.json.columnDefinitions.map((d: any) => d.name), ['Name', 'Source Host', 'Source Prefix', 'Dest Service', 'State', 'Reason']);
      assert.deepEqual(t.json.rows[0].cells.slice(0, 4), ['cart', 'shop.example.com', '/cart/', 'cart.shop:8080']);
      assert.equal(t.json.rows[0].object.kind, 'PartialObjectMetadata');
      const tls = await call(c, '/apis/getambassador.io/v3alpha1/namespaces/shop/tlscontexts/shop-tls', { accept: TABLE });
      assert.deepEqual(tls.json.columnDefinitions.map((d: any) => d.name), ['Name', 'Age']);
      assert.match(tls.json.rows[0].cells[1], /^\d+s$/);
    });
  });

  describe('watch', () => {
    it('streams changes after a resourceVersion, via ?watch=1 and /watch/ paths', async () => {
      const list = await call(c, '/apis/getambassador.io/v2/namespaces/default/mappings');
      const rv = list.json.metadata.resourceVersion;
      const w1 = await watch(c, `/apis/getambassador.io/v2/namespaces/default/mappings?watch=1&resourceVersion=${rv}`);
      const w2 = await watch(c, `/apis/getambassador.io/v3alpha1/watch/namespaces/default/mappings?resourceVersion=${rv}`);
      try {
        await call(c, `${MAPPINGS}/namespaces/default/mappings/quote`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { prefix: '/w/' } } });
        await call(c, `${MAPPINGS}/namespaces/default/mappings/quote-canary`, { method: 'DELETE' });
        await call(c, `${MAPPINGS}/namespaces/shop/mappings/cart`, { method: 'DELETE' }); // other namespace: not seen
        const ev1 = await w1.until((e) => e.length >= 2);
        assert.deepEqual(ev1.map((e) => [e.type, e.object.metadata.name, e.object.apiVersion]), [
          ['MODIFIED', 'quote', 'getambassador.io/v2'],
          ['DELETED', 'quote-canary', 'getambassador.io/v2'],
        ]);
        const ev2 = await w2.until((e) => e.length >= 2);
        assert.equal(ev2[0].object.apiVersion, 'getambassador.io/v3alpha1');
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(w1.events.length, 2);
      } finally {
        w1.close();
        w2.close();
      }
    });

    it('sends the current state first when no resourceVersion is given', async () => {
      const w = await watch(c, '/apis/getambassador.io/v2/mappings?watch=true&labelSelector=app%3Dquote');
      try {
        const ev = await w.until((e) => e.length >= 2);
        assert.deepEqual(ev.map((e) => e.type), ['ADDED', 'ADDED']);
      } finally {
        w.close();
      }
    });

    it('answers a stale resourceVersion with an ERROR event carrying 410 Gone', async () => {
      const rv = c.server.resourceVersion;
      c.apply([mapping('later')]);
      c.compact();
      const w = await watch(c, `/apis/getambassador.io/v2/mappings?watch=1&resourceVersion=${rv}`);
      await w.ended;
      assert.equal(w.events.length, 1);
      assert.equal(w.events[0].type, 'ERROR');
      assert.equal(w.events[0].object.code, 410);
      assert.equal(w.events[0].object.reason, 'Expired');
      assert.match(w.events[0].object.message, /too old resource version/);
    });

    it('sends bookmarks when allowed, including the initial-events-end marker', async () => {
      c.setFaults({ bookmarkIntervalMs: 50 });
      const w = await watch(c, '/apis/getambassador.io/v2/namespaces/shop/mappings?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan');
      try {
        const ev = await w.until((e) => e.filter((x) => x.type === 'BOOKMARK').length >= 2);
        assert.deepEqual(ev.slice(0, 2).map((e) => e.type), ['ADDED', 'ADDED']);
        assert.equal(ev[2].type, 'BOOKMARK');
        assert.equal(ev[2].object.metadata.annotations['k8s.io/initial-events-end'], 'true');
        assert.ok(Number(ev[3].object.metadata.resourceVersion) >= Number(ev[2].object.metadata.resourceVersion));
      } finally {
        w.close();
      }
      const plain = await watch(c, `/apis/getambassador.io/v2/namespaces/shop/mappings?watch=1&resourceVersion=${c.server.resourceVersion}`);
      await new Promise((r) => setTimeout(r, 200));
      plain.close();
      assert.equal(plain.events.length, 0, 'no bookmarks unless asked');
    });

    it('ends the stream after timeoutSeconds', async () => {
      const w = await watch(c, `/apis/getambassador.io/v2/mappings?watch=1&timeoutSeconds=1&resourceVersion=${c.server.resourceVersion}`);
      const t0 = Date.now();
      await w.ended;
      assert.ok(Date.now() - t0 >= 900);
    });

    it('streams Table rows when asked', async () => {
      const w = await watch(c, '/apis/getambassador.io/v2/namespaces/shop/mappings?watch=1', { accept: TABLE });
      try {
        const ev = await w.until((e) => e.length >= 2);
        assert.equal(ev[0].object.kind, 'Table');
        assert.ok(ev[0].object.columnDefinitions.length > 1);
        assert.equal(ev[1].object.columnDefinitions, undefined, 'columns only in the first event');
      } finally {
        w.close();
      }
    });
  });

  describe('faults', () => {
    it('401 for everything', async () => {
      c.setFaults({ unauthorized: true });
      assert.equal((await call(c, '/api/v1/namespaces')).status, 401);
      assert.equal((await call(c, '/version')).status, 401);
    });

    it('403 for chosen resource/verb pairs, naming verb and resource', async () => {
      c.setFaults({ forbidden: [{ resource: 'mappings', verb: 'list' }, { resource: 'hosts', verb: '*', namespace: 'shop' }] });
      const r = await call(c, '/apis/getambassador.io/v2/namespaces/shop/mappings');
      assert.equal(r.status, 403);
      assert.equal(r.json.reason, 'Forbidden');
      assert.equal(r.json.message, `mappings.getambassador.io is forbidden: User "${c.user}" cannot list resource "mappings" in API group "getambassador.io" in the namespace "shop"`);
      assert.equal((await call(c, '/apis/getambassador.io/v2/namespaces/shop/mappings/cart')).status, 200, 'get still allowed');
      const h = await call(c, '/apis/getambassador.io/v2/namespaces/shop/hosts/shop');
      assert.equal(h.status, 403);
      assert.match(h.json.message, /hosts.getambassador.io "shop" is forbidden: .* cannot get resource "hosts"/);
      assert.equal((await call(c, '/apis/getambassador.io/v2/namespaces/default/hosts')).status, 200);
    });

    it('404 for a whole group, gone from discovery', async () => {
      c.setFaults({ missingGroups: ['getambassador.io'] });
      const apis = await call(c, '/apis');
      assert.ok(!apis.json.groups.some((g: any) => g.name === 'getambassador.io'));
      assert.equal((await call(c, '/apis/getambassador.io/v2')).status, 404);
      const r = await call(c, '/apis/getambassador.io/v2/mappings');
      assert.equal(r.status, 404);
      assert.equal(r.json.kind, 'Status');
      assert.equal((await call(c, '/api/v1/namespaces')).status, 200);
    });

    it('delays responses', async () => {
      c.setFaults({ delayMs: 300 });
      const t0 = Date.now();
      await call(c, '/api/v1/namespaces');
      assert.ok(Date.now() - t0 >= 280);
    });

    it('429/5xx with Retry-After, a limited number of times', async () => {
      c.setFaults({ errorStatus: { status: 429, retryAfterSeconds: 7, times: 2, resources: ['mappings'] } });
      assert.equal((await call(c, '/api/v1/namespaces')).status, 200, 'other resources unaffected');
      const r = await call(c, '/apis/getambassador.io/v2/mappings');
      assert.equal(r.status, 429);
      assert.equal(r.headers['retry-after'], '7');
      assert.equal(r.json.reason, 'TooManyRequests');
      assert.equal((await call(c, '/apis/getambassador.io/v2/mappings')).status, 429);
      assert.equal((await call(c, '/apis/getambassador.io/v2/mappings')).status, 200);
      c.setFaults({ errorStatus: { status: 503 } });
      const s = await call(c, '/apis/getambassador.io/v2/mappings');
      assert.equal(s.status, 503);
      assert.equal(s.json.reason, 'ServiceUnavailable');
    });

    it('truncated and invalid JSON bodies', async () => {
      c.setFaults({ truncateBody: { verbs: ['list'] } });
      const t = await call(c, '/apis/getambassador.io/v2/mappings');
      assert.equal(t.status, 200);
      assert.equal(t.json, undefined);
      assert.ok(t.text.startsWith('{"apiVersion"'));
      assert.equal((await call(c, '/apis/getambassador.io/v2/namespaces/shop/mappings/cart')).json.kind, 'Mapping');
      c.setFaults({ invalidJson: { resources: ['hosts'] } });
      const i = await call(c, '/apis/getambassador.io/v2/hosts');
      assert.equal(i.json, undefined);
      assert.match(i.text, /not JSON/);
    });

    it('garbage on watch streams and dropped watches', async () => {
      c.setFaults({ watchGarbage: true });
      const g = await watch(c, '/apis/getambassador.io/v2/namespaces/shop/mappings?watch=1');
      const ev = await g.until((e) => e.some((x) => x.type === 'UNPARSEABLE'));
      g.close();
      assert.deepEqual(ev.map((e) => e.type), ['ADDED', 'ADDED', 'UNPARSEABLE']);
      c.setFaults({ dropWatchAfterEvents: 1 });
      const d = await watch(c, '/apis/getambassador.io/v2/mappings?watch=1');
      await d.ended;
      assert.equal(d.events.length, 1);
      c.setFaults({ dropWatchAfterMs: 100 });
      const m = await watch(c, `/apis/getambassador.io/v2/mappings?watch=1&resourceVersion=${c.server.resourceVersion}`);
      // What happened is in the result below; mocha's time-out catches a hang.
      await m.ended;
    });

    it('an enormous list, paginated', async () => {
      c.setFaults({ enormousList: { count: 20000 } });
      const all = await call(c, '/apis/getambassador.io/v2/namespaces/default/mappings');
      assert.equal(all.json.items.length, 20002);
      const page = await call(c, '/apis/getambassador.io/v2/namespaces/default/mappings?limit=500');
      assert.equal(page.json.items.length, 500);
      assert.equal(page.json.metadata.remainingItemCount, 19502);
    });

    it('lists that ignore limit (one page, no continue) and chunked answers without Content-Length', async () => {
      c.setFaults({ enormousList: { count: 1200 }, ignoreLimit: true });
      const all = await call(c, '/apis/getambassador.io/v2/namespaces/default/mappings?limit=500');
      assert.equal(all.json.items.length, 1202);
      assert.equal(all.json.metadata.continue, undefined);
      c.setFaults({ enormousList: { count: 1200 }, chunkedBodies: true });
      const page = await call(c, '/apis/getambassador.io/v2/namespaces/default/mappings?limit=500');
      assert.equal(page.headers['content-length'], undefined);
      assert.equal(page.headers['transfer-encoding'], 'chunked');
      assert.equal(page.json.items.length, 500);
      assert.ok(page.json.metadata.continue);
    });

    it('can be set through the admin endpoint', async () => {
      const set = await call(c, '/__test/faults', { method: 'POST', token: c.adminToken, body: { forbidden: [{ resource: '*', verb: 'watch' }] } });
      assert.equal(set.status, 200);
      assert.deepEqual(c.getFaults(), { forbidden: [{ resource: '*', verb: 'watch' }] });
      await call(c, '/__test/faults?merge=true', { method: 'POST', token: c.adminToken, body: { delayMs: 1 } });
      assert.equal(c.getFaults().delayMs, 1);
      assert.ok(c.getFaults().forbidden);
      await call(c, '/__test/faults', { method: 'DELETE', token: c.adminToken });
      assert.deepEqual(c.getFaults(), {});
      const applied = await call(c, '/__test/apply', { method: 'POST', token: c.adminToken, contentType: 'application/yaml', body: YAML.stringify(mapping('via-admin', 'newns')) });
      assert.equal(applied.status, 200);
      assert.equal((await call(c, `${MAPPINGS}/namespaces/newns/mappings/via-admin`)).status, 200);
    });
  });

  describe('request log', () => {
    it('records verb, method, path, query, user agent and user of every API request', async () => {
      c.clearLog();
      await call(c, '/apis/getambassador.io/v2/namespaces/shop/mappings?limit=1&labelSelector=app%3Dcart', { headers: { 'User-Agent': 'edgepolicy-test/1' } });
      await call(c, '/apis/getambassador.io/v2/namespaces/shop/mappings/cart', { method: 'PATCH', contentType: 'application/merge-patch+json', body: {} });
      await call(c, '/api/v1/namespaces', { token: null });
      const w = await watch(c, '/apis/getambassador.io/v2/mappings?watch=1&resourceVersion=1');
      w.close();
      const log = c.requestLog();
      assert.deepEqual(log.map((e) => e.verb), ['list', 'patch', 'list', 'watch']);
      assert.equal(log[0]!.method, 'GET');
      assert.equal(log[0]!.path, '/apis/getambassador.io/v2/namespaces/shop/mappings');
      assert.deepEqual(log[0]!.query, { limit: '1', labelSelector: 'app=cart' });
      assert.equal(log[0]!.userAgent, 'edgepolicy-test/1');
      assert.equal(log[0]!.user, c.user);
      assert.equal(log[0]!.resource, 'mappings');
      assert.equal(log[0]!.namespace, 'shop');
      assert.equal(log[1]!.name, 'cart');
      assert.equal(log[2]!.user, '');
      assert.equal(log[2]!.status, 401);
      const viaAdmin = await call(c, '/__test/log', { token: c.adminToken });
      assert.equal(viaAdmin.json.items.length, 4, 'admin calls are not logged');
      c.clearLog();
      assert.equal(c.requestLog().length, 0);
    });
  });

  describe('kubeconfig and CLI', () => {
    it('writes a kubeconfig with a token context and a client-certificate context', () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-kc-'));
      try {
        const file = c.writeKubeconfig(path.join(dir, 'config'), { context: 'demo', namespace: 'shop' });
        const kc = YAML.parse(readFileSync(file, 'utf8'));
        assert.equal(kc['current-context'], 'demo');
        assert.deepEqual(kc.contexts.map((x: any) => x.name), ['demo', 'demo-cert']);
        assert.equal(kc.contexts[0].context.namespace, 'shop');
        assert.equal(kc.clusters[0].cluster.server, c.url);
        assert.equal(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), c.caCert);
        assert.equal(kc.users[0].user.token, c.token);
        assert.ok(kc.users[1].user['client-certificate-data']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the CLI: --faults @FILE that cannot be read gives the usage message, not a stack trace', function () {
      this.timeout(30000);
      const missing = path.join(os.tmpdir(), `tc-no-such-faults-${process.pid}.json`);
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/cluster-server/main.ts'), '--kubeconfig-out', path.join(os.tmpdir(), 'unused'), '--faults', `@${missing}`], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^test-cluster: --faults: cannot read the fault file ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(ENOENT\\)\nusage: test-cluster `));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });

    it('the CLI prints ready, serves the seed, and exits cleanly on SIGTERM', async function () {
      this.timeout(30000);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-cli-'));
      const kcFile = path.join(dir, 'kubeconfig');
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/cluster-server/main.ts'), '--kubeconfig-out', kcFile, '--seed', FIXTURES, '--context', 'cli-demo'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let out = '';
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${err}`)), 25000);
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('ready\n')) {
              clearTimeout(timer);
              resolve();
            }
          });
          child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
        });
        const kc = YAML.parse(readFileSync(kcFile, 'utf8'));
        assert.equal(kc['current-context'], 'cli-demo');
        const target = { url: kc.clusters[0].cluster.server as string, caCert: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), token: kc.users[0].user.token as string };
        assert.match(target.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const r = await call(target, '/apis/getambassador.io/v3alpha1/namespaces/shop/hosts/shop');
        assert.equal(r.status, 200);
        assert.equal(r.json.spec.hostname, 'shop.example.com');
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        assert.equal(await exited, 0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
