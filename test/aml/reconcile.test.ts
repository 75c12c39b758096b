/**
 * Submission outcomes under the faults of the real platform, injected by a proxy between the real client
 * and the fake Azure ML (test/support/faultProxy.ts). For every fault: exactly one submit POST leaves the
 * client, the fake's own record holds at most one run with the key, and the result is `created`
 * (directly, or reconciled by looking the run up by its key) or an `unknown` error that says what to do;
 * faults that certainly created nothing are retried to success.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineClient, type AmlPipelineClient, type PipelineClientOptions } from '../../src/aml/client';
import { DEFAULT_RETRY_POLICY } from '../../src/aml/retry';
import { submissionKey } from '../../src/aml/submissionKey';
import type { PipelineTarget, SubmissionBody } from '../../src/aml/types';
import { MemoryTelemetry } from '../../src/telemetry';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';
import type { FakeAml } from '../support/fakeAml';
import { isHistory, isSubmit, startHttpFaultProxy, type HttpFault, type HttpFaultProxy } from '../support/faultProxy';

const ws = {
  subscriptionId: '0b1f6471-1bf0-4dda-aec3-44445555aaaa',
  resourceGroup: 'rg-faults',
  workspaceName: 'mlw-faults',
};
const KEY = 'aml_triggers_key';

let bed: AmlTestBed;
let aml: FakeAml;
let proxy: HttpFaultProxy;
const clients: AmlPipelineClient[] = [];

beforeAll(async () => {
  bed = await startAmlTestBed({ workspace: ws });
  aml = bed.aml;
  aml.addPipeline({ id: 'pp-faults', kind: 'published', workspace: ws, parameters: ['alpha'] });
  proxy = await startHttpFaultProxy(aml.origin);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await proxy?.close();
  await bed?.close();
});

function client(options: Partial<PipelineClientOptions> = {}): AmlPipelineClient {
  const c = createPipelineClient({
    env: bed.env,
    ...options,
    settings: {
      attemptTimeoutMs: 3_000,
      deadlineMs: 15_000,
      reconcileDelayMs: 20,
      retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10, maxDelayMs: 40 },
      ...(options.settings ?? {}),
    },
  });
  clients.push(c);
  return c;
}

/** The target, submitting through the proxy (so run-history look-ups go through it too). */
function viaProxy(): PipelineTarget {
  return {
    name: 'faults',
    endpointUrl: proxy.via(aml.submitUrl(ws, { published: 'pp-faults' })),
    experimentName: 'nightly',
    parameterAssignments: {},
    dataPathAssignments: {},
  };
}

const body: SubmissionBody = {
  ExperimentName: 'nightly',
  ParameterAssignments: { alpha: 1 },
  RunSource: 'SDK',
  Tags: { team: 'ml' },
};

function newKey(): string {
  return submissionKey('http', 'faults', randomUUID());
}

function submitsSince(before: number): number {
  return proxy.requests.slice(before).filter(isSubmit).length;
}

describe('an answer lost after the request reached Azure ML: one run, reconciled by its key', () => {
  const cases: Array<[HttpFault, Record<string, number>]> = [
    ['drop_after_forward', {}],
    ['answer_502_after_forward', {}],
    ['answer_504_after_forward', {}],
    ['stall_after_forward', { attemptTimeoutMs: 300 }],
  ];
  for (const [fault, settings] of cases) {
    it(fault, async () => {
      const key = newKey();
      const telemetry = new MemoryTelemetry();
      const before = proxy.requests.length;
      proxy.fault([fault], isSubmit);
      const result = await client({ telemetry, settings }).submit(viaProxy(), body, { key });
      const runs = aml.runsWith(KEY, key);
      expect(runs).toHaveLength(1);
      expect(submitsSince(before)).toBe(1);
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (!result.ok) return;
      expect(result.value).toMatchObject({ runId: runs[0]?.runId, reconciled: true, key, attempts: 1 });
      expect(telemetry.events.map((e) => e.name)).toEqual(['PipelineSubmissionReconciled']);
      // The look-up asked run history by the property first, quoted as the SDK quotes it.
      const query = aml.historyQueries.at(-1);
      expect(query?.filter).toBe(`(Properties/${KEY} eq "${key}")`);
      expect(query?.body).toMatchObject({ top: expect.any(Number), continuationToken: null });
    });
  }
});

describe('an attempt that never reached Azure ML', () => {
  it('reset before forwarding: the client cannot tell, so it looks the run up, finds none, and reports unknown without resending', async () => {
    const key = newKey();
    const before = proxy.requests.length;
    const telemetry = new MemoryTelemetry();
    proxy.fault(['reset_before_forward'], isSubmit);
    const result = await client({ telemetry }).submit(viaProxy(), body, { key });
    expect(aml.runsWith(KEY, key)).toHaveLength(0);
    expect(submitsSince(before)).toBe(1);
    if (result.ok) throw new Error('expected an unknown outcome');
    expect(result.error).toMatchObject({
      code: 'aml.submission.outcome_unknown',
      outcome: 'unknown',
      status: 502,
      transient: false,
      submission: { key, experimentName: 'nightly', lookup: { result: 'not_found' } },
    });
    expect(result.error.message).toContain(`property ${KEY}=${key}`);
    expect(result.error.message).toMatch(/Do not resend it blindly/);
    expect(telemetry.events).toEqual([
      expect.objectContaining({
        name: 'PipelineSubmissionOutcomeUnknown',
        properties: expect.objectContaining({ key, lookup: 'not_found' }),
      }),
    ]);
  });

  it('connection refused: nothing was sent, so it is retried to one run', async () => {
    const key = newKey();
    const c = client({
      sleep: async () => {
        await proxy.accept(); // the service comes back while the client backs off
      },
    });
    const before = proxy.requests.length;
    await proxy.refuse();
    const result = await c.submit(viaProxy(), body, { key });
    await proxy.accept();
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ attempts: 2, key });
    expect(result.value.reconciled).toBeUndefined();
    expect(aml.runsWith(KEY, key)).toHaveLength(1);
    expect(submitsSince(before)).toBe(1); // the refused attempt never reached the proxy
  });
});

describe('a success answer without a readable run Id', () => {
  it('is an unknown outcome: looked up by its key (a run may exist), never resent', async () => {
    const key = newKey();
    const before = proxy.requests.length;
    aml.script([{ status: 200, body: { Status: 'NotStarted' } }]); // the fake answers without creating a run
    const result = await client().submit(viaProxy(), body, { key });
    expect(submitsSince(before)).toBe(1);
    expect(aml.runsWith(KEY, key)).toHaveLength(0);
    if (result.ok) throw new Error('expected an unknown outcome');
    expect(result.error).toMatchObject({
      code: 'aml.submission.outcome_unknown',
      submission: { key, lookup: { result: 'not_found' } },
      errors: [{ code: 'aml.bad_response', outcome: 'unknown' }],
    });
  });
});

describe('when the run cannot be reconciled', () => {
  it('without a key: unknown at once, the one run stays the only run', async () => {
    const runsBefore = aml.runs.length;
    const before = proxy.requests.length;
    proxy.fault(['drop_after_forward'], isSubmit);
    const result = await client().submit(viaProxy(), body);
    expect(aml.runs.length - runsBefore).toBe(1);
    expect(
      proxy.requests
        .slice(before)
        .map((r) => r.path)
        .filter((p) => /^\/history/.test(p)),
    ).toEqual([]);
    if (result.ok) throw new Error('expected an unknown outcome');
    expect(result.error).toMatchObject({
      code: 'aml.submission.outcome_unknown',
      submission: { lookup: { result: 'no_key' } },
    });
  });

  it('the look-up itself fails: unknown, naming the look-up failure, never resent', async () => {
    const key = newKey();
    const before = proxy.requests.length;
    proxy.fault(['answer_502_after_forward'], isSubmit);
    proxy.fault(['answer_504_after_forward'], isHistory);
    const result = await client().submit(viaProxy(), body, { key });
    expect(aml.runsWith(KEY, key)).toHaveLength(1);
    expect(submitsSince(before)).toBe(1);
    if (result.ok) throw new Error('expected an unknown outcome');
    expect(result.error.submission).toMatchObject({ key, lookup: { result: 'failed', code: 'aml.lookup.failed' } });
    expect(result.error.message).toMatch(/Looking the run up by property aml_triggers_key=.* failed .*HTTP 504/);
  });

  it('the service refuses the look-up (403): the message names the role', async () => {
    const key = newKey();
    proxy.fault(['drop_after_forward'], isSubmit);
    aml.scriptHistory([{ status: 403, body: { error: { code: 'AuthorizationFailed', message: 'no read' } } }]);
    const result = await client().submit(viaProxy(), body, { key });
    if (result.ok) throw new Error('expected an unknown outcome');
    expect(result.error.submission?.lookup).toMatchObject({ result: 'failed', code: 'aml.lookup.forbidden' });
    expect(result.error.message).toMatch(/AzureML Data Scientist/);
  });
});

describe('the body carries the key', () => {
  it('in Properties and Tags, beside the caller’s own tags, with ContinueRunOnStepFailure accepted by the service', async () => {
    const key = newKey();
    const before = aml.submissions.length;
    const result = await client().submit(viaProxy(), { ...body, ContinueRunOnStepFailure: true }, { key });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const sent = aml.submissions.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toMatchObject({
      Properties: { [KEY]: key },
      Tags: { team: 'ml', [KEY]: key },
      ContinueRunOnStepFailure: true,
    });
  });

  it('an invalid key is refused before anything is sent', async () => {
    const before = proxy.requests.length;
    const result = await client().submit(viaProxy(), body, { key: 'not a key' });
    expect(proxy.requests.length).toBe(before);
    if (result.ok) throw new Error('expected failure');
    expect(result.error).toMatchObject({ code: 'aml.submission.invalid_key', outcome: 'not_created' });
  });
});

describe('findRun', () => {
  it('pages through run history and sees through child runs and runs without the key', async () => {
    const key = newKey();
    aml.historyPageSize = 2;
    try {
      for (let i = 0; i < 4; i++)
        aml.addRun({
          experimentName: 'nightly',
          workspace: ws,
          parentRunId: `parent-${i}`,
          properties: { [KEY]: key },
        });
      aml.addRun({ experimentName: 'nightly', workspace: ws, properties: { [KEY]: 'another-key' } });
      const wanted = aml.addRun({
        experimentName: 'nightly',
        workspace: ws,
        properties: { [KEY]: key },
        status: 'Running',
      });
      const queries = aml.historyQueries.length;
      const found = await client().findRun(viaProxy(), { experimentName: 'nightly', key });
      expect(found).toMatchObject({
        ok: true,
        value: { runId: wanted.runId, matchedBy: 'properties', matches: 1, status: 'Running' },
      });
      const asked = aml.historyQueries.slice(queries);
      expect(asked).toHaveLength(3);
      expect(asked.map((q) => q.body.continuationToken === null)).toEqual([true, false, false]);
    } finally {
      aml.historyPageSize = 100;
    }
  });

  it('falls back to Tags when no run carries the key as a property', async () => {
    const key = newKey();
    const run = aml.addRun({ experimentName: 'nightly', workspace: ws, tags: { [KEY]: key } });
    const found = await client().findRun(viaProxy(), { experimentName: 'nightly', key });
    expect(found).toMatchObject({ ok: true, value: { runId: run.runId, matchedBy: 'tags' } });
  });

  it('ignores a run with the key created long before submittedAfter, and answers not found', async () => {
    const key = newKey();
    aml.addRun({
      experimentName: 'nightly',
      workspace: ws,
      properties: { [KEY]: key },
      createdUtc: '2026-01-01T00:00:00Z',
    });
    const found = await client().findRun(viaProxy(), {
      experimentName: 'nightly',
      key,
      submittedAfter: new Date('2026-06-01T00:00:00Z'),
    });
    expect(found).toEqual({ ok: true, value: undefined });
  });

  it('reports duplicates: every top-level run with the key is counted, the earliest returned', async () => {
    const key = newKey();
    const first = aml.addRun({
      experimentName: 'nightly',
      workspace: ws,
      properties: { [KEY]: key },
      createdUtc: '2026-06-01T00:00:01Z',
    });
    aml.addRun({
      experimentName: 'nightly',
      workspace: ws,
      properties: { [KEY]: key },
      createdUtc: '2026-06-01T00:00:02Z',
    });
    const found = await client().findRun(viaProxy(), { experimentName: 'nightly', key });
    expect(found).toMatchObject({ ok: true, value: { runId: first.runId, matches: 2 } });
  });

  it('for a target given by workspace ids, asks the history host from the discovery document', async () => {
    const key = newKey();
    const run = aml.addRun({ experimentName: 'nightly', workspace: ws, properties: { [KEY]: key } });
    const target: PipelineTarget = {
      name: 'by-ids',
      workspace: ws,
      pipeline: { kind: 'published', pipelineId: 'pp-faults' },
      experimentName: 'nightly',
      parameterAssignments: {},
      dataPathAssignments: {},
    };
    const queries = aml.historyQueries.length;
    const found = await client().findRun(target, { experimentName: 'nightly', key });
    expect(found).toMatchObject({ ok: true, value: { runId: run.runId } });
    expect(aml.historyQueries.slice(queries)[0]?.path).toBe(
      `/history/v1.0/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspaceName}/experiments/nightly/runs:query`,
    );
  });
});
