// `npm run bench [-- --quick] [--json FILE]`: the performance goals, each figure next to baselines measured
// in the same run on the same machine (so the ratios, not the milliseconds, are what to read).
//
//   B1 cold check: the whole engine vs js-yaml loadAll (the floor) and yaml-language-server doValidation (the peer)
//   B2 keystroke: didChange → fresh diagnostics for every affected file, and completion right after an edit
//   B3 diff: 5,000 desired vs 5,000 live objects, 10% drifted; one watch event → updated result
//   B4 memory: the language server's RSS after indexing the 10k-document workspace
//   B5 extension activation time and VSIX size
import { spawn, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from 'yaml-language-server';
import { Workspace } from '../../server/src/engine/workspace';
import { installBuiltValidators } from '../../server/src/node/validators';
import { DriftIndex, type DesiredItem } from '../../server/src/engine/diff';
import { dispatchSchemaUri, schemaTexts } from './schemas';
import { generate, mapping, rng, type GenFile } from './gen';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : 'bench-results/latest.json';
const repo = path.resolve(__dirname, '..');

type Row = { id: string; what: string; value: string; baseline: string; ratio: string; goal: string; met: boolean | null };
const rows: Row[] = [];
const raw: Record<string, unknown> = {};

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
function ms(x: number): string {
  return x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(2)} ms`;
}
/** Best of n runs: the least disturbed measurement of the same work. */
function best(n: number, f: () => void): number {
  let b = Infinity;
  for (let i = 0; i < n; i++) {
    gc();
    const t = now();
    f();
    b = Math.min(b, now() - t);
  }
  return b;
}
function log(m: string): void {
  process.stderr.write(`[bench] ${m}\n`);
}

function floor(files: GenFile[]): void {
  for (const f of files) jsyaml.loadAll(f.text);
}

function engineCold(files: GenFile[]): Workspace {
  const ws = new Workspace();
  for (const f of files) ws.setFile(f.uri, f.text);
  ws.allFindings();
  ws.routeTable();
  return ws;
}

function peerService() {
  const texts = schemaTexts();
  const ls = getLanguageService({
    schemaRequestService: async (uri: string) => {
      const t = texts.get(uri);
      if (t === undefined) throw new Error(`no schema ${uri}`);
      return t;
    },
    workspaceContext: { resolveRelativePath: (rel: string, res: string) => new URL(rel, res).toString() },
  });
  ls.configure({ validate: true, completion: true, hover: false, schemas: [{ uri: dispatchSchemaUri, fileMatch: ['*.yaml'] }] });
  return ls;
}

async function peerValidate(files: GenFile[]): Promise<number> {
  const ls = peerService();
  // warm the schema cache outside the timing, as a running server would have it
  await ls.doValidation(TextDocument.create('file:///warm.yaml', 'yaml', 1, files[0].text), false);
  gc();
  const t = now();
  for (const f of files) await ls.doValidation(TextDocument.create(f.uri, 'yaml', 1, f.text), false);
  return now() - t;
}

/**
 * What a process that has done this work before holds: a small workspace of other documents (another seed),
 * checked by the engine and read by js-yaml, kept alive for the rest of the run, as a running language server
 * keeps its index. The measured rounds never touch it; it only keeps the hidden classes (V8's object shapes)
 * of such results alive, which optimized code of both the engine and js-yaml depends on.
 */
const resident: unknown[] = [];
function makeResident(): void {
  const other = generate({ documents: 200, files: 20, seed: 7 });
  resident.push(engineCold(other), other.map((f) => jsyaml.loadAll(f.text)));
}

/** `--one-shot floor|engine N`: one run in this (fresh) process, for the one-shot rows; prints milliseconds. */
function oneShot(which: string, n: number): void {
  const files = generate({ documents: n, files: n / 10 });
  gc();
  const t = now();
  if (which === 'floor') floor(files);
  else engineCold(files);
  process.stdout.write(`${now() - t}\n`);
}

function oneShotMs(which: 'floor' | 'engine', n: number): number {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--one-shot', which, String(n)], { encoding: 'utf8' });
  return Number(out.trim());
}

/** Best round of a series: floor and engine alternating (both see the same machine), each after a full collection. */
function series(files: GenFile[], rounds: number): { floor: number; engine: number } {
  let floorMs = Infinity;
  let engineMs = Infinity;
  for (let i = 0; i < rounds; i++) {
    floorMs = Math.min(floorMs, best(1, () => floor(files)));
    engineMs = Math.min(engineMs, best(1, () => void engineCold(files)));
  }
  return { floor: floorMs, engine: engineMs };
}

async function b1(): Promise<void> {
  const sizes = quick ? [1000, 5000] : [1000, 10000, 50000];
  const perDoc: number[] = [];
  // Three conditions per size (README, "Performance"):
  // - nothing else alive (informational; first, before the resident set exists): each round a new Workspace
  //   after a full collection that also frees every hidden class of the previous round's results, so V8
  //   discards the optimized code that depended on them ("weak objects" deopts) and each round re-optimizes;
  //   no real process is in this state (a server keeps its index, a one-off run has no optimized code);
  // - warm process (the goal row): the same rounds while the resident set is alive;
  // - one-shot (informational): a fresh Node process per run, code cold, as `edgepolicy check` in CI.
  const runs = (n: number) => (n >= 50000 ? 5 : 12);
  const bare = new Map<number, { floor: number; engine: number }>();
  const filesOf = (n: number) => generate({ documents: n, files: n / 10 });
  for (const n of sizes) bare.set(n, series(filesOf(n), Math.ceil(runs(n) / 2)));
  makeResident();
  for (const n of sizes) {
    const files = filesOf(n);
    const warm = series(files, runs(n));
    const nothing = bare.get(n)!;
    const shots = { floor: Infinity, engine: Infinity };
    for (let i = 0; i < 3; i++) {
      shots.floor = Math.min(shots.floor, oneShotMs('floor', n));
      shots.engine = Math.min(shots.engine, oneShotMs('engine', n));
    }
    const en = warm.engine;
    const fl = warm.floor;
    perDoc.push(en / n);
    raw[`B1.${n}`] = {
      floorMs: fl, engineMs: en, rounds: runs(n), perDocUs: (en / n) * 1000,
      nothingAlive: nothing, oneShot: shots,
    };
    // The issue sets the 2× goal at its size (10,000 documents; 5,000 in a quick run); of the other sizes it asks
    // that time per document does not grow (the growth row), so their ratios are shown without a goal.
    const goalSize = n === (quick ? 5000 : 10000);
    rows.push({ id: 'B1', what: `cold check, ${n} docs / ${files.length} files`, value: ms(en), baseline: `js-yaml ${ms(fl)}`,
      ratio: `${(en / fl).toFixed(2)}× floor`, goal: goalSize ? '≤ 2× floor' : '', met: goalSize ? en <= 2 * fl : null });
    rows.push({ id: 'B1', what: '  same, nothing else alive in the process', value: ms(nothing.engine), baseline: `js-yaml ${ms(nothing.floor)}`,
      ratio: `${(nothing.engine / nothing.floor).toFixed(2)}× floor`, goal: '', met: null });
    rows.push({ id: 'B1', what: '  same, one-shot process (cold code)', value: ms(shots.engine), baseline: `js-yaml ${ms(shots.floor)}`,
      ratio: `${(shots.engine / shots.floor).toFixed(2)}× floor`, goal: '', met: null });
    if (goalSize) {
      log(`B1 peer (yaml-language-server doValidation) on ${n} docs`);
      const peer = await peerValidate(files);
      raw[`B1.peer.${n}`] = { peerMs: peer };
      rows.push({ id: 'B1', what: `vs peer, ${n} docs`, value: ms(en), baseline: `yaml-language-server ${ms(peer)}`,
        ratio: `${(peer / en).toFixed(1)}× faster`, goal: '≥ 5× faster', met: peer >= 5 * en });
    }
    log(`B1 ${n}: engine ${ms(en)}, floor ${ms(fl)}; nothing alive ${ms(nothing.engine)} / ${ms(nothing.floor)}; one-shot ${ms(shots.engine)} / ${ms(shots.floor)}`);
  }
  const growth = perDoc[perDoc.length - 1] / perDoc[0];
  rows.push({ id: 'B1', what: `time per document, ${sizes[0]} → ${sizes[sizes.length - 1]}`,
    value: `${(perDoc[perDoc.length - 1] * 1000).toFixed(1)} µs`, baseline: `${(perDoc[0] * 1000).toFixed(1)} µs`,
    ratio: `${growth.toFixed(2)}×`, goal: 'no growth (≤ 1.5×)', met: growth <= 1.5 });
}

async function b2(): Promise<void> {
  const total = quick ? 5000 : 10000;
  const files = generate({ documents: total - 500, files: (total - 500) / 10, seed: 7 });
  const r = rng(99);
  const big: string[] = [];
  for (let i = 0; i < 500; i++) big.push(mapping(100000 + i, r, 40));
  const bigUri = 'file:///bench/big/routes.yaml';
  let bigText = big.join('\n---\n') + '\n';
  const ws = new Workspace();
  for (const f of files) ws.setFile(f.uri, f.text);
  ws.setFile(bigUri, bigText);
  ws.allFindings();
  ws.routeTable();
  const edits = quick ? 60 : 200;
  const diag: number[] = [];
  // The first WARMUP edits are not counted (JIT, the incremental indexes a cold load leaves unbuilt); the very
  // first one is reported on its own in the JSON.
  let firstEditMs = 0;
  for (let k = -WARMUP; k < edits; k++) {
    // change one Mapping's prefix: moves it between route groups, as a real keystroke in a prefix would
    const victim = (((k * 37) % 500) + 500) % 500;
    const from = `/${['api', 'shop', 'cart', 'search', 'users', 'orders', 'pay', 'media', 'auth', 'catalog', 'feed', 'admin'][(100000 + victim) % 12]}/`;
    const idx = nthIndexOf(bigText, 'prefix: ', victim);
    const lineEnd = bigText.indexOf('\n', idx);
    const next = k % 2 === 0 ? `prefix: ${from}edited-${k}/` : `prefix: ${from}shared/`;
    bigText = bigText.slice(0, idx) + next + bigText.slice(lineEnd);
    const t = now();
    const changed = ws.setFile(bigUri, bigText);
    for (const uri of changed) ws.findingsFor(uri);
    if (k === -WARMUP) firstEditMs = now() - t;
    if (k >= 0) diag.push(now() - t);
  }
  const b2raw: Record<string, unknown> = { diagnosticsP50: pct(diag, 50), diagnosticsP95: pct(diag, 95), firstEditMs };
  raw.B2 = b2raw;
  rows.push({ id: 'B2', what: `keystroke → diagnostics (engine), 500-doc file in ${total} docs (${edits} edits)`,
    value: `p50 ${ms(pct(diag, 50))}`, baseline: '', ratio: `p95 ${ms(pct(diag, 95))}`, goal: 'p95 ≤ 25 ms', met: pct(diag, 95) <= 25 });

  // The same through the language server: didChange → publishDiagnostics of the edited file (debounce, parse,
  // analysis, publishing and IPC included), with the workspace indexed from disk.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-bench-b2-'));
  try {
    for (const f of files) {
      const p = path.join(dir, new URL(f.uri).pathname);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, f.text);
    }
    const { keystrokeOverLsp, bigFilePath } = await import('./lsp-keystroke');
    const bigPath = bigFilePath(dir);
    const text = big.join('\n---\n') + '\n';
    fs.mkdirSync(path.dirname(bigPath), { recursive: true });
    fs.writeFileSync(bigPath, text);
    const k = await keystrokeOverLsp(path.join(repo, 'dist', 'server.js'), dir, bigPath, text, edits, WARMUP);
    b2raw.languageServer = k;
    rows.push({ id: 'B2', what: `keystroke → publishDiagnostics (language server), same workspace`,
      value: `p50 ${ms(k.p50)}`, baseline: '', ratio: `p95 ${ms(k.p95)}`, goal: 'p95 ≤ 25 ms', met: k.p95 <= 25 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // completion right after an edit: ours (completion on the current document only) vs the peer on the whole file
  const { completionBench } = await import('./completion');
  const c = await completionBench(bigText, edits);
  b2raw.completion = c;
  rows.push({ id: 'B2', what: 'completion right after an edit', value: `p50 ${ms(c.oursP50)}`,
    baseline: `yaml-language-server p50 ${ms(c.peerP50)}`, ratio: `p95 ${ms(c.oursP95)}`, goal: 'p95 ≤ 25 ms', met: c.oursP95 <= 25 });
}

/** Unmeasured edits before a keystroke series (B2). */
const WARMUP = 5;

function nthIndexOf(s: string, needle: string, n: number): number {
  let i = -1;
  for (let k = 0; k <= n; k++) i = s.indexOf(needle, i + 1);
  return i;
}

function b3(): void {
  const n = quick ? 2000 : 5000;
  const desired: DesiredItem[] = [];
  const live: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let i = 0; i < n; i++) {
    const obj = {
      apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping',
      metadata: { name: `m-${i}`, namespace: `team-${i % 50}`, labels: { team: `t${i % 50}` } },
      spec: { prefix: `/p/${i}/`, service: `svc-${i}:80`, hostname: `h${i % 20}.example.com`, timeout_ms: 3000 },
    };
    desired.push({ object: obj, uri: `file:///w/${i % 500}.yaml`, line: (i % 10) * 12 });
    const l = JSON.parse(JSON.stringify(obj));
    Object.assign(l.metadata, { uid: `u-${i}`, resourceVersion: String(1000 + i), generation: 1, creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{ manager: 'kubectl', operation: 'Apply' }] });
    if (i % 10 === 0) l.spec.timeout_ms = 9000;
    live.push(l);
  }
  const full = best(3, () => {
    const idx = new DriftIndex();
    idx.setDesired(desired);
    for (const o of live) idx.upsertLive(o);
    idx.list();
  });
  const idx = new DriftIndex();
  idx.setDesired(desired);
  for (const o of live) idx.upsertLive(o);
  idx.list();
  const ev: number[] = [];
  for (let k = 0; k < 200; k++) {
    const o = JSON.parse(JSON.stringify(live[(k * 13) % n]));
    o.spec.timeout_ms = 1000 + k;
    o.metadata.resourceVersion = String(100000 + k);
    const t = now();
    idx.upsertLive(o);
    idx.list();
    ev.push(now() - t);
  }
  // A workspace edit while the diff is live: one file's items replaced (one of its Mappings edited), applied by
  // difference, against the whole desired side given again (what every edit cost before updateDesired).
  const byFile = new Map<string, (DesiredItem & { source: object })[]>();
  const items = desired.map((d) => ({ ...d, source: {} }));
  idx.setDesired(items);
  for (const it of items) {
    const list = byFile.get(it.uri ?? '');
    if (list) list.push(it);
    else byFile.set(it.uri ?? '', [it]);
  }
  const files = [...byFile.keys()];
  const edit: number[] = [];
  const whole: number[] = [];
  for (let k = 0; k < 200; k++) {
    const uri = files[(k * 7) % files.length];
    const old = byFile.get(uri)!;
    const next = old.map((it, i) => (i === 0 ? { ...it, object: { ...it.object, spec: { ...(it.object.spec as object), timeout_ms: 100 + k } }, source: {} } : it));
    byFile.set(uri, next);
    let t = now();
    if (!idx.updateDesired(old, next)) throw new Error('B3: an edit could not be applied by difference');
    idx.list();
    edit.push(now() - t);
    const all = [...byFile.values()].flat();
    t = now();
    idx.setDesired(all);
    idx.list();
    whole.push(now() - t);
  }
  raw.B3 = { fullMs: full, eventP50: pct(ev, 50), eventP95: pct(ev, 95), editP50: pct(edit, 50), editP95: pct(edit, 95), wholeP50: pct(whole, 50) };
  rows.push({ id: 'B3', what: `full diff, ${n} vs ${n} objects, 10% drifted`, value: ms(full), baseline: '', ratio: '', goal: '≤ 300 ms', met: full <= 300 });
  rows.push({ id: 'B3', what: 'one watch event → updated result', value: `p50 ${ms(pct(ev, 50))}`, baseline: '', ratio: `p95 ${ms(pct(ev, 95))}`,
    goal: 'p95 ≤ 10 ms', met: pct(ev, 95) <= 10 });
  rows.push({ id: 'B3', what: 'one workspace edit → updated result (live diff)', value: `p50 ${ms(pct(edit, 50))}`,
    baseline: `whole desired side again p50 ${ms(pct(whole, 50))}`, ratio: `p95 ${ms(pct(edit, 95))}`, goal: '', met: null });
}

async function b4(): Promise<void> {
  const n = quick ? 5000 : 10000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepolicy-bench-'));
  try {
    for (const f of generate({ documents: n, files: n / 10 })) {
      const p = path.join(dir, new URL(f.uri).pathname);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, f.text);
    }
    const { measureServer } = await import('./server-rss');
    const m = await measureServer(path.join(repo, 'dist', 'server.js'), dir);
    raw.B4 = { ...m, documents: n };
    rows.push({ id: 'B4', what: `server RSS after indexing ${n} docs`, value: `${(m.rssBytes / 1048576).toFixed(0)} MB`,
      baseline: `idle ${(m.idleRssBytes / 1048576).toFixed(0)} MB`, ratio: `${((m.rssBytes - m.idleRssBytes) / n / 1024).toFixed(1)} KB/doc`,
      goal: '≤ 250 MB', met: m.rssBytes <= 250 * 1048576 });
    rows.push({ id: 'B4', what: 'index time (server, from disk)', value: ms(m.indexMs), baseline: '', ratio: '', goal: '', met: null });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function b5(): Promise<void> {
  const { measureActivation } = await import('./activation');
  const a = await measureActivation(repo);
  raw.B5 = a;
  rows.push({ id: 'B5', what: 'client bundle load (stand-in vscode module)', value: ms(a.activateMs),
    baseline: '', ratio: '', goal: '', met: null });
  rows.push({ id: 'B5', what: 'language server ready (spawn → initialize result)', value: ms(a.serverReadyMs), baseline: '', ratio: '', goal: '', met: null });
  try {
    const out = path.join(os.tmpdir(), `edgepolicy-bench-${process.pid}.vsix`);
    execFileSync(process.execPath, [path.join(repo, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies',
      '--no-rewrite-relative-links', '--allow-missing-repository', '--skip-license', '-o', out], { cwd: repo, stdio: 'ignore' });
    const size = fs.statSync(out).size;
    fs.rmSync(out);
    raw.B5 = { ...a, vsixBytes: size };
    rows.push({ id: 'B5', what: 'VSIX size', value: `${(size / 1024).toFixed(0)} KB`, baseline: '', ratio: '', goal: '', met: null });
  } catch (e) {
    rows.push({ id: 'B5', what: 'VSIX size', value: `failed: ${(e as Error).message.split('\n')[0]}`, baseline: '', ratio: '', goal: '', met: false });
  }
}

function table(): string {
  const head = ['', 'measure', 'edgepolicy', 'baseline (same run)', 'ratio', 'goal', ''];
  const body = rows.map((r) => [r.id, r.what, r.value, r.baseline, r.ratio, r.goal, r.met === null ? '' : r.met ? 'met' : 'MISSED']);
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  return [line(head), '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}`;
  log(`machine: ${machine}${quick ? ' (quick)' : ''}`);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : ['B1', 'B2', 'B3', 'B4', 'B5'];
  if (only.includes('B1')) await b1();
  if (only.includes('B2')) await b2();
  if (only.includes('B3')) b3();
  if (only.includes('B4')) await b4();
  if (only.includes('B5')) await b5();
  console.log(`edgepolicy benchmark — ${machine}${quick ? ' — quick run' : ''}\n`);
  console.log(table());
  fs.mkdirSync(path.dirname(path.resolve(jsonOut)), { recursive: true });
  fs.writeFileSync(jsonOut, JSON.stringify({ machine, quick, date: new Date().toISOString(), rows, raw }, null, 2));
  log(`wrote ${jsonOut}`);
}

// The engine as shipped: with the validators compiled at build time (dist/validators, beside this bundle).
installBuiltValidators();
if (args[0] === '--one-shot') {
  oneShot(args[1], Number(args[2]));
} else {
  main().catch((e) => {
    console.error(`[bench] failed: ${e.stack ?? e}`);
    process.exit(1);
  });
}
