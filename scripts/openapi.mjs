// Writes openapi.json (repository root) from src/http/openapi.ts, the module the app serves it from.
//   node scripts/openapi.mjs          rewrite openapi.json
//   node scripts/openapi.mjs --check  exit 1 if openapi.json is out of date
// Needs no build: tsx compiles the TypeScript module on the fly.
import { writeOrCheck } from './generated.mjs';
import { join } from 'node:path';
import { require as tsxRequire } from 'tsx/cjs/api';

const root = join(import.meta.dirname, '..');
const file = join(root, 'openapi.json');
const { openApiText } = tsxRequire('../src/http/openapi.ts', import.meta.url);
const text = openApiText();
writeOrCheck(file, text, 'node scripts/openapi.mjs');
