import { BlobServiceClient } from '@azure/storage-blob';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PipelineTarget } from '../../src/aml/types';
import type { ScheduleFile } from '../../src/schedules/loadDefinitions';
import { DEFINITIONS_INDEX_BLOB, ScheduleRegistry } from '../../src/schedules/registry';
import { ScheduleStateStore } from '../../src/schedules/stateStore';
import { BlobJsonStore } from '../../src/storage/blobJson';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';

const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-01T01:00:00Z');

const json = (path: string, data: unknown): ScheduleFile => ({ path, text: JSON.stringify(data, null, 2) });
const daily = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  target: 'train',
  recurrence: { frequency: 'Day', interval: 1, start_time: '2026-01-01T06:00:00Z' },
  ...extra,
});

const appFiles: ScheduleFile[] = [
  json('config/schedules/app.json', [
    daily('nightly'),
    daily('weekly', { recurrence: { frequency: 'Week', interval: 1, week_days: ['Monday'], time_of_day: '05:00' } }),
  ]),
];

let store: ScheduleStateStore;

async function newStore(container = uniqueContainerName('reg')): Promise<ScheduleStateStore> {
  const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
  const s = new ScheduleStateStore(BlobJsonStore.forContainer(service, container));
  await s.ensureContainer();
  return s;
}

function registry(
  s: ScheduleStateStore = store,
  extra: Partial<ConstructorParameters<typeof ScheduleRegistry>[0]> = {},
): ScheduleRegistry {
  return new ScheduleRegistry({ store: s, files: appFiles, clock: () => T0, ...extra });
}

async function mustApply(r: ScheduleRegistry, files: ScheduleFile[], now = T0, dryRun = false) {
  const result = await r.apply(files, now, { dryRun });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

beforeEach(async () => {
  store = await newStore();
});

describe('list and get', () => {
  it('lists the app files first, then applied schedules by name', async () => {
    const r = registry();
    await mustApply(r, [json('ops/z.json', daily('zeta')), json('ops/a.json', daily('alpha'))]);
    expect((await r.list()).map((d) => d.name)).toEqual(['nightly', 'weekly', 'alpha', 'zeta']);
    expect((await r.get('alpha'))?.source.file).toBe('ops/a.json');
    expect((await r.get('nightly'))?.source.file).toBe('config/schedules/app.json');
    expect(await r.get('nope')).toBeUndefined();
    expect(await r.originOf('nightly')).toBe('file');
    expect(await r.originOf('alpha')).toBe('applied');
    expect(await r.originOf('nope')).toBeUndefined();
  });

  it('another instance sees applied schedules (they live in storage, not in memory)', async () => {
    const a = registry();
    const b = registry(await newStoreSameContainer(store));
    expect((await b.list()).map((d) => d.name)).toEqual(['nightly', 'weekly']);
    await mustApply(a, [json('ops/x.yaml', daily('extra'))]);
    expect((await b.list()).map((d) => d.name)).toEqual(['nightly', 'weekly', 'extra']);
    const removed = await a.remove('extra', T1);
    expect(removed).toEqual({ ok: true, value: { removed: true } });
    expect((await b.list()).map((d) => d.name)).toEqual(['nightly', 'weekly']);
  });

  it("an invalid app file makes every call fail with the loader's message", async () => {
    const r = registry(store, {
      files: [
        json('config/schedules/bad.json', {
          name: 'x',
          target: 't',
          recurrence: { frequency: 'Fortnight', interval: 1 },
        }),
      ],
    });
    await expect(r.list()).rejects.toThrow(/bad\.json.*frequency/s);
  });
});

describe('apply', () => {
  it('reports created, then unchanged, then updated with the fields that changed', async () => {
    const r = registry();
    const first = await mustApply(r, [json('ops/s.json', [daily('a'), daily('b')])]);
    expect(first.schedules.map((s) => [s.name, s.action])).toEqual([
      ['a', 'created'],
      ['b', 'created'],
    ]);
    expect(first).toMatchObject({ created: 2, updated: 0, unchanged: 0, dryRun: false });

    const again = await mustApply(r, [json('ops/s.json', [daily('a'), daily('b')])]);
    expect(again.schedules.map((s) => s.action)).toEqual(['unchanged', 'unchanged']);

    const edited = await mustApply(r, [
      json('ops/s.json', [
        daily('a', { pipeline_parameters: { lr: 0.1 }, recurrence: { frequency: 'Hour', interval: 2 } }),
        daily('b', { status: 'Disabled' }),
      ]),
    ]);
    expect(edited.schedules.map((s) => [s.name, s.action, s.changedFields])).toEqual([
      ['a', 'updated', ['pipeline_parameters', 'recurrence']],
      ['b', 'updated', ['status']],
    ]);
    const a = await r.get('a');
    expect(a?.kind === 'time' && a.recurrence.frequency).toBe('Hour');
    expect(a?.pipelineParameters).toEqual({ lr: 0.1 });
  });

  it('creates state for applied schedules at once; Disabled in the definition disables the state', async () => {
    const r = registry();
    await mustApply(r, [json('ops/s.json', [daily('on'), daily('off', { status: 'Disabled' })])]);
    expect((await store.states.get('on'))?.state).toMatchObject({ enabled: true, nextDue: '2026-01-01T06:00:00Z' });
    expect((await store.states.get('off'))?.state.enabled).toBe(false);
    // The app files' schedules got state in the same sync.
    expect((await store.states.get('nightly'))?.state.enabled).toBe(true);
  });

  it('dry run reports the same but stores nothing', async () => {
    const r = registry();
    const report = await mustApply(r, [json('ops/s.json', daily('a'))], T0, true);
    expect(report).toMatchObject({ dryRun: true, created: 1 });
    expect(await r.get('a')).toBeUndefined();
    expect(await store.blobs.read(DEFINITIONS_INDEX_BLOB)).toEqual({ status: 'missing' });
    expect(await store.states.get('a')).toBeUndefined();
  });

  it('refuses a name defined in an app file, naming both sources, and stores nothing', async () => {
    const r = registry();
    const result = await r.apply([json('ops/mine.json', [daily('fresh'), daily('nightly')])], T0);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('schedule.apply.conflict');
    expect(result.error.status).toBe(409);
    expect(result.error.message).toContain('ops/mine.json');
    expect(result.error.message).toContain('config/schedules/app.json');
    expect(await r.get('fresh')).toBeUndefined();
  });

  it('invalid definitions fail with every problem and store nothing', async () => {
    const r = registry();
    const result = await r.apply(
      [
        json('ops/bad.json', [
          daily('ok1'),
          { name: 'bad', target: 't', recurrence: { frequency: 'Day', interval: 0 } },
        ]),
      ],
      T0,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('schedule.invalid');
    expect(result.error.message).toMatch(/ops\/bad\.json.*interval/s);
    expect(await r.get('ok1')).toBeUndefined();
  });

  it('rejects an unknown target when the targets are known', async () => {
    const targets = new Map<string, PipelineTarget>([
      ['train', { name: 'train', experimentName: 'e', parameterAssignments: {}, dataPathAssignments: {} }],
    ]);
    const r = registry(store, { targets: () => targets });
    const result = await r.apply([json('ops/s.json', daily('a', { target: 'trian' }))], T0);
    expect(result.ok || result.error.errors?.map((e) => e.code)).toEqual(['schedule.target.unknown']);
    expect(result.ok || result.error.message).toContain('(did you mean train?); configured targets: train');
    expect((await r.apply([json('ops/s.json', daily('a'))], T0)).ok).toBe(true);
  });

  it("v2 inputs: refused on a v1 target, naming the schedule; an edit of a v2 schedule's inputs is an update", async () => {
    const ws = { subscriptionId: 's', resourceGroup: 'rg', workspaceName: 'ws' };
    const targets = new Map<string, PipelineTarget>([
      ['train', { name: 'train', experimentName: 'e', parameterAssignments: {}, dataPathAssignments: {} }],
      [
        'train-v2',
        {
          name: 'train-v2',
          workspace: ws,
          experimentName: 'e',
          parameterAssignments: {},
          dataPathAssignments: {},
          v2: { kind: 'pipeline_job', componentName: 'train', componentVersion: 'latest' },
          inputs: {},
        },
      ],
    ]);
    const r = registry(store, { targets: () => targets });
    const weekly = { training_data: { type: 'uri_folder', path: 'azureml://datastores/x/paths/weekly/' } };
    const refused = await r.apply([json('ops/s.json', daily('a', { inputs: weekly }))], T0);
    expect(refused.ok || [refused.error.code, refused.error.status, refused.error.field]).toEqual([
      'schedule.inputs.v1_pipeline',
      400,
      'inputs',
    ]);
    expect(refused.ok || refused.error.message).toMatch(
      /^ops\/s\.json:\d+: schedule "a" gives `inputs` \("training_data"\), but its target "train" is an Azure ML v1 published pipeline/,
    );
    expect(await r.get('a')).toBeUndefined();

    await mustApply(r, [json('ops/s.json', daily('a', { target: 'train-v2', inputs: weekly }))]);
    const hash = (await r.get('a'))?.hash;
    const daily2 = { training_data: { type: 'uri_folder', path: 'azureml://datastores/x/paths/daily/' } };
    const edited = await mustApply(r, [json('ops/s.json', daily('a', { target: 'train-v2', inputs: daily2 }))]);
    expect(edited.schedules.map((s) => [s.name, s.action, s.changedFields])).toEqual([['a', 'updated', ['inputs']]]);
    const a = await r.get('a');
    expect(a?.inputs).toEqual({
      training_data: { type: 'uri_folder', uri: 'azureml://datastores/x/paths/daily/' },
    });
    expect(a?.hash).not.toBe(hash);
    expect((await store.catalog.read()).schedules).toMatchObject({ a: a?.hash });
  });

  it('an empty file is an error', async () => {
    const result = await registry().apply([{ path: 'ops/empty.yaml', text: '' }], T0);
    expect(result.ok || result.error.code).toBe('schedule.apply.empty');
  });

  it('keeps YAML and SDK v1 `Schedule:` files, names from the file name, and the v1 zone default', async () => {
    const r = registry();
    const v1: ScheduleFile = {
      path: 'ops/v1-train.yaml',
      text: 'Schedule:\n  description: from v1\n  target: train\n  recurrence:\n    frequency: Day\n    interval: 1\n    start_time: "2026-01-01T09:00:00"\n    time_of_day: "17:30"\n',
    };
    const yaml: ScheduleFile = {
      path: 'ops/y.yaml',
      text: 'name: y\ntarget: train\nrecurrence:\n  frequency: Week\n  interval: 1\n  week_days: [Friday]\n  time_of_day: 17:30\n',
    };
    const report = await mustApply(r, [v1, yaml]);
    expect(report.schedules.map((s) => s.name)).toEqual(['v1-train', 'y']);
    const fresh = registry(await newStoreSameContainer(store)); // read back from storage
    const imported = await fresh.get('v1-train');
    expect(imported?.kind === 'time' && imported.recurrenceInput.time_zone).toBe('GMT Standard Time');
    expect(imported?.description).toBe('from v1');
    expect(imported?.hash).toBe((await r.get('v1-train'))?.hash);
    const y = await fresh.get('y');
    expect(y?.kind === 'time' && y.recurrence.frequency).toBe('Week');
    expect(y?.source.file).toBe('ops/y.yaml');
  });

  it('concurrent applies from several instances all land (the index is replaced with its ETag)', async () => {
    const instances = await Promise.all(
      Array.from({ length: 6 }, async () => registry(await newStoreSameContainer(store))),
    );
    const results = await Promise.all(instances.map((r, i) => r.apply([json(`ops/${i}.json`, daily(`s${i}`))], T0)));
    expect(results.every((x) => x.ok)).toBe(true);
    expect((await registry().list()).map((d) => d.name)).toEqual([
      'nightly',
      'weekly',
      's0',
      's1',
      's2',
      's3',
      's4',
      's5',
    ]);
  });

  it('an update keeps one stored version per schedule', async () => {
    const r = registry();
    await mustApply(r, [json('ops/s.json', daily('a'))]);
    await mustApply(r, [json('ops/s.json', daily('a', { description: 'v2' }))]);
    await mustApply(r, [json('ops/s.json', daily('a', { description: 'v3' }))]);
    expect(await store.blobs.list('definitions/a/')).toHaveLength(1);
    expect((await r.get('a'))?.description).toBe('v3');
  });
});

describe('remove', () => {
  it('removes an applied schedule: gone from the list, its state disabled, its history kept', async () => {
    const r = registry();
    await mustApply(r, [json('ops/s.json', daily('a'))]);
    await store.history.append('a', {
      trigger: 'schedule',
      status: 'submitted',
      runId: 'r1',
      recordedAt: '2026-01-01T06:00:00Z',
    });
    expect(await r.remove('a', T1)).toEqual({ ok: true, value: { removed: true } });
    expect(await r.get('a')).toBeUndefined();
    expect((await store.states.get('a'))?.state).toMatchObject({ enabled: false });
    expect((await store.states.get('a'))?.state.nextDue).toBeUndefined();
    expect(await store.history.entries('a')).toHaveLength(1);
    expect(await store.blobs.list('definitions/a/')).toEqual([]);
  });

  it('an unknown name is not an error; an app-file name is, saying to edit the file', async () => {
    const r = registry();
    expect(await r.remove('ghost', T1)).toEqual({ ok: true, value: { removed: false } });
    const refused = await r.remove('nightly', T1);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error).toMatchObject({ code: 'schedule.remove.file_defined', status: 409 });
    expect(refused.error.message).toContain('config/schedules/app.json');
  });

  it('applying a removed name again revives it from now, without replaying what was missed', async () => {
    const r = registry();
    await mustApply(r, [json('ops/s.json', daily('a'))]);
    await r.remove('a', T1);
    await mustApply(r, [json('ops/s.json', daily('a'))], new Date('2026-01-03T12:00:00Z'));
    expect((await store.states.get('a'))?.state).toMatchObject({ enabled: true, nextDue: '2026-01-04T06:00:00Z' });
  });
});

describe('sync', () => {
  it('costs one storage read when nothing changed', async () => {
    const r = registry();
    await mustApply(r, [json('ops/s.json', [daily('a'), daily('b')])]);
    await r.sync(T0);
    store.counter.reset();
    const report = await r.sync(new Date(T0.getTime() + 60_000));
    expect(report.synced).toBeUndefined();
    expect(report.definitions.map((d) => d.name)).toEqual(['nightly', 'weekly', 'a', 'b']);
    expect(store.counter.total).toBe(1);
  });

  it('a fresh deployment (no container yet) gets its container on the first sync', async () => {
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    const fresh = new ScheduleStateStore(BlobJsonStore.forContainer(service, uniqueContainerName('fresh')));
    const report = await registry(fresh).sync(T0);
    expect(report.synced?.created.sort()).toEqual(['nightly', 'weekly']);
  });

  it('the first sync of a process creates the state of every definition', async () => {
    const r = registry();
    const report = await r.sync(T0);
    expect(report.synced?.created.sort()).toEqual(['nightly', 'weekly']);
    expect((await store.states.get('weekly'))?.state.nextDue).toBe('2026-01-05T05:00:00Z');
  });

  it('a change applied by another instance is synced on the next call', async () => {
    const a = registry();
    const b = registry(await newStoreSameContainer(store));
    await b.sync(T0);
    await mustApply(a, [json('ops/s.json', daily('late'))]);
    const report = await b.sync(T1);
    expect(report.definitions.map((d) => d.name)).toContain('late');
    expect(report.synced).toMatchObject({ created: [], orphans: [] }); // b re-checked the catalog: a had synced it
    expect(await store.states.get('late')).toBeDefined();
  });

  it('repairs, within the resync interval, a catalog another writer changed (e.g. an older deployment)', async () => {
    const r = registry(store, { resyncIntervalMs: 10 * 60_000 });
    await r.sync(T0);
    await store.syncAll([], T0); // a writer that knows no schedules: it disables them all as orphans
    expect((await store.states.get('nightly'))?.state.enabled).toBe(false);
    expect((await r.sync(new Date(T0.getTime() + 60_000))).synced).toBeUndefined(); // inside the interval
    await r.sync(new Date(T0.getTime() + 11 * 60_000));
    expect((await store.states.get('nightly'))?.state).toMatchObject({
      enabled: true,
      nextDue: '2026-01-01T06:00:00Z',
    });
  });
});

async function newStoreSameContainer(s: ScheduleStateStore): Promise<ScheduleStateStore> {
  return newStore(s.blobs.containerName);
}
