/**
 * The deployment package (scripts/package.mjs, azure.yaml's prepackage hook) is built here and holds
 * exactly what runs: dist/, host.json, a package.json without scripts/dev/optional dependencies, config/
 * and the production dependencies, no devDependency and no Core Tools. It loads under the registration
 * harness from its own node_modules, and packaging refuses to run without a targets file.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_EXPORTS } from '../../src/sdks';
import { APP_ROOT, ensureBuilt, loadApp } from '../support/registration';

const run = promisify(execFile);
const SCRIPT = join(APP_ROOT, 'scripts', 'package.mjs');
const lock = JSON.parse(readFileSync(join(APP_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
};
const rootPkg = JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};

let out: string;
beforeAll(async () => {
  await ensureBuilt();
  out = join(mkdtempSync(join(tmpdir(), 'deploy-package-')), 'app');
  // The sample targets file stands in for the user's config/pipelines.yaml.
  await run(process.execPath, [SCRIPT, '--out', out], {
    cwd: APP_ROOT,
    env: { ...process.env, AML_TARGETS_FILE: 'config/pipelines.sample.yaml' },
  });
}, 180_000);
// Asynchronous: removing a few hundred MB synchronously would block the worker past vitest's RPC timeout.
afterAll(() => rm(join(out, '..'), { recursive: true, force: true }), 120_000);

describe('deployment package', () => {
  it('holds dist/, host.json, package.json, config/ and node_modules only', () => {
    expect(readdirSync(out).sort()).toEqual(['config', 'dist', 'host.json', 'node_modules', 'package.json']);
    expect(existsSync(join(out, 'dist', 'app.js'))).toBe(true);
    expect(existsSync(join(out, 'src'))).toBe(false);
    expect(readFileSync(join(out, 'host.json'), 'utf8')).toBe(readFileSync(join(APP_ROOT, 'host.json'), 'utf8'));
  });

  it('has a package.json with main and the production dependencies only', () => {
    const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.main).toBe('dist/app.js');
    expect(pkg.dependencies).toEqual(rootPkg.dependencies);
    for (const field of ['devDependencies', 'optionalDependencies', 'scripts', 'bin'])
      expect(pkg).not.toHaveProperty(field);
  });

  it('ships every production dependency and nothing only the build, the tests or Core Tools need', () => {
    for (const dep of Object.keys(rootPkg.dependencies))
      expect(existsSync(join(out, 'node_modules', dep, 'package.json')), dep).toBe(true);
    // Packages the lock file marks dev or optional (not needed by any production dependency).
    const excluded = Object.entries(lock.packages).filter(
      ([path, m]) => path.startsWith('node_modules/') && (m.dev || m.optional || m.devOptional),
    );
    expect(excluded.length).toBeGreaterThan(100);
    for (const [path] of excluded) expect(existsSync(join(out, path)), path).toBe(false);
    for (const tool of ['typescript', 'vitest', 'eslint', 'azurite', 'azure-functions-core-tools', 'tsx'])
      expect(existsSync(join(out, 'node_modules', tool)), tool).toBe(false);
    expect(existsSync(join(out, 'node_modules', '.bin'))).toBe(false);
  });

  it('starts under the registration harness from its own node_modules', async () => {
    const loaded = await loadApp({ root: out, env: { AML_TARGETS_FILE: 'config/pipelines.sample.yaml' } });
    expect(loaded.errors).toEqual([]);
    expect(loaded.files).toEqual(['dist/app.js']);
    const names = loaded.functions.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['submitPipelineRun', 'scheduleTimer', 'health']));
    expect(loaded.programmingModel?.name).toBe('@azure/functions');
  });

  it('ships the SDK files the app requires on first use, each loading from the package with what the app uses', async () => {
    // scripts/bundle.mjs: dist/sdk-*.js hold @azure/identity, storage-blob and arm-machinelearning (src/sdks.ts).
    const manifest = JSON.parse(readFileSync(join(out, 'dist', 'sdk-bundles.json'), 'utf8')) as Record<
      string,
      string[]
    >;
    expect(Object.keys(manifest).sort()).toEqual(['sdk-arm.js', 'sdk-core.js', 'sdk-identity.js', 'sdk-storage.js']);
    const files = { identity: 'sdk-identity.js', storageBlob: 'sdk-storage.js', armMachineLearning: 'sdk-arm.js' };
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        `const files = ${JSON.stringify(files)};
         const out = {};
         for (const [getter, file] of Object.entries(files)) {
           const m = require(require('node:path').join(process.cwd(), 'dist', file));
           out[getter] = Object.keys(m).filter((k) => typeof m[k] === 'function');
         }
         console.log(JSON.stringify(out));`,
      ],
      { cwd: out, env: { PATH: process.env.PATH } },
    );
    const exported = JSON.parse(stdout) as Record<keyof typeof SDK_EXPORTS, string[]>;
    for (const getter of Object.keys(SDK_EXPORTS) as Array<keyof typeof SDK_EXPORTS>)
      expect(exported[getter].sort(), getter).toEqual([...SDK_EXPORTS[getter]].sort());
  });

  it('refuses to package without the targets file the app will read, and says what to create', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'deploy-package-src-'));
    try {
      for (const f of ['package.json', 'package-lock.json', 'host.json']) cpSync(join(APP_ROOT, f), join(copy, f));
      cpSync(join(APP_ROOT, 'config'), join(copy, 'config'), {
        recursive: true,
        filter: (p) => !p.endsWith('pipelines.yaml'),
      });
      cpSync(join(APP_ROOT, 'scripts', 'package.mjs'), join(copy, 'scripts', 'package.mjs'));
      cpSync(join(APP_ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
      symlinkSync(join(APP_ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
      const env = { ...process.env };
      delete env.AML_TARGETS_FILE;
      const failed = await run(process.execPath, [join(copy, 'scripts', 'package.mjs'), '--out', join(copy, 'out')], {
        cwd: copy,
        env,
      }).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(/config\/pipelines\.yaml does not exist.*config\/pipelines\.sample\.yaml/);
      expect(existsSync(join(copy, 'out'))).toBe(false);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
