#!/usr/bin/env node
// azd preprovision hook: with reactive schedules (DATA_STORAGE_ACCOUNT_NAME set), infra/ deploys an
// Event Grid system topic, which needs the Microsoft.EventGrid resource provider registered in the
// subscription. Registers it (and waits) when it is not; needs `az login` and the right to register
// providers (Contributor or Owner on the subscription), else says what to ask for.
import { spawnSync } from 'node:child_process';

function az(args) {
  const run = spawnSync('az', [...args, '--only-show-errors'], {
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  if (run.error || run.status !== 0) {
    console.error(`preprovision: az ${args.slice(0, 3).join(' ')} failed: ${run.error?.message ?? run.stderr.trim()}`);
    console.error(
      'preprovision: log in with `az login` (same subscription as azd), or ask an owner to run `az provider register -n Microsoft.EventGrid`.',
    );
    process.exit(1);
  }
  return run.stdout.trim();
}

if (!process.env.DATA_STORAGE_ACCOUNT_NAME?.trim()) {
  console.log('preprovision: no DATA_STORAGE_ACCOUNT_NAME: Event Grid is not needed.');
} else {
  const state = az(['provider', 'show', '-n', 'Microsoft.EventGrid', '--query', 'registrationState', '-o', 'tsv']);
  if (state === 'Registered') console.log('preprovision: Microsoft.EventGrid is registered.');
  else {
    console.log(
      `preprovision: Microsoft.EventGrid is ${state || 'not registered'}: registering it (this can take a few minutes)...`,
    );
    az(['provider', 'register', '-n', 'Microsoft.EventGrid', '--wait']);
    console.log('preprovision: Microsoft.EventGrid registered.');
  }
}
