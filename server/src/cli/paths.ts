// Mapping between the file URIs the engine sees and the paths the CLI prints.

import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function fileUri(absPath: string): string {
  return pathToFileURL(absPath).href;
}

/** A path relative to `cwd` with forward slashes; URIs that are not file URIs come back unchanged. */
export function displayPath(uri: string, cwd: string): string {
  let abs: string;
  if (uri.startsWith('file:')) {
    try {
      abs = fileURLToPath(uri);
    } catch {
      return uri;
    }
  } else if (path.isAbsolute(uri)) {
    abs = uri;
  } else {
    return uri.split(path.sep).join('/');
  }
  const rel = path.relative(cwd, abs);
  if (rel === '') return '.';
  // On Windows a file on another drive has no relative path: keep it absolute.
  if (path.isAbsolute(rel)) return abs.split(path.sep).join('/');
  return rel.split(path.sep).join('/');
}

/** A relative posix path as a URI reference (each segment percent-encoded), for SARIF. */
export function relativeUriReference(posixPath: string): string {
  return posixPath
    .split('/')
    .map((seg) => (seg === '..' || seg === '.' ? seg : encodeURIComponent(seg)))
    .join('/');
}
