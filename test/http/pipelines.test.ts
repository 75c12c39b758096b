/**
 * POST /api/pipelines/{target}/runs and GET /api/pipelines through the real handlers, with the real
 * Azure ML client and @azure/identity talking to the loopback managed-identity, ARM and Azure ML fakes
 * (test/support/amlTestBed.ts), and a real targets file in a temporary app root.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPipelineClient } from '../../src/aml/client';
import type { PipelineClient } from '../../src/aml/types';
import { loadTargets, type TargetCatalog } from '../../src/config/targets';
import { AppFailure } from '../../src/errors';
import { createListTargetsHandler, createSubmitRunHandler, type PipelinesDeps } from '../../src/http/pipelinesHandlers';
import { createRuntime } from '../../src/runtime';
import { MemoryTelemetry } from '../../src/telemetry';
import { startAmlTestBed, TEST_WORKSPACE, type AmlTestBed } from '../support/amlTestBed';
import type { FakeAml } from '../support/fakeAml';
import type { FakeMsi } from '../support/fakeMsi';

const WS = TEST_WORKSPACE;
const SUB = WS.subscriptionId;

let bed: AmlTestBed;
let msi: FakeMsi;
let aml: FakeAml;
let root: string;
let catalog: TargetCatalog;
let client: PipelineClient;
let telemetry: MemoryTelemetry;
let deps: PipelinesDeps;
function targetsYaml(): string {
  return `
targets:
  nightly:
    description: Nightly retrain
    workspace: { subscription_id: ${SUB}, resource_group: ${WS.resourceGroup}, workspace_name: ${WS.workspaceName} }
    endpoint_url: ${aml.submitUrl(WS, { published: 'pub-nightly' })}
    experiment_name: nightly-retrain
    parameters: { epochs: 10, rate: 0.5, secret_conn: "%STORAGE_CONNECTION%" }
    data_paths:
      input_data: { datastore: workspaceblobstore, path: landing/ }
    tags: { team: ml }
  scoring:
    endpoint_url: ${aml.submitUrl(WS, { endpointName: 'scoring', version: '1' })}
    experiment_name: scoring
    continue_on_step_failure: true
  by-ids:
    pipeline_id: pub-nightly
    experiment_name: by-ids
`;
}

beforeAll(async () => {
  bed = await startAmlTestBed();
  msi = bed.msi;
  aml = bed.aml;
  aml.addPipeline({
    id: 'pub-nightly',
    kind: 'published',
    workspace: WS,
    parameters: ['epochs', 'rate', 'secret_conn', 'label'],
    dataPathParameters: ['input_data', 'extra'],
  });
  aml.addPipeline({ id: 'pe-scoring', kind: 'endpoint', name: 'scoring', workspace: WS, versions: ['0', '1'] });
  root = mkdtempSync(join(tmpdir(), 'http-app-'));
  writeFileSync(join(root, 'host.json'), '{}');
  writeFileSync(join(root, 'targets.yaml'), targetsYaml());
  // by-ids has no workspace: it gets the default one from the AML_* settings, and its URL from ARM + discovery.
  const loaded = loadTargets({
    appRoot: root,
    env: {
      AML_TARGETS_FILE: 'targets.yaml',
      STORAGE_CONNECTION: 'AccountKey=hush',
      AML_SUBSCRIPTION_ID: SUB,
      AML_RESOURCE_GROUP: WS.resourceGroup,
      AML_WORKSPACE_NAME: WS.workspaceName,
    },
  });
  if (!loaded.ok) throw new Error(loaded.error.message);
  catalog = loaded.value;
  client = makeClient();
});

afterAll(async () => {
  await bed?.close();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  telemetry = new MemoryTelemetry();
  deps = { targets: catalog, pipelineClient: client, telemetry, runSource: 'SDK' };
});

function makeClient(): PipelineClient {
  return createPipelineClient({
    env: {
      ...bed.env,
      AML_RETRY_MAX_ATTEMPTS: '4',
      AML_RETRY_BASE_DELAY_MS: '5',
      AML_RETRY_MAX_DELAY_MS: '20',
      AML_RECONCILE_DELAY_MS: '10',
    },
  });
}

interface Call {
  response: HttpResponseInit;
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  logs: string[];
}

async function post(
  target: string,
  body: string | undefined,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  useDeps: PipelinesDeps = deps,
): Promise<Call> {
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: 'submitPipelineRun',
    invocationId: '11111111-2222-4333-8444-555555555555',
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
  });
  const request = new HttpRequest({
    method: 'POST',
    url: `http://localhost:7071/api/pipelines/${encodeURIComponent(target)}/runs`,
    params: { target },
    headers,
    ...(body !== undefined ? { body: { string: body } } : {}),
  });
  const response = await createSubmitRunHandler(useDeps)(request, context);
  return {
    response,
    status: response.status ?? 200,
    headers: new Headers(response.headers as Record<string, string>),
    json: (response.jsonBody ?? {}) as Record<string, unknown>,
    logs,
  };
}

describe('POST /api/pipelines/{target}/runs: what reaches Azure ML', () => {
  it('sends exactly the merged body with an ARM-audience bearer token, and answers 202 with the run id', async () => {
    const before = aml.submissions.length;
    const call = await post(
      'nightly',
      JSON.stringify({
        ParameterAssignments: { epochs: 3, label: 'manual' },
        DataPathAssignments: { extra: { DataStoreName: 'other', RelativePath: 'x/y.csv' } },
        Tags: { requested_by: 'test' },
        Description: 'manual run',
      }),
    );
    expect(call.status, JSON.stringify(call.json)).toBe(202);
    expect(aml.submissions.length).toBe(before + 1);
    const seen = aml.submissions[aml.submissions.length - 1];
    if (!seen) throw new Error('no submission');
    expect(seen.body).toEqual({
      ExperimentName: 'nightly-retrain',
      ParameterAssignments: { epochs: 3, rate: 0.5, secret_conn: 'AccountKey=hush', label: 'manual' },
      DataPathAssignments: {
        input_data: { DataStoreName: 'workspaceblobstore', RelativePath: 'landing/' },
        extra: { DataStoreName: 'other', RelativePath: 'x/y.csv' },
      },
      RunSource: 'SDK',
      Description: 'manual run',
      Tags: { team: 'ml', requested_by: 'test', aml_triggers_key: call.json.submissionKey },
      Properties: { aml_triggers_key: call.json.submissionKey },
    });
    expect(call.json.submissionKey).toMatch(/^http-[0-9a-f]{40}$/);
    expect(seen.path).toBe(new URL(aml.submitUrl(WS, { published: 'pub-nightly' })).pathname);
    expect(seen.headers['content-type']).toMatch(/^application\/json/);
    expect(seen.headers.authorization).toBe(`Bearer ${seen.token}`);
    expect(msi.audienceOf(seen.token)).toBe('https://management.azure.com');
    expect(call.json).toEqual({
      runId: seen.runId,
      experimentName: 'nightly-retrain',
      target: 'nightly',
      endpointUrl: aml.submitUrl(WS, { published: 'pub-nightly' }),
      attempts: 1,
      submissionKey: call.json.submissionKey,
      studioUrl: `https://ml.azure.com/runs/${seen.runId}?wsid=/subscriptions/${SUB}/resourcegroups/${WS.resourceGroup}/workspaces/${WS.workspaceName}`,
    });
    expect(telemetry.events).toEqual([
      {
        name: 'PipelineRunSubmitted',
        properties: {
          target: 'nightly',
          runId: seen.runId,
          experiment: 'nightly-retrain',
          attempts: '1',
          trigger: 'http',
          key: call.json.submissionKey,
        },
      },
    ]);
    expect(call.logs.some((l) => l.includes(seen.runId) && l.includes('nightly'))).toBe(true);
  });

  it('an empty body runs the target with its defaults (pipeline endpoint by name and version)', async () => {
    const call = await post('scoring', undefined, {});
    expect(call.status, JSON.stringify(call.json)).toBe(202);
    const seen = aml.submissions[aml.submissions.length - 1];
    expect(seen?.pipeline.id).toBe('pe-scoring');
    expect(seen?.version).toBe('1');
    expect(seen?.body).toMatchObject({
      ExperimentName: 'scoring',
      ParameterAssignments: {},
      DataPathAssignments: {},
      RunSource: 'SDK',
      ContinueRunOnStepFailure: true,
    });
    expect(Object.keys(seen?.body ?? {}).sort()).toEqual([
      'ContinueRunOnStepFailure',
      'DataPathAssignments',
      'ExperimentName',
      'ParameterAssignments',
      'Properties',
      'RunSource',
      'Tags',
    ]);
  });

  it('a target given by ids in the default workspace is submitted to the URL found through ARM and discovery', async () => {
    const call = await post('by-ids', '{"ParameterAssignments": {"epochs": 1}}');
    expect(call.status, JSON.stringify(call.json)).toBe(202);
    const seen = aml.submissions[aml.submissions.length - 1];
    expect(seen?.pipeline.id).toBe('pub-nightly');
    expect(seen?.path).toBe(new URL(aml.submitUrl(WS, { published: 'pub-nightly' })).pathname);
    expect(call.json.endpointUrl).toBe(aml.submitUrl(WS, { published: 'pub-nightly' }));
    expect(seen?.body).toEqual({
      ExperimentName: 'by-ids',
      ParameterAssignments: { epochs: 1 },
      DataPathAssignments: {},
      RunSource: 'SDK',
      Properties: { aml_triggers_key: call.json.submissionKey },
      Tags: { aml_triggers_key: call.json.submissionKey },
    });
    expect(
      bed.arm.calls.some((c) => c.path.toLowerCase().includes(`/workspaces/${WS.workspaceName.toLowerCase()}`)),
    ).toBe(true);
  });

  it('request fields override ExperimentName, RunSource and ContinueRunOnStepFailure', async () => {
    const call = await post(
      'scoring',
      JSON.stringify({ ExperimentName: 'adhoc', RunSource: 'LogicApp', ContinueRunOnStepFailure: false }),
    );
    expect(call.status).toBe(202);
    expect(aml.submissions[aml.submissions.length - 1]?.body).toMatchObject({
      ExperimentName: 'adhoc',
      RunSource: 'LogicApp',
      ContinueRunOnStepFailure: false,
    });
    expect(call.json.experimentName).toBe('adhoc');
  });
});

describe('retries', () => {
  it('429 then success: 2 attempts, one run', async () => {
    const attempts = aml.attempts.length;
    const submissions = aml.submissions.length;
    aml.script([{ status: 429, retryAfter: '0' }]);
    const call = await post('nightly', '{}');
    expect(call.status, JSON.stringify(call.json)).toBe(202);
    expect(call.json.attempts).toBe(2);
    expect(aml.attempts.length - attempts).toBe(2);
    expect(aml.submissions.length - submissions).toBe(1);
    expect(aml.attempts.slice(-2).map((a) => a.outcome)).toEqual([429, 200]);
    expect(telemetry.events[0]?.properties.attempts).toBe('2');
  });

  it('500: never resent (the run may exist); no run found by its key → 502 outcome unknown naming the key', async () => {
    const attempts = aml.attempts.length;
    const submissions = aml.submissions.length;
    aml.script([{ status: 500 }]);
    const call = await post('nightly', '{"ParameterAssignments": {"epochs": 7}}', {
      'content-type': 'application/json',
      'idempotency-key': 'req-500-once',
    });
    expect(
      aml.attempts
        .slice(attempts)
        .filter((a) => a.method === 'POST' && a.path.includes('PipelineRuns'))
        .map((a) => a.outcome),
    ).toEqual([500]);
    expect(aml.submissions.length).toBe(submissions);
    expect(call.status).toBe(502);
    expect(call.json).toMatchObject({
      code: 'aml.submission.outcome_unknown',
      outcome: 'unknown',
      experimentName: 'nightly-retrain',
      lookup: 'not_found',
    });
    expect(call.headers.get('retry-after')).toBeNull();
    expect(String(call.json.detail)).toContain(`aml_triggers_key=${String(call.json.submissionKey)}`);
  });

  it('429 on every attempt: gives up after 4 attempts, answers a transient problem, no run', async () => {
    const attempts = aml.attempts.length;
    aml.script([0, 1, 2, 3].map(() => ({ status: 429, retryAfter: '0' })));
    const call = await post('nightly', '{}');
    expect(aml.attempts.length - attempts).toBe(4);
    expect(call.json).toMatchObject({ code: 'aml.throttled' });
    expect([429, 503]).toContain(call.status);
  });

  it('a refusal that retrying cannot fix (403) is not retried and answers problem+json naming the role', async () => {
    const attempts = aml.attempts.length;
    const submissions = aml.submissions.length;
    aml.script([{ status: 403, body: { error: { code: 'AuthorizationFailed', message: 'no rights' } } }]);
    const call = await post('nightly', '{}');
    expect(aml.attempts.length - attempts).toBe(1);
    expect(aml.submissions.length).toBe(submissions);
    expect(call.headers.get('content-type')).toBe('application/problem+json');
    expect(call.json).toMatchObject({ code: 'aml.forbidden', status: call.status });
    expect(call.status).toBeGreaterThanOrEqual(400);
    expect(String(call.json.detail)).toMatch(/AzureML Data Scientist/);
    expect(telemetry.exceptions).toHaveLength(1);
    expect(telemetry.exceptions[0]?.properties).toMatchObject({
      target: 'nightly',
      code: 'aml.forbidden',
      trigger: 'http',
    });
    expect(call.logs.some((l) => l.startsWith('error:') && l.includes('nightly'))).toBe(true);
  });
});

describe('bad input: 4xx problem+json naming the field, nothing submitted', () => {
  const big = JSON.stringify({ Description: 'x'.repeat(1024 * 1024) });
  const cases: Array<{
    name: string;
    target?: string;
    body?: string;
    headers?: Record<string, string>;
    status: number;
    code: string;
    field: string;
  }> = [
    {
      name: 'malformed JSON',
      body: '{"ParameterAssignments": {"epochs": 3,}}',
      status: 400,
      code: 'request.json.malformed',
      field: 'body',
    },
    { name: 'not an object', body: '[1, 2]', status: 400, code: 'request.body.not_object', field: 'body' },
    {
      name: 'wrong type of a parameter',
      body: '{"ParameterAssignments": {"epochs": [3]}}',
      status: 400,
      code: 'request.field.type',
      field: 'ParameterAssignments.epochs',
    },
    {
      name: 'wrong type of a data path part',
      body: '{"DataPathAssignments": {"input_data": {"DataStoreName": "s", "RelativePath": 5}}}',
      status: 400,
      code: 'request.field.type',
      field: 'DataPathAssignments.input_data.RelativePath',
    },
    {
      name: 'wrong type of a flag',
      body: '{"ContinueRunOnStepFailure": "true"}',
      status: 400,
      code: 'request.field.type',
      field: 'ContinueRunOnStepFailure',
    },
    {
      name: 'unknown field',
      body: '{"PipelineId": "other-pipeline"}',
      status: 400,
      code: 'request.field.unknown',
      field: 'PipelineId',
    },
    {
      name: 'the old continue-on-step-failure spelling',
      body: '{"ContinueOnStepFailure": true}',
      status: 400,
      code: 'request.field.unknown',
      field: 'ContinueOnStepFailure',
    },
    {
      name: '__proto__ as a parameter name',
      body: '{"ParameterAssignments": {"__proto__": {"epochs": 1}}}',
      status: 400,
      code: 'request.field.reserved_name',
      field: 'ParameterAssignments.__proto__',
    },
    {
      name: '__proto__ as a tag name',
      body: '{"Tags": {"__proto__": "x"}}',
      status: 400,
      code: 'request.field.reserved_name',
      field: 'Tags.__proto__',
    },
    {
      name: 'constructor as a data path name',
      body: '{"DataPathAssignments": {"constructor": {"DataStoreName": "s", "RelativePath": "p"}}}',
      status: 400,
      code: 'request.field.reserved_name',
      field: 'DataPathAssignments.constructor',
    },
    {
      name: 'prototype as a dataset name',
      body: '{"DataSetDefinitionValueAssignments": {"prototype": {"SavedDataSetReference": {"Id": "d"}}}}',
      status: 400,
      code: 'request.field.reserved_name',
      field: 'DataSetDefinitionValueAssignments.prototype',
    },
    {
      name: "the app's own key as a tag",
      body: '{"Tags": {"aml_triggers_key": "mine"}}',
      status: 400,
      code: 'request.field.reserved_name',
      field: 'Tags.aml_triggers_key',
    },
    {
      name: 'body over 1 MiB (no Content-Length)',
      body: big,
      status: 413,
      code: 'request.body.too_large',
      field: 'body',
    },
    {
      name: 'body over 1 MiB (Content-Length)',
      body: big,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) },
      status: 413,
      code: 'request.body.too_large',
      field: 'body',
    },
    {
      name: 'unknown target',
      target: 'not-configured',
      body: '{}',
      status: 404,
      code: 'target.unknown',
      field: 'target',
    },
    {
      name: 'unsupported content type',
      body: 'epochs=3',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      code: 'request.content_type.unsupported',
      field: 'Content-Type',
    },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.status} ${c.code}`, async () => {
      const attempts = aml.attempts.length;
      const call = await post(c.target ?? 'nightly', c.body, c.headers ?? { 'content-type': 'application/json' });
      expect(call.status).toBe(c.status);
      expect(call.headers.get('content-type')).toBe('application/problem+json');
      expect(call.json).toMatchObject({
        status: c.status,
        code: c.code,
        field: c.field,
        instance: 'urn:uuid:11111111-2222-4333-8444-555555555555',
      });
      expect(typeof call.json.detail).toBe('string');
      expect(String(call.json.type)).toMatch(/^https:\/\//);
      expect(aml.attempts.length).toBe(attempts);
      expect(telemetry.events).toEqual([]);
    });
  }

  it('the unknown-target answer lists the configured targets', async () => {
    const call = await post('nope', '{}');
    expect(String(call.json.detail)).toMatch(/nightly, scoring, by-ids/);
  });

  it('the old continue-on-step-failure spelling points at the new one', async () => {
    const call = await post('nightly', '{"ContinueOnStepFailure": true}');
    expect(String(call.json.detail)).toMatch(/did you mean ContinueRunOnStepFailure\?/);
  });

  it('several problems are all reported', async () => {
    const call = await post('nightly', '{"ExperimentName": 1, "Foo": 2, "ParameterAssignments": {"a": null}}');
    expect(call.status).toBe(400);
    expect((call.json.errors as Array<{ field: string }>).map((e) => e.field)).toEqual([
      'ExperimentName',
      'Foo',
      'ParameterAssignments.a',
    ]);
  });
});

describe('GET /api/pipelines', () => {
  it('lists targets with their defaults, showing setting references unresolved', async () => {
    const context = new InvocationContext({ functionName: 'listPipelineTargets' });
    const response = await createListTargetsHandler(deps)(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/pipelines' }),
      context,
    );
    expect(response.status).toBe(200);
    const body = response.jsonBody as { targets: Array<Record<string, unknown>> };
    expect(body.targets.map((t) => t.name)).toEqual(['nightly', 'scoring', 'by-ids']);
    expect(body.targets[0]).toMatchObject({
      name: 'nightly',
      description: 'Nightly retrain',
      experimentName: 'nightly-retrain',
      parameters: { epochs: 10, rate: 0.5, secret_conn: '%STORAGE_CONNECTION%' },
      dataPaths: { input_data: { DataStoreName: 'workspaceblobstore', RelativePath: 'landing/' } },
      runsUrl: '/api/pipelines/nightly/runs',
    });
    expect(JSON.stringify(body)).not.toContain('hush');
  });
});

describe('invalid configuration', () => {
  it('fails start-up with file, line:column, path and problem; calls answer 500 and submit nothing', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'bad-app-'));
    try {
      writeFileSync(join(bad, 'host.json'), '{}');
      writeFileSync(
        join(bad, 'pipelines.yaml'),
        'targets:\n  t:\n    pipeline_id: p\n    experiment_name: e\n    paramters: {}\n',
      );
      const runtime = createRuntime({
        appRoot: bad,
        env: { AML_TARGETS_FILE: 'pipelines.yaml' },
        pipelineClient: client,
        telemetry,
      });
      let thrown: unknown;
      try {
        runtime.validateStartup(() => undefined);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(AppFailure);
      expect((thrown as AppFailure).message).toMatch(/pipelines\.yaml:5:5: targets\.t\.paramters is not a known field/);
      const attempts = aml.attempts.length;
      const call = await post('t', '{}', {}, runtime);
      expect(call.status).toBe(500);
      expect(String(call.json.code)).toMatch(/^config\./);
      expect(aml.attempts.length).toBe(attempts);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
