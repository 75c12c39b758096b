/**
 * Blob arrival starting Azure ML v2 work (what v2's own schedules cannot do): a reactive schedule
 * pointed at a pipeline job target or a batch endpoint target, through the blob-trigger and Event Grid
 * handlers, the real client and @azure/identity, against Azurite and the v2 fakes. The blob reaches the
 * job as a uri_file input named by data_path_parameter_name; each blob version makes exactly one job
 * (named by its submission key) under duplicate deliveries and lost answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineClient } from '../../src/aml/client';
import type { PipelineClient, PipelineTarget } from '../../src/aml/types';
import { buildReactiveSchedules } from '../../src/reactive/schedules';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import type { FakeJob } from '../support/fakeAmlV2';
import { startHttpFaultProxy, type HttpFaultProxy } from '../support/faultProxy';
import { sales, setup, WS } from './harness';
import { blobCreatedEvent, definitions, hostTriggerMetadata, upload } from './support';

let bed: AmlTestBed;
let client: PipelineClient;
let proxy: HttpFaultProxy;

const v2Target = (
  name: string,
  v2: PipelineTarget['v2'],
  inputs: PipelineTarget['inputs'] = { input_data: { type: 'uri_file' } },
): PipelineTarget => ({
  name,
  workspace: WS,
  experimentName: 'reactive-v2',
  parameterAssignments: { region: 'eu' },
  dataPathAssignments: {},
  v2,
  inputs,
});
const targets = (): Map<string, PipelineTarget> =>
  new Map([
    ['ingest-job', v2Target('ingest-job', { kind: 'pipeline_job', componentName: 'ingest', componentVersion: '1' })],
    ['ingest-batch', v2Target('ingest-batch', { kind: 'batch_endpoint', endpointName: 'ingest' })],
    [
      'ingest-batch-proxied',
      v2Target('ingest-batch-proxied', { kind: 'batch_endpoint', endpointName: 'ingest-proxied' }),
    ],
  ]);
/** Jobs whose inputs name the test's blob (`in/<container>.csv`, unique per test). */
const jobsFor = (container: string): FakeJob[] =>
  bed.v2.jobs.filter((j) =>
    JSON.stringify(j.request.inputs ?? j.request.InputData).includes(`paths/in/${container}.csv`),
  );

beforeAll(async () => {
  bed = await startAmlTestBed({ workspace: WS });
  bed.v2.addComponent(WS, 'ingest', ['1']);
  bed.v2.addBatchEndpoint(WS, 'ingest');
  proxy = await startHttpFaultProxy(bed.v2.scoringOrigin);
  bed.v2.addBatchEndpoint(WS, 'ingest-proxied', {
    scoringUri: proxy.via(`${bed.v2.scoringOrigin}/ingest-proxied/jobs`),
  });
  client = createPipelineClient({
    env: { ...process.env, ...bed.msi.env, ...bed.env },
    settings: { reconcileDelayMs: 20, attemptTimeoutMs: 3_000 },
  });
});
afterAll(async () => {
  await proxy?.close();
  await bed?.close();
});

describe.each([
  ['pipeline_job', 'ingest-job'],
  ['batch_endpoint', 'ingest-batch'],
])('%s target', (kind, target) => {
  it('each blob version starts one job with the blob as a uri_file input, under duplicate deliveries from both triggers', async () => {
    const s = await setup({ aml: bed.aml, client, schedules: (c) => [sales(c, { target })], targets: targets() });
    const blob = await upload(s.service, s.container, `in/${s.container}.csv`, 'a,b\n1,2\n');
    const meta = await hostTriggerMetadata(blob, s.container, `in/${s.container}.csv`);
    await Promise.all([
      s.invokeBlobTrigger(meta),
      s.invokeBlobTrigger(meta),
      s.invokeEventGrid(await blobCreatedEvent(blob, s.container, `in/${s.container}.csv`)),
    ]);
    await s.invokeBlobTrigger(meta);
    const made = jobsFor(s.container);
    expect(made).toHaveLength(1);
    const uri = `azureml://datastores/landing/paths/in/${s.container}.csv`;
    if (kind === 'pipeline_job')
      expect(made[0]!.request.inputs).toEqual({
        region: { jobInputType: 'literal', value: 'eu' },
        mode: { jobInputType: 'literal', value: 'fast' },
        input_data: { jobInputType: 'uri_file', uri },
      });
    else
      expect(made[0]!.request.InputData).toEqual({
        region: { JobInputType: 'Literal', Value: 'eu' },
        mode: { JobInputType: 'Literal', Value: 'fast' },
        input_data: { JobInputType: 'UriFile', Uri: uri },
      });
    expect(made[0]!.tags).toMatchObject({
      'aml-triggers.schedule': 'sales-arrivals',
      'aml-triggers.trigger': 'blob',
      aml_triggers_key: made[0]!.name,
    });
    expect(s.history).toMatchObject([{ status: 'submitted', runId: made[0]!.name }]);

    // A new version of the same blob is new data: one more job.
    const again = await upload(s.service, s.container, `in/${s.container}.csv`, 'a,b\n3,4\n');
    await s.invokeBlobTrigger(await hostTriggerMetadata(again, s.container, `in/${s.container}.csv`));
    expect(jobsFor(s.container)).toHaveLength(2);
  });
});

describe.each([
  ['pipeline_job', 'ingest-job'],
  ['batch_endpoint', 'ingest-batch'],
])("%s target, the schedule's own inputs", (kind, target) => {
  it("each job gets the target's values, the schedule's inputs over them, and the blob last", async () => {
    const s = await setup({
      aml: bed.aml,
      client,
      schedules: (c) => [
        sales(c, {
          target,
          inputs: {
            reference: { type: 'uri_folder', path: 'azureml://datastores/ref/paths/2026/', mode: 'ro_mount' },
            region: { type: 'literal', value: 'us' },
          },
        }),
      ],
      targets: targets(),
    });
    const blob = await upload(s.service, s.container, `in/${s.container}.csv`, 'a,b\n1,2\n');
    await s.invokeBlobTrigger(await hostTriggerMetadata(blob, s.container, `in/${s.container}.csv`));
    const made = jobsFor(s.container);
    expect(made).toHaveLength(1);
    const uri = `azureml://datastores/landing/paths/in/${s.container}.csv`;
    if (kind === 'pipeline_job')
      expect(made[0]!.request.inputs).toEqual({
        region: { jobInputType: 'literal', value: 'us' },
        mode: { jobInputType: 'literal', value: 'fast' },
        reference: { jobInputType: 'uri_folder', uri: 'azureml://datastores/ref/paths/2026/', mode: 'ro_mount' },
        input_data: { jobInputType: 'uri_file', uri },
      });
    else
      expect(made[0]!.request.InputData).toEqual({
        region: { JobInputType: 'Literal', Value: 'us' },
        mode: { JobInputType: 'Literal', Value: 'fast' },
        reference: { JobInputType: 'UriFolder', Uri: 'azureml://datastores/ref/paths/2026/' },
        input_data: { JobInputType: 'UriFile', Uri: uri },
      });
    expect(s.history).toMatchObject([{ status: 'submitted', runId: made[0]!.name }]);
  });
});

describe('faults', () => {
  it.each(['create_then_502', 'create_then_reset'] as const)(
    'pipeline_job, %s: one job, recorded submitted; a redelivery adds none',
    async (fault) => {
      const s = await setup({
        aml: bed.aml,
        client,
        schedules: (c) => [sales(c, { target: 'ingest-job' })],
        targets: targets(),
      });
      const blob = await upload(s.service, s.container, `in/${s.container}.csv`, 'x');
      const meta = await hostTriggerMetadata(blob, s.container, `in/${s.container}.csv`);
      bed.v2.script([fault]);
      await s.invokeBlobTrigger(meta);
      await s.invokeBlobTrigger(meta);
      expect(jobsFor(s.container)).toHaveLength(1);
      expect(s.history).toMatchObject([{ status: 'submitted', runId: jobsFor(s.container)[0]!.name }]);
    },
  );

  it.each(['drop_after_forward', 'answer_504_after_forward'] as const)(
    'batch_endpoint, %s behind the proxy: reconciled by job name, never resent',
    async (fault) => {
      const s = await setup({
        aml: bed.aml,
        client,
        schedules: (c) => [sales(c, { target: 'ingest-batch-proxied' })],
        targets: targets(),
      });
      const blob = await upload(s.service, s.container, `in/${s.container}.csv`, 'x');
      const meta = await hostTriggerMetadata(blob, s.container, `in/${s.container}.csv`);
      const invokes = bed.v2.invokes.length;
      proxy.fault([fault]);
      await s.invokeBlobTrigger(meta);
      await s.invokeBlobTrigger(meta);
      expect(bed.v2.invokes.length - invokes).toBe(1);
      expect(jobsFor(s.container)).toHaveLength(1);
      expect(s.history).toMatchObject([{ status: 'submitted', runId: jobsFor(s.container)[0]!.name }]);
    },
  );
});

describe('at start-up', () => {
  it("a schedule whose blob cannot reach the target's input is reported by name; the others are built", async () => {
    const t = new Map([
      [
        'folder-only',
        v2Target(
          'folder-only',
          { kind: 'pipeline_job', componentName: 'ingest', componentVersion: '1' },
          { input_data: { type: 'uri_folder' } },
        ),
      ],
      ...targets(),
    ]);
    const built = await buildReactiveSchedules(
      definitions([
        sales('landing-one', { name: 'bad', target: 'folder-only' }),
        sales('landing-two', { name: 'good', target: 'ingest-job' }),
      ]),
      { targets: t },
    );
    expect(built.schedules.map((x) => x.definition.name)).toEqual(['good']);
    expect(built.problems).toMatchObject([
      {
        schedule: 'bad',
        code: 'schedule.target.inputs',
        message: expect.stringContaining('declares input_data as uri_folder'),
      },
    ]);
  });

  it('a schedule giving inputs to a v1 target is reported by name, field and what to do; the others are built', async () => {
    const t = new Map([
      [
        'ingest-v1',
        {
          name: 'ingest-v1',
          workspace: WS,
          pipeline: { kind: 'published' as const, pipelineId: 'p-1' },
          experimentName: 'reactive-v1',
          parameterAssignments: {},
          dataPathAssignments: {},
        },
      ],
      ...targets(),
    ]);
    const built = await buildReactiveSchedules(
      definitions([
        sales('landing-one', {
          name: 'v1-with-inputs',
          target: 'ingest-v1',
          inputs: { region: { type: 'literal', value: 'us' } },
        }),
        sales('landing-two', {
          name: 'good',
          target: 'ingest-job',
          inputs: { region: { type: 'literal', value: 'us' } },
        }),
      ]),
      { targets: t },
    );
    expect(built.schedules.map((x) => x.definition.name)).toEqual(['good']);
    expect(built.problems).toEqual([
      expect.objectContaining({
        schedule: 'v1-with-inputs',
        code: 'schedule.inputs.v1_pipeline',
        field: 'schedules[0].inputs',
        source: 'schedules.json',
        message:
          'schedules.json:1: schedule "v1-with-inputs" gives `schedules[0].inputs` ("region"), but its target "ingest-v1" is an Azure ML v1 published pipeline, which takes no inputs: pass the values in `pipeline_parameters` (DataPaths in the target\'s data_paths), or point the schedule at a v2 target (pipeline_job, batch_endpoint; docs/migration-v2.md).',
      }),
    ]);
  });
});
