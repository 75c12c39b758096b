/**
 * When Azure ML keeps throttling, POST /api/pipelines/{target}/runs passes Azure ML's Retry-After on to
 * its own caller (Logic Apps and Data Factory honour it on 429/503): the real handler, the real Azure ML
 * client and @azure/identity against the loopback test bed (test/support/amlTestBed.ts), with short
 * retry budgets so each test takes well under a second.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineClient, type AmlPipelineClient } from '../../src/aml/client';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../src/aml/retry';
import { loadTargets, type TargetCatalog } from '../../src/config/targets';
import { problemResponse } from '../../src/http/problem';
import { createSubmitRunHandler } from '../../src/http/pipelinesHandlers';
import { MemoryTelemetry } from '../../src/telemetry';
import { startAmlTestBed, TEST_WORKSPACE, type AmlTestBed } from '../support/amlTestBed';
import type { ScriptEntry } from '../support/fakeAml';

let bed: AmlTestBed;
let root: string;
let catalog: TargetCatalog;
const clients: AmlPipelineClient[] = [];

beforeAll(async () => {
  bed = await startAmlTestBed();
  bed.aml.addPipeline({ id: 'pub-nightly', kind: 'published', workspace: TEST_WORKSPACE });
  root = mkdtempSync(join(tmpdir(), 'http-retry-after-'));
  writeFileSync(join(root, 'host.json'), '{}');
  writeFileSync(
    join(root, 'targets.yaml'),
    `targets:\n  nightly:\n    endpoint_url: ${bed.aml.submitUrl(TEST_WORKSPACE, { published: 'pub-nightly' })}\n    experiment_name: nightly-retrain\n`,
  );
  const loaded = loadTargets({ appRoot: root, env: { AML_TARGETS_FILE: 'targets.yaml' } });
  if (!loaded.ok) throw new Error(loaded.error.message);
  catalog = loaded.value;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await bed?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Call {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

/**
 * Scripts Azure ML's answers, then POSTs through the real handler with a client whose retries are cut
 * short: `maxAttempts` attempts, tiny backoff, and a total `deadlineMs`.
 */
async function submitThrough(
  script: ScriptEntry[],
  options: { maxAttempts: number; deadlineMs?: number; retry?: Partial<RetryPolicy> },
): Promise<Call> {
  const client = createPipelineClient({
    env: bed.env,
    settings: {
      attemptTimeoutMs: 5_000,
      deadlineMs: options.deadlineMs ?? 5_000,
      retry: {
        ...DEFAULT_RETRY_POLICY,
        baseDelayMs: 5,
        maxDelayMs: 20,
        maxAttempts: options.maxAttempts,
        ...(options.retry ?? {}),
      },
      reconcileDelayMs: 10,
    },
  });
  clients.push(client);
  bed.aml.clearScript();
  bed.aml.script(script);
  const context = new InvocationContext({
    functionName: 'submitPipelineRun',
    invocationId: '7a0c1f0e-1d2b-4c3d-8e4f-5a6b7c8d9e0f',
    logHandler: () => {},
  });
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/pipelines/nightly/runs',
    params: { target: 'nightly' },
    headers: { 'content-type': 'application/json' },
    body: { string: '{}' },
  });
  const handler = createSubmitRunHandler({
    targets: catalog,
    pipelineClient: client,
    telemetry: new MemoryTelemetry(),
    runSource: 'SDK',
  });
  const response = await handler(request, context);
  return {
    status: response.status ?? 200,
    headers: new Headers(response.headers as Record<string, string>),
    json: (response.jsonBody ?? {}) as Record<string, unknown>,
  };
}

function outcomesSince(before: number): Array<number | string> {
  return bed.aml.attempts.slice(before).map((a) => a.outcome);
}

describe('POST /api/pipelines/{target}/runs passes on the Retry-After Azure ML gave', () => {
  it('429 with Retry-After on every attempt until the attempts run out: 503 aml.throttled with Retry-After: 12 and the wait in the detail', async () => {
    const before = bed.aml.attempts.length;
    const submissions = bed.aml.submissions.length;
    const call = await submitThrough(
      [
        { status: 429, retryAfter: '0' },
        { status: 429, retryAfter: '0' },
        { status: 429, retryAfter: '12' },
      ],
      { maxAttempts: 3 },
    );
    expect(outcomesSince(before)).toEqual([429, 429, 429]);
    expect(bed.aml.submissions.length).toBe(submissions);
    expect(call.status).toBe(503);
    expect(call.headers.get('content-type')).toBe('application/problem+json');
    expect(call.headers.get('retry-after')).toBe('12');
    expect(call.json).toMatchObject({ status: 503, code: 'aml.throttled', title: 'Service Unavailable' });
    expect(String(call.json.detail)).toMatch(/HTTP 429\) after 3 attempts; it asked to wait 12 s/);
    expect(String(call.json.detail)).toMatch(/Retry after 12 s \(Retry-After header\)\.$/);
  });

  it('429 until the deadline runs out (the next Retry-After does not fit): the deadline problem still carries Retry-After', async () => {
    const before = bed.aml.attempts.length;
    const call = await submitThrough(
      [
        { status: 429, retryAfter: '0' },
        { status: 429, retryAfter: '30' },
      ],
      { maxAttempts: 6, deadlineMs: 1_500 },
    );
    expect(outcomesSince(before)).toEqual([429, 429]);
    // What the client has always answered here (not changed by this feature): the deadline error, 504.
    expect(call.status).toBe(504);
    expect(call.json).toMatchObject({ code: 'aml.deadline_exceeded', errors: [{ code: 'aml.throttled' }] });
    expect(call.headers.get('retry-after')).toBe('30');
    expect(String(call.json.detail)).toMatch(/Retry after 30 s/);
  });

  it('an HTTP-date Retry-After becomes delta-seconds, measured from the answer', async () => {
    const asked = new Date(Date.now() + 20_000).toUTCString();
    const call = await submitThrough([{ status: 429, retryAfter: asked }], { maxAttempts: 1 });
    expect(call.status).toBe(503);
    expect(call.json.code).toBe('aml.throttled');
    // HTTP dates have whole seconds: 20 s from now is 19 or 20 s after the answer's Date header.
    const header = call.headers.get('retry-after');
    expect(header).toMatch(/^\d+$/);
    expect([19, 20]).toContain(Number(header));
    expect(String(call.json.detail)).toContain(`Retry after ${header} s`);
  });

  it("an HTTP-date Retry-After is measured from Azure ML's Date header, not the app's clock", async () => {
    // Azure ML's clock says 2030: the app's own clock would make this years; Azure ML meant 45 s.
    // (The retry loop itself measures from the app's clock, finds it too long to wait, and gives up at once.)
    const before = bed.aml.attempts.length;
    const call = await submitThrough(
      [
        {
          status: 429,
          retryAfter: 'Tue, 01 Jan 2030 00:00:45 GMT',
          headers: { date: 'Tue, 01 Jan 2030 00:00:00 GMT' },
        },
      ],
      { maxAttempts: 3 },
    );
    expect(outcomesSince(before)).toEqual([429]);
    expect(call.status).toBe(503);
    expect(call.headers.get('retry-after')).toBe('45');
  });

  it('a Retry-After of 0 (or a date already past) is passed on as 1, never 0', async () => {
    const call = await submitThrough([{ status: 429, retryAfter: '0' }], { maxAttempts: 1 });
    expect(call.status).toBe(503);
    expect(call.headers.get('retry-after')).toBe('1');
  });

  it('429 without Retry-After: 503 aml.throttled with no Retry-After header and no wait invented in the detail', async () => {
    const before = bed.aml.attempts.length;
    const call = await submitThrough([{ status: 429 }, { status: 429 }], { maxAttempts: 2 });
    expect(outcomesSince(before)).toEqual([429, 429]);
    expect(call.status).toBe(503);
    expect(call.json.code).toBe('aml.throttled');
    expect(call.headers.has('retry-after')).toBe(false);
    expect(String(call.json.detail)).not.toMatch(/Retry after|asked to wait/);
  });

  it('only the final answer counts: a Retry-After on an earlier 429 that was waited out is not passed on', async () => {
    const call = await submitThrough([{ status: 429, retryAfter: '0' }, { status: 429 }], { maxAttempts: 2 });
    expect(call.status).toBe(503);
    expect(call.headers.has('retry-after')).toBe(false);
  });

  it('any transient Azure ML answer with Retry-After that created nothing is passed on, not only 429: 408 → 503 aml.unavailable', async () => {
    const call = await submitThrough([{ status: 408, retryAfter: '8' }], { maxAttempts: 1 });
    expect(call.status).toBe(503);
    expect(call.json.code).toBe('aml.unavailable');
    expect(call.headers.get('retry-after')).toBe('8');
  });

  it('a 503 with Retry-After may have started a run: 502 outcome unknown, and no Retry-After inviting a resend', async () => {
    const call = await submitThrough([{ status: 503, retryAfter: '8' }], { maxAttempts: 3 });
    expect(call.status).toBe(502);
    expect(call.json.code).toBe('aml.submission.outcome_unknown');
    expect(call.headers.get('retry-after')).toBeNull();
  });

  it('a refusal that waiting cannot fix (400) gets no Retry-After even when Azure ML sent one', async () => {
    const call = await submitThrough(
      [{ status: 400, retryAfter: '8', body: { error: { code: 'UserError', message: 'bad parameter' } } }],
      { maxAttempts: 3 },
    );
    expect(call.status).toBe(400);
    expect(call.json.code).toBe('aml.bad_request');
    expect(call.headers.has('retry-after')).toBe(false);
  });
});

describe('problemResponse and Retry-After', () => {
  it('adds Retry-After for any error carrying retryAfterSeconds (rounded up), whatever its code', () => {
    const error = {
      code: 'storage.unavailable' as const,
      message: 'The store is busy.',
      status: 503,
      retryAfterSeconds: 2.1,
    };
    const response = problemResponse(error, 503, 'urn:uuid:x');
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/problem+json', 'Retry-After': '3' });
    expect(response.jsonBody).toMatchObject({
      code: 'storage.unavailable',
      detail: 'The store is busy. Retry after 3 s (Retry-After header).',
    });
  });

  it("leaves a caller's own Retry-After alone, and adds nothing when the error carries no wait", () => {
    const error = {
      code: 'storage.unavailable' as const,
      message: 'The store is busy.',
      status: 503,
      retryAfterSeconds: 30,
    };
    const own = problemResponse(error, 503, undefined, { 'Retry-After': '5' });
    expect(own.headers).toMatchObject({ 'Retry-After': '5' });
    expect(own.jsonBody).toMatchObject({ detail: 'The store is busy.' });
    const none = problemResponse({ code: 'storage.unavailable', message: 'The store is busy.', status: 503 });
    expect(Object.keys(none.headers as Record<string, string>)).toEqual(['Content-Type']);
  });
});
