// The user's journeys, driven through the VS Code workbench in a real browser. Each asserts on what VS Code
// shows (DOM: squiggles, the Problems panel, suggest widget, hover, tree rows, diff editor), not on API values.
// Expected values come from the repository at run time (the schemas, the demo cluster's README), not from
// copies in this file. Run by test/e2e/run.mjs with { page, ws, repo, kubeconfig, shot, log }.
// Every journey starts from a clean workbench (reset()), so one failure does not cascade into the next.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { until as pollUntil } from '../../../scripts/lib/procs.mjs';

const T = 30000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- expectations read from the repository

/** Spec field names of one kind/version, from our JSON Schemas. */
function specFields(repo, version, kind) {
  const schema = JSON.parse(fs.readFileSync(path.join(repo, 'schemas', version, `${kind}.json`), 'utf8'));
  return schema.properties.spec.properties;
}

/**
 * The drift the demo cluster is seeded with, from the table in test/fixtures/demo-cluster/README.md:
 * `| Mapping checkout/checkout | changed `/spec/timeout_ms` | why |` -> { label, state, pointer }.
 */
export function expectedDrift(repo) {
  const text = fs.readFileSync(path.join(repo, 'test/fixtures/demo-cluster/README.md'), 'utf8');
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^\|\s*(\w+) ([\w-]+\/[\w.-]+)\s*\|\s*(changed|cluster-only|workspace-only)\s*`?([^`|]*)`?\s*\|/.exec(line);
    if (m) out.push({ label: `${m[1]} ${m[2]}`, state: m[3], pointer: m[4].trim() });
  }
  assert.ok(out.length >= 3, 'the demo cluster README lists the seeded drift');
  return out;
}

// ---------------------------------------------------------------- workbench helpers

async function waitForText(locator, re, timeout = T) {
  const end = Date.now() + timeout;
  let last = '';
  while (Date.now() < end) {
    last = (await locator.innerText({ timeout: 1000 }).catch(() => '')).replace(/\u00a0/g, ' ');
    if (re.test(last)) return last;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${re} in: ${last.slice(0, 600)}`);
}

/** Polls `fn` until it returns a truthy value (see scripts/lib/procs.mjs), within `timeout` (default 30 s). */
const until = (what, fn, timeout = T) => pollUntil(what, fn, timeout);

/** Runs a command from the palette, by its exact label. Retries: the palette may list commands from before activation. */
async function command(page, label) {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ timeout: T });
    await input.fill(`>${label}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: label }) }).first();
    try {
      await row.waitFor({ timeout: 5000 });
      await row.click();
      return;
    } catch (e) {
      if (attempt >= 3) {
        const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
        throw new Error(`the command palette has no "${label}" (it lists: ${rows.join(' | ') || 'nothing'})`);
      }
    }
  }
}

/** Visible rows of a list (Problems panel, tree view, suggest widget) with their aria attributes. */
function rowsOf(list) {
  return list.locator('.monaco-list-row').evaluateAll((els) =>
    els
      .map((e) => ({
        label: e.getAttribute('aria-label') ?? '',
        level: Number(e.getAttribute('aria-level') ?? 0),
        expanded: e.getAttribute('aria-expanded'),
        text: e.innerText,
        top: e.getBoundingClientRect().top,
      }))
      .sort((a, b) => a.top - b.top),
  );
}

/** The visible rows of a tree view: level and label (the label element only, without the description). */
function treeLabels(page, view) {
  return pane(page, view).locator('.monaco-list-row').evaluateAll((els) =>
    els
      .map((e) => ({
        level: Number(e.getAttribute('aria-level') ?? 0),
        name: (e.querySelector('.label-name')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
        top: e.getBoundingClientRect().top,
      }))
      .sort((a, b) => a.top - b.top),
  );
}

let sidebarWidened = false;

/** Escape, close dialogs, editors and the panel, reset the sidebar: every journey starts from here. */
async function reset(page) {
  for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
  const dialog = page.locator('.monaco-dialog-box');
  if (await dialog.isVisible().catch(() => false)) await dialog.locator('.monaco-button', { hasText: /Don't Save|Cancel/ }).first().click().catch(() => {});
  if (await page.locator('.editor-group-container .tab').count()) {
    await command(page, 'View: Close All Editors');
    // unsaved edits of a failed journey: throw them away
    const dontSave = dialog.locator('.monaco-button', { hasText: "Don't Save" }).first();
    if (await dontSave.waitFor({ timeout: 1500 }).then(() => true, () => false)) await dontSave.click();
    await until('no open editors', async () => (await page.locator('.editor-group-container .tab').count()) === 0, 10000);
  }
  if (await page.locator('.part.panel').isVisible().catch(() => false)) {
    await command(page, 'View: Hide Panel');
    await page.locator('.part.panel').waitFor({ state: 'hidden', timeout: 10000 });
  }
  if (!sidebarWidened) {
    // a wider primary side bar keeps tree labels readable in the screenshots
    const sash = page.locator('.monaco-sash.primary-sidebar-sash').first();
    const box = await sash.boundingBox();
    if (box && box.x < 470) {
      await page.mouse.move(box.x + 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + 60, box.y + box.height / 2, { steps: 5 });
      await page.mouse.move(480, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
    }
    sidebarWidened = true;
  }
}

async function showExplorer(page) {
  const checked = await page.locator('.activitybar .action-item.checked a[aria-label^="Explorer"]').count();
  if (!checked) await page.locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click();
}

async function showEdgePolicy(page) {
  const tab = page.locator('.activitybar .action-item a[aria-label^="Edge Policy"]').first();
  await tab.waitFor({ timeout: T });
  const checked = await page.locator('.activitybar .action-item.checked a[aria-label^="Edge Policy"]').count();
  if (!checked) await tab.click();
  await setPane(page, 'Routes', true);
  await setPane(page, 'Cluster Drift', true);
}

/** Opens a workspace file with Quick Open and waits until it is the active editor. */
async function openFile(page, relPath) {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  await input.waitFor({ timeout: T });
  await input.fill(relPath);
  const name = path.posix.basename(relPath);
  const dir = path.posix.dirname(relPath);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).filter({ hasText: dir }).first();
  await row.waitFor({ timeout: T });
  await row.click();
  await waitForText(page.locator('.editor-group-container .breadcrumbs-control').first(), new RegExp(`${path.posix.basename(dir)}\\s*\\W*\\s*${name}`));
  await page.locator('.editor-group-container .monaco-editor .view-lines').first().waitFor({ timeout: T });
}

/** Moves the cursor to line:column (1-based) with Go to Line. */
async function gotoLine(page, line, column = 1) {
  await page.locator('.editor-group-container .monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: T });
  await waitForText(cursorStatus(page), new RegExp(`Ln ${line},`));
}

/** Where `key: value` puts its value in a workspace file: 1-based line, 1-based first and last+1 columns. */
function valueAt(ws, rel, key, value) {
  const lines = fs.readFileSync(path.join(ws, rel), 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(`${key}: ${value}`));
  assert.ok(line >= 0, `${key}: ${value} in ${rel}`);
  const column = lines[line].indexOf(`${key}: ${value}`) + key.length + 3;
  return { line: line + 1, column, end: column + value.length };
}

/** The status bar text of a one-line selection of `at`, made from its start to its end. */
function selectionStatus(at) {
  return new RegExp(`Ln ${at.line}, Col ${at.end} \\(${at.end - at.column} selected\\)`);
}

function cursorStatus(page) {
  return page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
}

/** The text line of the active editor whose text matches `re`, and its vertical extent. */
async function editorLine(page, re) {
  const lines = await page.locator('.editor-group-container .monaco-editor .view-lines .view-line').evaluateAll((els) =>
    els.map((e) => ({ text: e.textContent.replace(/\u00a0/g, ' '), top: e.getBoundingClientRect().top, height: e.getBoundingClientRect().height })),
  );
  const line = lines.find((l) => re.test(l.text));
  assert.ok(line, `the editor shows a line matching ${re}`);
  return line;
}

/** Squiggles of a kind ('error' | 'warning' | 'info') drawn on the editor line matching `re`. */
async function squigglesOn(page, kind, re) {
  const line = await editorLine(page, re);
  const boxes = await page.locator(`.editor-group-container .monaco-editor .squiggly-${kind}`).evaluateAll((els) =>
    els.map((e) => e.getBoundingClientRect()).map((r) => ({ top: r.top, height: r.height })),
  );
  return boxes.filter((b) => b.top + b.height / 2 >= line.top && b.top + b.height / 2 <= line.top + line.height).length;
}

async function openProblems(page) {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible().catch(() => false))) await command(page, 'View: Focus Problems (Errors, Warnings, Infos)');
  await panel.waitFor({ timeout: T });
  return panel;
}

function pane(page, title) {
  return page.locator(`.pane:has(> .pane-header[aria-label*="${title}"])`).first();
}

/** Expands or collapses a view pane of the side bar by its header. */
async function setPane(page, title, expanded) {
  const header = page.locator(`.pane-header[aria-label*="${title}"]`).first();
  await header.waitFor({ timeout: T });
  if ((await header.getAttribute('aria-expanded')) !== String(expanded)) await header.click();
  await until(`the ${title} pane to be ${expanded ? 'expanded' : 'collapsed'}`, async () => (await header.getAttribute('aria-expanded')) === String(expanded), 5000);
}

function treeRow(page, view, label) {
  return pane(page, view).locator('.monaco-list-row', { hasText: label }).first();
}

async function expand(row) {
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
}

// ---------------------------------------------------------------- Cluster Drift helpers

const STATE_HEADINGS = { changed: /^Changed \(/, 'workspace-only': /^Only in workspace/, 'cluster-only': /^Only in cluster/, 'in-sync': /^In sync \(/ };

/** The drift tree as shown: { state: { count, expanded, entries: [{label, description}] } }. */
async function driftTree(page) {
  const rows = await rowsOf(pane(page, 'Cluster Drift'));
  const out = {};
  let current;
  for (const r of rows) {
    if (r.level === 1) {
      const state = Object.keys(STATE_HEADINGS).find((s) => STATE_HEADINGS[s].test(r.label));
      current = state;
      if (state) out[state] = { count: Number(/\((\d+)\)/.exec(r.label)?.[1]), expanded: r.expanded === 'true', entries: [] };
    } else if (r.level === 2 && current) {
      const [label, ...rest] = r.label.split(', ');
      out[current].entries.push({ label, description: rest.join(', ') });
    }
  }
  return out;
}

/** Starts "Diff against cluster" from the palette, through both pickers, unless a session already shows. */
async function startDiff(page) {
  await command(page, 'Edge Policy: Diff against cluster');
  const quick = page.locator('.quick-input-widget');
  await quick.filter({ hasText: '(1/2)' }).waitFor({ timeout: T });
  const pick = quick.locator('.monaco-list-row', { hasText: 'edgepolicy-demo' }).first();
  await pick.waitFor({ timeout: T });
  await pick.click();
  // namespaces: opens at once (busy while listing); wait for the cluster's list, then accept "All namespaces"
  await quick.filter({ hasText: '(2/2)' }).waitFor({ timeout: T });
  await quick.locator('.monaco-list-row', { hasText: 'kube-system' }).first().waitFor({ timeout: T });
  const all = quick.locator('.monaco-list-row', { hasText: 'All namespaces' }).first();
  assert.equal(await all.getAttribute('aria-checked'), 'true', '"All namespaces" is selected by default');
  await quick.locator('.monaco-button', { hasText: 'OK' }).first().click();
  await quick.waitFor({ state: 'hidden', timeout: T });
  await showEdgePolicy(page);
  await until('the drift view to list the drift', async () => {
    const t = await driftTree(page);
    return t.changed && t['in-sync'] ? t : undefined;
  });
}

async function ensureDiff(page) {
  await showEdgePolicy(page);
  const t = await driftTree(page);
  if (!t.changed) await startDiff(page);
}

function kubectl(kubeconfig, ...args) {
  return execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { stdio: 'pipe', timeout: 20000 }).toString();
}

// ---------------------------------------------------------------- the journeys

export const journeys = [
  {
    name: 'diagnostics: squiggles on the intended mistakes and a cross-file collision',
    async run({ page, shot, ws }) {
      await reset(page);
      await showExplorer(page);
      await openFile(page, 'teams/orders/routes.yaml');
      // squiggles in the editor, on the right lines
      await until('an error squiggle under timeout_msx', async () => (await squigglesOn(page, 'error', /^\s*timeout_msx:/)) > 0);
      await until('a warning squiggle under prefix: /api/', async () => (await squigglesOn(page, 'warning', /^\s*prefix: \/api\//)) > 0);
      assert.equal(await squigglesOn(page, 'error', /^\s*service:/), 0, 'the valid service line is not marked');

      // the Problems panel: the misspelt field, the split with its related location in the other team's file,
      // and the bad regex in a file that was never opened
      const panel = await openProblems(page);
      const rows = await until('the Problems panel to list EP231', async () => {
        const r = await rowsOf(panel);
        return r.some((x) => /EP231/.test(x.text)) ? r : undefined;
      });
      const inOrders = [];
      let file;
      for (const r of rows) {
        if (/problems? in file/.test(r.label)) file = r.label;
        else if (/teams\/orders/.test(file ?? '')) inOrders.push(r);
      }
      const ep100 = inOrders.find((r) => /EP100/.test(r.text));
      assert.ok(ep100, 'EP100 is listed under teams/orders/routes.yaml');
      assert.match(ep100.label, /^Error: .*timeout_msx.*line 11/);
      const ep200 = inOrders.find((r) => /EP200/.test(r.text));
      assert.ok(ep200, 'EP200 is listed under teams/orders/routes.yaml');
      assert.match(ep200.label, /^Warning: .*payments\/payments-api.*line 9.*references to 1 location/);
      const related = inOrders[inOrders.indexOf(ep200) + 1];
      assert.ok(related && related.level > ep200.level, 'the EP200 problem has a related-location row');
      assert.match(related.label, /payments\/payments-api.* at line 9 .* in routes\.yaml/);
      assert.ok(rows.some((r) => /teams\/search/.test(r.label)), 'the unopened search file has problems');
      assert.ok(rows.some((r) => /^Error: .*search\/search.*RE2/.test(r.label) && /EP231/.test(r.text)), 'EP231 on the search Mapping');
      await shot('diagnostics');

      // the related location leads to the other team's Mapping: its prefix value is selected
      await panel.locator(`.monaco-list-row[aria-label="${related.label.replace(/"/g, '\\"')}"]`).first().click();
      await waitForText(page.locator('.editor-group-container .breadcrumbs-control').first(), /payments\W+routes\.yaml/);
      await waitForText(cursorStatus(page), selectionStatus(valueAt(ws, 'teams/payments/routes.yaml', 'prefix', '/api/')));
    },
  },
  {
    name: 'completion: Mapping fields inside a Mapping, also on an empty line',
    async run({ page, shot, repo }) {
      await reset(page);
      await showExplorer(page);
      await openFile(page, 'teams/payments/routes.yaml');
      // the last line of the Mapping is `  service: ...`: open an empty line under it and ask for completion
      const serviceLine = (await editorLine(page, /^\s*service:/)).text;
      assert.match(serviceLine, /^ {2}service:/);
      await gotoLine(page, 10, 200);
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await waitForText(cursorStatus(page), /Ln 11, Col 3/);
      await page.keyboard.press('Control+Space');
      const widget = page.locator('.editor-widget.suggest-widget');
      await widget.waitFor({ state: 'visible', timeout: T });
      await until('completion items', async () => (await rowsOf(widget)).length > 3);
      // the list is virtual: page through it and collect every label
      const labels = new Set();
      let stable = 0;
      for (let i = 0; i < 40 && stable < 2; i++) {
        const before = labels.size;
        for (const r of await rowsOf(widget)) labels.add(r.label.split(',')[0]);
        stable = labels.size === before ? stable + 1 : 0;
        await page.keyboard.press('PageDown');
        await sleep(250);
      }
      const mapping = specFields(repo, 'v3alpha1', 'Mapping');
      const offered = [...labels];
      const foreign = offered.filter((l) => !(l in mapping));
      assert.deepEqual(foreign, [], 'only Mapping spec fields are offered');
      for (const f of ['timeout_ms', 'weight', 'rewrite', 'prefix_regex']) assert.ok(labels.has(f), `${f} is offered`);
      for (const f of ['hostBinding', 'securityModel', 'tlsSecret', 'requestPolicy'])
        assert.ok(!labels.has(f), `${f} (not a Mapping field) is not offered`);
      assert.ok(offered.length >= 20, `many Mapping fields are offered (${offered.length})`);

      // for the picture: the list from the top (the details pane stays closed: VS Code sizes it for two lines)
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Space');
      await widget.waitFor({ state: 'visible', timeout: T });
      const first = [...labels][0];
      await waitForText(widget.locator('.monaco-list-row.focused'), new RegExp(first));
      const details = page.locator('.suggest-details-container .suggest-details');
      if (await details.isVisible().catch(() => false)) {
        await page.keyboard.press('Control+Space');
        await details.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
      }
      await shot('completion');
      await page.keyboard.press('Escape');
    },
  },
  {
    name: 'hover: our description of a field',
    async run({ page, shot, repo }) {
      await reset(page);
      await showExplorer(page);
      await openFile(page, 'teams/payments/routes.yaml');
      const key = page.locator('.editor-group-container .monaco-editor .view-line span', { hasText: /^prefix$/ }).first();
      await key.waitFor({ timeout: T });
      const hover = page.locator('.monaco-hover:not(.hidden)').first();
      const expected = specFields(repo, 'v3alpha1', 'Mapping').prefix.description.replace(/`/g, '').split('. ')[0];
      // hovering may need a second try while the language server warms up
      await until('the hover of prefix', async () => {
        await page.mouse.move(5, 5);
        await key.hover();
        await hover.waitFor({ state: 'visible', timeout: 5000 });
        const text = await waitForText(hover, /\w{4,}\s+\w{4,}/, 5000);
        return text.replace(/\s+/g, ' ').includes(expected) ? text : undefined;
      });
      assert.match(await hover.innerText(), /^prefix/, 'the hover names the field');
      await shot('hover');
      await page.mouse.move(5, 5);
    },
  },
  {
    name: 'navigation: the Outline lists the resources of a file; F12 on a Host\'s TLSContext opens its definition; a route-group lens peeks at its members',
    async run({ page, shot, ws }) {
      await reset(page);
      await showExplorer(page);
      await openFile(page, 'teams/catalog/routes.yaml');
      await setPane(page, 'Outline', true);
      try {
        await until('the outline of teams/catalog/routes.yaml', async () => {
          const names = (await treeLabels(page, 'Outline')).map((r) => `${r.level}:${r.name}`);
          return names.join(',') === '1:catalog,1:catalog-canary' ? names : undefined;
        });
        await openFile(page, 'teams/catalog/service.yaml');
        const owner = treeRow(page, 'Outline', 'images');
        await owner.waitFor({ timeout: T });
        await expand(owner);
        const outline = await until('the annotation Mapping under its Service', async () => {
          const rows = await treeLabels(page, 'Outline');
          return rows.length === 2 && rows[1].level === 2 ? rows : undefined;
        });
        assert.deepStrictEqual(outline.map((r) => [r.level, r.name]), [[1, 'images'], [2, 'images']]);
        await shot('outline');
      } finally {
        await setPane(page, 'Outline', false);
      }
      // Go to Definition from the Host's tlsContext name to the TLSContext in another file.
      await openFile(page, 'platform/hosts.yaml');
      const ref = valueAt(ws, 'platform/hosts.yaml', 'name', 'shop-tls');
      await gotoLine(page, ref.line, ref.column + 1);
      await page.keyboard.press('F12');
      await waitForText(page.locator('.editor-group-container .breadcrumbs-control').first(), /platform\s*\W*\s*tls\.yaml/);
      const target = valueAt(ws, 'platform/tls.yaml', 'name', 'shop-tls');
      await waitForText(cursorStatus(page), new RegExp(`Ln ${target.line},`));
      await shot('definition');
      // The code lens above a canary Mapping names the shares; clicking it peeks at every member of the group.
      await openFile(page, 'teams/catalog/routes.yaml');
      const lens = page.locator('.editor-group-container .codelens-decoration a', { hasText: 'catalog-canary 10% · catalog 90%' }).first();
      await lens.waitFor({ timeout: T });
      await lens.click();
      const peek = page.locator('.editor-group-container .peekview-widget').first();
      await peek.waitFor({ timeout: T });
      await waitForText(peek, /Locations \(2\)|2 references/);
      await shot('route-lens');
      await page.keyboard.press('Escape');
    },
  },
  {
    name: 'routes tree: Reveal in Routes View from the editor selects the Mapping under the cursor',
    async run({ page, shot, ws }) {
      await reset(page);
      await showExplorer(page);
      await openFile(page, 'teams/catalog/routes.yaml');
      const name = valueAt(ws, 'teams/catalog/routes.yaml', 'name', 'catalog-canary');
      await gotoLine(page, name.line + 4, 3); // anywhere in the Mapping: its prefix line
      await command(page, 'Edge Policy: Reveal in Routes View');
      const selected = pane(page, 'Routes').locator('.monaco-list-row[aria-selected="true"]').first();
      await waitForText(selected, /^catalog\/catalog-canary/);
      // under its group, under its Host
      const rows = await treeLabels(page, 'Routes');
      const at = rows.findIndex((r) => r.name === 'catalog/catalog-canary');
      const group = rows.slice(0, at).reverse().find((r) => r.level === rows[at].level - 1);
      const host = rows.slice(0, at).reverse().find((r) => r.level === rows[at].level - 2);
      assert.deepStrictEqual([host?.name, group?.name], ['shop.example.com', '/products/']);
      await shot('reveal');
    },
  },
  {
    name: 'routes tree: hosts and groups; selecting a route opens its source',
    async run({ page, shot, ws }) {
      await reset(page);
      await showEdgePolicy(page);
      const api = treeRow(page, 'Routes', 'api.example.com');
      await api.waitFor({ timeout: T });
      await expand(api);
      await expand(treeRow(page, 'Routes', 'shop.example.com'));
      const group = treeRow(page, 'Routes', '/api/');
      await group.waitFor({ timeout: T });
      await expand(group);
      const member = treeRow(page, 'Routes', 'orders/orders-api');
      await member.waitFor({ timeout: T });
      const rows = await rowsOf(pane(page, 'Routes'));
      const hosts = rows.filter((r) => r.level === 1).map((r) => r.text.split('\n')[0]);
      assert.ok(hosts.some((h) => /^api\.example\.com/.test(h)), `api.example.com is a host row (${hosts.join(' | ')})`);
      assert.ok(hosts.some((h) => /^shop\.example\.com/.test(h)), 'shop.example.com is a host row');
      // groups under the hosts, as the workspace defines them
      const under = (host) => {
        const i = rows.findIndex((r) => r.level === 1 && r.text.startsWith(host));
        const out = [];
        for (const r of rows.slice(i + 1)) {
          if (r.level === 1) break;
          if (r.level === 2) out.push(r.text.split('\n')[0]);
        }
        return out;
      };
      const apiGroups = under('api.example.com');
      for (const p of ['/api/', '/suggest/', '/search/v(?=[0-9])']) assert.ok(apiGroups.some((g) => g.startsWith(p)), `${p} under api.example.com (${apiGroups.join(' | ')})`);
      const shopGroups = under('shop.example.com');
      for (const p of ['/products/', '/checkout/', '/cart/']) assert.ok(shopGroups.some((g) => g.startsWith(p)), `${p} under shop.example.com (${shopGroups.join(' | ')})`);
      const apiGroup = rows.find((r) => r.level === 2 && r.text.startsWith('/api/'));
      assert.match(apiGroup.text, /2 members/, 'the accidental split shows as one group of two');
      const members = rows.filter((r) => r.level === 3 && rows.indexOf(r) > rows.indexOf(apiGroup)).slice(0, 2).map((r) => r.text);
      assert.ok(members.some((m) => /orders\/orders-api/.test(m)) && members.some((m) => /payments\/payments-api/.test(m)), 'both teams are members');

      await member.click();
      await waitForText(page.locator('.editor-group-container .breadcrumbs-control').first(), /orders\W+routes\.yaml/);
      // exactly the Mapping's name is selected (the cursor at its end)
      await waitForText(cursorStatus(page), selectionStatus(valueAt(ws, 'teams/orders/routes.yaml', 'name', 'orders-api')));
      // for the picture: the whole Routes tree (the Cluster Drift pane folded away meanwhile)
      await setPane(page, 'Cluster Drift', false);
      try {
        await shot('routes');
      } finally {
        await setPane(page, 'Cluster Drift', true);
      }
    },
  },
  {
    name: 'routes tree: Filter Routes… from the title bar narrows the tree; Clear Routes Filter brings it back',
    async run({ page, shot, repo, ws }) {
      await reset(page);
      await showEdgePolicy(page);
      // what to expect, from the CLI on the same workspace: the catalog team's route groups
      const table = JSON.parse(execFileSync(path.join(repo, 'bin/edgepolicy'), ['routes', ws, '-f', 'json'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
      const catalog = table.groups.filter((g) => g.members.some((m) => m.namespace === 'catalog'));
      const hosts = [...new Set(catalog.map((g) => g.host))];
      assert.ok(catalog.length >= 2 && hosts.length === 1, 'the example has several catalog routes on one host');
      const header = page.locator('.pane-header[aria-label*="Routes"]').first();
      const titleAction = async (label) => {
        await header.hover();
        const action = header.locator(`.action-label[aria-label^="${label}"]`).first();
        await action.waitFor({ timeout: T });
        await action.click();
      };
      let filtered = false;
      await setPane(page, 'Cluster Drift', false);
      try {
        await treeRow(page, 'Routes', 'api.example.com').waitFor({ timeout: T });
        await titleAction('Filter Routes');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ timeout: T });
        await input.fill('catalog');
        await page.keyboard.press('Enter');
        filtered = true;
        await input.waitFor({ state: 'hidden', timeout: T });
        await waitForText(header, new RegExp(`Filter: catalog \\(${catalog.length} of ${table.groups.length}\\)`));
        const rows = await until('only the catalog routes in the tree', async () => {
          const r = await treeLabels(page, 'Routes');
          return r.filter((x) => x.level === 1).length === 1 ? r : undefined;
        });
        const labelsAt = (level) => rows.filter((r) => r.level === level).map((r) => r.name);
        assert.deepEqual(labelsAt(1), hosts, 'one host row: the catalog routes\' host');
        assert.deepEqual(labelsAt(2).sort(), catalog.map((g) => g.prefix).sort(), 'the catalog route groups, no other');
        await shot('routes-filter');
        await titleAction('Clear Routes Filter');
        filtered = false;
        await until('every host back in the tree', async () => {
          const top = (await treeLabels(page, 'Routes')).filter((x) => x.level === 1).map((x) => x.name);
          return table.hosts.every((h) => top.includes(h.hostname));
        });
        assert.doesNotMatch(await header.innerText(), /Filter:/, 'the title no longer shows a filter');
        assert.equal(await header.locator('.action-label[aria-label^="Clear Routes Filter"]').count(), 0, 'the clear action is gone');
      } finally {
        // a failure must not leave the tree filtered for the journeys after this one
        if (filtered) await command(page, 'Edge Policy: Clear Routes Filter').catch(() => {});
        await setPane(page, 'Cluster Drift', true);
      }
    },
  },
  {
    name: 'diff against cluster: the drift view lists exactly the seeded drift; an entry opens the diff editor',
    async run({ page, shot, repo }) {
      await reset(page);
      await showEdgePolicy(page);
      await startDiff(page);
      const expected = expectedDrift(repo);
      const tree = await until('the drift tree', async () => {
        const t = await driftTree(page);
        return t.changed?.entries.length === t.changed?.count ? t : undefined;
      });
      for (const state of ['changed', 'workspace-only', 'cluster-only']) {
        const want = expected.filter((e) => e.state === state);
        const shown = tree[state];
        assert.ok(shown, `a "${state}" group is shown`);
        assert.equal(shown.count, want.length, `${state}: count`);
        assert.ok(shown.count === 0 || shown.expanded, `${state} is expanded`);
        assert.deepEqual(shown.entries.map((e) => e.label).sort(), want.map((e) => e.label).sort(), `${state}: exactly the seeded entries`);
        for (const w of want.filter((x) => x.pointer)) {
          const field = w.pointer.replace(/^\//, '').replace(/\//g, '.');
          assert.match(shown.entries.find((e) => e.label === w.label).description, new RegExp(field.replace(/\./g, '\\.')), `${w.label} names ${field}`);
        }
      }
      assert.ok(tree['in-sync'].count > 0 && !tree['in-sync'].expanded, 'in-sync resources are counted, collapsed');
      // the tooltip of the changed canary names the changed field and the source
      const canary = expected.find((e) => e.state === 'changed' && /weight/.test(e.pointer));
      const canaryRow = treeRow(page, 'Cluster Drift', canary.label);
      // Tree tooltips show after a hover delay and can be lost when the pointer lands during a re-render:
      // move away and hover again, a few times, before giving up.
      const tip = page.locator('.monaco-hover:not(.hidden), .workbench-hover').first();
      for (let attempt = 1; ; attempt++) {
        await page.mouse.move(900, 700);
        await canaryRow.hover();
        try {
          await tip.waitFor({ state: 'visible', timeout: 5000 });
          break;
        } catch (e) {
          if (attempt === 4) throw e;
        }
      }
      const tipText = (await tip.innerText()).replace(/\u00a0/g, ' ');
      assert.match(tipText, new RegExp(canary.pointer.replace(/^\//, '').replace(/\//g, '\\.')), 'the tooltip names the changed field');
      assert.match(tipText, /routes\.yaml:\d+/, 'the tooltip names the source');
      await page.mouse.move(900, 700);
      await tip.waitFor({ state: 'hidden', timeout: 10000 }).catch(() => {});
      await shot('drift');

      // open the promoted canary: both sides in the diff editor
      await canaryRow.click();
      const diff = page.locator('.editor-group-container .monaco-diff-editor').first();
      await diff.waitFor({ timeout: T });
      const left = await waitForText(diff.locator('.editor.original .view-lines'), /weight:/);
      const right = await waitForText(diff.locator('.editor.modified .view-lines'), /weight:/);
      const ws = /weight: (\d+)/.exec(left)[1];
      const cl = /weight: (\d+)/.exec(right)[1];
      assert.notEqual(ws, cl, 'the two sides show different weights');
      const source = fs.readFileSync(path.join(repo, 'examples/teams/catalog/routes.yaml'), 'utf8');
      assert.ok(new RegExp(`weight: ${ws}\\b`).test(source), 'the left side is the workspace');
      assert.match(left, new RegExp(canary.label.split('/')[1]), 'the workspace side is the whole Mapping');
      assert.match(right, new RegExp(canary.label.split('/')[1]), 'the cluster side is the whole Mapping');
      await waitForText(page.locator('.editor-group-container .tab.active'), /workspace ↔ edgepolicy-demo/);
      assert.ok((await diff.locator('.line-insert, .char-insert').count()) > 0, 'the change is highlighted');
      await shot('diff-editor');
      // both sides are read-only: typing into either changes nothing
      for (const side of ['original', 'modified']) {
        const lines = diff.locator(`.editor.${side} .view-lines`);
        const before = await lines.innerText();
        await lines.click({ position: { x: 40, y: 8 } });
        await page.keyboard.type('edited-by-a-test ');
        await page.waitForTimeout(300);
        const after = await lines.innerText();
        assert.doesNotMatch(after, /edited-by-a-test/, `the ${side} side accepted typing`);
        assert.equal(after, before, `the ${side} side changed`);
      }
    },
  },
  {
    name: 'live: a change made in the cluster with kubectl updates the drift view',
    async run({ page, kubeconfig, shot, repo }) {
      await reset(page);
      await ensureDiff(page);
      const expected = expectedDrift(repo);
      const inSync = 'Mapping payments/payments-api';
      assert.ok(!expected.some((e) => e.label === inSync), `${inSync} starts in sync`);
      const before = await driftTree(page);
      assert.ok(!before.changed.entries.some((e) => e.label === inSync));
      kubectl(kubeconfig, 'patch', 'mappings.getambassador.io', 'payments-api', '-n', 'payments', '--type', 'merge', '-p', '{"spec":{"timeout_ms":1234}}');
      try {
        const after = await until('the patched Mapping to show as changed', async () => {
          const t = await driftTree(page);
          return t.changed?.entries.some((e) => e.label === inSync) ? t : undefined;
        }, 20000);
        assert.equal(after.changed.count, before.changed.count + 1);
        assert.equal(after['in-sync'].count, before['in-sync'].count - 1);
        assert.match(after.changed.entries.find((e) => e.label === inSync).description, /spec\.timeout_ms/);
        await shot('drift-live');
      } finally {
        // put it back: the entry leaves the drift view again
        kubectl(kubeconfig, 'patch', 'mappings.getambassador.io', 'payments-api', '-n', 'payments', '--type', 'json', '-p', '[{"op":"remove","path":"/spec/timeout_ms"}]');
      }
      await until('the reverted Mapping to be in sync again', async () => {
        const t = await driftTree(page);
        return t.changed && !t.changed.entries.some((e) => e.label === inSync) && t['in-sync'].count === before['in-sync'].count;
      }, 20000);
    },
  },
];
