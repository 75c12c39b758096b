/**
 * The /api/schedules routes through the real handlers (`new HttpRequest` / `new InvocationContext`),
 * over the real registry and state store against Azurite.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PipelineTarget } from '../../src/aml/types';
import {
  createApplySchedulesHandler,
  createDeleteScheduleHandler,
  createGetScheduleHandler,
  createHistoryHandler,
  createListSchedulesHandler,
  createSetEnabledHandler,
  schedulesDepsFrom,
  type SchedulesDeps,
} from '../../src/http/schedulesHandlers';
import { createRuntime } from '../../src/runtime';
import { ScheduleOperations } from '../../src/schedules/operations';
import { ScheduleRegistry } from '../../src/schedules/registry';
import { ScheduleStateStore } from '../../src/schedules/stateStore';
import { MemoryTelemetry } from '../../src/telemetry';
import { BlobJsonStore } from '../../src/storage/blobJson';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';

const NOW = new Date('2026-03-02T10:00:00Z');
const BASE = 'http://localhost:7071/api/schedules';

const appFiles = [
  {
    path: 'config/schedules/app.yaml',
    text: `schedules:
  - name: weekly
    target: train
    recurrence: { frequency: Week, interval: 1, week_days: [Monday], time_of_day: "9:30", time_zone: W. Europe Standard Time, start_time: "2026-01-05T00:00:00" }
  - name: hourly
    pipeline_id: pub-hourly
    experiment_name: hourly
    recurrence: { frequency: Hour, interval: 1, start_time: "2026-01-01T00:15:00Z" }
`,
  },
];
const targets = new Map<string, PipelineTarget>([
  [
    'train',
    {
      name: 'train',
      experimentName: 'train',
      pipeline: { kind: 'published', pipelineId: 'pub-train' },
      parameterAssignments: {},
      dataPathAssignments: {},
    },
  ],
]);

let store: ScheduleStateStore;
let deps: SchedulesDeps;
let telemetry: MemoryTelemetry;

beforeEach(async () => {
  const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
  store = new ScheduleStateStore(BlobJsonStore.forContainer(service, uniqueContainerName('http')));
  const registry = new ScheduleRegistry({ store, files: appFiles, clock: () => NOW, targets: () => targets });
  telemetry = new MemoryTelemetry();
  deps = { operations: new ScheduleOperations({ registry, store, targets: () => targets }), now: () => NOW, telemetry };
  await store.ensureContainer();
  await registry.sync(NOW);
});

interface Call {
  method?: string;
  path?: string;
  params?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

async function call(
  handler: Handler,
  c: Call = {},
): Promise<{ status: number; contentType: string; body: Record<string, unknown> }> {
  const request = new HttpRequest({
    method: c.method ?? 'GET',
    url: `${BASE}${c.path ?? ''}`,
    params: c.params ?? {},
    headers: c.headers ?? {},
    ...(c.body !== undefined ? { body: { string: c.body } } : {}),
  });
  const response = await handler(
    request,
    new InvocationContext({ functionName: 'test', invocationId: '11111111-2222-3333-4444-555555555555' }),
  );
  const headers = new Headers(response.headers as Record<string, string>);
  return {
    status: response.status ?? 200,
    contentType: headers.get('content-type') ?? '',
    body: (response.jsonBody ?? {}) as Record<string, unknown>,
  };
}

const names = (body: Record<string, unknown>): string[] => (body.schedules as { name: string }[]).map((s) => s.name);

describe('GET /api/schedules', () => {
  it('lists every schedule with status, next run and summary', async () => {
    const r = await call(createListSchedulesHandler(deps));
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/json');
    expect(names(r.body)).toEqual(['weekly', 'hourly']);
    const weekly = (r.body.schedules as Record<string, unknown>[])[0];
    expect(weekly).toMatchObject({
      status: 'Active',
      nextRun: '2026-03-09T08:30:00Z',
      pipeline: { target: 'train', pipelineId: 'pub-train' },
    });
    expect(String(weekly?.summary)).toContain('Runs at 9:30 on Monday every Week (W. Europe Standard Time');
  });

  it('a corrupt state is listed as unreadable (blob and problem); the others as usual', async () => {
    await store.blobs.container.getBlockBlobClient('schedules/hourly/state.json').upload('{"name":', 8);
    const r = await call(createListSchedulesHandler(deps));
    expect(r.status).toBe(200);
    const [weekly, hourly] = r.body.schedules as Record<string, unknown>[];
    expect(weekly).toMatchObject({ name: 'weekly', status: 'Active', sync: 'synced', nextRun: '2026-03-09T08:30:00Z' });
    expect(hourly).toMatchObject({
      name: 'hourly',
      status: 'Disabled',
      sync: 'unreadable',
      stateError: { blob: `${store.blobs.containerName}/schedules/hourly/state.json`, code: 'storage.blob.corrupt' },
    });
  });

  it("filters, in camelCase or the SDK's snake_case", async () => {
    expect(names((await call(createListSchedulesHandler(deps), { path: '?pipelineId=pub-train' })).body)).toEqual([
      'weekly',
    ]);
    expect(
      names((await call(createListSchedulesHandler(deps), { path: '?pipeline_id=pub-hourly&active_only=true' })).body),
    ).toEqual(['hourly']);
    expect(names((await call(createListSchedulesHandler(deps), { path: '?pipelineEndpointId=none' })).body)).toEqual(
      [],
    );
  });

  it('a malformed boolean is a 400 problem naming the parameter', async () => {
    const r = await call(createListSchedulesHandler(deps), { path: '?activeOnly=maybe' });
    expect(r.status).toBe(400);
    expect(r.contentType).toBe('application/problem+json');
    expect(r.body).toMatchObject({
      status: 400,
      code: 'request.query.invalid',
      field: 'activeOnly',
      value: 'maybe',
      instance: 'urn:uuid:11111111-2222-3333-4444-555555555555',
    });
  });
});

describe('GET /api/schedules/{name}', () => {
  it('answers with the next N occurrences and the last runs', async () => {
    const r = await call(createGetScheduleHandler(deps), { path: '/hourly?next=3', params: { name: 'hourly' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'hourly',
      nextOccurrences: ['2026-03-02T10:15:00Z', '2026-03-02T11:15:00Z', '2026-03-02T12:15:00Z'],
      lastRuns: [],
    });
  });

  it('unknown schedule: 404 problem naming it, nothing else', async () => {
    const r = await call(createGetScheduleHandler(deps), { path: '/nope', params: { name: 'nope' } });
    expect(r.status).toBe(404);
    expect(r.contentType).toBe('application/problem+json');
    expect(r.body).toMatchObject({ code: 'schedule.not_found', field: 'name', value: 'nope', title: 'Not Found' });
    expect(String(r.body.detail)).toContain('"nope"');
    expect(JSON.stringify(r.body)).not.toMatch(/devstoreaccount1|AccountKey|127\.0\.0\.1/);
  });

  it('invalid next and invalid names are 400 with the field', async () => {
    const next = await call(createGetScheduleHandler(deps), { path: '/hourly?next=0', params: { name: 'hourly' } });
    expect(next.status).toBe(400);
    expect(next.body).toMatchObject({ code: 'request.field.out_of_range', field: 'next', value: '0' });
    const name = await call(createGetScheduleHandler(deps), { path: '/bad%20name', params: { name: 'bad name' } });
    expect(name.status).toBe(400);
    expect(name.body).toMatchObject({ code: 'schedule.name.invalid', field: 'name', value: 'bad name' });
  });
});

describe('POST /api/schedules (apply)', () => {
  const yaml = (interval: number) => `name: ops-daily
pipeline_id: pub-ops
experiment_name: ops
recurrence:
  frequency: Day
  interval: ${interval}
  start_time: "2026-03-01T07:00:00Z"
`;
  // Built per call: `deps` is made afresh for each test.
  const apply: Handler = (request, context) => createApplySchedulesHandler(deps)(request, context);

  it('creates from YAML, then reports unchanged, then updated with the changed fields', async () => {
    const created = await call(createApplySchedulesHandler(deps), {
      method: 'POST',
      body: yaml(1),
      headers: { 'content-type': 'application/yaml' },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ dryRun: false, created: 1, updated: 0, unchanged: 0 });
    expect(created.body.schedules).toEqual([
      expect.objectContaining({
        name: 'ops-daily',
        action: 'created',
        status: 'Active',
        nextRun: '2026-03-03T07:00:00Z',
        source: expect.objectContaining({ file: 'request.yaml' }),
      }),
    ]);
    const again = await call(createApplySchedulesHandler(deps), {
      method: 'POST',
      body: yaml(1),
      headers: { 'content-type': 'application/yaml' },
    });
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    const updated = await call(createApplySchedulesHandler(deps), {
      method: 'POST',
      body: yaml(2),
      headers: { 'content-type': 'application/yaml; charset=utf-8' },
    });
    expect(updated.body).toMatchObject({ updated: 1 });
    expect(updated.body.schedules).toEqual([
      expect.objectContaining({ action: 'updated', changedFields: ['recurrence'] }),
    ]);
    const listed = await call(createListSchedulesHandler(deps));
    expect(names(listed.body)).toEqual(['weekly', 'hourly', 'ops-daily']);
  });

  it('JSON with ?dryRun=true reports and stores nothing', async () => {
    const body = JSON.stringify({
      schedules: [
        { name: 'dry', pipeline_id: 'p', experiment_name: 'e', recurrence: { frequency: 'Day', interval: 1 } },
      ],
    });
    const r = await call(apply, {
      method: 'POST',
      path: '?dryRun=true',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ dryRun: true, created: 1 });
    expect((await call(createGetScheduleHandler(deps), { path: '/dry', params: { name: 'dry' } })).status).toBe(404);
  });

  it('invalid definitions: 400 listing every problem with field and source', async () => {
    const body = JSON.stringify([{ name: 'bad', pipeline_id: 'p', recurrence: { frequency: 'Day', interval: 0 } }]);
    const r = await call(apply, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('schedule.invalid');
    const errors = r.body.errors as { field?: string; detail: string }[];
    expect(errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(['[0].recurrence.interval', '[0].experiment_name']),
    );
    expect(errors.every((e) => e.detail.startsWith('request.json'))).toBe(true);
  });

  it('a name the app files define: 409 conflict', async () => {
    const body = JSON.stringify({
      name: 'hourly',
      pipeline_id: 'p',
      experiment_name: 'e',
      recurrence: { frequency: 'Day', interval: 1 },
    });
    const r = await call(apply, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ title: 'Conflict', field: 'name', value: 'hourly' });
  });

  it('v1 Schedule: YAML needs a name in the body (there is no file name); with one it is applied', async () => {
    const v1 = (name: string) =>
      `Schedule:\n${name}  description: v1 import\n  pipeline_id: pub-v1\n  experiment_name: v1\n  recurrence:\n    frequency: Day\n    interval: 1\n    start_time: "2026-03-01T05:00:00"\n`;
    const nameless = await call(apply, {
      method: 'POST',
      body: v1(''),
      headers: { 'content-type': 'application/yaml' },
    });
    expect(nameless.status).toBe(400);
    expect(nameless.body).toMatchObject({ code: 'schedule.name.missing', field: 'Schedule.name' });
    const named = await call(apply, {
      method: 'POST',
      body: v1('  name: imported\n'),
      headers: { 'content-type': 'text/yaml' },
    });
    expect(named.status).toBe(200);
    expect(named.body).toMatchObject({ created: 1 });
    // start_time without a zone: SDK v1 meant London time, and the import says so.
    expect(JSON.stringify(named.body.warnings)).toContain('GMT Standard Time');
  });

  it('other media types: 415; empty body: 400', async () => {
    const plain = await call(apply, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(415);
    expect(plain.body).toMatchObject({ code: 'request.content_type.unsupported', field: 'Content-Type' });
    const empty = await call(apply, { method: 'POST', body: '  ', headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'request.body.empty' });
  });
});

describe('enable / disable / history / delete', () => {
  it('disable stops it; enable plans the next occurrence after now', async () => {
    const off = await call(createSetEnabledHandler(deps, false), {
      method: 'POST',
      path: '/hourly/disable',
      params: { name: 'hourly' },
    });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ name: 'hourly', status: 'Disabled', changed: true });
    const got = await call(createGetScheduleHandler(deps), { path: '/hourly', params: { name: 'hourly' } });
    expect(got.body.status).toBe('Disabled');
    expect(got.body.nextRun).toBeUndefined();
    const on = await call(createSetEnabledHandler(deps, true), {
      method: 'POST',
      path: '/hourly/enable',
      params: { name: 'hourly' },
    });
    expect(on.body).toEqual({ name: 'hourly', status: 'Active', changed: true, nextRun: '2026-03-02T10:15:00Z' });
    const missing = await call(createSetEnabledHandler(deps, true), {
      method: 'POST',
      path: '/ghost/enable',
      params: { name: 'ghost' },
    });
    expect(missing.status).toBe(404);
    // Each change is an Application Insights event; refusals are not.
    expect(telemetry.events.map((e) => [e.name, e.properties.schedule])).toEqual([
      ['ScheduleDisabled', 'hourly'],
      ['ScheduleEnabled', 'hourly'],
    ]);
  });

  it('history is newest first and bounded by ?limit', async () => {
    for (let i = 1; i <= 5; i++)
      await store.history.append('hourly', {
        trigger: 'schedule',
        status: 'submitted',
        runId: `run-${i}`,
        recordedAt: `2026-03-01T0${i}:15:05Z`,
        occurrence: `2026-03-01T0${i}:15:00Z`,
      });
    const r = await call(createHistoryHandler(deps), { path: '/hourly/history?limit=2', params: { name: 'hourly' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'hourly', limit: 2, retained: 100 });
    expect((r.body.entries as { runId: string }[]).map((e) => e.runId)).toEqual(['run-5', 'run-4']);
    const bad = await call(createHistoryHandler(deps), { path: '/hourly/history?limit=x', params: { name: 'hourly' } });
    expect(bad.body).toMatchObject({ status: 400, field: 'limit' });
  });

  it('delete: applied schedules go with their state; file-defined ones are a 409', async () => {
    const body = JSON.stringify({
      name: 'temp',
      pipeline_id: 'p',
      experiment_name: 'e',
      recurrence: { frequency: 'Day', interval: 1 },
    });
    expect(
      (
        await call(createApplySchedulesHandler(deps), {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(200);
    const del = await call(createDeleteScheduleHandler(deps), {
      method: 'DELETE',
      path: '/temp',
      params: { name: 'temp' },
    });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ name: 'temp', definition: 'applied' });
    expect((await call(createGetScheduleHandler(deps), { path: '/temp', params: { name: 'temp' } })).status).toBe(404);
    const file = await call(createDeleteScheduleHandler(deps), {
      method: 'DELETE',
      path: '/hourly',
      params: { name: 'hourly' },
    });
    expect(file.status).toBe(409);
    expect(file.body).toMatchObject({ code: 'schedule.remove.file_defined', value: 'hourly' });
    expect(String(file.body.detail)).toContain('config/schedules/app.yaml');
  });
});

describe('settings problems', () => {
  it('no storage connection: a 500 problem that names the settings, not their values', async () => {
    const broken = schedulesDepsFrom(createRuntime({ env: { AzureWebJobsStorage: '' }, appRoot: '/nonexistent' }));
    const r = await call(createListSchedulesHandler(broken));
    expect(r.status).toBe(500);
    expect(r.contentType).toBe('application/problem+json');
    expect(r.body).toMatchObject({ code: 'storage.connection.missing' });
    expect(String(r.body.detail)).toContain('AzureWebJobsStorage');
  });
});
