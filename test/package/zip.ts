// Reads a VSIX with yauzl, the zip reader @vscode/vsce itself reads VSIX files with (taken from vsce's own
// dependencies, so it is the version vsce was installed with). Every entry is read and checked (CRC) up front:
// a VSIX is small.
import { createRequire } from 'module';

export interface ZipEntry {
  name: string;
  size: number;
  /** The uncompressed content. */
  read(): Buffer;
}

/** The part of yauzl's API used here (lazyEntries mode). */
interface YauzlEntry { fileName: string; uncompressedSize: number }
interface YauzlZip {
  readEntry(): void;
  on(event: 'entry', f: (e: YauzlEntry) => void): void;
  once(event: 'end' | 'error', f: (e?: Error) => void): void;
  openReadStream(e: YauzlEntry, f: (err: Error | null, s: NodeJS.ReadableStream) => void): void;
}
const yauzl: { fromBuffer(b: Buffer, o: object, f: (err: Error | null, z: YauzlZip) => void): void } =
  createRequire(require.resolve('@vscode/vsce/package.json'))('yauzl');

export function readZip(zip: Buffer): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true }, (err, z) => {
      if (err) return reject(err);
      const entries: ZipEntry[] = [];
      z.once('error', reject);
      z.once('end', () => resolve(entries));
      z.on('entry', (e) => {
        z.openReadStream(e, (err2, stream) => {
          if (err2) return reject(err2);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.once('error', reject);
          stream.once('end', () => {
            const data = Buffer.concat(chunks);
            entries.push({ name: e.fileName, size: e.uncompressedSize, read: () => data });
            z.readEntry();
          });
        });
      });
      z.readEntry();
    });
  });
}
