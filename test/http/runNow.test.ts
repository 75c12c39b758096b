/**
 * Run now: `POST /api/schedules/{name}/run` through its real handler and `aml-triggers schedules run`
 * through the CLI's main(), over the app's runtime, Azurite and the Azure ML test bed.
 */
import { hostname, userInfo } from 'node:os';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRunNowHandler } from '../../src/http/runNowHandler';
import { createRuntime } from '../../src/runtime';
import { runtimeRunNowDeps } from '../../src/schedules/runNow';
import { startAppBed, TRAIN_ID, type AppBed } from '../support/appBed';
import { cliRunner } from '../support/cli';

let app: AppBed;
let env: Record<string, string>;

beforeAll(async () => {
  app = await startAppBed();
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  env = app.settings();
});

const cli = cliRunner(
  'schedules',
  () => env,
  () => new Date(),
  () => app.app.root,
);
const tick = cliRunner(
  'tick',
  () => env,
  () => new Date(),
  () => app.app.root,
);

async function post(
  name: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const handler = createRunNowHandler((log) => runtimeRunNowDeps(createRuntime({ env, appRoot: app.app.root }), log));
  const request = new HttpRequest({
    method: 'POST',
    url: `http://localhost/api/schedules/${encodeURIComponent(name)}/run`,
    params: { name },
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.headers ?? {}),
    },
    ...(options.body !== undefined
      ? { body: { string: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } }
      : {}),
  });
  const response: HttpResponseInit = await handler(
    request,
    new InvocationContext({ functionName: 'runScheduleNow', invocationId: '11111111-2222-3333-4444-555555555555' }),
  );
  return {
    status: response.status ?? 200,
    headers: new Headers(response.headers as Record<string, string>),
    body: (response.jsonBody ?? {}) as Record<string, unknown>,
  };
}

describe('POST /api/schedules/{name}/run', () => {
  it("submits one run with the schedule's parameters overridden, recorded in the history as manual with who asked", async () => {
    const r = await post('minutely', {
      headers: { 'Idempotency-Key': 'deploy-42', 'x-ms-client-principal-name': 'alice@contoso.com' },
      body: { ParameterAssignments: { epochs: 5 } },
    });
    expect(r.status).toBe(202);
    const runs = app.runsOf('minutely');
    expect(runs).toHaveLength(1);
    expect(r.body).toEqual({
      schedule: 'minutely',
      requestId: 'deploy-42',
      runId: runs[0]!.runId,
      requestedBy: 'alice@contoso.com',
      requestedAt: expect.any(String),
      trigger: 'manual',
      replayed: false,
    });
    expect(runs[0]!.body).toMatchObject({
      ExperimentName: 'train',
      ParameterAssignments: { epochs: 5, mode: 'full', dry_run: false },
      Tags: {
        'aml-triggers.schedule': 'minutely',
        'aml-triggers.trigger': 'manual',
        'aml-triggers.request': 'deploy-42',
        'aml-triggers.requested_by': 'alice@contoso.com',
      },
    });
    const history = await app.store(env).history.entries('minutely');
    expect(history[0]).toMatchObject({
      trigger: 'manual',
      status: 'submitted',
      runId: runs[0]!.runId,
      occurrence: 'manual.deploy-42',
      detail: 'run now, requested by alice@contoso.com (request id deploy-42)',
    });
  });

  it('a repeated request id submits once: concurrent repeats wait or get the run, later ones replay it', async () => {
    const before = app.aml.aml.submissions.length;
    const headers = { 'x-ms-client-request-id': '6f1c2a3b-0000-4000-8000-000000000001' };
    const first = await Promise.all([
      post('minutely', { headers }),
      post('minutely', { headers }),
      post('minutely', { headers }),
    ]);
    expect(app.aml.aml.submissions.length - before).toBe(1);
    const runId = app.aml.aml.submissions.at(-1)!.runId;
    for (const r of first) {
      if (r.status === 202) expect(r.body.runId).toBe(runId);
      else {
        expect(r.status).toBe(409);
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    }
    expect(first.filter((r) => r.status === 202 && r.body.replayed === false)).toHaveLength(1);
    const again = await post('minutely', { headers: { 'Idempotency-Key': headers['x-ms-client-request-id'] } });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ runId, replayed: true, requestedBy: 'the holder of an admin key' });
    expect(app.aml.aml.submissions.length - before).toBe(1);
    expect((await app.store(env).history.entries('minutely')).filter((e) => e.trigger === 'manual')).toHaveLength(1);
  });

  it('is never an occurrence: the state is untouched and the due occurrence still runs at the next tick', async () => {
    const occurrence = await app.oneOccurrenceDue(env);
    const store = app.store(env);
    const before = (await store.states.get('minutely'))!.state;
    expect((await post('minutely', { headers: { 'Idempotency-Key': 'manual-before-tick' } })).status).toBe(202);
    const after = (await store.states.get('minutely'))!.state;
    expect({
      nextDue: after.nextDue,
      lastOccurrence: after.lastOccurrence,
      pending: after.pending,
      wakeAt: after.wakeAt,
    }).toEqual({
      nextDue: before.nextDue,
      lastOccurrence: before.lastOccurrence,
      pending: before.pending,
      wakeAt: before.wakeAt,
    });
    await tick.ok();
    const runs = app
      .runsOf('minutely')
      .filter((s) => (s.body.Tags as Record<string, string>)['aml-triggers.occurrence'] === occurrence);
    expect(runs).toHaveLength(1);
    expect((runs[0]!.body.Tags as Record<string, string>)['aml-triggers.trigger']).toBe('schedule');
    expect((await store.history.entries('minutely')).map((e) => e.trigger)).toEqual(['schedule', 'manual']);
  });

  it('a failed submission is recorded; the same request id does not try again', async () => {
    app.aml.aml.setDisabled(TRAIN_ID, true);
    const before = app.aml.aml.attempts.length;
    try {
      const r = await post('minutely', { headers: { 'Idempotency-Key': 'will-fail' } });
      expect(r.status).toBeGreaterThanOrEqual(400);
      const again = await post('minutely', { headers: { 'Idempotency-Key': 'will-fail' } });
      expect(again.status).toBe(409);
    } finally {
      app.aml.aml.setDisabled(TRAIN_ID, false);
    }
    expect(app.aml.aml.attempts.slice(before).filter((a) => a.method === 'POST')).toHaveLength(1);
    expect((await app.store(env).history.entries('minutely'))[0]).toMatchObject({
      trigger: 'manual',
      status: 'failed',
      occurrence: 'manual.will-fail',
    });
  });

  it('refuses, as problem+json naming the field: unknown or reactive schedule, a bad or conflicting request id, fields the schedule decides', async () => {
    const cases: [Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>, number, RegExp][] = [
      [post('nope'), 404, /schedule\.not_found/],
      [post('arrivals'), 409, /schedule\.run_now\.reactive/],
      [
        post('minutely', { headers: { 'Idempotency-Key': 'has space' } }),
        400,
        /schedule\.run_now\.request_id\.invalid/,
      ],
      [
        post('minutely', { headers: { 'Idempotency-Key': 'a', 'x-ms-client-request-id': 'b' } }),
        400,
        /schedule\.run_now\.request_id\.conflict/,
      ],
      [post('minutely', { body: { ExperimentName: 'other' } }), 400, /schedule\.run_now\.field\.unsupported/],
      [post('minutely', { body: { ParameterAssignments: { epochs: [1] } } }), 400, /request\.field\.type/],
      // v2 terms are taken by run-now, and refused for this v1 schedule before anything is sent.
      [
        post('minutely', { body: { Inputs: { epochs: { type: 'literal', value: 5 } } } }),
        400,
        /aml\.v1\.inputs_unsupported/,
      ],
    ];
    const before = app.aml.aml.submissions.length;
    for (const [call, status, code] of cases) {
      const r = await call;
      expect(r.status).toBe(status);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      expect(String(r.body.code)).toMatch(code);
    }
    expect(app.aml.aml.submissions.length).toBe(before);
  });
});

describe('aml-triggers schedules run', () => {
  it("submits once per --request-id, typed like the schedule's values, history names the user", async () => {
    const before = app.aml.aml.submissions.length;
    const first = await cli.ok('run', 'minutely', '--param', 'epochs=7', '--request-id', 'cli-1');
    const runId = app.aml.aml.submissions.at(-1)!.runId;
    expect(app.aml.aml.submissions.at(-1)!.body.ParameterAssignments).toEqual({
      epochs: 7,
      mode: 'full',
      dry_run: false,
    });
    const who = `${userInfo().username}@${hostname()} (aml-triggers CLI)`;
    expect(first.join('\n')).toContain(
      `run now submitted run ${runId} (run now, requested by ${who} (request id cli-1))`,
    );
    const again = await cli.ok('run', 'minutely', '--request-id', 'cli-1');
    expect(again.join('\n')).toContain(`Request id cli-1 already submitted run ${runId} of schedule minutely`);
    expect(app.aml.aml.submissions.length - before).toBe(1);
    const json = JSON.parse((await cli.ok('run', 'minutely', '--json')).join('\n')) as {
      runId: string;
      requestId: string;
      replayed: boolean;
    };
    expect(json).toMatchObject({ runId: app.aml.aml.submissions.at(-1)!.runId, replayed: false });
    expect(app.aml.aml.submissions.length - before).toBe(2);
    expect((await cli.ok('history', 'minutely')).join('\n')).toMatch(
      new RegExp(`manual\\s+submitted\\s+1\\s+${runId}`),
    );
  });

  it('errors: exit 2 naming the schedule or the value', async () => {
    const unknown = await cli.run('run', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr[0]).toMatch(/^aml-triggers schedules run: No schedule named "nope"/);
    const reactive = await cli.run('run', 'arrivals');
    expect(reactive.code).toBe(2);
    expect(reactive.stderr[0]).toMatch(/Schedule "arrivals" is reactive/);
    const badId = await cli.run('run', 'minutely', '--request-id', 'a b');
    expect(badId.code).toBe(2);
    expect(badId.stderr[0]).toMatch(/--request-id "a b" is not a usable request id/);
    const typed = await cli.run('run', 'minutely', '--param', 'epochs=many');
    expect(typed.code).toBe(2);
    expect(typed.stderr[0]).toMatch(/"many" is not a number/);
  });
});
