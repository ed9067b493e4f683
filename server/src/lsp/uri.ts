/** Document URIs ↔ engine paths. Non-file documents (untitled buffers) keep their URI as their "path". */
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

export function pathToUri(path: string): string {
  // Absolute paths (POSIX or Windows, drive letters included) become file URIs; anything else was a URI already.
  return isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path) ? pathToFileURL(path).href : path;
}
