/** Document URIs ↔ engine paths. Non-file documents (untitled buffers) keep their URI as their "path". */
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
  return path.includes(':') && !path.startsWith('/') ? path : pathToFileURL(path).href;
}
