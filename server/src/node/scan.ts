// Disk scanning for the language server and the CLI (the engine itself does no I/O).
//
// scanPaths walks files and folders for *.yaml / *.yml, skipping node_modules and VCS folders and whatever the
// exclude globs match, follows symbolic links without looping (a set of real paths), reads each file once
// (two links to one file give one entry), and turns every problem into data: binary or non-UTF-8 content,
// files over the size limit, files that vanish while being read. It never throws.

import * as fs from 'node:fs';
import { constants as fsc, promises as fsp } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { URI } from 'vscode-uri';
import { runLimited } from './limit';

export interface ScanOptions {
  /** Glob patterns (minimatch, `dot: true`) matched against paths relative to each root, to `cwd`, and absolute. */
  exclude?: string[];
  /** Base for relative exclude patterns besides the roots (the CLI passes its working directory). */
  cwd?: string;
  /** Files larger than this are skipped. Default 5 MB. */
  maxFileBytes?: number;
  /** File name endings to pick up while walking folders (explicitly named files are always read). */
  extensions?: string[];
  /** Folder names never entered. Default node_modules, .git, .hg, .svn. */
  skipDirs?: string[];
  /** Parallel reads. Default 16. */
  concurrency?: number;
  /**
   * Use synchronous file system calls: several times faster on many small files (no thread-pool round trip per
   * call), but nothing else runs meanwhile. For the CLI, which has nothing else to do; not for the server.
   */
  sync?: boolean;
}

export interface ScannedFile {
  /** Absolute path as found (through links, not resolved). */
  path: string;
  /** `file:` URI of `path`, as VS Code spells it. */
  uri: string;
  /** UTF-8 text without a leading BOM. */
  text: string;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ScanError {
  /** A path given to scanPaths that could not be read at all. */
  path: string;
  message: string;
}

export interface ScanResult {
  /** Sorted by path. */
  files: ScannedFile[];
  skipped: SkippedFile[];
  errors: ScanError[];
}

export const DEFAULT_SKIP_DIRS = ['node_modules', '.git', '.hg', '.svn'];
export const DEFAULT_EXTENSIONS = ['.yaml', '.yml'];
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

function describe(e: unknown): string {
  const code = errorCode(e);
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

export type ReadResult = { text: string } | { reason: string; missing?: boolean };

// Opened without blocking: opening a FIFO for reading would otherwise wait for a writer. Files are checked with
// fstat on the open descriptor (one call fewer than stat + readFile, and no window between the two).
const OPEN_FLAGS = fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0);

/** Why a file with these stats is not read, or undefined when it is read (then `size` bytes are expected). */
function refuse(st: Stats, maxFileBytes: number): ReadResult | undefined {
  if (st.isDirectory()) return { reason: 'is a directory' };
  if (!st.isFile()) return { reason: 'not a regular file' };
  if (st.size > maxFileBytes) return { reason: `file is larger than ${maxFileBytes} bytes (${st.size}); not analysed` };
  return undefined;
}

/** The text of a file's bytes, or why it is not text. */
function decode(buf: Buffer): ReadResult {
  const nul = buf.indexOf(0);
  if (nul !== -1) return { reason: `binary content (NUL byte at offset ${nul}); not analysed` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return { reason: 'not valid UTF-8; not analysed' };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text };
}

/** An open file: what reading it takes, with or without blocking calls. */
interface OpenFile {
  stat(): Promise<Stats> | Stats;
  /** Reads into `buf` at `offset` from file position `position`; resolves to the number of bytes read. */
  read(buf: Buffer, offset: number, length: number, position: number): Promise<number> | number;
  close(): Promise<void> | void;
}

/** The calls a scan makes, asynchronous (the language server) or synchronous (the CLI). */
interface ScanFs {
  realpath(p: string): Promise<string> | string;
  readdir(p: string): Promise<Dirent[]> | Dirent[];
  stat(p: string): Promise<Stats> | Stats;
  open(p: string): Promise<OpenFile> | OpenFile;
}
const asyncFs: ScanFs = {
  realpath: (p) => fsp.realpath(p),
  readdir: (p) => fsp.readdir(p, { withFileTypes: true }),
  stat: (p) => fsp.stat(p),
  open: async (p) => {
    const h = await fsp.open(p, OPEN_FLAGS);
    return { stat: () => h.stat(), read: async (...a) => (await h.read(...a)).bytesRead, close: () => h.close() };
  },
};
const syncFs: ScanFs = {
  realpath: (p) => fs.realpathSync(p),
  readdir: (p) => fs.readdirSync(p, { withFileTypes: true }),
  stat: (p) => fs.statSync(p),
  open: (p) => {
    const fd = fs.openSync(p, OPEN_FLAGS);
    return { stat: () => fs.fstatSync(fd), read: (...a) => fs.readSync(fd, ...a), close: () => fs.closeSync(fd) };
  },
};

/**
 * Reads one file as text, or says why not. Never throws. `sync`: with blocking calls (see ScanOptions.sync; the
 * promise is then settled without waiting on the thread pool).
 */
export async function readTextFile(file: string, maxFileBytes = DEFAULT_MAX_FILE_BYTES, sync = false): Promise<ReadResult> {
  let f: OpenFile;
  try {
    f = await (sync ? syncFs : asyncFs).open(file);
  } catch (e) {
    return { reason: describe(e), missing: errorCode(e) === 'ENOENT' };
  }
  try {
    const st = await f.stat();
    const no = refuse(st, maxFileBytes);
    if (no) return no;
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = await f.read(buf, got, buf.length - got, got);
      if (n === 0) break; // truncated while being read: what is there
      got += n;
    }
    return decode(got === buf.length ? buf : buf.subarray(0, got));
  } catch (e) {
    return { reason: describe(e) };
  } finally {
    try {
      await f.close();
    } catch {
      // nothing to do: the descriptor is gone either way
    }
  }
}

class Excluder {
  private readonly patterns: string[];
  constructor(
    patterns: string[],
    private readonly cwd: string | undefined,
  ) {
    this.patterns = patterns.filter((p) => p.trim() !== '');
  }

  excluded(abs: string, root: string, isDir: boolean): boolean {
    if (this.patterns.length === 0) return false;
    const candidates = new Set<string>([toPosix(abs)]);
    const rel = path.relative(root, abs);
    if (rel && !rel.startsWith('..')) candidates.add(toPosix(rel));
    if (this.cwd) {
      const relCwd = path.relative(this.cwd, abs);
      if (relCwd && !relCwd.startsWith('..') && !path.isAbsolute(relCwd)) candidates.add(toPosix(relCwd));
    }
    for (const c of candidates) {
      for (const p of this.patterns) {
        if (minimatch(c, p, { dot: true })) return true;
        // `dir/**` should also prune the folder itself.
        if (isDir && minimatch(c + '/', p, { dot: true })) return true;
      }
    }
    return false;
  }
}

/** Scans files and folders. Named files are read whatever their extension; folders are walked. Never throws. */
export async function scanPaths(paths: string[], options: ScanOptions = {}): Promise<ScanResult> {
  const result: ScanResult = { files: [], skipped: [], errors: [] };
  const exts = (options.extensions ?? DEFAULT_EXTENSIONS).map((e) => e.toLowerCase());
  const skipDirs = new Set(options.skipDirs ?? DEFAULT_SKIP_DIRS);
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const excluder = new Excluder(options.exclude ?? [], options.cwd);
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  const toRead: { file: string; explicit: boolean }[] = [];
  const io = options.sync ? syncFs : asyncFs;

  /** `real`: the file's real path when known (a regular file in a folder whose real path is known). */
  const addFile = async (file: string, explicit: boolean, known?: string) => {
    let real: string;
    try {
      real = known ?? (await io.realpath(file));
    } catch (e) {
      if (explicit) result.errors.push({ path: file, message: describe(e) });
      else result.skipped.push({ path: file, reason: errorCode(e) === 'ENOENT' ? 'broken symbolic link or deleted while scanning' : describe(e) });
      return;
    }
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    toRead.push({ file, explicit });
  };

  const walk = async (dir: string, root: string): Promise<void> => {
    let real: string;
    try {
      real = await io.realpath(dir);
    } catch (e) {
      result.skipped.push({ path: dir, reason: describe(e) });
      return;
    }
    if (seenDirs.has(real)) return; // symlink loop or a folder reached twice
    seenDirs.add(real);
    let entries: Dirent[];
    try {
      entries = await io.readdir(dir);
    } catch (e) {
      if (errorCode(e) !== 'ENOENT') result.skipped.push({ path: dir, reason: describe(e) });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      const full = path.join(dir, ent.name);
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        try {
          const st = await io.stat(full);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch (e) {
          const lower = ent.name.toLowerCase();
          if (exts.some((x) => lower.endsWith(x))) {
            result.skipped.push({ path: full, reason: errorCode(e) === 'ELOOP' ? 'symbolic link loop' : 'broken symbolic link' });
          }
          continue;
        }
      }
      if (isDir) {
        if (skipDirs.has(ent.name)) continue;
        if (excluder.excluded(full, root, true)) continue;
        await walk(full, root);
      } else if (isFile) {
        const lower = ent.name.toLowerCase();
        if (!exts.some((x) => lower.endsWith(x))) continue;
        if (excluder.excluded(full, root, false)) continue;
        // Not a link itself, in a folder whose real path is known: no realpath call needed.
        await addFile(full, false, ent.isSymbolicLink() ? undefined : path.join(real, ent.name));
      }
    }
  };

  for (const p of paths) {
    const abs = path.resolve(options.cwd ?? process.cwd(), p);
    let st: Stats;
    try {
      st = await io.stat(abs);
    } catch (e) {
      result.errors.push({ path: abs, message: describe(e) });
      continue;
    }
    try {
      if (st.isDirectory()) await walk(abs, abs);
      else await addFile(abs, true);
    } catch (e) {
      result.errors.push({ path: abs, message: describe(e) });
    }
  }

  await runLimited(toRead, options.sync ? 1 : (options.concurrency ?? 16), async ({ file, explicit }) => {
    const r = await readTextFile(file, max, options.sync);
    if ('text' in r) result.files.push({ path: file, uri: URI.file(file).toString(), text: r.text });
    else if (explicit && r.missing) result.errors.push({ path: file, message: r.reason });
    // Listed (or named and found by stat) a moment ago: gone by the time it is opened.
    else result.skipped.push({ path: file, reason: r.missing ? 'deleted while being read' : r.reason });
  });
  const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  result.files.sort(byPath);
  result.skipped.sort(byPath);
  return result;
}
