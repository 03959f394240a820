// Hover via vscode.executeHoverProvider: our schema descriptions, in CRD documents and in annotations.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { api, find, hoverText, specFields, wsUri } from './helpers';

const firstSentence = (s: string | undefined): string => (s ?? '').replace(/`/g, '').split('. ')[0];
const plain = (s: string): string => s.replace(/`/g, '').replace(/\\/g, '').replace(/\s+/g, ' ');

async function hoverAt(rel: string, needle: string): Promise<string> {
  const at = find(rel, needle);
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', wsUri(rel), at.translate(0, 1));
  return hoverText(hovers ?? []);
}

describe('hover', () => {
  before(async () => {
    await api();
  });

  it('describes a Mapping field with the text of our schema', async () => {
    const mapping = specFields('v3alpha1', 'Mapping');
    for (const field of ['prefix', 'weight', 'service']) {
      const text = await hoverAt('teams/catalog/routes.yaml', `${field}:`);
      assert.ok(plain(text).includes(firstSentence(mapping[field].description)), `hover of ${field}: ${text.slice(0, 200)}`);
    }
  });

  it('describes a field inside a getambassador.io/config annotation (ambassador/v2)', async () => {
    const text = await hoverAt('teams/catalog/service.yaml', 'timeout_ms:');
    assert.ok(plain(text).includes(firstSentence(specFields('v2', 'Mapping').timeout_ms.description)), `hover: ${text.slice(0, 200)}`);
  });

  it('says nothing about fields of non-Ambassador documents', async () => {
    const text = await hoverAt('teams/checkout/routes.yaml', 'replicas:');
    assert.ok(!/Envoy|Emissary|Mapping/.test(text), `no Ambassador hover on a Deployment field: ${text.slice(0, 200)}`);
  });
});
