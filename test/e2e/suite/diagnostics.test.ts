// Diagnostics of the example workspace as VS Code holds them (vscode.languages.getDiagnostics): codes, severities,
// exact ranges, and the related location of a collision in another team's file. The files are not opened.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, codeOf, diagnosticsOf, find, isOpen, span, valueRange, wsUri } from './helpers';

const ORDERS = 'teams/orders/routes.yaml';
const PAYMENTS = 'teams/payments/routes.yaml';
const SEARCH = 'teams/search/routes.yaml';

describe('diagnostics on the example workspace', () => {
  before(async () => {
    await api();
  });

  it('EP100 marks exactly the misspelt field, as an error with our source', async () => {
    const ds = await diagnosticsOf(ORDERS, (d) => d.some((x) => codeOf(x) === 'EP100'));
    const d = ds.find((x) => codeOf(x) === 'EP100')!;
    const at = find(ORDERS, 'timeout_msx');
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    assert.deepStrictEqual([d.range.start.line, d.range.start.character], [at.line, at.character]);
    assert.deepStrictEqual([d.range.end.line, d.range.end.character], [at.line, at.character + 'timeout_msx'.length]);
    assert.match(d.message, /timeout_msx/);
    assert.match(d.message, /timeout_ms\b/, 'the message suggests the right name');
    assert.match(d.source ?? '', /edgepolicy/i);
  });

  it('EP200 on both sides of the accidental split, each pointing at the other file', async () => {
    for (const [self, other] of [
      [ORDERS, PAYMENTS],
      [PAYMENTS, ORDERS],
    ]) {
      const ds = await diagnosticsOf(self, (d) => d.some((x) => codeOf(x) === 'EP200'));
      const d = ds.find((x) => codeOf(x) === 'EP200')!;
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Warning, `${self}: EP200 is a warning`);
      assert.deepStrictEqual(span(d.range), span(valueRange(self, 'prefix', '/api/')), `${self}: exactly the prefix value`);
      assert.match(d.message, /orders\/orders-api/);
      assert.match(d.message, /payments\/payments-api/);
      assert.ok(d.relatedInformation?.length, `${self}: EP200 has related information`);
      const rel = d.relatedInformation!.find((r) => r.location.uri.toString() === wsUri(other).toString());
      assert.ok(rel, `${self}: a related location is in ${other}`);
      assert.deepStrictEqual(span(rel.location.range), span(valueRange(other, 'prefix', '/api/')), 'the related location is the other prefix value');
      assert.match(rel.message, /%/, 'the related message states the share');
    }
  });

  it('EP231 is reported in a file that was never opened', async () => {
    assert.strictEqual(isOpen(SEARCH), false, 'the search file is not open');
    const ds = await diagnosticsOf(SEARCH, (d) => d.some((x) => codeOf(x) === 'EP231'));
    const d = ds.find((x) => codeOf(x) === 'EP231')!;
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    assert.deepStrictEqual(span(d.range), span(valueRange(SEARCH, 'prefix', '"/search/v(?=[0-9])"')), 'exactly the quoted regex');
    assert.match(d.message, /RE2/);
    assert.ok(!ds.some((x) => codeOf(x) === 'EP200'), 'the two search Mappings do not collide');
  });

  it('files without Ambassador resources get no diagnostics, the valid ones none of the mistakes', async () => {
    await diagnosticsOf(ORDERS, (d) => d.length > 0);
    const checkout = vscode.languages.getDiagnostics(wsUri('teams/checkout/routes.yaml')).filter((d) => /^EP/.test(codeOf(d)));
    assert.deepStrictEqual(checkout.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map(codeOf), [], 'checkout has no errors');
    assert.deepStrictEqual(vscode.languages.getDiagnostics(wsUri('README.md')).filter((d) => /^EP/.test(codeOf(d))), []);
  });
});
