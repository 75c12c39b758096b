/**
 * Time schedules pointed at Azure ML v2 targets (a pipeline job from a registered component, a batch
 * endpoint) through the real tick engine, client, @azure/identity and Azurite against the v2 fakes:
 * the exact job per occurrence (named by its submission key), history showing the job name as the run
 * id, and exactly one job per occurrence under duplicate ticks, parallel instances, lost answers and
 * answers that created nothing. Faults on the batch scoring host go through the fault proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentVersionId } from '../../../src/aml/v2Body';
import { occurrenceSubmissionKey } from '../../../src/schedules/submitOccurrence';
import { startHttpFaultProxy, type HttpFaultProxy } from '../../support/faultProxy';
import type { FakeJob } from '../../support/fakeAmlV2';
import { engine, MINUTE, newContainer, scheduleFile, startBed, ticks, type Bed } from './harness';

let bed: Bed;
let proxy: HttpFaultProxy;

beforeAll(async () => {
  bed = await startBed();
  proxy = await startHttpFaultProxy(bed.v2.scoringOrigin);
  bed.v2.addBatchEndpoint(bed.workspace, 'score-proxied', {
    scoringUri: proxy.via(`${bed.v2.scoringOrigin}/score-proxied/jobs`),
  });
});

afterAll(async () => {
  await proxy?.close();
  await bed?.close();
});

const every15 = (name: string, target: string): Record<string, unknown> => ({
  name,
  target,
  recurrence: { frequency: 'Minute', interval: 15, start_time: '2026-06-01T00:00:00Z' },
});
const jobsOf = (schedule: string): FakeJob[] => bed.v2.jobs.filter((j) => j.tags['aml-triggers.schedule'] === schedule);
const occurrences = (schedule: string): string[] =>
  jobsOf(schedule)
    .map((j) => j.tags['aml-triggers.occurrence']!)
    .sort();

describe.each([
  ['pipeline_job', 'train-v2'],
  ['batch_endpoint', 'score-v2'],
])('%s target', (kind, target) => {
  it('one job per occurrence, named by its key, under duplicate ticks and two instances; history shows the job name', async () => {
    const name = `v2-${kind.split('_')[0]}-plain`;
    const container = await newContainer();
    const files = scheduleFile([every15(name, target)]);
    const a = engine(bed, { container, files });
    const b = engine(bed, { container, files });
    await a.tick('2026-06-01T00:00:00Z');
    for (const now of ticks('2026-06-01T00:00:01Z', '2026-06-01T00:46:00Z', MINUTE))
      await Promise.all([a.tick(now), b.tick(now), a.tick(now)]);
    expect(occurrences(name)).toEqual(['2026-06-01T00:15:00Z', '2026-06-01T00:30:00Z', '2026-06-01T00:45:00Z']);
    const job = jobsOf(name)[0]!;
    expect(job.name).toBe(occurrenceSubmissionKey(name, new Date(job.tags['aml-triggers.occurrence']!)));
    if (kind === 'pipeline_job') {
      expect(job.request).toMatchObject({
        jobType: 'Pipeline',
        componentId: expect.stringMatching(/\/components\/train\/versions\/2$/),
        experimentName: 'scheduled-training',
        inputs: { mode: { jobInputType: 'literal', value: 'full' } },
      });
    } else {
      expect(job.request).toMatchObject({
        name: job.name,
        InputData: { mode: { JobInputType: 'Literal', Value: 'full' } },
      });
    }
    expect(job.tags).toMatchObject({ team: 'ml', 'aml-triggers.trigger': 'schedule', aml_triggers_key: job.name });
    const history = await a.store.history.entries(name);
    expect(
      history
        .filter((h) => h.status === 'submitted')
        .map((h) => h.runId)
        .sort(),
    ).toEqual(
      jobsOf(name)
        .map((j) => j.name)
        .sort(),
    );
  }, 90_000);
});

describe("a schedule's own inputs (one target, one schedule per input set)", () => {
  const at = (folder: string): Record<string, unknown> => ({
    training_data: { type: 'uri_folder', path: `azureml://datastores/x/paths/${folder}/`, mode: 'download' },
    threshold: { type: 'literal', value: 0.9 },
  });

  it("reach the pipeline job PUT and the batch invoke exactly, over the target's parameters, per schedule", async () => {
    const e = engine(bed, {
      container: await newContainer(),
      files: scheduleFile([
        { ...every15('inputs-weekly', 'train-v2'), inputs: at('weekly') },
        {
          ...every15('inputs-daily', 'train-v2'),
          inputs: {
            ...at('daily'),
            mode: { type: 'literal', value: 'fast' },
            customers: { type: 'mltable', path: 'azureml:customers:3', mode: 'eval_mount' },
          },
        },
        { ...every15('inputs-batch', 'score-v2'), inputs: at('scoring') },
      ]),
    });
    await e.tick('2026-06-01T00:00:00Z');
    await e.tick('2026-06-01T00:15:01Z');
    const only = (schedule: string): FakeJob => {
      expect(jobsOf(schedule)).toHaveLength(1);
      return jobsOf(schedule)[0]!;
    };
    const marks = (schedule: string, job: FakeJob): Pick<FakeJob, 'tags' | 'properties'> => ({
      tags: {
        team: 'ml',
        'aml-triggers.schedule': schedule,
        'aml-triggers.occurrence': '2026-06-01T00:15:00Z',
        'aml-triggers.trigger': 'schedule',
        aml_triggers_key: job.name,
      },
      properties: { 'aml-triggers.run_source': 'SDK', aml_triggers_key: job.name },
    });
    const weekly = only('inputs-weekly');
    expect(weekly.request).toEqual({
      jobType: 'Pipeline',
      componentId: componentVersionId(bed.workspace, 'train', '2'),
      experimentName: 'scheduled-training',
      inputs: {
        mode: { jobInputType: 'literal', value: 'full' },
        training_data: { jobInputType: 'uri_folder', uri: 'azureml://datastores/x/paths/weekly/', mode: 'download' },
        threshold: { jobInputType: 'literal', value: '0.9' },
      },
    });
    expect({ tags: weekly.tags, properties: weekly.properties }).toEqual(marks('inputs-weekly', weekly));
    const daily = only('inputs-daily');
    expect(daily.request.inputs).toEqual({
      mode: { jobInputType: 'literal', value: 'fast' },
      training_data: { jobInputType: 'uri_folder', uri: 'azureml://datastores/x/paths/daily/', mode: 'download' },
      threshold: { jobInputType: 'literal', value: '0.9' },
      customers: { jobInputType: 'mltable', uri: 'azureml:customers:3', mode: 'eval_mount' },
    });
    const batch = only('inputs-batch');
    expect(batch.request).toEqual({
      name: batch.name,
      InputData: {
        mode: { JobInputType: 'Literal', Value: 'full' },
        training_data: { JobInputType: 'UriFolder', Uri: 'azureml://datastores/x/paths/scoring/' },
        threshold: { JobInputType: 'Literal', Value: '0.9' },
      },
    });
    expect({ tags: batch.tags, properties: batch.properties }).toEqual(marks('inputs-batch', batch));
  }, 60_000);

  it('a schedule with inputs on a v1 target is not submitted: the occurrence fails naming schedule, field and what to do', async () => {
    const e = engine(bed, {
      container: await newContainer(),
      files: scheduleFile([{ ...every15('inputs-on-v1', 'train'), inputs: at('weekly') }]),
    });
    const submissions = bed.aml.submissions.length;
    await e.tick('2026-06-01T00:00:00Z');
    await e.tick('2026-06-01T00:15:01Z');
    expect(bed.aml.submissions.length).toBe(submissions);
    const history = await e.store.history.entries('inputs-on-v1');
    expect(history).toEqual([
      expect.objectContaining({
        occurrence: '2026-06-01T00:15:00Z',
        error: expect.objectContaining({ code: 'schedule.inputs.v1_pipeline' }),
      }),
    ]);
    expect(e.lines.join('\n')).toMatch(
      /schedule "inputs-on-v1" gives `\[0\]\.inputs` \("training_data", "threshold"\), but its target "train" is an Azure ML v1 published pipeline, which takes no inputs: pass the values in `pipeline_parameters`/,
    );
  }, 60_000);
});

describe('lost answers and answers that created nothing', () => {
  it.each(['create_then_502', 'create_then_reset'] as const)(
    'pipeline_job, %s: the same PUT again settles it; one job, recorded submitted',
    async (fault) => {
      const name = `v2-job-${fault.split('_').at(-1)}`;
      const e = engine(bed, { container: await newContainer(), files: scheduleFile([every15(name, 'train-v2')]) });
      await e.tick('2026-06-01T00:00:00Z');
      bed.v2.script([fault]);
      const report = await e.tick('2026-06-01T00:15:01Z');
      expect(report.submitted).toEqual([expect.objectContaining({ occurrence: '2026-06-01T00:15:00Z' })]);
      for (const now of ticks('2026-06-01T00:15:01Z', '2026-06-01T00:20:00Z', MINUTE)) await e.tick(now);
      expect(occurrences(name)).toEqual(['2026-06-01T00:15:00Z']);
    },
    60_000,
  );

  it.each(['drop_after_forward', 'answer_502_after_forward', 'stall_after_forward'] as const)(
    'batch_endpoint, %s behind the proxy: found by its job name, never resent',
    async (fault) => {
      const name = `v2-batch-${fault.split('_')[0]}`;
      const targets = new Map([
        ...bed.targets,
        [
          'score-v2',
          { ...bed.targets.get('score-v2')!, v2: { kind: 'batch_endpoint' as const, endpointName: 'score-proxied' } },
        ],
      ]);
      const e = engine(bed, {
        container: await newContainer(),
        files: scheduleFile([every15(name, 'score-v2')]),
        targets,
      });
      await e.tick('2026-06-01T00:00:00Z');
      const invokes = bed.v2.invokes.length;
      proxy.fault([fault]);
      const report = await e.tick('2026-06-01T00:15:01Z');
      expect(report.submitted).toEqual([
        expect.objectContaining({ occurrence: '2026-06-01T00:15:00Z', reconciled: true }),
      ]);
      for (const now of ticks('2026-06-01T00:15:01Z', '2026-06-01T00:20:00Z', MINUTE)) await e.tick(now);
      expect(bed.v2.invokes.length - invokes).toBe(1);
      expect(occurrences(name)).toEqual(['2026-06-01T00:15:00Z']);
    },
    60_000,
  );

  it('batch_endpoint, a 502 that created nothing: unknown first, looked up by name, then submitted once', async () => {
    const name = 'v2-batch-nothing';
    const e = engine(bed, { container: await newContainer(), files: scheduleFile([every15(name, 'score-v2')]) });
    await e.tick('2026-06-01T00:00:00Z');
    bed.v2.script([{ status: 502 }]);
    const first = await e.tick('2026-06-01T00:15:01Z');
    expect(first.unknown).toEqual([
      expect.objectContaining({
        occurrence: '2026-06-01T00:15:00Z',
        key: occurrenceSubmissionKey(name, new Date('2026-06-01T00:15:00Z')),
      }),
    ]);
    expect(occurrences(name)).toEqual([]);
    for (const now of ticks('2026-06-01T00:15:01Z', '2026-06-01T00:25:00Z', MINUTE)) await e.tick(now);
    expect(occurrences(name)).toEqual(['2026-06-01T00:15:00Z']);
  }, 60_000);
});
