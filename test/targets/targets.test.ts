/**
 * A target's status end to end, from an app folder over Azurite and the loopback Azure ML test bed
 * (test/support/appBed.ts: targets train / score, schedules minutely on train and arrivals on score):
 * the HTTP routes (handlers as registered), `aml-triggers targets`, submissions refused with 409 and no
 * call to Azure ML, reactive blobs ignored with the reason, and the opt-in Azure ML status pass-through.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createListTargetsHandler, createSubmitRunHandler } from '../../src/http/pipelinesHandlers';
import { createSetTargetStatusHandler, targetsDepsFrom } from '../../src/http/targetsHandlers';
import { createRuntime, type Runtime } from '../../src/runtime';
import { startAppBed, TRAIN_ID, SCORE_ID, type AppBed } from '../support/appBed';
import { azuriteConnectionString } from '../support/azurite';
import { cliRunner } from '../support/cli';

let app: AppBed;
let env: Record<string, string>;
let runtime: Runtime;

const targets = cliRunner(
  'targets',
  () => env,
  () => new Date(),
  () => app.app.root,
);
const blob = cliRunner(
  'blob',
  () => env,
  () => new Date(),
  () => app.app.root,
);
const schedules = cliRunner(
  'schedules',
  () => env,
  () => new Date(),
  () => app.app.root,
);

beforeAll(async () => {
  app = await startAppBed();
});

afterAll(async () => {
  await app?.close();
});

beforeEach(() => {
  env = app.settings();
  runtime = createRuntime({ env, appRoot: app.app.root });
});

type Answer = { status: number; body: Record<string, unknown> };

async function call(
  handler: (r: HttpRequest, c: InvocationContext) => Promise<HttpResponseInit>,
  method: string,
  path: string,
  params: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  const request = new HttpRequest({
    method,
    url: `http://localhost/api${path}`,
    params,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    ...(body !== undefined ? { body: { string: JSON.stringify(body) } } : {}),
  });
  const response = await handler(
    request,
    new InvocationContext({ functionName: 'test', invocationId: '11111111-2222-3333-4444-555555555555' }),
  );
  return { status: response.status ?? 200, body: (response.jsonBody ?? {}) as Record<string, unknown> };
}

const setStatus = (action: 'disable' | 'enable', target: string, query = ''): Promise<Answer> =>
  call(
    createSetTargetStatusHandler(targetsDepsFrom(runtime), action === 'disable' ? 'Disabled' : 'Active'),
    'POST',
    `/pipelines/${target}/${action}${query}`,
    { target },
  );
const list = (): Promise<Answer> => call(createListTargetsHandler(runtime), 'GET', '/pipelines', {});
const submit = (target: string): Promise<Answer> =>
  call(
    createSubmitRunHandler(runtime),
    'POST',
    `/pipelines/${target}/runs`,
    { target },
    { ParameterAssignments: { epochs: 3 } },
  );
const view = async (name: string): Promise<Record<string, unknown>> =>
  ((await list()).body.targets as Record<string, unknown>[]).find((t) => t.name === name)!;

describe('POST /api/pipelines/{target}/disable|enable and GET /api/pipelines', () => {
  it('refuses to disable a target with active schedules, naming them; withSchedules disables them and reports it', async () => {
    const refused = await setStatus('disable', 'train');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'target.schedules.active' });
    expect(String(refused.body.detail)).toContain('still has active schedules: minutely');
    expect(await view('train')).toMatchObject({
      status: 'Active',
      schedules: [{ name: 'minutely', status: 'Active' }],
    });

    const done = await setStatus('disable', 'train', '?withSchedules=true&reason=replaced%20by%20train-v2');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      name: 'train',
      status: 'Disabled',
      changed: true,
      schedulesDisabled: ['minutely'],
      statusChange: { status: 'Disabled', changedBy: 'HTTP (master key)', reason: 'replaced by train-v2' },
    });
    expect(await view('train')).toMatchObject({
      status: 'Disabled',
      statusChange: { status: 'Disabled', reason: 'replaced by train-v2' },
      schedules: [{ name: 'minutely', status: 'Disabled' }],
    });
    expect(await view('score')).toMatchObject({
      status: 'Active',
      schedules: [{ name: 'arrivals', status: 'Active' }],
    });
  });

  it('a submission to a disabled target is 409 target.disabled (problem+json naming it and how to enable it) with no call to Azure ML', async () => {
    expect((await setStatus('disable', 'train', '?withSchedules=true')).status).toBe(200);
    const calls = app.aml.aml.attempts.length;
    const refused = await submit('train');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'target.disabled', status: 409, field: 'target' });
    expect(String(refused.body.detail)).toContain('Target "train" is disabled (by HTTP (master key) at ');
    expect(String(refused.body.detail)).toContain('aml-triggers targets enable train');
    expect(app.aml.aml.attempts.length).toBe(calls);

    const enabled = await setStatus('enable', 'train');
    expect(enabled.body).toMatchObject({ status: 'Active', changed: true, schedulesStillDisabled: ['minutely'] });
    const accepted = await submit('train');
    expect(accepted.status).toBe(202);
  });
});

describe('aml-triggers targets', () => {
  it('list, disable (refused, then --with-schedules), enable: the same operations from a shell', async () => {
    const refused = await targets.run('disable', 'train');
    expect(refused.code).toBe(2);
    expect(refused.stdout).toEqual([]);
    expect(refused.stderr.join('\n')).toContain(
      'aml-triggers targets disable: Target "train" still has active schedules: minutely.',
    );

    const done = await targets.ok('disable', 'train', '--with-schedules', '--reason', 'retired', '--by', 'alice');
    expect(done[0]).toMatch(/^Target train is now Disabled \(by alice at \S+: retired\)\.$/);
    expect(done).toContain('Schedules disabled with it: minutely.');
    expect((await schedules.ok('get', 'minutely', '--json')).join('\n')).toContain('"status": "Disabled"');

    const table = await targets.ok('list');
    expect(table[0]).toMatch(/^TARGET\s+STATUS\s+CHANGED\s+SCHEDULES$/);
    expect(table.find((l) => l.startsWith('train'))).toMatch(
      /^train\s+Disabled\s+\S+ by alice: retired\s+minutely \(Disabled\)$/,
    );
    expect(table.find((l) => l.startsWith('score'))).toMatch(/^score\s+Active\s+-\s+arrivals \(Active\)$/);

    const again = await targets.ok('enable', 'train', '--json');
    expect(JSON.parse(again.join('\n'))).toMatchObject({
      name: 'train',
      status: 'Active',
      changed: true,
      schedulesStillDisabled: ['minutely'],
    });
    expect((await targets.run('disable', 'nope')).stderr.join('\n')).toContain(
      'No target named "nope" is configured; the configured targets are train, score.',
    );
  });
});

describe('reactive schedule of a disabled target', () => {
  it('ignores a blob with the reason in its log and history, and runs for blobs after the target is enabled', async () => {
    const name = 'in/while-disabled.csv';
    const data = BlobServiceClient.fromConnectionString(azuriteConnectionString()).getContainerClient(
      app.dataContainer,
    );
    await data.getBlockBlobClient(name).upload('a\n', 2);
    await targets.ok('disable', 'score', '--with-schedules', '--reason', 'maintenance');
    await schedules.ok('enable', 'arrivals'); // the schedule on, its target off
    const before = app.runsOf('arrivals').length;
    const handled = await blob.run(`${app.dataContainer}/${name}`);
    expect(handled.code).toBe(0); // ignored for good: nothing to retry
    const lines = handled.stderr.join('\n');
    expect(app.runsOf('arrivals').length).toBe(before);
    expect(lines).toContain(`warning: Reactive: schedule "arrivals" ignores blob ${app.dataContainer}/"${name}"`);
    expect(lines).toContain('Target "score" is disabled (by');
    const [entry] = await app.store(env).history.entries('arrivals');
    expect(entry).toMatchObject({
      trigger: 'blob',
      status: 'skipped',
      detail: `${app.dataContainer}/${name}`,
      error: { code: 'target.disabled' },
    });
    expect(entry!.error!.message).toContain(': maintenance)');

    await targets.ok('enable', 'score');
    const later = 'in/after-enable.csv';
    await data.getBlockBlobClient(later).upload('b\n', 2);
    await blob.ok(`${app.dataContainer}/${later}`);
    const runs = app
      .runsOf('arrivals')
      .slice(before)
      .map((s) => (s.body.DataPathAssignments as Record<string, { RelativePath: string }>).input_data?.RelativePath);
    expect(runs).toEqual([later]); // the blob that arrived while disabled is not replayed
  });
});

describe('--in-azure-ml / ?inAzureMl=true', () => {
  it("sets the published pipeline's own status with PUT .../pipelines/<id>/status and the status as a JSON string", async () => {
    const updates = app.aml.aml.statusUpdates.length;
    const ws = app.aml.workspace;
    const r = await setStatus('disable', 'train', '?withSchedules=true&inAzureMl=true');
    expect(r.status).toBe(200);
    const path = `/pipelines/v1.0/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspaceName}/pipelines/${TRAIN_ID}/status`;
    expect(r.body.azureMl).toEqual({ pipelineId: TRAIN_ID, status: 'Disabled', url: `${app.aml.aml.origin}${path}` });
    expect(app.aml.aml.statusUpdates.slice(updates)).toEqual([
      expect.objectContaining({ path, pipelineId: TRAIN_ID, rawBody: '"Disabled"', status: 'Disabled' }),
    ]);
    const put = app.aml.aml.attempts.filter((a) => a.method === 'PUT').at(-1)!;
    expect(put.headers['content-type']).toMatch(/^application\/json/);
    expect(put.audience).toBe('https://management.azure.com');

    const back = await targets.ok('enable', 'train', '--in-azure-ml');
    expect(back).toContain(`Azure ML: published pipeline ${TRAIN_ID} set to Active.`);
    expect(app.aml.aml.statusUpdates.at(-1)).toMatchObject({ pipelineId: TRAIN_ID, rawBody: '"Active"' });
  });

  it("a 404 or 403 from Azure ML leaves the app's own status unchanged and says why", async () => {
    // Resolve the workspace's service host first (cached), so the scripted answers reach the PUT itself.
    expect((await setStatus('enable', 'score', '?inAzureMl=true')).status).toBe(200);
    app.aml.aml.script([{ status: 404, body: { error: { code: 'NotFound', message: 'Pipeline not found.' } } }]);
    const missing = await setStatus('disable', 'score', '?withSchedules=true&inAzureMl=true');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'aml.pipeline_status.not_found' });
    expect(String(missing.body.detail)).toContain(`it has no published pipeline ${SCORE_ID} in workspace`);
    expect(String(missing.body.detail)).toContain('the app\'s own status of target "score" was left unchanged');

    app.aml.aml.script([{ status: 403, body: { error: { code: 'AuthorizationFailed', message: 'No rights.' } } }]);
    const forbidden = await setStatus('disable', 'score', '?withSchedules=true&inAzureMl=true');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ code: 'aml.pipeline_status.forbidden' });
    expect(String(forbidden.body.detail)).toContain('lacks the right to change published pipelines');

    expect(await view('score')).toMatchObject({
      status: 'Active',
      schedules: [{ name: 'arrivals', status: 'Active' }],
    });
  });
});

describe('run now of a schedule whose target is disabled', () => {
  it('is refused with 409 target.disabled and sends nothing', async () => {
    await targets.ok('disable', 'train', '--with-schedules');
    const calls = app.aml.aml.attempts.length;
    const refused = await schedules.run('run', 'minutely');
    expect(refused.code).toBe(2);
    expect(refused.stderr.join('\n')).toContain('Target "train" is disabled');
    expect(app.aml.aml.attempts.length).toBe(calls);
  });
});

describe('when the statuses cannot be read', () => {
  it('the listing still lists the targets (without status, saying why) and a submission is refused without calling Azure ML', async () => {
    runtime = createRuntime({
      env: {
        ...env,
        AzureWebJobsStorage:
          'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=bm9rZXk=;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1',
      },
      appRoot: app.app.root,
    });
    const listed = await list();
    expect(listed.status).toBe(200);
    expect((listed.body.targets as { name: string; status?: string }[]).map((t) => [t.name, t.status])).toEqual([
      ['train', undefined],
      ['score', undefined],
    ]);
    expect(listed.body.statusProblem).toMatchObject({ code: expect.stringMatching(/^storage\./) });
    const calls = app.aml.aml.attempts.length;
    const refused = await submit('train');
    expect(refused.status).toBe(503);
    expect(app.aml.aml.attempts.length).toBe(calls);
  }, 60_000);
});
