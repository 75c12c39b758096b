/**
 * What the app loads when the Functions worker starts it, and what the first answer of each kind loads:
 * a module that only one path needs is loaded by that path, not at start-up (docs/performance.md). The
 * built app (package.json `main`) runs in a fresh process (test/support/runApp.ts) whose require.cache
 * is inspected at start-up (after the appStart hooks) and at the first answer; the parts behind it are
 * the test bed's (Azurite, fake managed identity, ARM, Azure ML, an Application Insights ingestion
 * endpoint).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAZY_SDK_PACKAGES } from '../../src/sdks';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { startFakeIngestion, type FakeIngestion } from '../support/fakeIngestion';
import { ensureBuilt } from '../support/registration';
import { runApp } from '../support/runApp';

const TRAIN_ID = 'aaaaaaaa-0000-4000-8000-00000000d001';
const SCORE_ID = 'aaaaaaaa-0000-4000-8000-00000000d002';

let bed: AmlTestBed;
let ingestion: FakeIngestion;
let dir: string;

const TIME_SCHEDULE = [
  '  - name: minutely',
  '    target: train',
  '    recurrence: { frequency: Minute, interval: 1, start_time: "2026-01-01T00:00:00Z" }',
];
const REACTIVE_SCHEDULE = [
  '  - name: arrivals',
  '    target: score',
  '    datastore: landing',
  `    container: ${uniqueContainerName('startup-data')}`,
  '    path_on_datastore: in',
  '    data_path_parameter_name: input_data',
];

beforeAll(async () => {
  await ensureBuilt();
  bed = await startAmlTestBed();
  bed.aml.addPipeline({ id: TRAIN_ID, kind: 'published', workspace: bed.workspace, parameters: ['epochs'] });
  bed.aml.addPipeline({
    id: SCORE_ID,
    kind: 'published',
    workspace: bed.workspace,
    dataPathParameters: ['input_data'],
  });
  ingestion = await startFakeIngestion();
  dir = mkdtempSync(join(tmpdir(), 'startup-'));
  writeFileSync(join(dir, 'ca.pem'), ingestion.ca);
  writeFileSync(
    join(dir, 'pipelines.yaml'),
    [
      'targets:',
      '  train:',
      `    pipeline_id: ${TRAIN_ID}`,
      '    experiment_name: train',
      '  score:',
      `    pipeline_id: ${SCORE_ID}`,
      '    experiment_name: score',
    ].join('\n'),
  );
  for (const [name, lines] of [
    ['time-only', TIME_SCHEDULE],
    ['with-reactive', [...TIME_SCHEDULE, ...REACTIVE_SCHEDULE]],
  ] as const) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'app.yaml'), ['schedules:', ...lines].join('\n'));
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([bed?.close(), ingestion?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function settings(schedules: 'time-only' | 'with-reactive'): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
    ...bed.env,
    AzureWebJobsStorage: azuriteConnectionString(),
    REACTIVE_STORAGE: azuriteConnectionString(),
    SCHEDULE_STATE_CONTAINER: uniqueContainerName('startup-state'),
    AML_TARGETS_FILE: join(dir, 'pipelines.yaml'),
    SCHEDULES_PATH: join(dir, schedules),
    AML_SUBSCRIPTION_ID: bed.workspace.subscriptionId,
    AML_RESOURCE_GROUP: bed.workspace.resourceGroup,
    AML_WORKSPACE_NAME: bed.workspace.workspaceName,
    AML_RETRY_MAX_ATTEMPTS: '1',
    APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: 'true',
  };
}

describe('start-up loads only what every path needs', () => {
  it('loads none of the heavy SDKs (identity, storage, ARM, Application Insights) when the worker starts the app', async () => {
    const started = await runApp({}, { env: settings('with-reactive'), cwd: dir });
    expect(started.packagesAtStart).toContain('@azure/functions');
    for (const pkg of LAZY_SDK_PACKAGES)
      expect(started.packagesAtStart, `${pkg} loaded at start-up`).not.toContain(pkg);
  }, 60_000);

  it('answers the first tick without the ARM client when no schedule is reactive, and without Application Insights', async () => {
    const ticked = await runApp(
      { invoke: { function: 'scheduleTimer', kind: 'timer', input: {} } },
      { env: settings('time-only'), cwd: dir },
    );
    expect(ticked.invocation?.error).toBeUndefined();
    expect(ticked.packagesAtFirstAnswer).toContain('@azure/storage-blob');
    // The tick read and wrote its state in Azurite through the bundled storage SDK (dist/sdk-storage.js and
    // the shared dist/sdk-core.js, scripts/bundle.mjs), not through node_modules.
    expect(ticked.sdkFilesAtFirstAnswer).toEqual(['sdk-core.js', 'sdk-storage.js']);
    expect(ticked.nodeModulesAtFirstAnswer).not.toContain('@azure/storage-blob');
    expect(ticked.nodeModulesAtFirstAnswer).not.toContain('@azure/core-rest-pipeline');
    expect(ticked.packagesAtFirstAnswer).not.toContain('@azure/arm-machinelearning');
    expect(ticked.packagesAtFirstAnswer).not.toContain('applicationinsights');
  }, 60_000);

  it('answers the first HTTP submission before loading Application Insights, then sends its event once the SDK starts', async () => {
    const submitted = await runApp(
      {
        invoke: {
          function: 'submitPipelineRun',
          kind: 'http',
          input: {
            method: 'POST',
            url: 'http://localhost:7071/api/pipelines/train/runs',
            params: { target: 'train' },
            headers: { 'content-type': 'application/json' },
            body: '{"ParameterAssignments":{"epochs":2}}',
          },
        },
        startTelemetry: true,
        terminate: true,
      },
      { env: settings('time-only'), cwd: dir },
    );
    expect(submitted.invocation?.status).toBe(202);
    expect(submitted.packagesAtFirstAnswer).toContain('@azure/identity');
    // Its token came from the loopback managed-identity endpoint through the bundled identity SDK (MSAL
    // inside it) and the workspace from the fake ARM through the bundled ARM client: all from dist/.
    expect(submitted.sdkFilesAtFirstAnswer).toEqual(
      expect.arrayContaining(['sdk-arm.js', 'sdk-core.js', 'sdk-identity.js']),
    );
    for (const pkg of ['@azure/identity', '@azure/msal-node', '@azure/arm-machinelearning', '@azure/core-client'])
      expect(submitted.nodeModulesAtFirstAnswer, `${pkg} loaded from node_modules`).not.toContain(pkg);
    expect(submitted.packagesAtFirstAnswer).not.toContain('applicationinsights');
    expect(submitted.packagesAtEnd).toContain('applicationinsights');
    const events = ingestion.events('PipelineRunSubmitted');
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ target: 'train' });
  }, 90_000);
});
