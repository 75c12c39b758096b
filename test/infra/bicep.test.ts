/**
 * The Bicep check (scripts/check-infra.mjs, run by `npm test` on infra/) fails on what Bicep itself only
 * warns about: a property the resource type does not have (BCP037) and a resource type without types
 * (BCP081). Needs the .NET SDK (the compiler is restored from NuGet); skipped without it, except in CI.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_ROOT } from '../support/registration';

const run = promisify(execFile);
const hasDotnet = spawnSync('dotnet', ['--version'], { stdio: 'ignore' }).status === 0;
const SCRIPT = join(APP_ROOT, 'scripts', 'check-infra.mjs');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function copyOfInfra(): string {
  const dir = mkdtempSync(join(tmpdir(), 'infra-check-'));
  dirs.push(dir);
  cpSync(join(APP_ROOT, 'infra'), dir, { recursive: true, filter: (p) => !p.includes(`${join('infra', 'tools')}`) });
  return dir;
}

async function check(dir: string): Promise<{ code: number; output: string }> {
  return run(process.execPath, [SCRIPT, dir], { env: { ...process.env, CI: 'false' }, timeout: 120_000 }).then(
    (r) => ({ code: 0, output: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, output: e.stdout + e.stderr }),
  );
}

describe.skipIf(!hasDotnet && process.env.CI !== 'true')('Bicep check', () => {
  it('passes on infra/ as committed', async () => {
    const result = await check(copyOfInfra());
    expect(result.output).toMatch(/Bicep file\(s\) build and lint clean/);
    expect(result.code).toBe(0);
  }, 180_000);

  it('fails on an unknown property and on a resource type without types, naming file, line and code', async () => {
    const dir = copyOfInfra();
    const file = join(dir, 'app', 'resources.bicep');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        "minimumTlsVersion: 'TLS1_2'",
        "minimumTlsVersion: 'TLS1_2'\n    notAStorageProperty: true",
      ),
    );
    writeFileSync(
      join(dir, 'app', 'bogus.bicep'),
      "resource x 'Microsoft.NotAProvider/things@2020-01-01' = {\n  name: 'x'\n}\n",
    );
    const result = await check(dir);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/resources\.bicep\(\d+,\d+\) : Warning BCP037: The property "notAStorageProperty"/);
    expect(result.output).toMatch(/bogus\.bicep\(\d+,\d+\) : Warning BCP081/);
  }, 180_000);
});
