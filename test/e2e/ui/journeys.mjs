// The user's journeys, driven through the VS Code workbench in a real browser. Each asserts on what VS Code
// shows (DOM: squiggles, the Problems panel, suggest widget, hover, tree rows, diff editor), not on API values.
// Run by test/e2e/run.mjs with { page, ws, kubeconfig, shot, log }.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';

const T = 60000;

async function command(page, title) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: T });
  await page.keyboard.press('Enter');
}

async function openFile(page, relPath) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  await input.fill(relPath);
  const name = relPath.split('/').pop();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: T });
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active[data-resource-name="${name}"], .tab.active:has-text("${name}")`).first().waitFor({ timeout: T });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: T });
}

/** Moves the cursor to line:column (1-based) with VS Code's Go to Line. */
async function gotoLine(page, line, column = 1) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
}

async function problemsText(page) {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible().catch(() => false))) await command(page, 'View: Focus Problems');
  await panel.waitFor({ timeout: T });
  return panel.innerText();
}

async function waitForText(locator, re, timeout = T) {
  const end = Date.now() + timeout;
  let last = '';
  while (Date.now() < end) {
    last = await locator.innerText().catch(() => '');
    if (re.test(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${re} in: ${last.slice(0, 600)}`);
}

async function showEdgePolicyContainer(page) {
  const tab = page.locator('.activitybar .action-item a[aria-label^="Edge Policy"]').first();
  await tab.waitFor({ timeout: T });
  const checked = await page.locator('.activitybar .action-item.checked a[aria-label^="Edge Policy"]').count();
  if (!checked) await tab.click();
}

function treeRow(page, view, label) {
  return page.locator(`.pane:has(.pane-header[aria-label*="${view}"]) .monaco-list-row`, { hasText: label }).first();
}

async function expand(row) {
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
}

export const journeys = [
  {
    name: 'diagnostics: squiggles on the intended mistakes and a cross-file collision',
    async run({ page, shot }) {
      await openFile(page, 'teams/orders/routes.yaml');
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: T });
      await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: T });
      await problemsText(page);
      const all = await waitForText(page.locator('.markers-panel'), /EP231/);
      assert.match(all, /EP100/, 'the misspelt field is reported');
      assert.match(all, /timeout_msx/);
      assert.match(all, /EP200/, 'the accidental split is reported');
      assert.match(all, /payments/, 'the collision names the other team');
      assert.match(all, /EP231/, 'the bad regex in another file is reported too');
      await shot('diagnostics');
    },
  },
  {
    name: 'completion: Mapping fields inside a Mapping, also on an empty line',
    async run({ page, shot }) {
      await openFile(page, 'teams/payments/routes.yaml');
      // Line 10 is `  service: ...`, the last line of the Mapping: open a new line under it and ask for completion.
      await gotoLine(page, 10, 200);
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+Space');
      const widget = page.locator('.editor-widget.suggest-widget');
      await widget.waitFor({ state: 'visible', timeout: T });
      const list = await waitForText(widget, /timeout_ms/);
      assert.match(list, /prefix_regex|rewrite|timeout_ms/);
      assert.doesNotMatch(list, /hostBinding|securityModel/, 'no Listener fields in a Mapping');
      await shot('completion');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Z');
    },
  },
  {
    name: 'hover: our description of a field',
    async run({ page, shot }) {
      await openFile(page, 'teams/payments/routes.yaml');
      const key = page.locator('.monaco-editor .view-line span', { hasText: /^prefix$/ }).first();
      await key.waitFor({ timeout: T });
      await key.hover();
      const hover = page.locator('.monaco-hover').first();
      await hover.waitFor({ state: 'visible', timeout: T });
      const text = await waitForText(hover, /\w{4,}/);
      assert.match(text, /prefix/i);
      await shot('hover');
      await page.mouse.move(5, 5);
    },
  },
  {
    name: 'routes tree: hosts and groups; selecting a route opens its source',
    async run({ page, shot }) {
      await showEdgePolicyContainer(page);
      const api = treeRow(page, 'Routes', 'api.example.com');
      await api.waitFor({ timeout: T });
      await expand(api);
      const group = treeRow(page, 'Routes', '/api/');
      await group.waitFor({ timeout: T });
      await expand(group);
      const member = treeRow(page, 'Routes', 'orders-api');
      await member.waitFor({ timeout: T });
      assert.match(await treeRow(page, 'Routes', 'shop.example.com').innerText(), /shop\.example\.com/);
      await member.click();
      await page.locator('.tab.active', { hasText: 'routes.yaml' }).waitFor({ timeout: T });
      const status = page.locator('.statusbar-item[id*="selection"], .statusbar-item:has-text("Ln ")').first();
      await waitForText(status, /Ln (5|6|7|8|9|10)\b/);
      await shot('routes');
    },
  },
  {
    name: 'diff against cluster: the drift view lists exactly the seeded drift; an entry opens the diff editor',
    async run({ page, shot }) {
      await command(page, 'Edge Policy: Diff against cluster');
      const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'edgepolicy-demo' }).first();
      await pick.waitFor({ timeout: T });
      await pick.click();
      // namespaces: accept the default selection
      await page.locator('.quick-input-widget').waitFor({ timeout: T });
      await page.keyboard.press('Enter');
      await showEdgePolicyContainer(page);
      const drift = page.locator('.pane:has(.pane-header[aria-label*="Cluster Drift" i])');
      await waitForText(drift, /Changed.*2/i);
      const changed = treeRow(page, 'Cluster Drift', 'Changed');
      await expand(changed);
      const onlyCluster = treeRow(page, 'Cluster Drift', 'cluster');
      await expand(onlyCluster);
      const onlyWs = treeRow(page, 'Cluster Drift', 'workspace');
      await expand(onlyWs);
      const text = await waitForText(drift, /debug-hotfix/);
      assert.match(text, /checkout/);
      assert.match(text, /catalog-canary/);
      assert.match(text, /search-suggest/);
      assert.doesNotMatch(text, /payments-api/, 'in-sync resources are not listed as drift');
      await shot('drift');
      await treeRow(page, 'Cluster Drift', 'catalog-canary').click();
      const diff = page.locator('.monaco-diff-editor').first();
      await diff.waitFor({ timeout: T });
      await waitForText(diff, /weight/);
      const sides = await diff.innerText();
      assert.match(sides, /10/);
      assert.match(sides, /25/);
      await shot('diff-editor');
    },
  },
  {
    name: 'live: a change made in the cluster with kubectl updates the drift view',
    async run({ page, kubeconfig, shot }) {
      execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'patch', 'mappings.getambassador.io', 'payments-api', '-n', 'payments',
        '--type', 'merge', '-p', '{"spec":{"timeout_ms":1234}}'], { stdio: 'pipe' });
      await showEdgePolicyContainer(page);
      const drift = page.locator('.pane:has(.pane-header[aria-label*="Cluster Drift" i])');
      await waitForText(drift, /payments-api/);
      await shot('drift-live');
    },
  },
];
