/**
 * The Azure ML client end to end on loopback: real @azure/identity (App Service managed identity protocol
 * against fakeMsi), real @azure/arm-machinelearning (against fakeArm over HTTPS, trusted through
 * AML_EXTRA_CA_CERTS), and the submit contract against fakeAml.
 *
 * MSAL keeps the managed identity endpoint and its token cache process-wide, so this file starts one fake
 * MSI for all tests and uses distinct audiences / client ids where a test needs a fresh token request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineClient, type AmlPipelineClient, type PipelineClientOptions } from '../../src/aml/client';
import { createCredential } from '../../src/aml/credential';
import { DEFAULT_RETRY_POLICY } from '../../src/aml/retry';
import { readAmlSettings } from '../../src/aml/settings';
import { createTransport } from '../../src/aml/transport';
import { createWorkspaceResolver } from '../../src/aml/workspace';
import type { PipelineTarget, SubmissionBody } from '../../src/aml/types';
import { MemoryTelemetry } from '../../src/telemetry';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import type { FakeAml } from '../support/fakeAml';
import type { FakeArm } from '../support/fakeArm';
import { DEFAULT_SYSTEM_CLIENT_ID, type FakeMsi } from '../support/fakeMsi';
import { freePort } from '../support/freePort';

const ws = {
  subscriptionId: '0b1f6471-1bf0-4dda-aec3-111122223333',
  resourceGroup: 'rg-ml',
  workspaceName: 'mlw-prod',
};
const ARM = 'https://management.azure.com';

let bed: AmlTestBed;
let msi: FakeMsi;
let aml: FakeAml;
let arm: FakeArm;
let env: Record<string, string>;
const clients: AmlPipelineClient[] = [];

beforeAll(async () => {
  bed = await startAmlTestBed({ workspace: ws });
  ({ msi, aml, arm, env } = bed);
  aml.addPipeline({
    id: 'pp-train',
    kind: 'published',
    workspace: ws,
    parameters: ['alpha', 'mode', 'dry'],
    dataPathParameters: ['input'],
  });
  aml.addPipeline({ id: 'pe-score', kind: 'endpoint', name: 'scoring', workspace: ws, versions: ['0', '1', '2'] });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await bed?.close();
});

/** A client with test-sized timings; `overrides` replace settings. */
function client(
  options: Partial<PipelineClientOptions> & { extraEnv?: Record<string, string> } = {},
): AmlPipelineClient {
  const { extraEnv, ...rest } = options;
  const c = createPipelineClient({
    env: { ...env, ...(extraEnv ?? {}) },
    ...rest,
    settings: {
      attemptTimeoutMs: 5_000, // generous: a loaded CI machine must not turn a slow answer into a retry
      deadlineMs: 15_000,
      retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10, maxDelayMs: 40 },
      reconcileDelayMs: 10,
      ...(rest.settings ?? {}),
    },
  });
  clients.push(c);
  return c;
}

function explicitTarget(overrides: Partial<PipelineTarget> = {}): PipelineTarget {
  return {
    name: 'train',
    endpointUrl: aml.submitUrl(ws, { published: 'pp-train' }),
    experimentName: 'nightly',
    parameterAssignments: {},
    dataPathAssignments: {},
    ...overrides,
  };
}

function idsTarget(overrides: Partial<PipelineTarget> = {}): PipelineTarget {
  return {
    name: 'train-by-id',
    workspace: ws,
    pipeline: { kind: 'published', pipelineId: 'pp-train' },
    experimentName: 'nightly',
    parameterAssignments: {},
    dataPathAssignments: {},
    ...overrides,
  };
}

const body: SubmissionBody = {
  ExperimentName: 'nightly',
  ParameterAssignments: { alpha: 0.5, mode: 'full', dry: false },
  DataPathAssignments: { input: { DataStoreName: 'landing', RelativePath: 'incoming/2026-11-24/data.csv' } },
  RunSource: 'SDK',
  Description: 'from the tests',
  Tags: { trigger: 'test' },
};

/** Records the waits the client asks for and skips them. */
function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe('submitting', () => {
  it('sends exactly the body and an ARM-audience managed identity token, and returns the run id', async () => {
    const telemetry = new MemoryTelemetry();
    const before = aml.submissions.length;
    const result = await client({ telemetry }).submit(explicitTarget(), body, {
      traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const seen = aml.submissions.slice(before);
    expect(seen).toHaveLength(1);
    const submission = seen[0];
    expect(submission?.body).toEqual(body); // no key given: the body goes as it is
    expect(submission?.audience).toBe(ARM);
    expect(msi.issued.get(submission?.token ?? '')).toMatchObject({
      resource: ARM,
      clientId: DEFAULT_SYSTEM_CLIENT_ID,
    });
    expect(submission?.headers['content-type']).toMatch(/^application\/json/);
    expect(submission?.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(result.value).toMatchObject({
      runId: submission?.runId,
      attempts: 1,
      endpointUrl: explicitTarget().endpointUrl,
    });
    expect(result.value.run.Id).toBe(submission?.runId);
    const asked = msi.requests.filter((r) => r.resource === ARM);
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked[0]).toMatchObject({ apiVersion: '2019-08-01', headerOk: true, clientId: undefined });
    expect(telemetry.dependencies.at(-1)).toMatchObject({
      success: true,
      resultCode: 200,
      properties: { target: 'train', attempt: 1 },
    });
  });

  it('asks for tokens of a user-assigned identity by client id', async () => {
    const clientId = '7d3c2b1a-0000-4000-8000-00000000c1d0';
    const before = aml.submissions.length;
    const result = await client({ extraEnv: { AML_MANAGED_IDENTITY_CLIENT_ID: clientId } }).submit(
      explicitTarget(),
      body,
    );
    expect(result.ok).toBe(true);
    expect(msi.requests.some((r) => r.clientId === clientId && r.resource === ARM)).toBe(true);
    const token = aml.submissions[before]?.token ?? '';
    expect(msi.issued.get(token)).toMatchObject({ clientId, resource: ARM });
  });

  it('honours AZURE_CLIENT_ID when AML_MANAGED_IDENTITY_CLIENT_ID is not set', async () => {
    const clientId = '7d3c2b1a-0000-4000-8000-00000000c1d1';
    const before = aml.submissions.length;
    expect((await client({ extraEnv: { AZURE_CLIENT_ID: clientId } }).submit(explicitTarget(), body)).ok).toBe(true);
    expect(msi.issued.get(aml.submissions[before]?.token ?? '')?.clientId).toBe(clientId);
  });

  it('resolves the workspace through ARM and discovery once, then reuses it', async () => {
    const c = client();
    const armBefore = arm.calls.length;
    const subsBefore = aml.submissions.length;
    for (let i = 0; i < 3; i++) {
      const result = await c.submit(idsTarget(), body);
      expect(result.ok, JSON.stringify(result)).toBe(true);
    }
    const armCalls = arm.calls.slice(armBefore);
    expect(armCalls).toHaveLength(1);
    expect(armCalls[0]).toMatchObject({
      method: 'GET',
      path: `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspaceName}`,
      audience: ARM,
      status: 200,
    });
    expect(c.workspaceLookups).toBe(1);
    const paths = aml.submissions.slice(subsBefore).map((s) => s.path);
    expect(paths).toEqual(Array(3).fill(new URL(aml.submitUrl(ws, { published: 'pp-train' })).pathname));
  });

  it('submits to pipeline endpoints by id, by id and version, and by name and version', async () => {
    const c = client();
    const before = aml.submissions.length;
    const refs: PipelineTarget['pipeline'][] = [
      { kind: 'endpoint', pipelineEndpointId: 'pe-score' },
      { kind: 'endpoint', pipelineEndpointId: 'pe-score', version: '2' },
      { kind: 'endpointByName', pipelineEndpointName: 'scoring', version: '1' },
    ];
    for (const pipeline of refs) {
      const result = await c.submit(idsTarget({ pipeline }), { ExperimentName: 'scoring' });
      expect(result.ok, JSON.stringify(result)).toBe(true);
    }
    expect(aml.submissions.slice(before).map((s) => [s.pipeline.id, s.version])).toEqual([
      ['pe-score', undefined],
      ['pe-score', '2'],
      ['pe-score', '1'],
    ]);
  });
});

describe('retries', () => {
  it('waits as Retry-After asks after a 429, then succeeds (2 attempts)', async () => {
    aml.script([{ status: 429, retryAfter: '1' }]);
    const before = aml.attempts.length;
    const started = Date.now();
    const result = await client().submit(explicitTarget(), body);
    const elapsed = Date.now() - started;
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.attempts).toBe(2);
    expect(aml.attempts.slice(before).map((a) => a.outcome)).toEqual([429, 200]);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('uses the Retry-After of each 429 as the wait, in seconds or as an HTTP date', async () => {
    const { delays, sleep } = recordingSleep();
    aml.script([
      { status: 429, retryAfter: '3' },
      { status: 429, retryAfter: new Date(Date.now() + 10_000).toUTCString() },
    ]);
    const result = await client({ sleep, settings: { deadlineMs: 60_000 } }).submit(explicitTarget(), body);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.attempts).toBe(3);
    expect(delays[0]).toBe(3_000);
    expect(delays[1]).toBeGreaterThan(8_000);
    expect(delays[1]).toBeLessThanOrEqual(10_000);
  });

  it('retries a 429 without Retry-After with jittered backoff within the cap, then succeeds', async () => {
    const { delays, sleep } = recordingSleep();
    aml.script([{ status: 429 }, { status: 429 }]);
    const before = aml.attempts.length;
    const result = await client({
      sleep,
      random: () => 0.999,
      settings: { retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 150 } },
    }).submit(explicitTarget(), body);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.attempts).toBe(3);
    expect(aml.attempts.slice(before).map((a) => a.outcome)).toEqual([429, 429, 200]);
    expect(delays).toEqual([99, 149]);
  });

  it('never resends after a 500: the outcome is unknown (no key given, so nothing to look it up by)', async () => {
    aml.script([{ status: 500 }]);
    const before = aml.attempts.length;
    const result = await client().submit(explicitTarget(), body);
    expect(aml.attempts.slice(before).map((a) => a.outcome)).toEqual([500]);
    if (result.ok) throw new Error('expected failure');
    expect(result.error).toMatchObject({
      code: 'aml.submission.outcome_unknown',
      outcome: 'unknown',
      transient: false,
      status: 502,
      submission: { experimentName: 'nightly', lookup: { result: 'no_key' } },
    });
    expect(result.error.message).toMatch(
      /Do not resend it blindly: look in experiment nightly of workspace mlw-prod for a run submitted around/,
    );
  });

  it('never resends after the connection drops once the request was sent', async () => {
    aml.script(['reset']);
    const before = aml.attempts.length;
    const result = await client().submit(explicitTarget(), body);
    expect(aml.attempts.slice(before).map((a) => a.outcome)).toEqual(['reset']);
    if (result.ok) throw new Error('expected failure');
    expect(result.error).toMatchObject({
      code: 'aml.submission.outcome_unknown',
      outcome: 'unknown',
      errors: [{ code: 'aml.network', outcome: 'unknown' }],
    });
  });

  it('never resends after an attempt that does not answer within the attempt timeout', async () => {
    aml.script(['timeout']);
    const before = aml.attempts.length;
    const started = Date.now();
    const result = await client({ settings: { attemptTimeoutMs: 200 } }).submit(explicitTarget(), body);
    expect(aml.attempts.slice(before).map((a) => a.outcome)).toEqual(['timeout']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    if (result.ok) throw new Error('expected failure');
    expect(result.error).toMatchObject({ code: 'aml.submission.outcome_unknown', errors: [{ code: 'aml.timeout' }] });
  });

  it('stops after the configured number of attempts with a transient error', async () => {
    aml.script([{ status: 429 }, { status: 429 }, { status: 429 }]);
    const before = aml.attempts.length;
    const result = await client({
      settings: { retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 5 } },
    }).submit(explicitTarget(), body);
    expect(aml.attempts.length - before).toBe(3);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: 'aml.throttled', status: 503, transient: true, outcome: 'not_created' });
    expect(result.error.message).toMatch(/HTTP 429\) after 3 attempts/);
  });

  it('reports a deadline that runs out, with the attempts made', async () => {
    aml.script(Array(50).fill({ status: 429 }));
    const before = aml.attempts.length;
    // Waits of ~1 s and a 2.5 s deadline: the third answer comes ~2 s in, when a fourth attempt no longer
    // fits, so the client stops between attempts with nothing in flight. Each attempt (an immediate 429 on
    // loopback) has about 500 ms of slack before it could be the one the deadline cuts off, however loaded
    // the machine (a 300 ms deadline with 100 ms waits failed that way at load average 6).
    const result = await client({
      random: () => 0.999,
      settings: {
        deadlineMs: 2500,
        retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 20, baseDelayMs: 1000, maxDelayMs: 1000 },
      },
    }).submit(explicitTarget(), body);
    // An attempt cut off by the deadline may still reach the fake a moment later: let it land, then clean up.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const made = aml.attempts.length - before;
    aml.clearScript();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({
      code: 'aml.deadline_exceeded',
      status: 504,
      transient: true,
      outcome: 'not_created',
    });
    const reported = Number(/2500 ms deadline was reached after (\d+) attempts/.exec(result.error.message)?.[1]);
    expect(reported).toBeGreaterThanOrEqual(2);
    expect(reported).toBeLessThanOrEqual(4);
    expect(made).toBe(reported);
    expect(result.error.message).toMatch(/Last problem: .*HTTP 429/);
  });

  it('a deadline that cuts off a sent attempt leaves the outcome unknown', async () => {
    aml.script(['timeout']);
    const result = await client().submit(explicitTarget(), body, { deadlineMs: 150 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: 'aml.submission.outcome_unknown', outcome: 'unknown' });
  });

  it('stops when the caller cancels; a sent attempt stays unknown and is not looked up', async () => {
    aml.script(['timeout']);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const queries = aml.historyQueries.length;
    const result = await client().submit(explicitTarget(), body, { signal: controller.signal, key: 'cancelled-key' });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error).toMatchObject({
        code: 'aml.submission.outcome_unknown',
        outcome: 'unknown',
        submission: { key: 'cancelled-key', lookup: { result: 'not_attempted' } },
      });
    expect(aml.historyQueries.length).toBe(queries);
  });
});

describe('refusals are not retried and say what to do', () => {
  it('400: invalid parameter, the caller’s fault', async () => {
    const before = aml.attempts.length;
    const result = await client().submit(explicitTarget(), { ExperimentName: 'x', ParameterAssignments: { nope: 1 } });
    expect(aml.attempts.length - before).toBe(1);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: 'aml.bad_request', status: 400, transient: false });
    expect(result.error.message).toMatch(/Parameter 'nope' is not a parameter of pipeline pp-train/);
  });

  it('401: names the audience setting', async () => {
    aml.script([
      { status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } } },
    ]);
    const before = aml.attempts.length;
    const result = await client().submit(explicitTarget(), body);
    expect(aml.attempts.length - before).toBe(1);
    if (result.ok) throw new Error('expected failure');
    expect(result.error).toMatchObject({ code: 'aml.unauthorized', status: 502, transient: false });
    expect(result.error.message).toMatch(/AML_TOKEN_AUDIENCE/);
    expect(result.error.message).toMatch(/The access token is invalid/);
  });

  it('401 for real: a token for another audience is refused by the service', async () => {
    const result = await client({ extraEnv: { AML_TOKEN_AUDIENCE: 'https://ml.azure.com' } }).submit(
      explicitTarget(),
      body,
    );
    if (result.ok) throw new Error('expected failure');
    expect(result.error.code).toBe('aml.unauthorized');
    expect(result.error.message).toContain('https://ml.azure.com');
    expect(msi.requests.some((r) => r.resource === 'https://ml.azure.com')).toBe(true);
  });

  it('403: names the role and the workspace', async () => {
    aml.script([
      {
        status: 403,
        body: { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization.' } },
      },
    ]);
    const before = aml.attempts.length;
    const result = await client({
      extraEnv: { AML_MANAGED_IDENTITY_CLIENT_ID: '7d3c2b1a-0000-4000-8000-00000000c1d0' },
    }).submit(explicitTarget(), body);
    expect(aml.attempts.length - before).toBe(1);
    if (result.ok) throw new Error('expected failure');
    expect(result.error).toMatchObject({ code: 'aml.forbidden', status: 502, transient: false });
    expect(result.error.message).toMatch(/AzureML Data Scientist role/);
    expect(result.error.message).toContain('mlw-prod');
    expect(result.error.message).toContain('client id 7d3c2b1a-0000-4000-8000-00000000c1d0');
  });

  it('404: unknown or disabled pipeline', async () => {
    aml.addPipeline({ id: 'pp-off', kind: 'published', workspace: ws, disabled: true });
    for (const id of ['pp-missing', 'pp-off']) {
      const before = aml.attempts.length;
      const result = await client().submit(explicitTarget({ endpointUrl: aml.submitUrl(ws, { published: id }) }), body);
      expect(aml.attempts.length - before).toBe(1);
      if (result.ok) throw new Error('expected failure');
      expect(result.error).toMatchObject({ code: 'aml.pipeline_not_found', status: 502, transient: false });
      expect(result.error.message).toContain('mlw-prod');
      expect(result.error.message).toMatch(/enabled/);
    }
  });

  it('a target with neither endpoint URL nor ids is a configuration error', async () => {
    const result = await client().submit(
      { name: 'empty', experimentName: 'e', parameterAssignments: {}, dataPathAssignments: {} },
      body,
    );
    if (result.ok) throw new Error('expected failure');
    expect(result.error.code).toBe('aml.target.incomplete');
  });

  it('refuses to send a token over plain http to a non-loopback host', async () => {
    const result = await client().submit(
      explicitTarget({ endpointUrl: 'http://westeurope.api.azureml.ms/pipelines/v1.0/x' }),
      body,
    );
    if (result.ok) throw new Error('expected failure');
    expect(result.error.code).toBe('aml.endpoint.insecure');
  });
});

describe('workspace look-up and credential failures', () => {
  it('an unknown workspace is reported, and not cached', async () => {
    const other = { ...ws, workspaceName: 'mlw-later' };
    const c = client();
    const first = await c.submit(idsTarget({ workspace: other }), body);
    if (first.ok) throw new Error('expected failure');
    expect(first.error).toMatchObject({ code: 'aml.workspace_not_found', status: 502 });
    expect(first.error.message).toContain('mlw-later');
    expect(first.error.message).toMatch(/endpointUrl/);
    arm.addWorkspace({ ...other, location: 'westeurope', discoveryUrl: aml.discoveryUrl });
    aml.addPipeline({ id: 'pp-train', kind: 'published', workspace: other });
    const second = await c.submit(idsTarget({ workspace: other }), body);
    expect(second.ok, JSON.stringify(second)).toBe(true);
  });

  it('ARM refusing the identity says which role is missing', async () => {
    const other = { ...ws, workspaceName: 'mlw-locked' };
    arm.addWorkspace({ ...other, location: 'westeurope' });
    arm.failNext(403);
    const result = await client().submit(idsTarget({ workspace: other }), body);
    if (result.ok) throw new Error('expected failure');
    expect(result.error.code).toBe('aml.workspace_forbidden');
    expect(result.error.message).toMatch(/AzureML Data Scientist/);
  });

  it('a managed identity endpoint failure becomes aml.credential', async () => {
    msi.failNext(400);
    const result = await client({ extraEnv: { AML_TOKEN_AUDIENCE: 'https://credential-failure.example' } }).submit(
      explicitTarget(),
      body,
    );
    if (result.ok) throw new Error('expected failure');
    expect(result.error.code).toBe('aml.credential');
    expect(result.error.message).toContain('https://credential-failure.example');
  });
});

describe('service host resolution', () => {
  async function resolver() {
    const settings = readAmlSettings(env);
    if (!settings.ok) throw new Error(settings.error.message);
    const transport = createTransport();
    return createWorkspaceResolver({
      credential: createCredential(settings.value),
      settings: settings.value,
      transport,
    });
  }

  it('takes the pipelines and run-history hosts from the discovery document', async () => {
    const found = await (await resolver()).resolve(ws);
    expect(found).toEqual({
      ok: true,
      value: {
        host: aml.origin,
        historyHost: aml.origin,
        source: 'discovery',
        discoveryUrl: aml.discoveryUrl,
        location: 'westeurope',
      },
    });
  });

  it('falls back to the regional host, or the workspace host for private-link workspaces, when discovery is unreachable', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/discovery`;
    const pub = { ...ws, workspaceName: 'mlw-public' };
    const priv = { ...ws, workspaceName: 'mlw-private' };
    arm.addWorkspace({ ...pub, location: 'northeurope', discoveryUrl: dead });
    arm.addWorkspace({
      ...priv,
      location: 'eastus2',
      discoveryUrl: dead,
      privateLinkCount: 1,
      properties: { workspaceId: 'ABCDEF01-0000-4000-8000-000000000001' },
    });
    const r = await resolver();
    expect(await r.resolve(pub)).toMatchObject({
      ok: true,
      value: { host: 'https://northeurope.api.azureml.ms', source: 'location' },
    });
    expect(await r.resolve(priv)).toMatchObject({
      ok: true,
      value: {
        host: 'https://abcdef01-0000-4000-8000-000000000001.workspace.eastus2.api.azureml.ms',
        source: 'privatelink',
      },
    });
  });

  it('does not keep a fallback host: once discovery answers again, its host is used', async () => {
    const flaky = { ...ws, workspaceName: 'mlw-flaky-discovery' };
    const port = await freePort();
    arm.addWorkspace({ ...flaky, location: 'westeurope', discoveryUrl: `http://127.0.0.1:${port}/discovery` });
    const r = await resolver();
    // Discovery down: the regional host is derived for this submission...
    expect(await r.resolve(flaky)).toMatchObject({
      ok: true,
      value: { host: 'https://westeurope.api.azureml.ms', source: 'location' },
    });
    // ...and discovery comes back on the same URL: the next resolution asks it again and uses its answer.
    const { createServer } = await import('node:http');
    const discovery = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ api: aml.origin }));
    });
    await new Promise<void>((resolve) => discovery.listen(port, '127.0.0.1', resolve));
    try {
      expect(await r.resolve(flaky)).toMatchObject({ ok: true, value: { host: aml.origin, source: 'discovery' } });
      expect(r.lookups).toBe(2);
      expect(await r.resolve(flaky)).toMatchObject({ ok: true, value: { source: 'discovery' } });
      expect(r.lookups).toBe(2);
    } finally {
      await new Promise<void>((resolve) => discovery.close(() => resolve()));
    }
  });
});
