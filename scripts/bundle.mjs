// Bundles the built app (dist/src, from `tsc`) into one file, dist/app.js, the file package.json `main`
// names, so the Functions worker loads one module instead of ~100: module resolution (path look-ups,
// package.json reads, stats) was most of the app's start-up time (docs/performance.md). The entry requires
// dist/src/index.js first, then every dist/src/functions/*.js in name order (the order the worker used to
// load them through the old `main` glob). Modules the app requires on first use stay lazy inside the
// bundle (esbuild evaluates a bundled module when it is first required). The source map goes back to src/*.ts through tsc's maps (run the host with --enable-source-maps).
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
  return ['./src/index.js', ...functions.map((f) => `./src/functions/${f}`)]
    .map((f) => `require(${JSON.stringify(f)});`)
    .join('\n');
}

export async function bundle() {
  await build({
    stdin: { contents: entryText(), resolveDir: dist, sourcefile: 'dist/app-entry.js', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // The Azure SDKs stay in node_modules: @azure/functions and @azure/functions-extensions-base must be
    // the instances the worker and each other load, the others load on first use (src/sdks.ts), as does
    // applicationinsights. Small pure-JS libraries needed at start-up (yaml, luxon, windows-iana, ajv's
    // runtime helpers) go into the bundle: they were ~80 more files to resolve and read.
    external: ['@azure/*', 'applicationinsights'],
    sourcemap: 'linked',
    sourcesContent: false,
    outfile: join(dist, 'app.js'),
    logLevel: 'warning',
  });
}

if (process.argv[1] === import.meta.filename) await bundle();
