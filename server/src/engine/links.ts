/** documentLinks(doc): file references between configs, so they open on click. */
import type { ParsedDocument } from './parse';
import { fileRefs, type Project } from './project';
import { innerRange } from './json';

export interface DocLink {
  start: number;
  end: number;
  target: string;
}

export function documentLinks(doc: ParsedDocument, project: Project): DocLink[] {
  const out: DocLink[] = [];
  for (const ref of fileRefs(doc)) {
    if (!project.exists(ref.target)) continue;
    const [start, end] = innerRange(ref.node);
    out.push({ start, end, target: ref.target });
  }
  return out;
}
