/**
 * The production provider (`createReactiveDepsProvider(createRuntime(...))`) takes its reactive schedules
 * from the schedule registry, so a schedule applied or changed at run time — here by another process, as
 * `aml-triggers schedules apply` does, through `ScheduleOperations` over the same state container — is
 * acted on by the blob handler after the next `REACTIVE_REFRESH_MS` refresh, without a restart; and one
 * watching a container that no registered trigger watches is reported, once per refresh, as needing a
 * restart. Real Azurite, the loopback Azure ML bed, the real handler.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { blobTriggerHandler } from '../../src/functions/blobTriggers';
import { createReactiveDepsProvider } from '../../src/reactive/runtimeDeps';
import { createRuntime, type Runtime } from '../../src/runtime';
import { ScheduleOperations } from '../../src/schedules/operations';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import type { FakeAml } from '../support/fakeAml';
import { PIPELINE_ID, registerPipeline, WS } from './harness';
import { hostTriggerMetadata, upload } from './support';

const REFRESH_MS = 120_000;

describe('reactive schedules come from the schedule registry (applied at run time)', () => {
  let bed: AmlTestBed;
  let aml: FakeAml;
  let appRoot: string;
  let env: Record<string, string>;
  let service: BlobServiceClient;
  const data = uniqueContainerName('rr-data');
  const unwatched = uniqueContainerName('rr-unwatched');
  const stateContainer = uniqueContainerName('rr-state');

  beforeAll(async () => {
    bed = await startAmlTestBed();
    aml = bed.aml;
    registerPipeline(aml);
    appRoot = mkdtempSync(join(tmpdir(), 'reactive-registry-app-'));
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
    // The deployed file schedule: the reason a blob trigger exists for `data`.
    writeFileSync(
      join(appRoot, 'config', 'schedules', 'reactive.yaml'),
      [
        'schedules:',
        '  - name: arrivals',
        '    target: ingest',
        '    datastore: landing',
        `    container: ${data}`,
        '    path_on_datastore: in',
        '    data_path_parameter_name: input_data',
      ].join('\n'),
    );
    env = {
      ...(process.env as Record<string, string>),
      ...bed.msi.env,
      AzureWebJobsStorage: azuriteConnectionString(),
      REACTIVE_STORAGE: azuriteConnectionString(),
      SCHEDULE_STATE_CONTAINER: stateContainer,
      REACTIVE_REFRESH_MS: String(REFRESH_MS),
    };
    service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    await service.getContainerClient(data).create();
    await service.getContainerClient(stateContainer).create();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await bed?.close();
  });

  /** The function app: its own runtime, the production provider on an injected clock, the real handler. */
  function functionApp(): {
    runtime: Runtime;
    advance(ms: number): void;
    deliver(container: string, name: string): Promise<void>;
  } {
    const runtime = createRuntime({ env, appRoot });
    let clock = Date.now();
    const handler = blobTriggerHandler(createReactiveDepsProvider(runtime, { now: () => new Date(clock) }));
    return {
      runtime,
      advance: (ms) => void (clock += ms),
      deliver: async (container, name) => {
        const blob = await upload(service, container, name, 'a,b\n');
        const meta = await hostTriggerMetadata(blob, container, name);
        await handler(
          { kind: 'blobReference' },
          new InvocationContext({ invocationId: randomUUID(), triggerMetadata: meta, logHandler: () => undefined }),
        );
      },
    };
  }

  /** `aml-triggers schedules apply` in another process: its own runtime over the same storage. */
  async function applyFromCli(name: string, fields: Record<string, string | Record<string, string>>): Promise<void> {
    const cli = createRuntime({ env, appRoot });
    const ops = new ScheduleOperations({
      registry: cli.schedules,
      store: cli.scheduleStore,
      targets: () => cli.targets.targets,
    });
    const schedule = {
      name,
      target: 'ingest',
      datastore: 'landing',
      data_path_parameter_name: 'input_data',
      ...fields,
    };
    const applied = await ops.apply([{ path: `${name}.json`, text: JSON.stringify({ schedules: [schedule] }) }], {
      now: new Date(),
    });
    if (!applied.ok) throw new Error(applied.error.message);
  }

  const submissionsFor = (relativePath: string): unknown[] =>
    aml.submissions.filter((s) => JSON.stringify(s.body).includes(JSON.stringify(relativePath)));

  it('a schedule applied at run time for a watched container fires after the refresh, without a restart', async () => {
    const app = functionApp();
    await app.deliver(data, 'in/warm-up.csv'); // the provider has built (and cached) its list before the apply
    expect(submissionsFor('in/warm-up.csv')).toHaveLength(1);

    await applyFromCli('late-arrivals', {
      container: data,
      path_on_datastore: 'late',
      pipeline_parameters: { mode: 'applied' },
    });
    app.advance(REFRESH_MS);
    await app.deliver(data, 'late/first.csv');

    const submitted = submissionsFor('late/first.csv');
    expect(submitted).toHaveLength(1);
    expect(submitted[0]).toMatchObject({
      body: {
        ParameterAssignments: { mode: 'applied' },
        DataPathAssignments: { input_data: { DataStoreName: 'landing', RelativePath: 'late/first.csv' } },
      },
    });
    const history = await app.runtime.scheduleStore.history.entries('late-arrivals');
    expect(history).toMatchObject([{ trigger: 'blob', status: 'submitted', detail: `${data}/late/first.csv` }]);
  });

  it('a schedule changed by apply acts on its new definition after the refresh', async () => {
    const app = functionApp();
    await applyFromCli('moving', {
      container: data,
      path_on_datastore: 'moving-v1',
      pipeline_parameters: { mode: 'v1' },
    });
    await app.deliver(data, 'moving-v1/a.csv');
    expect(submissionsFor('moving-v1/a.csv')).toMatchObject([{ body: { ParameterAssignments: { mode: 'v1' } } }]);

    await applyFromCli('moving', {
      container: data,
      path_on_datastore: 'moving-v2',
      pipeline_parameters: { mode: 'v2' },
    });
    app.advance(REFRESH_MS);
    await app.deliver(data, 'moving-v1/b.csv');
    await app.deliver(data, 'moving-v2/c.csv');

    expect(submissionsFor('moving-v1/b.csv')).toHaveLength(0); // the old folder is no longer watched
    expect(submissionsFor('moving-v2/c.csv')).toMatchObject([{ body: { ParameterAssignments: { mode: 'v2' } } }]);
  });

  it('a schedule applied for a container no trigger watches is reported once per refresh as needing a restart', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const app = functionApp();
    await app.deliver(data, 'in/before-unwatched.csv');
    await applyFromCli('elsewhere', { container: unwatched, path_on_datastore: 'drop' });

    const warnings = (): string[] =>
      warn.mock.calls.map((c) => c.map(String).join(' ')).filter((line) => line.includes('"elsewhere"'));
    app.advance(REFRESH_MS);
    await app.deliver(data, 'in/after-unwatched-1.csv');
    await app.deliver(data, 'in/after-unwatched-2.csv');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(`container "${unwatched}"`);
    expect(warnings()[0]).toContain('applied at run time');
    expect(warnings()[0]).toContain('REACTIVE_CONTAINERS');
    expect(warnings()[0]).toMatch(/restart \(redeploy\) the function app/);

    app.advance(REFRESH_MS);
    await app.deliver(data, 'in/after-unwatched-3.csv');
    expect(warnings()).toHaveLength(2);
    // The watched schedules keep working meanwhile.
    expect(submissionsFor('in/after-unwatched-3.csv')).toHaveLength(1);
  });
});
