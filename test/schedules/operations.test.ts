/**
 * Schedule operations (list / get / enable / disable / apply / delete / history) over the real registry
 * and state store against Azurite.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PipelineTarget } from '../../src/aml/types';
import { formatInstant, occurrencesAfter, parseRecurrence } from '../../src/recurrence';
import { formatDetail } from '../../src/schedules/format';
import type { ScheduleFile } from '../../src/schedules/loadDefinitions';
import { ScheduleOperations } from '../../src/schedules/operations';
import { ScheduleRegistry } from '../../src/schedules/registry';
import { ScheduleStateStore } from '../../src/schedules/stateStore';
import type { HistoryEntry } from '../../src/schedules/stateTypes';
import { BlobJsonStore } from '../../src/storage/blobJson';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (iso: string): Date => new Date(iso);
const json = (path: string, data: unknown): ScheduleFile => ({ path, text: JSON.stringify(data, null, 2) });

const BIWEEKLY_RECURRENCE = {
  frequency: 'Week',
  interval: 2,
  week_days: ['Monday'],
  time_of_day: '9:30',
  start_time: '2026-01-05T00:00:00',
  time_zone: 'W. Europe Standard Time',
};

const appSchedules = [
  { name: 'biweekly', target: 'train', description: 'Retrain', recurrence: BIWEEKLY_RECURRENCE },
  {
    name: 'hourly',
    pipeline_id: 'pub-inline',
    experiment_name: 'hourly-exp',
    recurrence: { frequency: 'Hour', interval: 1, start_time: '2026-01-01T00:30:00Z' },
  },
  {
    name: 'endpoint-daily',
    pipeline_endpoint_id: 'pe-1',
    experiment_name: 'daily',
    status: 'Disabled',
    recurrence: { frequency: 'Day', interval: 1, start_time: '2026-01-01T06:00:00Z' },
  },
  { name: 'landing', target: 'score', datastore: 'landing', path_on_datastore: 'incoming', polling_interval: 10 },
];
const appFiles = [json('config/schedules/app.json', appSchedules)];

function target(name: string, pipelineId: string): PipelineTarget {
  return {
    name,
    experimentName: name,
    pipeline: { kind: 'published', pipelineId },
    parameterAssignments: {},
    dataPathAssignments: {},
  };
}
const targets = new Map([
  ['train', target('train', 'pub-train')],
  ['score', target('score', 'pub-score')],
]);

let store: ScheduleStateStore;
let registry: ScheduleRegistry;
let ops: ScheduleOperations;

async function setup(options: { historyLimit?: number } = {}): Promise<void> {
  const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
  // The container is not created here: the operations create it on first use.
  store = new ScheduleStateStore(BlobJsonStore.forContainer(service, uniqueContainerName('ops')), options);
  registry = new ScheduleRegistry({ store, files: appFiles, clock: () => T0, targets: () => targets });
  ops = new ScheduleOperations({ registry, store, targets: () => targets });
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

beforeEach(async () => {
  await setup();
});

describe('list', () => {
  it('before any sync: every defined schedule, from its definition, marked not yet synced', async () => {
    const all = await ops.list();
    expect(all.map((s) => [s.name, s.status, s.sync, s.nextRun])).toEqual([
      ['biweekly', 'Active', 'pending', undefined],
      ['hourly', 'Active', 'pending', undefined],
      ['endpoint-daily', 'Disabled', 'pending', undefined],
      ['landing', 'Active', 'pending', undefined],
    ]);
  });

  it('after sync: status, next run and an SDK-like summary per schedule', async () => {
    await registry.sync(T0);
    const all = await ops.list();
    const byName = new Map(all.map((s) => [s.name, s]));
    expect(byName.get('biweekly')).toMatchObject({
      kind: 'time',
      status: 'Active',
      sync: 'synced',
      nextRun: '2026-01-05T08:30:00Z',
      description: 'Retrain',
      pipeline: { target: 'train', pipelineId: 'pub-train' },
      source: { file: 'config/schedules/app.json' },
      pendingRetries: 0,
    });
    expect(byName.get('biweekly')?.summary).toContain('Runs at 9:30 on Monday every 2 Weeks (W. Europe Standard Time');
    expect(byName.get('hourly')).toMatchObject({
      nextRun: '2026-01-01T00:30:00Z',
      pipeline: { pipelineId: 'pub-inline' },
      experimentName: 'hourly-exp',
    });
    expect(byName.get('endpoint-daily')).toMatchObject({
      status: 'Disabled',
      pipeline: { pipelineEndpointId: 'pe-1' },
    });
    expect(byName.get('endpoint-daily')?.nextRun).toBeUndefined();
    expect(byName.get('landing')?.summary).toBe(
      'Runs when a blob is added or modified in "incoming/" in datastore landing',
    );
    expect(byName.get('landing')?.nextRun).toBeUndefined();
  });

  it('filters like Schedule.list(active_only, pipeline_id, pipeline_endpoint_id), plus target', async () => {
    await registry.sync(T0);
    const names = async (filter: Parameters<ScheduleOperations['list']>[0]) =>
      (await ops.list(filter)).map((s) => s.name);
    expect(await names({ activeOnly: true })).toEqual(['biweekly', 'hourly', 'landing']);
    // A target-based schedule matches the pipeline id of its target, an inline one its own id.
    expect(await names({ pipelineId: 'pub-train' })).toEqual(['biweekly']);
    expect(await names({ pipelineId: 'pub-inline' })).toEqual(['hourly']);
    expect(await names({ pipelineEndpointId: 'pe-1' })).toEqual(['endpoint-daily']);
    expect(await names({ pipelineEndpointId: 'pe-1', activeOnly: true })).toEqual([]);
    expect(await names({ target: 'score' })).toEqual(['landing']);
    expect(await names({ pipelineId: 'nothing' })).toEqual([]);
  });

  it('an unusable targets file does not break listings: target schedules match by target name only', async () => {
    const broken = new ScheduleOperations({
      registry,
      store,
      targets: () => {
        throw new Error('targets file invalid');
      },
    });
    const all = await broken.list();
    expect(all.find((s) => s.name === 'biweekly')?.pipeline).toEqual({ target: 'train' });
    expect((await broken.list({ pipelineId: 'pub-train' })).map((s) => s.name)).toEqual([]);
  });
});

describe('get', () => {
  it("the next N occurrences are exactly the recurrence engine's, with state, notes and last runs", async () => {
    await registry.sync(T0);
    const now = at('2026-02-10T12:00:00Z');
    const d = must(await ops.get('biweekly', { now, next: 7 }));
    const engine = parseRecurrence(BIWEEKLY_RECURRENCE, { createdAt: T0 });
    if (!engine.ok) throw new Error('recurrence');
    expect(d.nextOccurrences).toEqual(occurrencesAfter(engine.value, now, 7).map(formatInstant));
    expect(d.nextOccurrences).toHaveLength(7);
    expect(d.nextOccurrences[0]).toBe('2026-02-16T08:30:00Z');
    expect(d.recurrence).toMatchObject({
      frequency: 'Week',
      interval: 2,
      week_days: ['Monday'],
      time_zone: 'W. Europe Standard Time',
    });
    expect(d.state).toMatchObject({ createdAt: '2026-01-01T00:00:00Z', nextDue: '2026-01-05T08:30:00Z', pending: [] });
    expect(d.lastRuns).toEqual([]);
    expect(d.missedRuns).toBe('skip');
  });

  it("a recurrence without start_time counts from the state's creation, as the timer does", async () => {
    await registry.sync(T0);
    const r = must(
      await ops.apply(
        [
          json('ops/every7.json', {
            name: 'every7',
            pipeline_id: 'p',
            experiment_name: 'e',
            recurrence: { frequency: 'Minute', interval: 7 },
          }),
        ],
        { now: at('2026-01-01T00:03:00Z') },
      ),
    );
    expect(r.created).toBe(1);
    const d = must(await ops.get('every7', { now: at('2026-01-01T01:00:00Z'), next: 3 }));
    // Created at 00:03: 00:10, 00:17, ... 00:59, 01:06, 01:13, 01:20
    expect(d.nextOccurrences).toEqual(['2026-01-01T01:06:00Z', '2026-01-01T01:13:00Z', '2026-01-01T01:20:00Z']);
  });

  it('reactive: no occurrences, datastore details and the polling_interval note', async () => {
    await registry.sync(T0);
    const d = must(await ops.get('landing', { now: T0 }));
    expect(d.nextOccurrences).toEqual([]);
    expect(d.datastore).toEqual({ datastore: 'landing', pathOnDatastore: 'incoming', pollingInterval: 10 });
    expect(d.notes.join(' ')).toMatch(/polling_interval \(10 minutes\) is accepted .* but unused/);
  });

  it('last runs are the newest history entries, newest first (get_last_pipeline_run is the first)', async () => {
    await registry.sync(T0);
    for (let i = 1; i <= 8; i++) await store.history.append('hourly', entry(i));
    const d = must(await ops.get('hourly', { now: T0, runs: 3 }));
    expect(d.lastRuns.map((e) => e.runId)).toEqual(['run-8', 'run-7', 'run-6']);
    expect(d.lastRun).toMatchObject({ status: 'submitted', runId: 'run-8' });
  });

  it('reactive runs (recorded only in the history) show as the last run in listings', async () => {
    await registry.sync(T0);
    await store.history.append('landing', {
      occurrence: 'evt-1',
      trigger: 'blob',
      status: 'submitted',
      runId: 'run-blob',
      attempts: 1,
      recordedAt: '2026-01-01T03:00:00Z',
      detail: 'incoming/a.csv',
    });
    const landing = (await ops.list()).find((s) => s.name === 'landing');
    expect(landing?.lastRun).toEqual({
      status: 'submitted',
      trigger: 'blob',
      occurrence: 'evt-1',
      runId: 'run-blob',
      recordedAt: '2026-01-01T03:00:00Z',
    });
    expect((await ops.list()).find((s) => s.name === 'biweekly')?.lastRun).toBeUndefined();
  });

  it("a v2 schedule's own inputs, as its file gives them, in the document and the CLI's text", async () => {
    const v2: PipelineTarget = {
      ...target('train-v2', 'unused'),
      pipeline: undefined,
      v2: { kind: 'pipeline_job', componentName: 'train', componentVersion: 'latest' },
      inputs: {},
    };
    const files = [
      json('config/schedules/v2.json', {
        name: 'weekly-v2',
        target: 'train-v2',
        recurrence: { frequency: 'Week', interval: 1, week_days: ['Monday'], time_of_day: '05:00' },
        inputs: {
          training_data: { type: 'uri_folder', path: 'azureml://datastores/x/paths/weekly/', mode: 'download' },
          threshold: { type: 'literal', value: 0.9 },
        },
      }),
    ];
    const v2Targets = new Map([['train-v2', v2]]);
    const v2Registry = new ScheduleRegistry({ store, files, clock: () => T0, targets: () => v2Targets });
    const v2Ops = new ScheduleOperations({ registry: v2Registry, store, targets: () => v2Targets });
    const d = must(await v2Ops.get('weekly-v2', { now: T0 }));
    expect(d.inputs).toEqual({
      training_data: { type: 'uri_folder', path: 'azureml://datastores/x/paths/weekly/', mode: 'download' },
      threshold: { type: 'literal', value: '0.9' },
    });
    expect(formatDetail(d)).toContain(
      '  Inputs:       training_data=uri_folder azureml://datastores/x/paths/weekly/ (download), threshold=literal "0.9"',
    );
    expect(must(await ops.get('biweekly', { now: T0 })).inputs).toBeUndefined();
  });

  it('an unknown schedule is schedule.not_found (404) naming it', async () => {
    const r = await ops.get('nope', { now: T0 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'schedule.not_found', status: 404, field: 'name', value: 'nope' });
  });
});

function entry(i: number): HistoryEntry {
  const occurrence = formatInstant(new Date(Date.UTC(2026, 0, 1, i, 30)));
  return {
    occurrence,
    trigger: 'schedule',
    status: 'submitted',
    runId: `run-${i}`,
    attempts: 1,
    recordedAt: occurrence,
  };
}

describe('enable / disable', () => {
  it('disable takes the schedule out of the due index and nextRun; enable does not replay the past', async () => {
    await registry.sync(T0);
    const far = at('2026-12-31T00:00:00Z');
    const due = async (when: Date) => (await store.states.findDue(when)).due.map((d) => d.name);
    expect(await due(far)).toContain('hourly');

    const off = must(await ops.setEnabled('hourly', false, at('2026-01-01T00:10:00Z')));
    expect(off).toEqual({ name: 'hourly', status: 'Disabled', changed: true });
    const state = (await store.states.get('hourly'))?.state;
    expect(state).toMatchObject({ enabled: false, pending: [] });
    expect(state?.nextDue).toBeUndefined();
    expect(state?.wakeAt).toBeUndefined();
    expect(await due(far)).not.toContain('hourly');
    const listed = (await ops.list()).find((s) => s.name === 'hourly');
    expect(listed).toMatchObject({ status: 'Disabled' });
    expect(listed?.nextRun).toBeUndefined();
    expect((await ops.list({ activeOnly: true })).map((s) => s.name)).not.toContain('hourly');

    // Disabling again changes nothing.
    expect(must(await ops.setEnabled('hourly', false, at('2026-01-01T00:20:00Z'))).changed).toBe(false);

    // Enabled two days later: the next run is the first occurrence after that instant, nothing before.
    const later = at('2026-01-03T10:05:00Z');
    const on = must(await ops.setEnabled('hourly', true, later));
    expect(on).toEqual({ name: 'hourly', status: 'Active', changed: true, nextRun: '2026-01-03T10:30:00Z' });
    expect(await due(later)).not.toContain('hourly');
    expect(await due(at('2026-01-03T10:30:00Z'))).toEqual(['hourly']);
  });

  it('enables a schedule its file marks Disabled, and a schedule not yet synced', async () => {
    const r = must(await ops.setEnabled('endpoint-daily', true, at('2026-01-02T07:00:00Z')));
    expect(r).toEqual({ name: 'endpoint-daily', status: 'Active', changed: true, nextRun: '2026-01-03T06:00:00Z' });
    expect((await store.states.get('endpoint-daily'))?.state.enabled).toBe(true);
  });

  it('unknown schedule: 404', async () => {
    const r = await ops.setEnabled('ghost', true, T0);
    expect(r.ok ? undefined : r.error).toMatchObject({ code: 'schedule.not_found', status: 404, value: 'ghost' });
  });
});

describe('apply', () => {
  const mine = (extra: Record<string, unknown> = {}) => ({
    name: 'ops-daily',
    pipeline_id: 'pub-ops',
    experiment_name: 'ops',
    recurrence: { frequency: 'Day', interval: 1, start_time: '2026-01-01T07:00:00Z' },
    ...extra,
  });

  it('reports created, then unchanged, then updated with the changed fields; the state follows', async () => {
    const created = must(await ops.apply([json('ops.json', mine())], { now: T0 }));
    expect(created).toMatchObject({ dryRun: false, created: 1, updated: 0, unchanged: 0 });
    expect(created.schedules).toEqual([
      expect.objectContaining({
        name: 'ops-daily',
        action: 'created',
        status: 'Active',
        nextRun: '2026-01-01T07:00:00Z',
      }),
    ]);
    expect((await ops.list()).map((s) => s.name)).toContain('ops-daily');

    const same = must(await ops.apply([json('ops.json', mine())], { now: at('2026-01-01T01:00:00Z') }));
    expect(same).toMatchObject({ created: 0, updated: 0, unchanged: 1 });

    const changed = must(
      await ops.apply(
        [
          json(
            'ops.json',
            mine({
              recurrence: { frequency: 'Day', interval: 1, start_time: '2026-01-01T09:00:00Z' },
              description: 'now at nine',
            }),
          ),
        ],
        { now: at('2026-01-01T02:00:00Z') },
      ),
    );
    expect(changed).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    expect(changed.schedules[0]).toMatchObject({
      action: 'updated',
      changedFields: ['description', 'recurrence'],
      nextRun: '2026-01-01T09:00:00Z',
    });
    expect(must(await ops.get('ops-daily', { now: at('2026-01-01T02:00:00Z'), next: 1 })).description).toBe(
      'now at nine',
    );
  });

  it('dry run reports without storing anything', async () => {
    const r = must(await ops.apply([json('ops.json', mine())], { now: T0, dryRun: true }));
    expect(r).toMatchObject({ dryRun: true, created: 1 });
    expect(r.schedules[0]?.nextRun).toBeUndefined();
    expect((await ops.get('ops-daily', { now: T0 })).ok).toBe(false);
  });

  it('invalid definitions: every problem with file, field and value; nothing stored', async () => {
    const r = await ops.apply(
      [json('bad.json', [mine({ recurrence: { frequency: 'Day', interval: 0 } }), { name: 'x', pipeline_id: 'p' }])],
      { now: T0 },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('schedule.invalid');
    const fields = (r.error.errors ?? []).map((e) => e.field);
    expect(fields).toContain('[0].recurrence.interval');
    expect(fields).toContain('[1].experiment_name');
    expect((r.error.errors ?? []).every((e) => e.source === 'bad.json')).toBe(true);
    expect((await ops.list()).map((s) => s.name)).not.toContain('ops-daily');
  });

  it('a name the app files define is a 409 conflict; an unknown target a 400', async () => {
    const clash = await ops.apply([json('ops.json', mine({ name: 'hourly' }))], { now: T0 });
    expect(clash.ok ? undefined : clash.error).toMatchObject({ status: 409, value: 'hourly' });
    const unknown = await ops.apply(
      [json('ops.json', { name: 'u', target: 'nope', recurrence: { frequency: 'Day', interval: 1 } })],
      { now: T0 },
    );
    // Reported with the file's other problems (here none), as one invalid-definitions error.
    expect(unknown.ok ? undefined : unknown.error).toMatchObject({
      code: 'schedule.invalid',
      errors: [expect.objectContaining({ code: 'schedule.target.unknown', value: 'nope', field: 'target' })],
    });
  });

  it('warnings such as the unused polling_interval come back with the report', async () => {
    const r = must(
      await ops.apply([json('react.json', { name: 'r1', target: 'score', datastore: 'ds', polling_interval: 5 })], {
        now: T0,
      }),
    );
    expect(r.warnings).toEqual([
      expect.objectContaining({
        code: 'schedule.polling_interval.unused',
        source: 'react.json',
        field: 'polling_interval',
      }),
    ]);
  });
});

describe('delete', () => {
  it('removes an applied schedule with its state and history', async () => {
    must(
      await ops.apply(
        [
          json('ops.json', {
            name: 'temp',
            pipeline_id: 'p',
            experiment_name: 'e',
            recurrence: { frequency: 'Hour', interval: 1 },
          }),
        ],
        { now: T0 },
      ),
    );
    await store.history.append('temp', entry(1));
    const r = must(await ops.delete('temp', T0));
    expect(r).toMatchObject({ name: 'temp', definition: 'applied' });
    expect(r.blobsDeleted).toBeGreaterThanOrEqual(3);
    expect((await ops.get('temp', { now: T0 })).ok).toBe(false);
    expect(await store.states.get('temp')).toBeUndefined();
    expect(await store.history.entries('temp')).toEqual([]);
    expect((await store.states.findDue(at('2027-01-01T00:00:00Z'))).due.map((d) => d.name)).not.toContain('temp');
    // Gone for good: a later sync does not bring it back.
    await registry.sync(at('2026-01-02T00:00:00Z'), { force: true });
    expect((await ops.list()).map((s) => s.name)).not.toContain('temp');
  });

  it('a schedule defined in the app files is a 409 conflict (edit the file); unknown is 404', async () => {
    await registry.sync(T0);
    const file = await ops.delete('hourly', T0);
    expect(file.ok ? undefined : file.error).toMatchObject({ status: 409, value: 'hourly' });
    expect(await store.states.get('hourly')).toBeDefined();
    const unknown = await ops.delete('ghost', T0);
    expect(unknown.ok ? undefined : unknown.error).toMatchObject({ code: 'schedule.not_found', status: 404 });
  });

  it('orphans (definition removed) are listed as such and can be deleted; enabling one is a 409', async () => {
    await registry.sync(T0);
    // The app's files lose "hourly": the next sync disables it and keeps its state.
    const fewer = new ScheduleRegistry({
      store,
      files: [
        json(
          'config/schedules/app.json',
          appSchedules.filter((s) => s.name !== 'hourly'),
        ),
      ],
      clock: () => T0,
      targets: () => targets,
    });
    await fewer.sync(at('2026-01-01T01:00:00Z'));
    const opsAfter = new ScheduleOperations({ registry: fewer, store });
    const orphan = (await opsAfter.list()).find((s) => s.name === 'hourly');
    expect(orphan).toMatchObject({ status: 'Disabled', sync: 'orphaned' });
    const enable = await opsAfter.setEnabled('hourly', true, at('2026-01-01T02:00:00Z'));
    expect(enable.ok ? undefined : enable.error).toMatchObject({ code: 'schedule.definition.missing', status: 409 });
    expect(must(await opsAfter.delete('hourly', at('2026-01-01T02:00:00Z')))).toMatchObject({ definition: 'orphan' });
    expect((await opsAfter.list()).map((s) => s.name)).not.toContain('hourly');
  });
});

describe('history', () => {
  it('newest first, bounded by the limit asked and by what the store keeps', async () => {
    await setup({ historyLimit: 25 });
    await registry.sync(T0);
    for (let i = 1; i <= 30; i++) await store.history.append('hourly', entry(i));
    const ten = must(await ops.history('hourly', { limit: 10 }));
    expect(ten.entries.map((e) => e.runId)).toEqual(Array.from({ length: 10 }, (_, k) => `run-${30 - k}`));
    expect(ten).toMatchObject({ name: 'hourly', limit: 10, retained: 25 });
    const all = must(await ops.history('hourly', { limit: 1000 }));
    expect(all.entries).toHaveLength(25);
    expect(all.entries.at(-1)?.runId).toBe('run-6');
    const recorded = all.entries.map((e) => e.recordedAt);
    expect([...recorded].sort().reverse()).toEqual(recorded);
  });

  it('a schedule with no runs has an empty history; an unknown one is 404', async () => {
    await registry.sync(T0);
    expect(must(await ops.history('biweekly')).entries).toEqual([]);
    const r = await ops.history('ghost');
    expect(r.ok ? undefined : r.error).toMatchObject({ code: 'schedule.not_found', status: 404 });
  });
});
