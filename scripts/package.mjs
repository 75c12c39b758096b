#!/usr/bin/env node
// Builds the deployment package (local build; azure.yaml runs this as the service's prepackage hook and
// deploys the folder it writes, `.deploy/app`): exactly what runs in Azure, nothing else.
//   dist/            the compiled app (run `npm run build` first; azd's build step does)
//   host.json
//   package.json     name, version, main, engines and dependencies only (no scripts, dev or optional deps)
//   config/          the targets file and schedule files the app reads (AML_TARGETS_FILE, SCHEDULES_PATH)
//   node_modules/    the production dependencies, copied from this checkout's node_modules as
//                    package-lock.json resolves them: no devDependency, no optional Core Tools
// Refuses to package without a targets file: the app would refuse every call (README, Deploying).
// Usage: node scripts/package.mjs [--out <dir>]
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outIndex = process.argv.indexOf('--out');
const out = resolve(outIndex > 0 ? process.argv[outIndex + 1] : join(root, '.deploy', 'app'));
const DEFAULT_TARGETS_FILE = 'config/pipelines.yaml';

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

if (!existsSync(join(root, 'dist', 'app.js'))) fail('dist/app.js is missing: run `npm run build` first.');

// The deployed app reads AML_TARGETS_FILE relative to host.json; infra/ sets it from the same azd
// environment value this hook sees (default config/pipelines.yaml), so both name the same file.
const targetsFile = process.env.AML_TARGETS_FILE?.trim() || DEFAULT_TARGETS_FILE;
if (!existsSync(join(root, targetsFile))) {
  fail(
    `the targets file ${targetsFile} does not exist, so the deployed app would refuse every call. ` +
      `Create it from config/pipelines.sample.yaml (one entry per pipeline the app may submit; check it with ` +
      `\`npx aml-triggers check-targets\`), then deploy again.`,
  );
}
if (relative(join(root, 'config'), join(root, targetsFile)).startsWith('..')) {
  fail(`the targets file ${targetsFile} must live under config/ to be deployed.`);
}

/** Lock entries of the production dependency tree: neither dev nor optional (Core Tools is optional). */
const production = Object.entries(lock.packages)
  .filter(
    ([path, meta]) =>
      path.startsWith('node_modules/') && !meta.dev && !meta.optional && !meta.devOptional && !meta.link,
  )
  .map(([path]) => path);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(root, 'dist'), join(out, 'dist'), { recursive: true });
cpSync(join(root, 'host.json'), join(out, 'host.json'));
cpSync(join(root, 'config'), join(out, 'config'), { recursive: true });
const { name, version, description, license, main, engines, dependencies } = pkg;
writeFileSync(
  join(out, 'package.json'),
  `${JSON.stringify({ name, version, description, license, private: true, main, engines, dependencies }, null, 2)}\n`,
);
for (const path of production) {
  const from = join(root, path);
  if (!existsSync(from))
    fail(`${path} (a production dependency in package-lock.json) is not installed: run \`npm ci\`.`);
  mkdirSync(dirname(join(out, path)), { recursive: true });
  // Nested node_modules of a package are separate lock entries: copy each package without them.
  cpSync(from, join(out, path), {
    recursive: true,
    dereference: true,
    filter: (src) => src === from || !relative(from, src).split(/[\\/]/).includes('node_modules'),
  });
}
console.log(
  `package: ${relative(process.cwd(), out) || '.'} holds dist/, host.json, package.json, config/ and ${production.length} production package(s).`,
);
