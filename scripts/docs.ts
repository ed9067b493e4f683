/** `npm run docs`: regenerates the reference files generated from code (docs/export-schema.md). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaReference } from '../server/src/engine/export/tables';

writeFileSync(join(__dirname, '..', 'docs', 'export-schema.md'), `${schemaReference()}\n`);
console.log('wrote docs/export-schema.md');
