// `npm start`: run the app locally.
//   1. Create local.settings.json from the sample when it is missing.
//   2. Look for Azure Functions Core Tools (`func`) first, and say at once whether the host can start.
//   3. Build (tsc and the bundle), start Azurite from the npm package (the host's storage and the schedule store), and
//      say how to stop it.
//   4. With Core Tools: `func start` (Ctrl+C stops the host and Azurite). Without: Azurite keeps running
//      in the foreground for the command-line tools and the message says what works without the host.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const PORTS = [10000, 10001, 10002];

if (!existsSync(join(root, 'local.settings.json'))) {
  copyFileSync(join(root, 'local.settings.sample.json'), join(root, 'local.settings.json'));
  console.log(
    'Created local.settings.json from local.settings.sample.json: edit it to point at your workspace and pipelines.',
  );
}

function findFunc() {
  if (existsSync(bin('func'))) return bin('func');
  const which = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['func'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.split(/\r?\n/)[0].trim() : undefined;
}

const WITHOUT_HOST = `Without the host, the app's main job still runs (in another terminal, in this folder):
    npm run demo                             see it work (its own Azurite and a fake Azure ML, nothing to configure)
    npx aml-triggers tick --watch            the schedule timer, against the storage and Azure ML in local.settings.json
    npx aml-triggers blob <container>/<path> handle one blob as the blob trigger would
    npx aml-triggers submit <target>         submit as POST /api/pipelines/{target}/runs does
  and everything else works against this Azurite:
    npx aml-triggers next --file config/schedules.sample.yaml --name nightly-retrain
    npx aml-triggers check-targets
    npx aml-triggers schedules list          (the schedules of SCHEDULES_PATH, state in Azurite)
    npx aml-triggers schedules enable maintenance
    npm test                                 (its own Azurite on a free port; no Core Tools needed)`;

const func = findFunc();
if (func) console.log(`Azure Functions Core Tools: ${func}`);
else {
  console.error(`Azure Functions Core Tools ('func') are not installed, so the Functions host cannot start here.
To run the host: with internet access, npm install -g azure-functions-core-tools@4 (or see
https://aka.ms/func-install), then npm start again.
${WITHOUT_HOST}
Building and starting Azurite for those now.`);
}

console.log('Building (tsc -p tsconfig.json, then the bundle package.json main names: scripts/bundle.mjs) ...');
for (const step of [
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')],
  [join(root, 'scripts', 'bundle.mjs')],
]) {
  const build = spawnSync(process.execPath, step, { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('The build failed (see above); fix it and run npm start again.');
    process.exit(build.status ?? 1);
  }
}

/** Whether something already listens on 127.0.0.1:port (another Azurite, say). */
function listening(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const busy = (await Promise.all(PORTS.map(listening))).some(Boolean);
let azurite;
if (busy) {
  console.log(
    'Ports 10000-10002 are in use: using the storage emulator already running there (stop it where it was started).',
  );
} else {
  const dataDir = join(root, '.azurite');
  mkdirSync(dataDir, { recursive: true });
  azurite = spawn(
    bin('azurite'),
    [
      '--silent',
      '--location',
      dataDir,
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--blobHost',
      '127.0.0.1',
      '--queueHost',
      '127.0.0.1',
      '--tableHost',
      '127.0.0.1',
    ],
    { stdio: 'inherit' },
  );
  azurite.on('exit', (code) => {
    if (code) console.error(`Azurite exited with code ${code}.`);
  });
  console.log(
    `Azurite started on 127.0.0.1:10000-10002 (pid ${azurite.pid}, data in .azurite/). Ctrl+C here stops it${func ? ' and the host' : ''}; or: kill ${azurite.pid}.`,
  );
}

const stopAzurite = () => azurite?.kill('SIGTERM');
if (!func) {
  console.log(azurite ? 'Azurite runs until you press Ctrl+C.' : 'Nothing else to start.');
  process.on('SIGINT', stopAzurite);
  process.on('SIGTERM', stopAzurite);
} else {
  const host = spawn(func, ['start'], { stdio: 'inherit', cwd: root });
  const stop = () => {
    host.kill('SIGINT');
    stopAzurite();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  host.on('exit', (code) => {
    stopAzurite();
    process.exitCode = code ?? 0;
  });
}
