#!/usr/bin/env node
// azd postdeploy hook (posix and Windows: azure.yaml runs `node infra/hooks/postdeploy.mjs`).
// Subscribes each reactive blob-trigger function (`reactiveBlob-<container>`, one per watched container,
// listed from the deployed app itself) to BlobCreated events of the watched account's Event Grid system
// topic (infra/app/data-events.bicep). Runs after code deployment because the webhook URL needs the
// host's `blobs_extension` system key, which exists only once a blob trigger with the Event Grid source
// has loaded: the hook waits for it (bounded) and fails loudly when it never comes.
// Needs the Azure CLI logged in to the same tenant/subscription as azd (`az login`).
// The subscription is written with ARM's REST API (`az rest`, api-version 2025-02-15) so the body (filter,
// retry policy, dead-lettering through the topic's identity) is exactly what this file says.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export const API_VERSION = '2025-02-15';
export const FUNCTION_PREFIX = 'reactiveBlob-';
/** Blob-creating APIs: one upload can raise several BlobCreated events (functions-host.md). */
export const BLOB_APIS = ['PutBlob', 'PutBlockList', 'CopyBlob', 'FlushWithClose'];

/** The reactive functions among the app's function names (`<app>/<name>` or `<name>`). */
export function reactiveFunctions(names) {
  return names.map((n) => n.replace(/^.*\//, '')).filter((n) => n.startsWith(FUNCTION_PREFIX));
}

/** Event subscription names: 3-64 letters, digits and hyphens. */
export function subscriptionName(container) {
  return `amltrig-${container}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64);
}

/** The PUT body of one system-topic event subscription. */
export function subscriptionBody({ hostName, functionName, key, container, deadLetterStorageId, deadLetterContainer }) {
  return {
    properties: {
      destination: {
        endpointType: 'WebHook',
        properties: {
          endpointUrl: `https://${hostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${encodeURIComponent(key)}`,
        },
      },
      filter: {
        includedEventTypes: ['Microsoft.Storage.BlobCreated'],
        subjectBeginsWith: `/blobServices/default/containers/${container}/blobs/`,
        advancedFilters: [{ operatorType: 'StringIn', key: 'data.api', values: BLOB_APIS }],
      },
      eventDeliverySchema: 'EventGridSchema',
      // Event Grid's maximum: retried for 24 h, then dead-lettered (never silently dropped).
      retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      deadLetterWithResourceIdentity: {
        identity: { type: 'SystemAssigned' },
        deadLetterDestination: {
          endpointType: 'StorageBlob',
          properties: { resourceId: deadLetterStorageId, blobContainerName: deadLetterContainer },
        },
      },
    },
  };
}

function az(args, { allowFailure = false } = {}) {
  const run = spawnSync('az', [...args, '--only-show-errors'], {
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  if (run.error) fail(`could not run the Azure CLI (az): ${run.error.message}. Install it and run \`az login\`.`);
  if (run.status !== 0 && !allowFailure) fail(`az ${args.slice(0, 3).join(' ')} failed: ${run.stderr.trim()}`);
  return run.status === 0 ? run.stdout.trim() : undefined;
}

function fail(message) {
  console.error(`postdeploy: ${message}`);
  process.exit(1);
}

function need(name) {
  const v = process.env[name]?.trim();
  if (!v) fail(`${name} is not set in the azd environment: run \`azd provision\` first.`);
  return v;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const dataAccount = process.env.DATA_STORAGE_ACCOUNT_NAME?.trim();
  if (!dataAccount) {
    console.log('postdeploy: DATA_STORAGE_ACCOUNT_NAME is not set: no reactive schedules, no Event Grid subscription.');
    return;
  }
  if (az(['account', 'show', '--query', 'id', '-o', 'tsv'], { allowFailure: true }) === undefined) {
    fail(
      'the Azure CLI is not logged in: run `az login` (same tenant and subscription as azd), then `azd hooks run postdeploy`.',
    );
  }
  const app = need('AZURE_FUNCTION_APP_NAME');
  const rg = need('AZURE_RESOURCE_GROUP');
  const topic = need('DATA_STORAGE_SYSTEM_TOPIC');
  const dataRg = process.env.DATA_STORAGE_RESOURCE_GROUP?.trim() || rg;
  const hostStorage = need('AZURE_STORAGE_ACCOUNT_NAME');
  const deadLetterContainer = need('EVENTGRID_DEADLETTER_CONTAINER');
  const attempts = Number(process.env.POSTDEPLOY_ATTEMPTS) > 0 ? Number(process.env.POSTDEPLOY_ATTEMPTS) : 18;

  const hostName = az(['functionapp', 'show', '-n', app, '-g', rg, '--query', 'defaultHostName', '-o', 'tsv']);
  if (!hostName) fail(`function app ${app} has no defaultHostName.`);

  // The app indexes its functions, then the host creates the blobs_extension key: both take a moment
  // after the deployment finishes. Wait (bounded), then fail loudly.
  let functions = [];
  let key = '';
  for (let i = 1; i <= attempts; i++) {
    const listed =
      az(['functionapp', 'function', 'list', '-n', app, '-g', rg, '--query', '[].name', '-o', 'tsv'], {
        allowFailure: true,
      }) ?? '';
    const names = listed.split(/\s+/).filter(Boolean);
    functions = reactiveFunctions(names);
    if (names.length > 0 && functions.length === 0) {
      console.log(
        'postdeploy: the app has no reactive schedule (no reactiveBlob-* function): no Event Grid subscription needed.',
      );
      return;
    }
    if (functions.length > 0) {
      key =
        az(['functionapp', 'keys', 'list', '-n', app, '-g', rg, '--query', 'systemKeys.blobs_extension', '-o', 'tsv'], {
          allowFailure: true,
        }) ?? '';
      if (key) break;
    }
    console.log(
      `postdeploy: waiting for ${names.length === 0 ? "the app's functions" : 'the blobs_extension system key'} (${i}/${attempts})...`,
    );
    await sleep(10_000);
  }
  if (functions.length === 0)
    fail(
      `the app ${app} lists no function after ${attempts} attempts: check its log stream (did the deployment start?).`,
    );
  if (!key) {
    fail(
      `the blobs_extension system key of ${app} did not appear after ${attempts} attempts. It exists once a blob trigger with the Event Grid source loads: check that REACTIVE_TRIGGER_SOURCE=EventGrid and the app started, then run \`azd hooks run postdeploy\`.`,
    );
  }

  const subscriptionId = az(['account', 'show', '--query', 'id', '-o', 'tsv']);
  const deadLetterStorageId = az([
    'storage',
    'account',
    'show',
    '-n',
    hostStorage,
    '-g',
    rg,
    '--query',
    'id',
    '-o',
    'tsv',
  ]);
  for (const functionName of functions) {
    const container = functionName.slice(FUNCTION_PREFIX.length);
    const name = subscriptionName(container);
    const url = `https://management.azure.com/subscriptions/${subscriptionId}/resourceGroups/${dataRg}/providers/Microsoft.EventGrid/systemTopics/${topic}/eventSubscriptions/${name}?api-version=${API_VERSION}`;
    const body = subscriptionBody({ hostName, functionName, key, container, deadLetterStorageId, deadLetterContainer });
    console.log(
      `postdeploy: subscribing ${functionName} to BlobCreated in container ${container} of ${dataAccount} (${name})`,
    );
    az(['rest', '--method', 'put', '--url', url, '--body', JSON.stringify(body), '--output', 'none']);
  }
  console.log(`postdeploy: ${functions.length} Event Grid subscription(s) in place.`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
