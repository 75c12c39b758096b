// `npm start`: (after `npm run build`) start Azurite from the npm package for the host's storage, then
// `func start` when Azure Functions Core Tools are installed. Where they are not, say what to do.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

if (!existsSync(join(root, 'local.settings.json'))) {
  copyFileSync(join(root, 'local.settings.sample.json'), join(root, 'local.settings.json'));
  console.log('Created local.settings.json from local.settings.sample.json: edit it to point at your workspace and pipelines.');
}

function findFunc() {
  if (existsSync(bin('func'))) return bin('func');
  const which = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['func'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.split(/\r?\n/)[0].trim() : undefined;
}

const func = findFunc();
if (!func) {
  console.error(`Azure Functions Core Tools ('func') are not installed, so the Functions host cannot start here.
To run the app locally:
  - with internet access: npm install azure-functions-core-tools@4 (or see https://aka.ms/func-install), then npm start again;
  - without it: the app's main job runs without the host.
      npm run demo                         see it work (Azurite and a fake Azure ML, nothing to configure)
      npx aml-triggers tick --watch        the schedule timer, against the storage and Azure ML in local.settings.json
      npx aml-triggers blob <container>/<path>   handle one blob as the blob trigger would
      npx aml-triggers submit <target>     submit as POST /api/pipelines/{target}/runs does
    and run the test suite with npm test.`);
  process.exit(1);
}

const dataDir = join(root, '.azurite');
mkdirSync(dataDir, { recursive: true });
const azurite = spawn(bin('azurite'), ['--silent', '--location', dataDir, '--skipApiVersionCheck', '--disableTelemetry', '--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1'], {
  stdio: 'inherit',
});
azurite.on('exit', (code) => {
  if (code) console.error(`Azurite exited with code ${code} (ports 10000-10002 busy? stop the other emulator).`);
});
console.log('Azurite started on 127.0.0.1:10000-10002 (data in .azurite/).');

const host = spawn(func, ['start'], { stdio: 'inherit', cwd: root });
const stop = () => {
  host.kill('SIGINT');
  azurite.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
host.on('exit', (code) => {
  azurite.kill('SIGTERM');
  process.exitCode = code ?? 0;
});
