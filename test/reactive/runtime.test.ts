/**
 * The wiring used in production: `createReactiveDepsProvider(createRuntime(...))` reading the targets
 * file, the schedule files, the state store in Azurite (enabled flag, history) and the Azure ML settings,
 * fed through the real blob-trigger handler.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobTriggerHandler } from '../../src/functions/blobTriggers';
import { createReactiveDepsProvider } from '../../src/reactive/runtimeDeps';
import { createRuntime } from '../../src/runtime';
import { loadScheduleDefinitions } from '../../src/schedules/loadDefinitions';
import { ScheduleStateStore } from '../../src/schedules/stateStore';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import type { FakeAml } from '../support/fakeAml';
import type { FakeMsi } from '../support/fakeMsi';
import { PIPELINE_ID, registerPipeline, WS } from './harness';
import { hostTriggerMetadata, upload } from './support';

describe('reactive wiring through the runtime, state store and settings', () => {
  let bed: AmlTestBed;
  let msi: FakeMsi;
  let aml: FakeAml;
  let appRoot: string;
  let env: Record<string, string>;
  const data = uniqueContainerName('rt-data');
  const stateContainer = uniqueContainerName('rt-state');
  const schedulesYaml = [
    'schedules:',
    '  - name: arrivals',
    '    target: ingest',
    '    datastore: landing',
    `    container: ${data}`,
    '    path_on_datastore: in',
    '    data_path_parameter_name: input_data',
    '    polling_interval: 5',
  ].join('\n');

  beforeAll(async () => {
    bed = await startAmlTestBed();
    ({ msi, aml } = bed);
    registerPipeline(aml);
    appRoot = mkdtempSync(join(tmpdir(), 'reactive-app-'));
    writeFileSync(join(appRoot, 'host.json'), '{"version":"2.0"}');
    mkdirSync(join(appRoot, 'config', 'schedules'), { recursive: true });
    writeFileSync(
      join(appRoot, 'config', 'pipelines.yaml'),
      [
        'targets:',
        '  ingest:',
        `    endpoint_url: ${aml.submitUrl(WS, { published: PIPELINE_ID })}`,
        '    experiment_name: reactive-exp',
        '    parameters:',
        '      mode: default',
      ].join('\n'),
    );
    writeFileSync(join(appRoot, 'config', 'schedules', 'reactive.yaml'), schedulesYaml);
    env = {
      ...(process.env as Record<string, string>),
      ...msi.env,
      AzureWebJobsStorage: azuriteConnectionString(),
      REACTIVE_STORAGE: azuriteConnectionString(),
      SCHEDULE_STATE_CONTAINER: stateContainer,
    };
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    await service.getContainerClient(data).create();
    await service.getContainerClient(stateContainer).create();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('submits once per blob version, records history with the blob name, and honours disable()', async () => {
    const runtime = createRuntime({ env, appRoot });
    const provider = createReactiveDepsProvider(runtime);
    const handler = blobTriggerHandler(provider);
    const logs: string[] = [];
    const invoke = (meta: Record<string, unknown>): Promise<unknown> =>
      Promise.resolve(
        handler(
          { kind: 'blobReference' },
          new InvocationContext({
            invocationId: randomUUID(),
            triggerMetadata: meta,
            logHandler: (_l, ...a) => void logs.push(a.join(' ')),
          }),
        ),
      );

    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    const name = 'in/2026 03 01 #final.csv';
    const blob = await upload(service, data, name, 'a,b\n');
    const meta = await hostTriggerMetadata(blob, data, name);
    const before = aml.submissions.length;
    await Promise.all([invoke(meta), invoke(meta), invoke(meta)]);
    expect(aml.submissions.length - before).toBe(1);
    expect(aml.submissions.at(-1)!.body).toMatchObject({
      ExperimentName: 'reactive-exp',
      ParameterAssignments: { mode: 'default' },
      DataPathAssignments: { input_data: { DataStoreName: 'landing', RelativePath: name } },
    });

    const store = ScheduleStateStore.fromSettings(env);
    if (!store.ok) throw new Error(store.error.message);
    const history = await store.value.history.entries('arrivals');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      trigger: 'blob',
      status: 'submitted',
      runId: aml.submissions.at(-1)!.runId,
      detail: `${data}/${name}`,
    });

    // disable() through the state store: the next upload starts nothing.
    const loaded = loadScheduleDefinitions([{ path: 'reactive.yaml', text: schedulesYaml }], { now: new Date() });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const def = loaded.value.definitions[0]!;
    await store.value.states.initialize(def, new Date());
    await store.value.states.setEnabled(def, false, new Date());
    const second = await upload(service, data, 'in/after-disable.csv', 'x');
    await invoke(await hostTriggerMetadata(second, data, 'in/after-disable.csv'));
    expect(aml.submissions.length - before).toBe(1);
    expect(logs.join('\n')).toContain('schedule "arrivals" is disabled');
  });
});
