// Bundles the built app (dist/src, from `tsc`) into one file, dist/app.js, the file package.json `main`
// names, so the Functions worker loads one module instead of ~100: module resolution (path look-ups,
// package.json reads, stats) was most of the app's start-up time (docs/performance.md). The entry requires
// dist/src/index.js first, then every dist/src/functions/*.js in name order (the order the worker used to
// load them through the old `main` glob). Modules the app requires on first use stay lazy inside the
// bundle (esbuild evaluates a bundled module when it is first required). The source map goes back to src/*.ts through tsc's maps (run the host with --enable-source-maps).
//
// Then the Azure SDKs the app loads on first use (src/sdks.ts), each into its own file beside it, so the
// first answer that needs one reads one file instead of resolving and reading ~150-280 modules:
//   dist/sdk-identity.js   @azure/identity (+ MSAL)
//   dist/sdk-storage.js    @azure/storage-blob
//   dist/sdk-arm.js        @azure/arm-machinelearning
//   dist/sdk-core.js       what two or more of them share (core-client, core-rest-pipeline, ts-http-runtime,
//                          core-lro, the proxy agents, ...): one copy, loaded with the first of them
// Each SDK file is built from the package's ES module build and exports only what src/sdks.ts SDK_EXPORTS
// names, so esbuild leaves out what those exports never reach (a third of identity and storage-blob). The
// ES builds compute their own location from `import.meta.url` (storage-common's CRC64 module, `open`):
// that becomes the SDK file's own URL. Each SDK file requires the shared packages from dist/sdk-core.js,
// which exposes each import path an SDK uses (e.g. `@azure/core-rest-pipeline`) as a module evaluated when
// first read, from the package's CommonJS build, the same instance for every SDK. dist/sdk-bundles.json
// says which packages each file holds (test/support/functions-core-stub/run-app.js reads it).
//   node scripts/bundle.mjs        (npm run build runs it after tsc)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');

/** The SDK files, by src/sdks.ts getter: the file src/sdks.ts requires and the package it holds. */
export const SDK_BUNDLES = {
  identity: { file: 'sdk-identity.js', pkg: '@azure/identity' },
  storageBlob: { file: 'sdk-storage.js', pkg: '@azure/storage-blob' },
  armMachineLearning: { file: 'sdk-arm.js', pkg: '@azure/arm-machinelearning' },
};
const SHARED = 'sdk-core.js';

export function entryText() {
  const functions = readdirSync(join(dist, 'src', 'functions'))
    .filter((f) => f.endsWith('.js'))
    .sort();
  return ['./src/index.js', ...functions.map((f) => `./src/functions/${f}`)]
    .map((f) => `require(${JSON.stringify(f)});`)
    .join('\n');
}

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };

/** `./sdk-*.js` are files beside the bundle, not modules to bundle. */
const sdkFilesExternal = {
  name: 'sdk-files-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/sdk-[a-z]+\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};

export async function bundle() {
  await build({
    ...common,
    stdin: { contents: entryText(), resolveDir: dist, sourcefile: 'dist/app-entry.js', loader: 'js' },
    // The Azure SDKs stay out of dist/app.js: @azure/functions and @azure/functions-extensions-base must be
    // the instances the worker and each other load, applicationinsights loads from node_modules after the
    // first answer, and the SDKs of src/sdks.ts come from dist/sdk-*.js (below) on first use. Small pure-JS
    // libraries needed at start-up (yaml, luxon, windows-iana, ajv's runtime helpers) go into the bundle:
    // they were ~80 more files to resolve and read.
    external: ['@azure/*', 'applicationinsights'],
    define: { SDK_BUNDLES: 'true' },
    plugins: [sdkFilesExternal],
    sourcemap: 'linked',
    sourcesContent: false,
    outfile: join(dist, 'app.js'),
  });
  // src/sdks.ts names the same files: fail here, not at the first answer in Azure, if they part ways.
  const app = readFileSync(join(dist, 'app.js'), 'utf8');
  for (const { file } of Object.values(SDK_BUNDLES))
    if (!app.includes(`require("./${file}")`)) throw new Error(`dist/app.js does not require ./${file} (src/sdks.ts)`);
  await bundleSdks();
}

/** `@scope/name` or `name` of a path inside node_modules, with the path below it; undefined elsewhere. */
function packageOf(file) {
  const m = /(?:^|[\\/])node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
  return m ? m[1].replace('\\', '/') : undefined;
}

async function bundleSdks() {
  const { SDK_EXPORTS } = createRequire(import.meta.url)(join(dist, 'src', 'sdks.js'));
  const entry = (getter) => ({
    contents: `export { ${SDK_EXPORTS[getter].join(', ')} } from ${JSON.stringify(SDK_BUNDLES[getter].pkg)};`,
    resolveDir: root,
    loader: 'js',
  });
  const esm = {
    ...common,
    banner: { js: 'var __sdk_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__sdk_import_meta_url' },
  };
  // 1. Which packages each SDK pulls in (a dry run: metafile only).
  const contents = {};
  for (const getter of Object.keys(SDK_BUNDLES)) {
    const r = await build({ ...esm, stdin: entry(getter), write: false, metafile: true });
    contents[getter] = new Map(
      Object.keys(r.metafile.inputs)
        .map((f) => [packageOf(f), f])
        .filter(([p]) => p),
    );
  }
  // 2. Shared: a package that two or more SDKs load from the same place (a nested copy stays with its SDK).
  const shared = new Set();
  const getters = Object.keys(SDK_BUNDLES);
  for (const [i, a] of getters.entries())
    for (const b of getters.slice(i + 1))
      for (const [pkg, path] of contents[a]) {
        const other = contents[b].get(pkg);
        if (other && other.split(pkg)[0] === path.split(pkg)[0]) shared.add(pkg);
      }
  // 3. Each SDK file, its imports of shared packages (from outside them) replaced by dist/sdk-core.js's.
  const importPaths = new Set();
  const manifest = {};
  for (const [getter, { file }] of Object.entries(SDK_BUNDLES)) {
    const r = await build({
      ...esm,
      stdin: entry(getter),
      outfile: join(dist, file),
      metafile: true,
      plugins: [
        {
          name: 'shared-from-sdk-core',
          setup(b) {
            b.onResolve({ filter: /^[@a-z]/ }, (args) => {
              const target = /^((?:@[^/]+\/)?[^/]+)/.exec(args.path)[1];
              if (!shared.has(target) || shared.has(packageOf(args.importer) ?? '')) return undefined;
              importPaths.add(args.path);
              return { path: args.path, namespace: 'sdk-core' };
            });
            b.onLoad({ filter: /.*/, namespace: 'sdk-core' }, (args) => ({
              contents: `module.exports = require('./${SHARED}')[${JSON.stringify(args.path)}];`,
              loader: 'js',
            }));
            b.onResolve({ filter: /^\.\/sdk-core\.js$/ }, (args) => ({ path: args.path, external: true }));
          },
        },
      ],
    });
    manifest[file] = [
      ...new Set(
        Object.keys(r.metafile.inputs)
          .map(packageOf)
          .filter((p) => p && !shared.has(p)),
      ),
    ].sort();
  }
  // 4. dist/sdk-core.js: every import path used above, each evaluated when first read.
  const modules = [...importPaths]
    .sort()
    .map((p) => `  get ${JSON.stringify(p)}() { return require(${JSON.stringify(p)}); },`);
  await build({
    ...common,
    stdin: { contents: `module.exports = {\n${modules.join('\n')}\n};`, resolveDir: root, loader: 'js' },
    outfile: join(dist, SHARED),
  });
  manifest[SHARED] = [...shared].sort();
  writeFileSync(join(dist, 'sdk-bundles.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

if (process.argv[1] === import.meta.filename) await bundle();
