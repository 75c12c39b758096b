/**
 * POST /api/pipelines/{target}/runs and GET /api/pipelines for Azure ML v2 targets, through the real
 * handlers, client and @azure/identity against the v2 fakes: a caller (Logic Apps, Data Factory) changes
 * only the target name; the 202 answer carries the job name as run id and the studio link; a repeated
 * request id never makes a second job; what cannot reach a v2 input is a 400 problem naming the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineClient, type AmlPipelineClient } from '../../src/aml/client';
import { loadTargets, type TargetCatalog } from '../../src/config/targets';
import { createListTargetsHandler, createSubmitRunHandler, type PipelinesDeps } from '../../src/http/pipelinesHandlers';
import { MemoryTelemetry } from '../../src/telemetry';
import { startAmlTestBed, TEST_WORKSPACE as WS, type AmlTestBed } from '../support/amlTestBed';
import { BATCH_AUDIENCE } from '../support/fakeAmlV2';

let bed: AmlTestBed;
let root: string;
let catalog: TargetCatalog;
let client: AmlPipelineClient;
let deps: PipelinesDeps;
let telemetry: MemoryTelemetry;
const wsId = `/subscriptions/${WS.subscriptionId}/resourceGroups/${WS.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${WS.workspaceName}`;

beforeAll(async () => {
  bed = await startAmlTestBed();
  bed.v2.addComponent(WS, 'nightly_pipeline', ['1', '2']);
  bed.v2.addBatchEndpoint(WS, 'churn-batch');
  root = mkdtempSync(join(tmpdir(), 'http-v2-'));
  writeFileSync(join(root, 'host.json'), '{}');
  writeFileSync(
    join(root, 'targets.yaml'),
    `
targets:
  nightly-v2:
    experiment_name: nightly-retrain
    pipeline_job:
      component_name: "%COMPONENT%"
      settings: { default_compute: cpu-cluster }
    parameters: { epochs: 10 }
    inputs:
      input_data: { type: uri_folder, path: "azureml://datastores/workspaceblobstore/paths/landing/" }
  churn-v2:
    experiment_name: scoring
    batch_endpoint: { endpoint_name: churn-batch }
    inputs:
      input_data: { type: uri_folder }
`,
  );
  const loaded = loadTargets({
    appRoot: root,
    env: {
      AML_TARGETS_FILE: 'targets.yaml',
      COMPONENT: 'nightly_pipeline',
      AML_SUBSCRIPTION_ID: WS.subscriptionId,
      AML_RESOURCE_GROUP: WS.resourceGroup,
      AML_WORKSPACE_NAME: WS.workspaceName,
    },
  });
  if (!loaded.ok) throw new Error(loaded.error.message);
  catalog = loaded.value;
  client = createPipelineClient({
    env: { ...bed.env, AML_RETRY_BASE_DELAY_MS: '5', AML_RETRY_MAX_DELAY_MS: '20', AML_RECONCILE_DELAY_MS: '10' },
  });
  telemetry = new MemoryTelemetry();
  deps = { targets: catalog, pipelineClient: client, telemetry, runSource: 'SDK' };
});

afterAll(async () => {
  client?.close();
  await bed?.close();
  rmSync(root, { recursive: true, force: true });
});

async function post(target: string, body: unknown, headers: Record<string, string> = {}) {
  const context = new InvocationContext({
    functionName: 'submitPipelineRun',
    invocationId: '11111111-2222-4333-8444-555555555555',
    logHandler: () => undefined,
  });
  const request = new HttpRequest({
    method: 'POST',
    url: `http://localhost:7071/api/pipelines/${target}/runs`,
    params: { target },
    headers: { 'content-type': 'application/json', ...headers },
    body: { string: JSON.stringify(body) },
  });
  const response = await createSubmitRunHandler(deps)(request, context);
  return { status: response.status ?? 200, json: (response.jsonBody ?? {}) as Record<string, unknown> };
}

describe('v2 targets over HTTP', () => {
  it('pipeline_job: the v1 request body reaches the job as inputs; 202 with the job name and its studio link', async () => {
    const call = await post('nightly-v2', { ParameterAssignments: { epochs: 3 }, Tags: { requested_by: 'adf' } });
    expect(call.status, JSON.stringify(call.json)).toBe(202);
    const name = call.json.runId as string;
    expect(name).toBe(call.json.submissionKey);
    expect(call.json.studioUrl).toBe(
      `https://ml.azure.com/runs/${name}?wsid=/subscriptions/${WS.subscriptionId}/resourcegroups/${WS.resourceGroup}/workspaces/${WS.workspaceName}`,
    );
    expect(bed.v2.puts.at(-1)!.body).toEqual({
      properties: {
        jobType: 'Pipeline',
        componentId: `${wsId}/components/nightly_pipeline/versions/2`,
        experimentName: 'nightly-retrain',
        inputs: {
          input_data: { jobInputType: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/landing/' },
          epochs: { jobInputType: 'literal', value: '3' },
        },
        settings: { default_compute: 'cpu-cluster' },
        tags: { requested_by: 'adf', aml_triggers_key: name },
        properties: { 'aml-triggers.run_source': 'SDK', aml_triggers_key: name },
      },
    });
    expect(telemetry.events.filter((e) => e.name === 'PipelineRunSubmitted').at(-1)?.properties).toMatchObject({
      target: 'nightly-v2',
      runId: name,
      key: name,
    });
  });

  it.each(['nightly-v2', 'churn-v2'])(
    '%s: the same request id twice is one job, answered with the same run id',
    async (target) => {
      const body = {
        DataPathAssignments: { input_data: { DataStoreName: 'landing', RelativePath: 'batch/2026-06-01/' } },
      };
      const first = await post(target, body, { 'Idempotency-Key': `adf-run-${target}` });
      const second = await post(target, body, { 'Idempotency-Key': `adf-run-${target}` });
      expect([first.status, second.status]).toEqual([202, 202]);
      expect(second.json.runId).toBe(first.json.runId);
      expect(bed.v2.jobs.filter((j) => j.name === first.json.runId)).toHaveLength(1);
      // Batch invoke has no documented idempotency: the fake refuses the taken name (409) and the app reads the job.
      if (target === 'churn-v2') expect(bed.v2.invokes.at(-1)).toMatchObject({ audience: BATCH_AUDIENCE, status: 409 });
      const job = bed.v2.jobs.find((j) => j.name === first.json.runId)!;
      const uri = 'azureml://datastores/landing/paths/batch/2026-06-01/';
      expect(job.request).toMatchObject(
        target === 'churn-v2'
          ? { InputData: { input_data: { JobInputType: 'UriFolder', Uri: uri } } }
          : { inputs: { input_data: { jobInputType: 'uri_folder', uri } } },
      );
    },
  );

  it('a DataPath the target does not declare is a 400 problem naming the field; nothing is sent', async () => {
    const puts = bed.v2.puts.length;
    const call = await post('nightly-v2', {
      DataPathAssignments: { extra: { DataStoreName: 'd', RelativePath: 'p' } },
    });
    expect(call.status).toBe(400);
    expect(call.json).toMatchObject({ code: 'aml.v2.input_unmapped', field: 'DataPathAssignments.extra' });
    expect(String(call.json.detail)).toContain('declare inputs.extra with type uri_file or uri_folder');
    expect(bed.v2.puts.length).toBe(puts);
  });

  it("a request may say its inputs in v2 terms (Inputs), over the target's and its ParameterAssignments", async () => {
    const call = await post('churn-v2', {
      ParameterAssignments: { threshold: 0.2 },
      Inputs: {
        input_data: { type: 'uri_folder', path: 'https://acct.blob.core.windows.net/in/2026/' },
        threshold: { type: 'literal', value: 0.7 },
      },
    });
    expect(call.status, JSON.stringify(call.json)).toBe(202);
    expect(bed.v2.jobs.find((j) => j.name === call.json.runId)!.request.InputData).toEqual({
      input_data: { JobInputType: 'UriFolder', Uri: 'https://acct.blob.core.windows.net/in/2026/' },
      threshold: { JobInputType: 'Literal', Value: '0.7' },
    });
  });

  it('Inputs with a wrong shape, or given to a v1 target, is a 400 naming the field; nothing is sent', async () => {
    const invokes = bed.v2.invokes.length;
    const bad = await post('churn-v2', {
      Inputs: { input_data: { type: 'table', path: 'x' }, n: { type: 'literal' } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain(
      'Inputs.input_data.type must be uri_file, uri_folder, mltable or literal, not \\"table\\"',
    );
    expect(JSON.stringify(bad.json)).toContain('Inputs.n.value');
    const wrongType = await post('churn-v2', {
      Inputs: { input_data: { type: 'uri_file', path: 'azureml://datastores/d/paths/a.csv' } },
    });
    expect(wrongType).toMatchObject({
      status: 400,
      json: { code: 'aml.v2.input_unmapped', field: 'Inputs.input_data' },
    });
    expect(bed.v2.invokes.length).toBe(invokes);
  });

  it('GET /api/pipelines shows the v2 targets with their kind, inputs and %SETTING% references', async () => {
    const context = new InvocationContext({
      functionName: 'listPipelines',
      invocationId: '1',
      logHandler: () => undefined,
    });
    const response = await createListTargetsHandler(deps)(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/pipelines' }),
      context,
    );
    const targets = (response.jsonBody as { targets: Array<Record<string, unknown>> }).targets;
    expect(targets.find((t) => t.name === 'nightly-v2')).toMatchObject({
      v2: { kind: 'pipeline_job', componentName: '%COMPONENT%', componentVersion: 'latest' },
      inputs: { input_data: { type: 'uri_folder' } },
    });
    expect(targets.find((t) => t.name === 'churn-v2')).toMatchObject({
      v2: { kind: 'batch_endpoint', endpointName: 'churn-batch' },
    });
  });
});
