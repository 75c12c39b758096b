#!/usr/bin/env node
// Checks infra/ with the real Bicep compiler: restores it from NuGet (infra/tools/bicep.csproj, a
// restore-only project), then runs `bicep build` and `bicep lint` on every .bicep file under infra/.
// Any warning fails the check, not only errors: Bicep reports an unknown property (BCP037) or a resource
// type without types (BCP081) as a warning, and bicepconfig.json cannot raise core diagnostics to errors
// (only linter rules), so this script does.
// Without `dotnet` it says so and skips, unless CI=true (.ci/run sets it): there the check is required.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

// Usage: node scripts/check-infra.mjs [<dir>]   (default infra/; the compiler always comes from infra/tools)
const root = resolve(import.meta.dirname, '..');
const tools = join(root, 'infra', 'tools');
const infra = resolve(process.argv[2] ?? join(root, 'infra'));
const project = join(tools, 'bicep.csproj');
const required = process.env.CI === 'true';

function fail(message) {
  console.error(`check-infra: ${message}`);
  process.exit(1);
}

function rid() {
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  const os = { linux: 'linux', darwin: 'osx', win32: 'win' }[process.platform];
  if (!arch || !os) fail(`no Bicep compiler package for ${process.platform}/${process.arch}.`);
  return `${os}-${arch}`;
}

if (spawnSync('dotnet', ['--version'], { stdio: 'ignore' }).status !== 0) {
  const message =
    'the .NET SDK (`dotnet`) is not installed, so infra/ was NOT compiled; install it to check the Bicep files (required in CI).';
  if (required) fail(message);
  console.log(`check-infra: skipped: ${message}`);
  process.exit(0);
}

const version = /<BicepVersion>([^<]+)<\/BicepVersion>/.exec(readFileSync(project, 'utf8'))?.[1];
if (!version) fail(`${relative(root, project)} names no <BicepVersion>.`);
const id = `azure.bicep.commandline.${rid()}`;
const bicep = join(tools, '.packages', id, version, 'tools', process.platform === 'win32' ? 'bicep.exe' : 'bicep');
if (!existsSync(bicep)) {
  const restore = spawnSync('dotnet', ['restore', project, `-p:BicepRid=${rid()}`, '--nologo', '-v', 'quiet'], {
    stdio: 'inherit',
  });
  if (restore.status !== 0 || !existsSync(bicep))
    fail(`dotnet restore of ${relative(root, project)} did not produce ${relative(root, bicep)}.`);
}
if (process.platform !== 'win32') chmodSync(bicep, 0o755); // NuGet does not keep the executable bit

function bicepFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.') || e.name === 'obj' || e.name === 'tools') return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? bicepFiles(path) : e.name.endsWith('.bicep') ? [path] : [];
  });
}

const files = bicepFiles(infra);
if (files.length === 0) fail(`no .bicep file under ${relative(root, infra) || '.'}.`);
// Two compiler runs over the whole folder (`--pattern`), not two per file: each run starts .NET once.
const out = mkdtempSync(join(tmpdir(), 'bicep-build-'));
let problems = 0;
try {
  for (const args of [
    ['build', '--pattern', '**/*.bicep', '--outdir', out],
    ['lint', '--pattern', '**/*.bicep'],
  ]) {
    const run = spawnSync(bicep, args, { cwd: infra, encoding: 'utf8' });
    const diagnostics = `${run.stderr}\n${run.stdout}`.split('\n').filter((l) => / : (Warning|Error) /.test(l));
    if (run.status !== 0 || diagnostics.length > 0) {
      problems += Math.max(diagnostics.length, 1);
      console.error(`check-infra: bicep ${args[0]}:`);
      for (const d of diagnostics.length
        ? [...new Set(diagnostics)]
        : [run.stderr.trim() || run.error?.message || `exit ${run.status}`])
        console.error(`  ${d}`);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (problems > 0) fail(`${problems} problem(s) in ${relative(root, infra)} (every Bicep warning counts).`);
const versionLine = execFileSync(bicep, ['--version'], { encoding: 'utf8' }).trim();
console.log(`check-infra: ${files.length} Bicep file(s) build and lint clean (${versionLine}).`);
