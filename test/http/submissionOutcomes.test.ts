/**
 * POST /api/pipelines/{target}/runs when Azure ML's answer is lost, with faults injected by a proxy
 * between the real client and the fake Azure ML (test/support/faultProxy.ts): the caller gets 202 with
 * `reconciled: true` (the run was found by its key) or 502 `aml.submission.outcome_unknown` naming the
 * key and experiment; never two runs. Also GET /api/pipelines showing `%SETTING%` references.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineClient, type AmlPipelineClient } from '../../src/aml/client';
import { submissionKey } from '../../src/aml/submissionKey';
import { loadTargets, type TargetCatalog } from '../../src/config/targets';
import { createListTargetsHandler, createSubmitRunHandler, type PipelinesDeps } from '../../src/http/pipelinesHandlers';
import { MemoryTelemetry } from '../../src/telemetry';
import { startAmlTestBed, TEST_WORKSPACE, type AmlTestBed } from '../support/amlTestBed';
import { isSubmit, startHttpFaultProxy, type HttpFault, type HttpFaultProxy } from '../support/faultProxy';

const WS = TEST_WORKSPACE;
const KEY = 'aml_triggers_key';

let bed: AmlTestBed;
let proxy: HttpFaultProxy;
let root: string;
let catalog: TargetCatalog;
let client: AmlPipelineClient;

const env = {
  AML_TARGETS_FILE: 'targets.yaml',
  AML_SUBSCRIPTION_ID: WS.subscriptionId,
  AML_RESOURCE_GROUP: WS.resourceGroup,
  AML_WORKSPACE_NAME: WS.workspaceName,
  NIGHTLY_PIPELINE_ID: 'pub-outcomes',
  NIGHTLY_EXPERIMENT: 'resolved-experiment',
  NIGHTLY_DESCRIPTION: 'resolved description',
  OTHER_RG: 'rg-resolved',
};

beforeAll(async () => {
  bed = await startAmlTestBed();
  bed.aml.addPipeline({ id: 'pub-outcomes', kind: 'published', workspace: WS });
  proxy = await startHttpFaultProxy(bed.aml.origin);
  root = mkdtempSync(join(tmpdir(), 'http-outcomes-'));
  writeFileSync(join(root, 'host.json'), '{}');
  writeFileSync(
    join(root, 'targets.yaml'),
    `targets:
  flaky:
    endpoint_url: ${proxy.via(bed.aml.submitUrl(WS, { published: 'pub-outcomes' }))}
    experiment_name: flaky-net
  referenced:
    description: "%NIGHTLY_DESCRIPTION%"
    pipeline_id: "%NIGHTLY_PIPELINE_ID%"
    experiment_name: "%NIGHTLY_EXPERIMENT%"
  explicit-ws:
    workspace: { subscription_id: "%AML_SUBSCRIPTION_ID%", resource_group: "%OTHER_RG%", workspace_name: literal-ws }
    pipeline_endpoint_name: scoring
    pipeline_version: "1"
    experiment_name: scoring
`,
  );
  const loaded = loadTargets({ appRoot: root, env });
  if (!loaded.ok) throw new Error(loaded.error.message);
  catalog = loaded.value;
  client = createPipelineClient({
    env: {
      ...bed.env,
      AML_RECONCILE_DELAY_MS: '20',
      AML_ATTEMPT_TIMEOUT_MS: '2000',
      AML_RETRY_BASE_DELAY_MS: '5',
      AML_RETRY_MAX_DELAY_MS: '20',
    },
  });
});

afterAll(async () => {
  client?.close();
  await proxy?.close();
  await bed?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function post(
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers; telemetry: MemoryTelemetry }> {
  const telemetry = new MemoryTelemetry();
  const deps: PipelinesDeps = { targets: catalog, pipelineClient: client, telemetry, runSource: 'SDK' };
  const context = new InvocationContext({
    functionName: 'submitPipelineRun',
    invocationId: '0f0e0d0c-0b0a-4909-8807-060504030201',
    logHandler: () => {},
  });
  const request = new HttpRequest({
    method: 'POST',
    url: `http://localhost:7071/api/pipelines/${target}/runs`,
    params: { target },
    headers: { 'content-type': 'application/json', ...headers },
    body: { string: '{"ParameterAssignments": {}}' },
  });
  const response = await createSubmitRunHandler(deps)(request, context);
  return {
    status: response.status ?? 200,
    json: (response.jsonBody ?? {}) as Record<string, unknown>,
    headers: new Headers(response.headers as Record<string, string>),
    telemetry,
  };
}

describe('the answer is lost after the request reached Azure ML: 202 reconciled, one run', () => {
  for (const fault of ['drop_after_forward', 'answer_502_after_forward', 'answer_504_after_forward'] as HttpFault[]) {
    it(fault, async () => {
      const requestId = `logic-app-${fault}`;
      const before = proxy.requests.length;
      proxy.fault([fault], isSubmit);
      const call = await post('flaky', { 'x-ms-client-request-id': requestId });
      const key = submissionKey('http', 'flaky', requestId);
      const runs = bed.aml.runsWith(KEY, key);
      expect(runs).toHaveLength(1);
      expect(proxy.requests.slice(before).filter(isSubmit)).toHaveLength(1);
      expect(call.status, JSON.stringify(call.json)).toBe(202);
      expect(call.json).toMatchObject({
        runId: runs[0]?.runId,
        reconciled: true,
        submissionKey: key,
        experimentName: 'flaky-net',
        attempts: 1,
      });
      expect(call.telemetry.events[0]).toMatchObject({
        name: 'PipelineRunSubmitted',
        properties: { reconciled: 'true', key },
      });
    });
  }
});

describe('the request never reached Azure ML, but the app cannot know: 502 unknown, naming the key', () => {
  it('reset before forwarding: no run, one POST, and the problem says what to look for and not to resend', async () => {
    const before = proxy.requests.length;
    proxy.fault(['reset_before_forward'], isSubmit);
    const call = await post('flaky', { 'Idempotency-Key': 'order-4711' });
    const key = submissionKey('http', 'flaky', 'order-4711');
    expect(bed.aml.runsWith(KEY, key)).toHaveLength(0);
    expect(proxy.requests.slice(before).filter(isSubmit)).toHaveLength(1);
    expect(call.status).toBe(502);
    expect(call.headers.get('content-type')).toBe('application/problem+json');
    expect(call.headers.get('retry-after')).toBeNull();
    expect(call.json).toMatchObject({
      code: 'aml.submission.outcome_unknown',
      outcome: 'unknown',
      submissionKey: key,
      experimentName: 'flaky-net',
      lookup: 'not_found',
      status: 502,
    });
    expect(String(call.json.detail)).toContain(`property ${KEY}=${key}`);
    expect(String(call.json.detail)).toContain('experiment flaky-net');
    expect(String(call.json.detail)).toMatch(/Do not resend it blindly/);
    expect(call.telemetry.exceptions[0]?.properties).toMatchObject({
      outcome: 'unknown',
      key,
      code: 'aml.submission.outcome_unknown',
    });
  });

  it('Idempotency-Key wins over x-ms-client-request-id; an unusable one is replaced by a generated key', async () => {
    const both = await post('flaky', { 'Idempotency-Key': 'first', 'x-ms-client-request-id': 'second' });
    expect(both.json.submissionKey).toBe(submissionKey('http', 'flaky', 'first'));
    const bad = await post('flaky', { 'Idempotency-Key': 'has spaces in it' });
    expect(bad.status).toBe(202);
    expect(bad.json.submissionKey).toMatch(/^http-[0-9a-f]{40}$/);
    expect(bad.json.submissionKey).not.toBe(submissionKey('http', 'flaky', 'has spaces in it'));
  });
});

describe('GET /api/pipelines', () => {
  it('shows %SETTING% references for workspace ids, pipeline ids, experiment and description, never their values', async () => {
    const response = await createListTargetsHandler({ targets: catalog })(
      new HttpRequest({ method: 'GET', url: 'http://localhost:7071/api/pipelines' }),
      new InvocationContext({ functionName: 'listPipelineTargets' }),
    );
    const targets = (response.jsonBody as { targets: Array<Record<string, unknown>> }).targets;
    const byName = new Map(targets.map((t) => [t.name, t]));
    expect(byName.get('referenced')).toMatchObject({
      description: '%NIGHTLY_DESCRIPTION%',
      experimentName: '%NIGHTLY_EXPERIMENT%',
      pipeline: { kind: 'published', pipelineId: '%NIGHTLY_PIPELINE_ID%' },
      // the default workspace came from app settings: shown as the settings, not their values
      workspace: {
        subscriptionId: '%AML_SUBSCRIPTION_ID%',
        resourceGroup: '%AML_RESOURCE_GROUP%',
        workspaceName: '%AML_WORKSPACE_NAME%',
      },
    });
    expect(byName.get('explicit-ws')).toMatchObject({
      workspace: { subscriptionId: '%AML_SUBSCRIPTION_ID%', resourceGroup: '%OTHER_RG%', workspaceName: 'literal-ws' },
      pipeline: { kind: 'endpointByName', pipelineEndpointName: 'scoring', version: '1' },
    });
    const text = JSON.stringify([byName.get('referenced'), byName.get('explicit-ws')]);
    for (const value of [
      WS.subscriptionId,
      WS.resourceGroup,
      WS.workspaceName,
      'pub-outcomes',
      'resolved-experiment',
      'resolved description',
      'rg-resolved',
    ])
      expect(text, value).not.toContain(value);
  });
});
