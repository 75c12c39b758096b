// Writes openapi.json (repository root) from src/http/openapi.ts, the module the app serves it from.
//   node scripts/openapi.mjs          rewrite openapi.json
//   node scripts/openapi.mjs --check  exit 1 if openapi.json is out of date
// Needs no build: tsx compiles the TypeScript module on the fly.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { require as tsxRequire } from 'tsx/cjs/api';

const root = join(import.meta.dirname, '..');
const file = join(root, 'openapi.json');
const { openApiText } = tsxRequire('../src/http/openapi.ts', import.meta.url);
const text = openApiText();
if (process.argv.includes('--check')) {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (current !== text) {
    console.error('openapi.json is out of date: run `node scripts/openapi.mjs` and commit the result.');
    process.exit(1);
  }
  console.log('openapi.json is up to date.');
} else {
  writeFileSync(file, text);
  console.log(`Wrote ${file}`);
}
