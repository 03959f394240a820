// Files changing on disk behind the editor's back (a terminal, git): the workspace index follows.
import * as vscode from 'vscode';
import { api, codeOf, diagnosticsOf, wsUri } from './helpers';

function mapping(name: string): Uint8Array {
  return Buffer.from(
    ['apiVersion: getambassador.io/v3alpha1', 'kind: Mapping', 'metadata:', `  name: ${name}`, '  namespace: disk', 'spec:',
      '  host: disk.example.com', `  prefix: /${name}/`, '  service: disk:80', ''].join('\n'),
  );
}

describe('files on disk', () => {
  before(async () => {
    await api();
  });

  it('a new file is checked without being opened, and its findings go when it is deleted', async () => {
    const rel = 'teams/disk-file/routes.yaml';
    const uri = wsUri(rel);
    await vscode.workspace.fs.writeFile(uri, mapping('disk-file'));
    try {
      await diagnosticsOf(rel, (d) => d.some((x) => codeOf(x) === 'EP103'));
      await vscode.workspace.fs.delete(uri);
      await diagnosticsOf(rel, (d) => d.length === 0, 15000);
    } finally {
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(uri, '..'), { recursive: true, useTrash: false });
    }
  });

  it('deleting a whole folder drops the findings of the YAML files in it', async () => {
    const rel = 'teams/disk-folder/nested/routes.yaml';
    const uri = wsUri(rel);
    await vscode.workspace.fs.writeFile(uri, mapping('disk-folder'));
    await diagnosticsOf(rel, (d) => d.some((x) => codeOf(x) === 'EP103'));
    await vscode.workspace.fs.delete(wsUri('teams/disk-folder'), { recursive: true, useTrash: false });
    await diagnosticsOf(rel, (d) => d.length === 0, 15000);
  });
});

describe('files on disk (folders)', () => {
  it('a folder moved into the workspace is indexed', async () => {
    await api();
    const outside = vscode.Uri.joinPath(wsUri('.'), '..', 'outside-e2e');
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(outside, 'deep', 'routes.yaml'), mapping('disk-moved'));
    const rel = 'teams/disk-moved/deep/routes.yaml';
    try {
      await vscode.workspace.fs.rename(outside, wsUri('teams/disk-moved'));
      await diagnosticsOf(rel, (d) => d.some((x) => codeOf(x) === 'EP103'), 15000);
    } finally {
      await vscode.workspace.fs.delete(wsUri('teams/disk-moved'), { recursive: true, useTrash: false }).then(undefined, () => undefined);
      await vscode.workspace.fs.delete(outside, { recursive: true, useTrash: false }).then(undefined, () => undefined);
    }
    await diagnosticsOf(rel, (d) => d.length === 0, 15000);
  });
});
