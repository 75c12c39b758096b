// Bundles the built app (dist/src, from `tsc`) into one file, dist/app.js, the file package.json `main`
// names, so the Functions worker loads one module instead of ~100: module resolution (path look-ups,
// package.json reads, stats) was most of the app's start-up time (docs/performance.md). The entry requires
// dist/src/index.js first, then every dist/src/functions/*.js in name order (the order the worker used to
// load them through the old `main` glob). Packages stay external (loaded from node_modules as before, the
// heavy SDKs on first use: src/sdks.ts); modules the app requires on first use stay lazy inside the
// bundle. The source map goes back to src/*.ts through tsc's maps (run the host with --enable-source-maps).
//   node scripts/bundle.mjs        (npm run build runs it after tsc)
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');

export function entryText() {
  const functions = readdirSync(join(dist, 'src', 'functions'))
    .filter((f) => f.endsWith('.js'))
    .sort();
  return ['./src/index.js', ...functions.map((f) => `./src/functions/${f}`)].map((f) => `require(${JSON.stringify(f)});`).join('\n');
}

export async function bundle() {
  await build({
    stdin: { contents: entryText(), resolveDir: dist, sourcefile: 'dist/app-entry.js', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    sourcesContent: false,
    outfile: join(dist, 'app.js'),
    logLevel: 'warning',
  });
}

if (process.argv[1] === import.meta.filename) await bundle();
