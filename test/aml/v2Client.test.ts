/**
 * The real client against the fake Azure ML v2 (ARM jobs, batch endpoints; test/support/fakeAmlV2.ts)
 * with the real @azure/identity and the loopback managed-identity endpoint: exact requests, audiences,
 * and exactly one job per submission key under repeats, lost answers and refusals. Faults on the batch
 * scoring host are injected by the fault proxy between the client and the fake.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineClient, type AmlPipelineClient } from '../../src/aml/client';
import { DEFAULT_RETRY_POLICY } from '../../src/aml/retry';
import { toSubmission } from '../../src/aml/submission';
import { submissionKey } from '../../src/aml/submissionKey';
import type { PipelineTarget } from '../../src/aml/types';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import { BATCH_AUDIENCE } from '../support/fakeAmlV2';
import { startHttpFaultProxy, type HttpFaultProxy } from '../support/faultProxy';

const ws = { subscriptionId: '0b1f6471-1bf0-4dda-aec3-44445555bbbb', resourceGroup: 'rg-v2', workspaceName: 'mlw-v2' };
const wsId = `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspaceName}`;
let bed: AmlTestBed;
let client: AmlPipelineClient;
let proxy: HttpFaultProxy;

const jobTarget: PipelineTarget = {
  name: 'train-v2',
  workspace: ws,
  experimentName: 'training',
  parameterAssignments: { epochs: 10 },
  dataPathAssignments: {},
  v2: { kind: 'pipeline_job', componentName: 'train', componentVersion: '2', settings: { defaultCompute: 'cpu' } },
  inputs: { data: { type: 'uri_folder', uri: 'azureml://datastores/landing/paths/train/' } },
};
const batchTarget: PipelineTarget = {
  name: 'score-v2',
  workspace: ws,
  experimentName: 'scoring',
  parameterAssignments: {},
  dataPathAssignments: {},
  v2: { kind: 'batch_endpoint', endpointName: 'churn', deployment: 'blue' },
  inputs: { input_data: { type: 'uri_file' } },
};
const key = (): string => submissionKey('http', 'v2', randomUUID());
const body = (target: PipelineTarget) =>
  toSubmission(target, {
    runSource: 'SDK',
    blob: { parameter: target === batchTarget ? 'input_data' : 'file', datastore: 'landing', path: 'in/a.csv' },
    tags: { team: 'ml' },
  });
const jobsWith = (k: string) => bed.v2.jobs.filter((j) => j.tags.aml_triggers_key === k);

beforeAll(async () => {
  bed = await startAmlTestBed({ workspace: ws });
  bed.v2.addComponent(ws, 'train', ['1', '2', '3']);
  bed.v2.addBatchEndpoint(ws, 'churn', { deployments: ['green', 'blue'] });
  proxy = await startHttpFaultProxy(bed.v2.scoringOrigin);
  bed.v2.addBatchEndpoint(ws, 'churn-proxied', { scoringUri: proxy.via(`${bed.v2.scoringOrigin}/churn-proxied/jobs`) });
  client = createPipelineClient({
    env: bed.env,
    settings: {
      attemptTimeoutMs: 2_000,
      deadlineMs: 15_000,
      reconcileDelayMs: 10,
      retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 5, maxDelayMs: 20 },
    },
  });
});

afterAll(async () => {
  client?.close();
  await proxy?.close();
  await bed?.close();
});

describe('pipeline_job', () => {
  it('PUTs the job under the key with an ARM token, the stable api-version and the exact body', async () => {
    const k = key();
    const result = await client.submit(jobTarget, body(jobTarget), { key: k });
    expect(result).toMatchObject({ ok: true, value: { runId: k, attempts: 1, key: k } });
    const put = bed.v2.puts.at(-1)!;
    expect(put.path).toBe(`${wsId}/jobs/${k}?api-version=2025-09-01`);
    expect(bed.arm.calls.at(-1)).toMatchObject({
      method: 'PUT',
      audience: 'https://management.azure.com',
      status: 201,
    });
    expect(put.body).toEqual({
      properties: {
        jobType: 'Pipeline',
        componentId: `${wsId}/components/train/versions/2`,
        experimentName: 'training',
        inputs: {
          data: { jobInputType: 'uri_folder', uri: 'azureml://datastores/landing/paths/train/' },
          epochs: { jobInputType: 'literal', value: '10' },
          file: { jobInputType: 'uri_file', uri: 'azureml://datastores/landing/paths/in/a.csv' },
        },
        settings: { default_compute: 'cpu' },
        tags: { team: 'ml', aml_triggers_key: k },
        properties: { 'aml-triggers.run_source': 'SDK', aml_triggers_key: k },
      },
    });
    expect(jobsWith(k)).toHaveLength(1);
  });

  it('resolves component version latest through ARM at each submission', async () => {
    const k = key();
    const latest: PipelineTarget = {
      ...jobTarget,
      v2: { kind: 'pipeline_job', componentName: 'train', componentVersion: 'latest' },
    };
    expect((await client.submit(latest, body(latest), { key: k })).ok).toBe(true);
    expect(bed.v2.puts.at(-1)!.body).toMatchObject({
      properties: { componentId: `${wsId}/components/train/versions/3` },
    });
  });

  it('a repeated submission of one key never makes a second job: an update (200) or the service refusing the name', async () => {
    const k = key();
    const first = await client.submit(jobTarget, body(jobTarget), { key: k });
    const second = await client.submit(jobTarget, body(jobTarget), { key: k });
    expect(second).toMatchObject({ ok: true, value: { runId: k } });
    bed.v2.secondPut = 'immutable';
    try {
      const third = await client.submit(jobTarget, body(jobTarget), { key: k });
      expect(third).toMatchObject({ ok: true, value: { runId: k, reconciled: true } });
    } finally {
      bed.v2.secondPut = 'update';
    }
    expect(first.ok).toBe(true);
    expect(jobsWith(k)).toHaveLength(1);
    expect(jobsWith(k)[0]!.laterPuts).toBe(2);
  });

  it.each(['create_then_502', 'create_then_reset'] as const)(
    'a lost answer (%s) is followed by the same PUT: one job, created',
    async (fault) => {
      const k = key();
      bed.v2.script([fault]);
      const result = await client.submit(jobTarget, body(jobTarget), { key: k });
      expect(result).toMatchObject({ ok: true, value: { runId: k, attempts: 2 } });
      expect(jobsWith(k)).toHaveLength(1);
    },
  );

  it('a lost answer then a refusal of the taken name: found by GET, reconciled', async () => {
    const k = key();
    bed.v2.secondPut = 'immutable';
    bed.v2.script(['create_then_502']);
    try {
      expect(await client.submit(jobTarget, body(jobTarget), { key: k })).toMatchObject({
        ok: true,
        value: { runId: k, reconciled: true },
      });
    } finally {
      bed.v2.secondPut = 'update';
    }
    expect(jobsWith(k)).toHaveLength(1);
  });

  it('the long-running form (202, no body) counts as created under the chosen name', async () => {
    const k = key();
    bed.v2.asyncAccepted = true;
    try {
      expect(await client.submit(jobTarget, body(jobTarget), { key: k })).toMatchObject({
        ok: true,
        value: { runId: k },
      });
    } finally {
      bed.v2.asyncAccepted = false;
    }
    expect(jobsWith(k)).toHaveLength(1);
  });

  it('answers lost until the deadline, and the job does not exist: not_created, transient (a retry reuses the name)', async () => {
    const k = key();
    const short = createPipelineClient({
      env: bed.env,
      settings: {
        attemptTimeoutMs: 2_000,
        deadlineMs: 10_000,
        reconcileDelayMs: 0,
        retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      },
    });
    bed.v2.script([{ status: 503 }, { status: 503 }]);
    const result = await short.submit(jobTarget, body(jobTarget), { key: k });
    short.close();
    expect(result).toMatchObject({ ok: false, error: { outcome: 'not_created', transient: true } });
    expect(!result.ok && result.error.message).toContain(`Job ${k} does not exist`);
    expect(jobsWith(k)).toHaveLength(0);
  });

  it('a refused body (unknown component version) is not_created and not retried', async () => {
    const before = bed.v2.puts.length;
    const bad: PipelineTarget = {
      ...jobTarget,
      v2: { kind: 'pipeline_job', componentName: 'train', componentVersion: '9' },
    };
    expect(await client.submit(bad, body(bad), { key: key() })).toMatchObject({
      ok: false,
      error: { code: 'aml.bad_request', outcome: 'not_created' },
    });
    expect(bed.v2.puts.length - before).toBe(1);
  });

  it('what cannot be mapped to inputs is refused before anything is sent', async () => {
    const before = bed.v2.puts.length;
    const result = await client.submit(
      jobTarget,
      { ...body(jobTarget), DataPathAssignments: { raw: { DataStoreName: 'd', RelativePath: 'p' } } },
      { key: key() },
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'aml.v2.input_unmapped', status: 400, outcome: 'not_created' },
    });
    expect(bed.v2.puts.length).toBe(before);
  });

  it('findRun looks the job up by the name its key gives', async () => {
    const k = key();
    await client.submit(jobTarget, body(jobTarget), { key: k });
    expect(await client.findRun(jobTarget, { experimentName: 'training', key: k })).toMatchObject({
      ok: true,
      value: { runId: k, matchedBy: 'job_name', status: 'NotStarted' },
    });
    expect(await client.findRun(jobTarget, { experimentName: 'training', key: key() })).toEqual({
      ok: true,
      value: undefined,
    });
  });
});

describe('v1 targets', () => {
  it('refuse inputs in v2 terms before sending (aml.v1.inputs_unsupported, 400)', async () => {
    bed.aml.addPipeline({ id: 'pp-v1', kind: 'published', workspace: ws });
    const v1: PipelineTarget = {
      name: 'v1',
      endpointUrl: bed.aml.submitUrl(ws, { published: 'pp-v1' }),
      experimentName: 'e',
      parameterAssignments: {},
      dataPathAssignments: {},
    };
    const before = bed.aml.attempts.length;
    const result = await client.submit(
      v1,
      {
        ...toSubmission(v1, { runSource: 'SDK' }),
        Inputs: { x: { type: 'uri_file', uri: 'azureml://datastores/d/paths/a' } },
      },
      { key: key() },
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'aml.v1.inputs_unsupported', status: 400, outcome: 'not_created', field: 'Inputs' },
    });
    expect(bed.aml.attempts.length).toBe(before);
  });
});

describe('batch_endpoint', () => {
  it('reads the scoring URI once, invokes it with an ml.azure.com token, the deployment header and the exact body', async () => {
    const gets = bed.v2.gets.length;
    const [k1, k2] = [key(), key()];
    expect(await client.submit(batchTarget, body(batchTarget), { key: k1 })).toMatchObject({
      ok: true,
      value: { runId: k1, attempts: 1 },
    });
    expect(await client.submit(batchTarget, body(batchTarget), { key: k2 })).toMatchObject({
      ok: true,
      value: { runId: k2 },
    });
    expect(bed.v2.gets.slice(gets).filter((g) => g.path.includes('/batchEndpoints/'))).toHaveLength(1);
    const invoke = bed.v2.invokes.at(-1)!;
    expect(invoke).toMatchObject({ method: 'POST', path: '/churn/jobs', audience: BATCH_AUDIENCE, status: 200 });
    expect(invoke.headers['azureml-model-deployment']).toBe('blue');
    expect(invoke.headers['repeatability_request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(invoke.body).toEqual({
      properties: {
        name: k2,
        InputData: { input_data: { JobInputType: 'UriFile', Uri: 'azureml://datastores/landing/paths/in/a.csv' } },
        tags: { team: 'ml', aml_triggers_key: k2 },
        properties: { 'aml-triggers.run_source': 'SDK', aml_triggers_key: k2 },
      },
    });
    expect(jobsWith(k2)).toMatchObject([{ kind: 'batch', endpoint: 'churn', deployment: 'blue' }]);
  });

  it('a throttled invoke (429, nothing created) is retried: one job', async () => {
    const k = key();
    bed.v2.script([{ status: 429, headers: { 'retry-after': '0' } }]);
    expect(await client.submit(batchTarget, body(batchTarget), { key: k })).toMatchObject({
      ok: true,
      value: { runId: k, attempts: 2 },
    });
    expect(jobsWith(k)).toHaveLength(1);
  });

  const proxied: PipelineTarget = { ...batchTarget, v2: { kind: 'batch_endpoint', endpointName: 'churn-proxied' } };
  it.each(['drop_after_forward', 'answer_502_after_forward', 'answer_504_after_forward'] as const)(
    'an answer lost behind the proxy (%s) is never resent: the job is found by its name',
    async (fault) => {
      const k = key();
      bed.v2.addBatchEndpoint(ws, 'churn-proxied', {
        scoringUri: proxy.via(`${bed.v2.scoringOrigin}/churn-proxied/jobs`),
      });
      const invokes = bed.v2.invokes.length;
      proxy.fault([fault]);
      expect(await client.submit(proxied, body(proxied), { key: k })).toMatchObject({
        ok: true,
        value: { runId: k, reconciled: true, attempts: 1 },
      });
      expect(bed.v2.invokes.length - invokes).toBe(1);
      expect(jobsWith(k)).toHaveLength(1);
    },
  );

  it('a 502 that created nothing stays unknown (the job is not found) and is not resent', async () => {
    const k = key();
    const invokes = bed.v2.invokes.length;
    bed.v2.script([{ status: 502 }]);
    const result = await client.submit(batchTarget, body(batchTarget), { key: k });
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'aml.submission.outcome_unknown',
        outcome: 'unknown',
        submission: { key: k, lookup: { result: 'not_found' } },
      },
    });
    expect(!result.ok && result.error.message).toContain(`The job's name is ${k}`);
    expect(bed.v2.invokes.length - invokes).toBe(1);
    expect(jobsWith(k)).toHaveLength(0);
  });

  it('a token for the wrong audience is refused by the endpoint (401, not_created)', async () => {
    const wrong = createPipelineClient({
      env: { ...bed.env, AML_BATCH_AUDIENCE: 'https://management.azure.com' },
      settings: { reconcileDelayMs: 0 },
    });
    const result = await wrong.submit(batchTarget, body(batchTarget), { key: key() });
    wrong.close();
    expect(result).toMatchObject({ ok: false, error: { code: 'aml.unauthorized', outcome: 'not_created' } });
    expect(bed.v2.invokes.at(-1)).toMatchObject({ status: 401, audience: 'https://management.azure.com' });
  });
});
