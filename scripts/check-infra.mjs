#!/usr/bin/env node
// Checks infra/ with the real Bicep compiler: restores it from NuGet (infra/tools/bicep.csproj, a
// restore-only project), then runs `bicep build` and `bicep lint` on every .bicep file under infra/.
// Any warning fails the check, not only errors: Bicep reports an unknown property (BCP037) or a resource
// type without types (BCP081) as a warning, and bicepconfig.json cannot raise core diagnostics to errors
// (only linter rules), so this script does.
// Without `dotnet` it says so and skips, unless CI=true (.ci/run sets it): there the check is required.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const infra = join(root, 'infra');
const project = join(infra, 'tools', 'bicep.csproj');
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
  const message = 'the .NET SDK (`dotnet`) is not installed, so infra/ was NOT compiled; install it to check the Bicep files (required in CI).';
  if (required) fail(message);
  console.log(`check-infra: skipped: ${message}`);
  process.exit(0);
}

const version = /<BicepVersion>([^<]+)<\/BicepVersion>/.exec(readFileSync(project, 'utf8'))?.[1];
if (!version) fail(`${relative(root, project)} names no <BicepVersion>.`);
const id = `azure.bicep.commandline.${rid()}`;
const bicep = join(infra, 'tools', '.packages', id, version, 'tools', process.platform === 'win32' ? 'bicep.exe' : 'bicep');
if (!existsSync(bicep)) {
  const restore = spawnSync('dotnet', ['restore', project, `-p:BicepRid=${rid()}`, '--nologo', '-v', 'quiet'], { stdio: 'inherit' });
  if (restore.status !== 0 || !existsSync(bicep)) fail(`dotnet restore of ${relative(root, project)} did not produce ${relative(root, bicep)}.`);
}
if (process.platform !== 'win32') chmodSync(bicep, 0o755); // NuGet does not keep the executable bit

function bicepFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.') || e.name === 'obj') return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? bicepFiles(path) : e.name.endsWith('.bicep') ? [path] : [];
  });
}

const files = bicepFiles(infra);
if (files.length === 0) fail('no .bicep file under infra/.');
let problems = 0;
for (const file of files) {
  for (const args of [['build', file, '--stdout'], ['lint', file]]) {
    const run = spawnSync(bicep, args, { encoding: 'utf8' });
    const diagnostics = `${run.stderr}\n${args[0] === 'lint' ? run.stdout : ''}`
      .split('\n')
      .filter((l) => / : (Warning|Error) /.test(l));
    if (run.status !== 0 || diagnostics.length > 0) {
      problems += Math.max(diagnostics.length, 1);
      console.error(`check-infra: bicep ${args[0]} ${relative(root, file)}:`);
      for (const d of diagnostics.length ? diagnostics : [run.stderr.trim() || `exit ${run.status}`]) console.error(`  ${d}`);
    }
  }
}
if (problems > 0) fail(`${problems} problem(s) in infra/ (every Bicep warning counts).`);
const versionLine = execFileSync(bicep, ['--version'], { encoding: 'utf8' }).trim();
console.log(`check-infra: ${files.length} Bicep file(s) build and lint clean (${versionLine}).`);
